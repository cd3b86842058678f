"""`flask load FILE.csv`: producers, products and stock movements from a spreadsheet, through the ops."""

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import server.cli.load
from server.cli.load import parse_decimal, parse_phone, parse_price, parse_village, parse_when, stable_id
from server.engine.models import AppliedOp, Producer, Product, StockMovement, SyncState
from server.extensions import db
from sync.client import TransportError
from tests.helpers import new_id, producer_fields, product_fields

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "load-example.csv"
HEADER = "producer_name,producer_phone,village_code,producer_kind,product_name,category,unit,qty,kind,occurred_at,note"
# Stock on hand of each product of the example, in thousandths.
EXAMPLE_STOCK = {
    "Kopi Arabika Java Preanger Green Bean Full Wash": 30_000,
    "Kopi Ceri Arabika Petik Merah": 250_000,
    "Susu Sapi Segar": 58_500,
    "Pucuk Teh Segar": 0,
    "Keripik Singkong Balado 250 g": 155_000,
    "Opak Ketan 250 g": 145_000,
    "Stroberi Segar 250 g": 22_000,
}


@pytest.fixture
def admin_phone(accounts):
    """The admin of Kab. Bandung: the first admin, whom a load is applied for by default."""
    return accounts.make(role="admin", regions=("32.04",))


@pytest.fixture
def load(runner, tmp_path, admin_phone):
    """Run `flask load` with an outbox in tmp_path; answers the CLI result."""

    def run(path, *extra):
        return runner.invoke(args=["load", str(path), "--outbox", str(tmp_path / "outbox.db"), "--lang", "en", *extra])

    return run


def write(tmp_path, text, name="rows.csv"):
    """A UTF-8 CSV file in tmp_path."""
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def written():
    """Rows of each table the load writes to, and the change feed's sequence."""
    return count(Producer), count(Product), count(StockMovement), count(AppliedOp), db.session.get(SyncState, 1).seq


def stock():
    """{product name: stock on hand in thousandths}, checked against the sum of the movements."""
    sums = dict(
        db.session.execute(
            select(StockMovement.product_id, func.sum(StockMovement.qty_milli)).group_by("product_id")
        ).all()
    )
    rows = db.session.execute(select(Product.id, Product.name, Product.stock_milli)).all()
    assert all(held == sums.get(pid, 0) for pid, _, held in rows)
    return {name: held for _, name, held in rows}


# -- the example file ------------------------------------------------------------------------------


