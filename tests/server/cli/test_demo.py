"""`flask demo`: demo data for Kab. Bandung, written through the one write path."""

import re
import uuid
from collections import defaultdict

from sqlalchemy import delete, func, select, text

from server.cli.demo import ADMIN, DEMO_PIN
from server.engine.models import AppliedOp, Producer, Product, Region, Review, StockMovement, User, UserRegion
from server.extensions import db

SMALL = ["demo", "--producers", "10", "--products", "30", "--movements", "500", "--end-date", "2026-11-27"]
LOGIN_ROW = re.compile(r"^\s+(admin|facilitator|producer)\s+.*?(\+62\d+)\s+(\d{6})\s+(.+)$", re.M)
KEEP = {"regions", "alembic_version", "sync_state"}


def run_demo(runner, *extra, seed="7"):
    """Run the small demo; answers the CLI result after checking it succeeded."""
    result = runner.invoke(args=[*SMALL, "--seed", seed, *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def logins(output):
    """(role, phone, pin, regions) of each demo login the command printed."""
    return [m.groups() for m in LOGIN_ROW.finditer(output)]


def login(client, phone, pin=DEMO_PIN):
    response = client.post("/api/v1/auth/login", json={"phone": phone, "pin": pin, "device_id": str(uuid.uuid4())})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def pull_all(client, token):
    """Every change a login may see, following the cursor."""
    changes, cursor = [], None
    while True:
        query = "?limit=5000" + (f"&cursor={cursor}" if cursor else "")
        body = client.get("/api/v1/sync/pull" + query, headers={"Authorization": "Bearer " + token}).get_json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes


def snapshot():
    """The demo's records as plain rows, without server-made ids and times."""
    return {
        "producers": db.session.execute(
            select(
                Producer.id, Producer.name, Producer.village_code, Producer.kind, Producer.phone, Producer.nib
            ).order_by(Producer.id)
        ).all(),
        # A review stamps the product's status with the server's clock: that one clock is not the seed's.
        "products": [
            (*row[:-2], {k: v for k, v in row.hlcs.items() if k != "status"}, row.certifications)
            for row in db.session.execute(
                select(
                    Product.id,
                    Product.producer_id,
                    Product.name,
                    Product.category,
                    Product.description,
                    Product.unit,
                    Product.unit_weight_g,
                    Product.price_idr,
                    Product.hs_code,
                    Product.status,
                    Product.stock_milli,
                    Product.hlcs,
                    Product.certifications,
                ).order_by(Product.id)
            ).all()
        ],
        "movements": db.session.execute(
            select(
                StockMovement.id,
                StockMovement.product_id,
                StockMovement.qty_milli,
                StockMovement.kind,
                StockMovement.occurred_at,
                StockMovement.note,
                StockMovement.hlc,
            ).order_by(StockMovement.id)
        ).all(),
        "reviews": db.session.execute(
            select(Review.id, Review.product_id, Review.decision, Review.note, Review.hlc).order_by(Review.id)
        ).all(),
        "accounts": db.session.execute(select(User.phone, User.name, User.role).order_by(User.phone)).all(),
    }


def wipe():
    """Empty every table but the regions, and reset the sync state."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEEP:
            db.session.execute(delete(table))
    db.session.execute(text("UPDATE sync_state SET seq = 0, hlc = '' WHERE id = 1"))
    db.session.commit()


def test_small_demo_counts(app, runner):
    result = run_demo(runner)
    assert "Demo logins" in result.output and "Done in" in result.output
    with app.app_context():
        assert (count(Producer), count(Product), count(StockMovement)) == (10, 30, 500)
        reviewed = db.session.scalar(
            select(func.count()).where(Product.status.in_(["approved", "needs_changes", "rejected"]))
        )
        assert count(Review) == reviewed > 0
        # Every record went through apply_ops: one applied op each.
        assert count(AppliedOp) == count(Producer) + count(Product) + count(StockMovement) + count(Review)
        roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert roles["admin"] == 1 and 3 <= roles["facilitator"] <= 5 and roles["producer"] >= 1
        villages = set(db.session.scalars(select(Producer.village_code)))
        desa = set(db.session.scalars(select(Region.code).where(Region.code.in_(villages), Region.level == 4)))
        assert villages == desa and all(code.startswith("32.04.") for code in villages)
        statuses = set(db.session.scalars(select(Product.status)))
        assert {"approved", "needs_changes"} <= statuses
        assert db.session.scalar(select(func.count()).where(Product.hs_code.is_not(None))) > 0
        prices = list(db.session.scalars(select(Product.price_idr)))
        assert all(isinstance(p, int) and p > 0 for p in prices)


def test_stock_is_the_sum_of_movements_and_never_negative(app, runner):
    run_demo(runner)
    with app.app_context():
        moves = db.session.execute(
            select(StockMovement.product_id, StockMovement.qty_milli, StockMovement.kind).order_by(
                StockMovement.product_id, StockMovement.occurred_at, StockMovement.seq
            )
        ).all()
        running, kinds = defaultdict(int), set()
        for product_id, qty, kind in moves:
            running[product_id] += qty
            kinds.add(kind)
            assert running[product_id] >= 0, (product_id, kind, qty)
            assert qty != 0
            if kind in ("harvest", "production", "purchase"):
                assert qty > 0
            if kind in ("sale", "spoilage", "shipment"):
                assert qty < 0
        stock = dict(db.session.execute(select(Product.id, Product.stock_milli)).all())
        assert all(stock[pid] == running.get(pid, 0) for pid in stock)
        assert {"sale"} <= kinds and kinds & {"harvest", "production", "purchase"}
        times = db.session.execute(select(func.min(StockMovement.occurred_at), func.max(StockMovement.occurred_at)))
        first, last = times.one()
        assert (last - first).days >= 300


def test_demo_logins_work(app, runner, client):
    rows = logins(run_demo(runner).output)
    roles = [role for role, *_ in rows]
    assert roles.count("admin") == 1 and 3 <= roles.count("facilitator") <= 5 and roles.count("producer") >= 1
    assert (ADMIN[0], DEMO_PIN) in [(phone, pin) for _, phone, pin, _ in rows]
    seen = defaultdict(int)
    for role, phone, pin, regions in rows:
        body = login(client, phone, pin)
        assert body["user"]["role"] == role
        producers = [c for c in pull_all(client, body["access_token"]) if c["entity"] == "producer"]
        seen[role] += len(producers)
        if role == "producer":
            # The account's phone is the phone of a producer record: it sees exactly that one.
            assert [p["data"]["phone"] for p in producers] == [phone]
        if role == "facilitator":
            assert len(regions.split(", ")) >= 3
            assert all(p["data"]["village_code"] in regions.split(", ") for p in producers)
    assert seen["admin"] == 10 and seen["facilitator"] > 0


def test_if_empty_does_nothing_when_producers_exist(app, runner):
    run_demo(runner)
    with app.app_context():
        before = (count(Producer), count(Product), count(StockMovement), count(User), count(Review))
    again = runner.invoke(args=[*SMALL, "--seed", "8", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output and len(again.output.strip().splitlines()) == 1
    refused = runner.invoke(args=[*SMALL, "--seed", "8"])
    assert refused.exit_code != 0 and "producers already" in refused.output
    with app.app_context():
        assert (count(Producer), count(Product), count(StockMovement), count(User), count(Review)) == before


def test_if_empty_fills_an_empty_database(app, runner):
    result = run_demo(runner, "--if-empty")
    assert "Demo logins" in result.output
    with app.app_context():
        assert count(Producer) == 10


def test_same_seed_same_data(app, runner):
    run_demo(runner, seed="11")
    with app.app_context():
        first = snapshot()
        wipe()
    run_demo(runner, seed="11")
    with app.app_context():
        assert snapshot() == first
        wipe()
    run_demo(runner, seed="12")
    with app.app_context():
        other = snapshot()
    assert other["producers"] != first["producers"] and other["movements"] != first["movements"]


def test_existing_admin_is_reused(app, runner, accounts):
    accounts.make(role="admin", regions=("32.04",), phone=ADMIN[0], pin="135790", name="Admin Bandung")
    result = run_demo(runner)
    assert "(unchanged)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.role == "admin")) == 1
        assert count(Producer) == 10


def test_missing_kabupaten_is_imported(app, runner):
    under = Region.code.like("32.04.%")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserRegion)) == 0
        before = db.session.scalar(select(func.count()).where(under))
        db.session.execute(delete(Region).where(under))
        db.session.commit()
    result = run_demo(runner)
    assert "32.04 was missing" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(under)) == before > 200
        assert count(Producer) == 10
