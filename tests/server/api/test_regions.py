import gzip

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, func, select

from server.cli.regions import import_regions
from server.engine.models import Region
from server.extensions import db

REGIONS = "/api/v1/regions"
FULL = {1: 38, 2: 514, 3: 7285, 4: 83762}


def counts_by_level():
    """How many regions the database holds at each level."""
    return dict(db.session.execute(select(Region.level, func.count()).group_by(Region.level)).all())


def test_full_import_loads_every_region_once(fresh_app):
    # On its own empty database, so the shared test database keeps only the test regions.
    with fresh_app.app_context():
        upgrade()
        first = import_regions()
        assert first == {"levels": FULL, "inserted": sum(FULL.values()), "renamed": 0}
        assert counts_by_level() == FULL
        assert import_regions() == {"levels": FULL, "inserted": 0, "renamed": 0}
        assert counts_by_level() == FULL


@pytest.fixture
def source(app, tmp_path):
    """A folder for a sample source; its regions (code 99) leave the shared database after the test."""
    yield tmp_path
    with app.app_context():
        db.session.execute(delete(Region).where(Region.code.startswith("99")))
        db.session.commit()


def write_source(folder, villages):
    """A tiny idn-area-data folder: one province, regency and district, and the given villages."""
    files = {
        "provinces": "code,name\n99,Contoh\n",
        "regencies": "code,province_code,name\n99.01,99,Kab. Contoh\n",
        "districts": "code,regency_code,name\n99.01.01,99.01,Kec. Contoh\n",
        "villages": "code,district_code,name\n" + "".join(f"{c},99.01.01,{n}\n" for c, n in villages),
    }
    for stem, content in files.items():
        with gzip.open(folder / f"{stem}.csv.gz", "wt", encoding="utf-8") as handle:
            handle.write(content)


def test_import_adds_new_codes_and_renames_changed_ones(app, source):
    with app.app_context():
        write_source(source, [("99.01.01.2001", "Desa Lama")])
        assert import_regions(source)["inserted"] == 4
        write_source(source, [("99.01.01.2001", "Desa Baru"), ("99.01.01.2002", "Desa Kedua")])
        assert import_regions(source) == {"levels": {1: 1, 2: 1, 3: 1, 4: 2}, "inserted": 1, "renamed": 1}
        assert db.session.get(Region, "99.01.01.2001").name == "Desa Baru"


def test_import_of_one_prefix_takes_its_ancestors_and_descendants(app, source):
    with app.app_context():
        write_source(source, [("99.01.01.2001", "Satu"), ("99.01.01.2002", "Dua")])
        result = import_regions(source, only="99.01.01.2002")
        assert result["levels"] == {1: 1, 2: 1, 3: 1, 4: 1}


def test_lists_provinces_without_a_parent(client, accounts):
    response = client.get(REGIONS, headers=accounts.headers())
    assert response.status_code == 200
    assert response.get_json() == [{"code": "32", "name": "Jawa Barat", "level": 1, "parent_code": None}]


def test_lists_the_children_of_a_region_with_an_etag(client, accounts):
    headers = accounts.headers()
    response = client.get(REGIONS, query_string={"parent": "32.04"}, headers=headers)
    assert response.status_code == 200
    children = response.get_json()
    assert len(children) == 31  # the kecamatan of Kab. Bandung
    assert [c["code"] for c in children] == sorted(c["code"] for c in children)
    assert {"code": "32.04.10", "name": "Margaasih", "level": 3, "parent_code": "32.04"} in children
    assert response.headers["ETag"].startswith('"')


def test_if_none_match_answers_304(client, accounts):
    headers = accounts.headers()
    etag = client.get(REGIONS, query_string={"parent": "32.04"}, headers=headers).headers["ETag"]
    for sent in (etag, "W/" + etag, f'"stale", {etag}'):
        cached = client.get(REGIONS, query_string={"parent": "32.04"}, headers={**headers, "If-None-Match": sent})
        assert cached.status_code == 304
        assert cached.data == b""
        assert cached.headers["ETag"] == etag
    stale = client.get(REGIONS, query_string={"parent": "32.04"}, headers={**headers, "If-None-Match": '"stale"'})
    assert stale.status_code == 200


def test_etag_differs_between_lists(client, accounts):
    headers = accounts.headers()
    etags = {
        client.get(REGIONS, query_string={"parent": p}, headers=headers).headers["ETag"] for p in ("32.04", "32.73")
    }
    assert len(etags) == 2


def test_one_region_with_its_ancestors(client, accounts):
    response = client.get(f"{REGIONS}/32.04.10.2001", headers=accounts.headers())
    assert response.status_code == 200
    body = response.get_json()
    assert (body["code"], body["name"], body["level"], body["parent_code"]) == (
        "32.04.10.2001",
        "Margaasih",
        4,
        "32.04.10",
    )
    assert [a["code"] for a in body["ancestors"]] == ["32", "32.04", "32.04.10"]
    assert body["ancestors"][1]["name"] == "Kabupaten Bandung"


@pytest.mark.parametrize("url", [f"{REGIONS}/32.04.99.9999", f"{REGIONS}?parent=32.04.99"])
def test_unknown_region_is_a_404(client, accounts, url):
    response = client.get(url, headers=accounts.headers())
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_malformed_parent_is_a_400(client, accounts):
    response = client.get(REGIONS, query_string={"parent": "Bandung"}, headers=accounts.headers())
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_parameter")


def test_regions_need_a_token(client):
    assert client.get(f"{REGIONS}/32.04").status_code == 401