def test_the_example_file_loads(app, load):
    result = load(EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "rows: 18 read, 18 loaded, 0 rejected" in result.output
    assert (
        "ops: 29 new, 0 duplicate, 0 rejected (created: producers 5, products 7, stock movements 17)" in result.output
    )
    with app.app_context():
        assert (count(Producer), count(Product), count(StockMovement), count(AppliedOp)) == (5, 7, 17, 29)
        assert stock() == EXAMPLE_STOCK
        coffee = db.session.get(Producer, stable_id("producer", "phone", "+6281321456789"))
        assert (coffee.name, coffee.village_code, coffee.kind) == (
            "Kelompok Tani Kopi Sauyunan",
            "32.04.15.2005",
            "group",
        )
        phones = set(db.session.scalars(select(Producer.phone)))
        assert phones == {"+6281321456789", "+6281322110099", "+6285722334455", "+6282116655443", None}
        kwt = db.session.scalar(select(Producer).where(Producer.name == "KWT Mekar Jaya"))
        assert kwt.id == stable_id("producer", "name", "32.04.10.2002", "kwt mekar jaya")
        bean = db.session.scalar(select(Product).where(Product.name.like("Kopi Arabika%")))
        assert (bean.producer_id, bean.category, bean.unit, bean.unit_weight_g, bean.price_idr, bean.hs_code) == (
            coffee.id,
            "coffee",
            "kg",
            1000,
            135_000,
            "09011110",
        )
        milk = db.session.scalar(select(Product).where(Product.name == "Susu Sapi Segar"))
        assert (milk.unit, milk.unit_weight_g, milk.price_idr, milk.status) == ("l", 1030, 8500, "draft")
        moves = {
            (m.kind, m.qty_milli, m.occurred_at, m.note)
            for m in db.session.scalars(select(StockMovement).where(StockMovement.product_id == bean.id))
        }
        assert moves == {
            ("production", 450_000, datetime(2026, 10, 5), "Hasil olah basah batch 1"),
            ("sale", -120_000, datetime(2026, 10, 20), "Pesanan roastery Bandung"),
            ("shipment", -300_000, datetime(2026, 11, 10, 2), "Kirim ke eksportir, Pelabuhan Tanjung Priok"),
        }
        # 27/11/2026 is UTC midnight of 27 November.
        days = set(db.session.scalars(select(StockMovement.occurred_at).where(StockMovement.note.like("Jual di%"))))
        assert days == {datetime(2026, 11, 27)}


def test_loading_again_creates_nothing(app, load):
    assert load(EXAMPLE).exit_code == 0
    with app.app_context():
        before = written()
    again = load(EXAMPLE)
    assert again.exit_code == 0, again.output
    assert "ops: 0 new, 29 duplicate, 0 rejected" in again.output
    assert "rows: 18 read, 18 loaded, 0 rejected" in again.output
    with app.app_context():
        after = written()
        assert after == before
        assert stock() == EXAMPLE_STOCK


def test_the_same_rows_from_another_outbox_are_duplicates(app, load, tmp_path, runner):
    assert load(EXAMPLE).exit_code == 0
    other = runner.invoke(args=["load", str(EXAMPLE), "--outbox", str(tmp_path / "elsewhere.db")])
    assert other.exit_code == 0, other.output
    assert "ops: 0 new, 29 duplicate" in other.output
    with app.app_context():
        assert count(StockMovement) == 17


# -- formats ---------------------------------------------------------------------------------------


def test_a_semicolon_file_with_decimal_commas_and_day_first_dates(app, load, tmp_path):
    text = (
        "\ufeffNama Produsen;No HP;Kode Desa;Jenis Produsen;Produk;Kategori;Satuan;Berat kg;Harga;Jumlah;Jenis;"
        "Tanggal;Catatan\n"
        "Ibu Imas;81234567890;3204102001;perorangan;Dodol Susu 200 g;olahan;bungkus;0,2;Rp 20.000,-;12,5;produksi;"
        "27/11/2026;Batch pagi\n"
        "Ibu Imas;0812-3456-7890;32.04.10.2001;;Dodol Susu 200 g;;;;;1.250,5;produksi;28/11/2026;\n"
        "Ibu Imas;+62 812 3456 7890;32.04.10.2001;;Dodol Susu 200 g;;;;;1.250;Jual;29-11-2026 08:30;Pesanan reseller\n"
        "Ibu Imas;6281234567890;32.04.10.2001;;Dodol Susu 200 g;;;;;0,5;rusak;2026-11-30T15:00:00+07:00;\n"
    )
    result = load(write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "4 rows (semicolon-separated)" in result.output
    assert "ops: 6 new, 0 duplicate, 0 rejected (created: producers 1, products 1, stock movements 4)" in result.output
    with app.app_context():
        producer = db.session.scalar(select(Producer))
        assert (producer.name, producer.phone, producer.village_code, producer.kind) == (
            "Ibu Imas",
            "+6281234567890",
            "32.04.10.2001",
            "individual",
        )
        product = db.session.scalar(select(Product))
        assert (product.category, product.unit, product.unit_weight_g, product.price_idr) == (
            "processed_food",
            "pack",
            200,
            20_000,
        )
        moves = sorted(
            db.session.execute(select(StockMovement.occurred_at, StockMovement.kind, StockMovement.qty_milli))
        )
        assert moves == [
            (datetime(2026, 11, 27), "production", 12_500),
            (datetime(2026, 11, 28), "production", 1_250_500),
            (datetime(2026, 11, 29, 8, 30), "sale", -1_250_000),
            (datetime(2026, 11, 30, 8, 0), "spoilage", -500),
        ]
        assert product.stock_milli == 12_500


@pytest.mark.parametrize(
    "text, semicolon, expected",
    [
        ("12,5", False, "12.5"),
        ("12.5", False, "12.5"),
        ("-3", False, "-3"),
        ("1.250,5", True, "1250.5"),
        ("1,250.5", False, "1250.5"),
        ("1.250", True, "1250"),
        ("1.250", False, "1.25"),
        ("1.250.000", False, "1250000"),
        (" 0,125 ", False, "0.125"),
        ("\u22122", False, "-2"),
    ],
)
def test_quantities_as_people_write_them(text, semicolon, expected):
    assert parse_decimal(text, semicolon) == expected


@pytest.mark.parametrize("text", ["abc", "12,5,3", "1.2.3", "0,1234", "12 kg", "1.25.0"])
def test_what_is_not_a_quantity(text):
    with pytest.raises(server.cli.load.Problem) as info:
        parse_decimal(text)
    assert info.value.code == "invalid_decimal"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Rp 120.000", 120_000),
        ("120000", 120_000),
        ("Rp120.000,-", 120_000),
        ("IDR 1.250.000", 1_250_000),
        ("120,000", 120_000),
        ("120.000,00", 120_000),
        ("Rp. 3.500", 3_500),
        ("\u00a0Rp\u00a025.000\u00a0", 25_000),
    ],
)
def test_prices_as_people_write_them(text, expected):
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-27", "2026-11-27T00:00:00Z"),
        ("27/11/2026", "2026-11-27T00:00:00Z"),
        ("7/3/2026", "2026-03-07T00:00:00Z"),
        ("27.11.26", "2026-11-27T00:00:00Z"),
        ("2026-11-27 08:15", "2026-11-27T08:15:00Z"),
        ("2026-11-27T08:15:00Z", "2026-11-27T08:15:00Z"),
        ("2026-11-27T15:15:00+07:00", "2026-11-27T08:15:00Z"),
        ("2026-11-27T08:15:00.250Z", "2026-11-27T08:15:00.250Z"),
    ],
)
def test_dates_and_times(text, expected):
    assert parse_when(text) == expected


@pytest.mark.parametrize(
    "parse, text",
    [(parse_price, text) for text in ("12,5", "Rp 1.5", "dua ribu", "-5", "12.00.000")]
    + [(parse_when, text) for text in ("2026-13-01", "31/02/2026", "11/27/2026", "kemarin", "2026-11-27 25:00")],
)
def test_what_is_not_a_price_or_a_date(parse, text):
    with pytest.raises(server.cli.load.Problem):
        parse(text)


def test_phones_and_desa_codes():
    assert {parse_phone(p) for p in ("081234567890", "6281234567890", "+6281234567890", "81234567890")} == {
        "+6281234567890"
    }
    assert parse_phone("12345") == "12345"  # left for the server to refuse, in its words
    assert parse_village("3204102001") == parse_village(" 32.04.10.2001 ") == "32.04.10.2001"


# -- bad rows --------------------------------------------------------------------------------------


def test_bad_rows_are_reported_and_the_good_ones_load(app, load, tmp_path):
    text = "\n".join(
        [
            HEADER,
            "Pak Ujang,,32.04.10.2001,individual,Kopi Bubuk,coffee,pack,10,production,2026-11-01,",  # 2
            "Pak Ujang,,32.04.10.2001,,Kopi Bubuk,,,tiga,sale,2026-11-02,",  # 3: bad qty
            "Pak Oman,,32.04.99.2001,individual,Beras,rice_grains,kg,10,harvest,2026-11-01,",  # 4: no such desa
            "Ceu Enok,,32.04.10.2002,ukm,Tahu Putih,kacang,pcs,30,production,2026-11-01,",  # 5: unknown category
            "Ceu Enok,,32.04.10.2002,,Tahu Putih,,,5,sale,2026-11-02,",  # 6: its product was rejected
            "Pak Ujang,,32.04.10.2001,,Kopi Bubuk,,,2,sale,2026-02-30,",  # 7: no such day
            ",,,,Kopi Bubuk,,,1,sale,2026-11-03,",  # 8: whose product?
            "Pak Ujang,,32.04.10.2001,,Kopi Bubuk,,,3,harvest,2026-11-04,",  # 9: fine
            "Pak Ujang,,32.04.10.2001,,Kopi Bubuk,,,-3,harvest,2026-11-05,",  # 10: harvest below zero
            "Pak Ujang,,32.04.10.2001,,,,,4,sale,2026-11-06,",  # 11: no product
        ]
    )
    result = load(write(tmp_path, text))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    expected = [
        'row 3, qty "tiga": invalid_decimal:',
        'row 4, village_code "32.04.99.2001": unknown_region: Unknown region code: 32.04.99.2001.',
        'row 5, category "kacang": invalid_choice: Must be one of: coffee,',
        'row 6, category "kacang": invalid_choice: Must be one of: coffee,',
        'row 7, occurred_at "2026-02-30": invalid_datetime:',
        "row 8, producer_name: required:",
        'row 10, qty "-3": out_of_range:',
        "row 11, product_name: required:",
    ]
    for start in expected:
        assert any(line.strip().startswith(start) for line in lines), (start, result.output)
    assert any(line.strip().startswith("row 6,") and line.endswith("(value from row 5)") for line in lines)
    assert not any(line.strip().startswith(("row 2,", "row 9,")) for line in lines)
    assert "rows: 10 read, 2 loaded, 8 rejected" in result.output
    with app.app_context():
        assert [p.name for p in db.session.scalars(select(Producer).order_by(Producer.name))] == [
            "Ceu Enok",
            "Pak Ujang",
        ]
        assert stock() == {"Kopi Bubuk": 13_000}


def test_a_rejected_row_loads_once_fixed(app, load, tmp_path):
    bad = HEADER + "\nCeu Enok,,32.04.10.2002,ukm,Tahu Putih,kacang,pcs,30,production,2026-11-01,\n"
    assert load(write(tmp_path, bad)).exit_code == 1
    fixed = load(write(tmp_path, bad.replace("kacang", "processed_food")))
    assert fixed.exit_code == 0, fixed.output
    with app.app_context():
        assert stock() == {"Tahu Putih": 30_000}


def test_a_changed_quantity_is_refused_as_immutable(app, load, tmp_path):
    row = "Pak Ujang,,32.04.10.2001,individual,Kopi Bubuk,coffee,pack,{},production,2026-11-01,"
    assert load(write(tmp_path, HEADER + "\n" + row.format(10))).exit_code == 0
    changed = load(write(tmp_path, HEADER + "\n" + row.format(12)))
    assert changed.exit_code == 1
    assert "row 2, qty: immutable:" in changed.output
    with app.app_context():
        assert stock() == {"Kopi Bubuk": 10_000}


def test_a_row_past_a_limit_of_the_contract_names_its_column(app, load, tmp_path):
    row = "Pak Ujang,,32.04.10.2001,individual,Kopi Bubuk,coffee,pack,{},production,{},"
    rows = [row.format("1000000000", "2026-11-01"), row.format("1000000000.001", "2026-11-02")]
    rows.append(row.format("5", "1999-12-31"))
    result = load(write(tmp_path, "\n".join([HEADER, *rows])))
    assert result.exit_code == 1
    assert 'row 3, qty "1000000000.001": out_of_range: Beyond the limits' in result.output
    assert 'row 4, occurred_at "1999-12-31": out_of_range: Beyond the limits' in result.output
    with app.app_context():
        assert stock() == {"Kopi Bubuk": 10**12}


def test_same_rows_on_one_day_are_separate_movements(app, load, tmp_path):
    row = "Pak Ujang,,32.04.10.2001,individual,Kopi Bubuk,coffee,pack,5,sale,2026-11-02,"
    rows = [row.replace("5,sale", "20,production")] + [row] * 3
    result = load(write(tmp_path, "\n".join([HEADER, *rows])))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(StockMovement) == 4 and stock() == {"Kopi Bubuk": 5_000}


def test_a_file_without_producer_columns_is_refused(app, load, tmp_path):
    result = load(write(tmp_path, "product_name,qty\nKopi,1\n"))
    assert result.exit_code == 1
    assert "needs a producer_name or a producer_phone column" in result.output


def test_a_workbook_is_refused_with_a_hint(app, load, tmp_path):
    path = tmp_path / "stok.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    result = load(path)
    assert result.exit_code == 1 and "save it as CSV UTF-8" in result.output


def test_reasons_are_in_indonesian_unless_asked(app, runner, admin_phone, tmp_path):
    path = write(tmp_path, HEADER + "\nPak Ujang,,32.04.10.2001,individual,Kopi,kopii,kg,1,panen,2026-11-02,\n")
    result = runner.invoke(args=["load", str(path), "--outbox", str(tmp_path / "outbox.db")])
    assert result.exit_code == 1
    assert 'row 2, category "kopii": invalid_choice: Harus salah satu dari: coffee,' in result.output


def test_a_row_that_is_not_utf8_is_reported(app, load, tmp_path):
    path = tmp_path / "mixed.csv"
    good = "Pak Ujang,,32.04.10.2001,individual,Kopi Bubuk,coffee,pack,5,harvest,2026-11-02,"
    path.write_bytes((HEADER + "\n" + good + "\n").encode() + "Bu Ené,,32.04.10.2001,,,,,,,,\n".encode("cp1252"))
    result = load(path)
    assert result.exit_code == 1
    assert "row 3, not_utf8:" in result.output
    assert "rows: 2 read, 1 loaded, 1 rejected" in result.output


# -- who loads -------------------------------------------------------------------------------------


def test_an_account_out_of_scope_gets_forbidden_rows(app, load, accounts):
    # A facilitator of two desa of Kec. Pangalengan: the coffee group's and the dairy koperasi's.
    phone = accounts.make(role="facilitator", regions=("32.04.15.2005", "32.04.15.2001"))
    result = load(EXAMPLE, "--as", phone.replace("+62", "0"))
    assert result.exit_code == 1, result.output
    assert "rows 11-19, village_code: forbidden: You are not allowed to do this." in result.output
    assert "rows: 18 read, 9 loaded, 9 rejected" in result.output
    with app.app_context():
        assert set(db.session.scalars(select(Producer.village_code))) == {"32.04.15.2005", "32.04.15.2001"}
        assert count(StockMovement) == 8


def test_an_unknown_account_is_refused(app, load):
    result = load(EXAMPLE, "--as", "081299998888")
    assert result.exit_code == 1 and "no account with phone 081299998888" in result.output


def test_records_made_on_devices_are_found_by_their_natural_keys(app, load, admin, tmp_path):
    budi, iis, asep, coffee = new_id(), new_id(), new_id(), new_id()
    admin.push(
        admin.op("producer", budi, producer_fields(name="Pak  Budi")),
        admin.op("producer", iis, producer_fields(name="Bu Iis", phone="081311112222")),
        admin.op("producer", asep, producer_fields(name="Asep Saepudin", phone="081311113333")),
        admin.op("product", coffee, product_fields(budi, name="Kopi Bubuk", unit="pack")),
    )
    text = "\n".join(
        [
            HEADER,
            # By name in its desa: the record has no phone, so the file's phone is its phone.
            # Names equal but for capitals and spaces are left as they are.
            "PAK BUDI,081311114444,32.04.10.2001,,KOPI BUBUK,coffee,pack,5,harvest,2026-11-02,",
            # By phone, whatever the name and desa: the file is newer.
            "Iis Rohaeti,+6281311112222,32.04.10.2003,,Opak,processed_food,pack,5,production,2026-11-02,",
            # The same name in the same desa with another phone is another person.
            "Asep Saepudin,081311115555,32.04.10.2001,individual,Tahu,processed_food,pcs,5,production,2026-11-02,",
        ]
    )
    result = load(write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "(created: producers 1, products 2, stock movements 3; updated: producers 2, products 1)" in result.output
    assert "ops: 0 new, 9 duplicate" in load(write(tmp_path, text)).output
    with app.app_context():
        producers = {p.id: (p.name, p.phone, p.village_code) for p in db.session.scalars(select(Producer))}
        assert producers[budi] == ("Pak  Budi", "+6281311114444", "32.04.10.2001")
        assert producers[iis] == ("Iis Rohaeti", "+6281311112222", "32.04.10.2003")
        assert producers[asep] == ("Asep Saepudin", "+6281311113333", "32.04.10.2001")
        assert len(producers) == 4
        owners = {p.name: p.producer_id for p in db.session.scalars(select(Product))}
        assert (owners["Kopi Bubuk"], owners["Opak"]) == (budi, iis)
        assert db.session.get(Product, coffee).stock_milli == 5_000
        assert producers[owners["Tahu"]] == ("Asep Saepudin", "+6281311115555", "32.04.10.2001")


def test_an_excel_sep_line_and_tabs(app, load, tmp_path):
    tabbed = (
        "sep=\t\n"
        + HEADER.replace(",", "\t")
        + "\nPak Ujang\t\t32.04.10.2001\tindividual\tKopi\tcoffee\tkg\t1\tharvest\t"
    )
    result = load(write(tmp_path, tabbed + "2026-11-02\t\n"))
    assert result.exit_code == 0, result.output
    assert "1 rows (tab-separated)" in result.output


# -- interrupted loads -----------------------------------------------------------------------------


def big_file(tmp_path, movements=2500):
    """A file of 3 producers, 6 products and many movements."""
    rng = random.Random(5)
    lines = [HEADER]
    products = [
        ("Kelompok Tani Kopi Sauyunan", "081321456789", "32.04.15.2005", "Kopi Gabah Arabika", "coffee", "kg"),
        ("Kelompok Tani Kopi Sauyunan", "081321456789", "32.04.15.2005", "Kopi Ceri Arabika", "coffee", "kg"),
        ("KWT Mekar Jaya", "", "32.04.10.2002", "Keripik Singkong 250 g", "processed_food", "pack"),
        ("KWT Mekar Jaya", "", "32.04.10.2002", "Opak Ketan 250 g", "processed_food", "pack"),
        ("Euis Rohaeti", "085722334455", "32.04.40.2001", "Pucuk Teh Segar", "beverages", "kg"),
        ("Euis Rohaeti", "085722334455", "32.04.40.2001", "Teh Hijau 100 g", "beverages", "pack"),
    ]
    for i in range(movements):
        name, phone, desa, product, category, unit = rng.choice(products)
        kind = rng.choice(("harvest", "production", "sale", "spoilage", "adjustment"))
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(330))
        qty = f"{rng.randrange(1, 500)},{rng.randrange(10)}"
        lines.append(f'{name},{phone},{desa},group,{product},{category},{unit},"{qty}",{kind},{day:%d/%m/%Y},no {i}')
    return write(tmp_path, "\n".join(lines) + "\n", name="big.csv")


class Flaky:
    """apply_ops that fails one push in a given way, and counts the ops it was sent."""

    def __init__(self, fail_on, after_applying=False):
        self.real = server.cli.load.apply_ops
        self.fail_on = fail_on
        self.after_applying = after_applying
        self.calls = 0
        self.sent = 0

    def __call__(self, actor, ops, device_id=None):
        self.calls += 1
        self.sent += len(ops)
        if self.calls == self.fail_on and not self.after_applying:
            raise TransportError("connection dropped")
        answer = self.real(actor, ops, device_id)
        if self.calls == self.fail_on:
            raise TransportError("answer lost")
        return answer


def test_an_interrupted_load_resumes_from_the_outbox(app, load, tmp_path, monkeypatch):
    path = big_file(tmp_path)
    monkeypatch.setattr(server.cli.load, "RETRY_DELAYS", ())
    flaky = Flaky(fail_on=2)
    monkeypatch.setattr(server.cli.load, "apply_ops", flaky)
    first = load(path)
    assert first.exit_code == 1 and "interrupted (connection dropped)" in first.output, first.output
    assert "not yet loaded" in first.output
    with app.app_context():
        assert count(AppliedOp) == 1000
    resumed = Flaky(fail_on=0)
    monkeypatch.setattr(server.cli.load, "apply_ops", resumed)
    second = load(path)
    assert second.exit_code == 0, second.output
    assert "resuming: 1,000 ops were loaded by an earlier run" in second.output
    assert "ops: 1,509 new, 0 duplicate, 0 rejected" in second.output
    assert "rows: 2,500 read, 2,500 loaded, 0 rejected" in second.output
    assert resumed.sent == 1509  # what the first run had sent was not sent again
    with app.app_context():
        assert (count(Producer), count(Product), count(StockMovement), count(AppliedOp)) == (3, 6, 2500, 2509)
        stock()
    third = load(path)
    assert "ops: 0 new, 2,509 duplicate, 0 rejected" in third.output


def test_a_push_whose_answer_was_lost_is_sent_again(app, load, tmp_path, monkeypatch):
    path = big_file(tmp_path)
    monkeypatch.setattr(server.cli.load, "RETRY_DELAYS", (0,))
    flaky = Flaky(fail_on=2, after_applying=True)
    monkeypatch.setattr(server.cli.load, "apply_ops", flaky)
    result = load(path)
    assert result.exit_code == 0, result.output
    # The push whose answer was lost went again: its ops came back duplicate.
    assert "ops: 1,509 new, 1,000 duplicate, 0 rejected" in result.output
    assert flaky.sent == 2509 + 1000
    with app.app_context():
        assert (count(StockMovement), count(AppliedOp)) == (2500, 2509)
        stock()
