"""A recent-first sync: recent movements and each product's opening stock, older history on demand."""

from decimal import Decimal

from tests.helpers import Device, movement_fields, new_id, producer_fields, product_fields

SINCE = "2026-09-01T00:00:00Z"
OLD, RECENT = "2025-03-10T08:00:00Z", "2026-11-27T08:15:00Z"


def seed(device, products=3, old=4, recent=2):
    """Products each with `old` movements before SINCE and `recent` after; answers the product ids."""
    producer_id, ids = new_id(), [new_id() for _ in range(products)]
    ops = [device.op("producer", producer_id, producer_fields())]
    for n, product_id in enumerate(ids):
        ops.append(device.op("product", product_id, product_fields(producer_id)))
        for i in range(old):
            ops.append(
                device.op("stock_movement", new_id(), movement_fields(product_id, f"{n + i + 1}.5", occurred_at=OLD))
            )
        for i in range(recent):
            ops.append(
                device.op(
                    "stock_movement", new_id(), movement_fields(product_id, f"-{i + 1}", "sale", occurred_at=RECENT)
                )
            )
    assert set(device.statuses(*ops)) == {"applied"}
    return ids


def get(device, path, **params):
    return device.client.get(path, query_string=params, headers=device.headers)


class RecentFirstPhone:
    """What a phone keeps of a recent-first sync: movements by id, each product's opening, its cursor."""

    def __init__(self, device):
        self.device, self.cursor = device, None
        self.movements, self.openings, self.older = {}, {}, {}

    def first_sync(self, limit=4):
        """Pull from the beginning with SINCE on every page, following the cursor."""
        while True:
            params = {"since": SINCE, "limit": limit, **({"cursor": self.cursor} if self.cursor else {})}
            body = get(self.device, "/api/v1/sync/pull", **params).get_json()
            self.take(body["changes"])
            self.cursor = body["cursor"]
            if not body["more"]:
                assert body["openings"]["as_of"] == SINCE
                self.openings = {p: Decimal(q) for p, q in body["openings"]["stock"].items()}
                return body

    def pull(self):
        """An ordinary incremental pull, without since."""
        while True:
            body = get(self.device, "/api/v1/sync/pull", cursor=self.cursor).get_json()
            assert "openings" not in body
            self.take(body["changes"])
            self.cursor = body["cursor"]
            if not body["more"]:
                return

    def take(self, changes):
        for change in changes:
            if change["entity"] == "stock_movement":
                assert change["entity_id"] not in self.movements, "a movement came twice"
                self.movements[change["entity_id"]] = change["data"]

    def load_older(self, product_id, limit=2):
        """A product's movements before SINCE, page by page."""
        page = None
        while True:
            params = {"product_id": product_id, "before": SINCE, "limit": limit, **({"page": page} if page else {})}
            body = get(self.device, "/api/v1/sync/history", **params).get_json()
            for change in body["changes"]:
                assert change["entity_id"] not in self.older, "an older movement came twice"
                self.older[change["entity_id"]] = change["data"]
            page = body["next"]
            if page is None:
                return

    def stock(self, product_id):
        """Opening plus every movement pulled."""
        pulled = sum(Decimal(m["qty"]) for m in self.movements.values() if m["product_id"] == product_id)
        return self.openings.get(product_id, Decimal(0)) + pulled


def server_stock(device):
    """Each product's stock from a whole pull from the beginning, by a device of the same account."""
    totals = {}
    for (entity, _), data in device.state().items():
        if entity == "stock_movement":
            totals[data["product_id"]] = totals.get(data["product_id"], Decimal(0)) + Decimal(data["qty"])
    return totals


def server_movement_ids(device):
    return {key[1] for key in device.state() if key[0] == "stock_movement"}


def test_a_recent_first_sync_shows_each_products_stock_exactly(facilitator):
    products = seed(facilitator)
    phone = RecentFirstPhone(Device(facilitator.client, facilitator.headers))
    phone.first_sync()
    assert {m["occurred_at"] for m in phone.movements.values()} == {RECENT}
    expected = server_stock(facilitator)
    assert {p: phone.stock(p) for p in products} == expected
    # Product n's old movements are n+1.5, n+2.5, n+3.5 and n+4.5.
    assert phone.openings == {p: Decimal(4 * n + 12) for n, p in enumerate(products)}


def test_a_recent_first_sync_sends_every_other_record_and_no_old_movement(facilitator):
    products = seed(facilitator, products=2, old=3, recent=1)
    phone = RecentFirstPhone(Device(facilitator.client, facilitator.headers))
    body = get(phone.device, "/api/v1/sync/pull", since=SINCE).get_json()
    entities = [c["entity"] for c in body["changes"]]
    assert entities == ["producer", "product", "product", "stock_movement", "stock_movement"]
    assert sorted(body["openings"]["stock"]) == sorted(products)


def test_first_sync_then_older_history_then_pulls_miss_nothing_and_repeat_nothing(facilitator):
    products = seed(facilitator)
    phone = RecentFirstPhone(Device(facilitator.client, facilitator.headers))
    phone.first_sync()
    # After the first sync: one movement back-dated into the old range, one recent.
    late = [
        facilitator.op("stock_movement", new_id(), movement_fields(products[0], "7", occurred_at=OLD)),
        facilitator.op("stock_movement", new_id(), movement_fields(products[1], "3", occurred_at=RECENT)),
    ]
    facilitator.push(*late)
    phone.pull()
    for product_id in products:
        phone.load_older(product_id)
    assert {p: phone.stock(p) for p in products} == server_stock(facilitator)
    # The back-dated one came by the pull (and counts in stock); history lists it again, by the same id.
    assert late[0]["entity_id"] in phone.movements
    assert set(phone.movements) | set(phone.older) == server_movement_ids(facilitator)
    assert set(phone.movements) & set(phone.older) == {late[0]["entity_id"]}


def test_openings_cover_only_what_the_cursor_covers(facilitator):
    products = seed(facilitator, products=1, old=2, recent=0)
    phone = RecentFirstPhone(Device(facilitator.client, facilitator.headers))
    phone.first_sync()
    facilitator.push(facilitator.op("stock_movement", new_id(), movement_fields(products[0], "100", occurred_at=OLD)))
    phone.pull()
    assert phone.stock(products[0]) == server_stock(facilitator)[products[0]]


def test_a_pull_without_since_is_as_before(facilitator):
    seed(facilitator, products=1, old=2, recent=1)
    body = get(facilitator, "/api/v1/sync/pull").get_json()
    assert set(body) == {"changes", "cursor", "more", "reset", "hlc"}
    assert [c["entity"] for c in body["changes"]] == ["producer", "product"] + ["stock_movement"] * 3


def test_the_next_page_link_keeps_since(facilitator):
    seed(facilitator, products=2)
    first = get(facilitator, "/api/v1/sync/pull", since=SINCE, limit=2)
    assert "since=2026-09-01T00%3A00%3A00Z" in first.headers["Link"]
    assert "openings" not in first.get_json()


def test_since_that_is_not_a_time_is_a_400(facilitator):
    for value in ("yesterday", "2026-09-01", "1999-01-01T00:00:00Z"):
        response = get(facilitator, "/api/v1/sync/pull", since=value)
        assert response.status_code == 400, value
        assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_a_hub_may_not_pull_recent_first(client, accounts):
    hub = Device(client, accounts.headers(role="hub", regions=("32.04.10",)))
    response = get(hub, "/api/v1/sync/pull", since=SINCE)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["fields"]["since"]["code"] == "not_for_hubs"


def test_history_of_a_product_out_of_scope_is_forbidden(facilitator, client, accounts):
    products = seed(facilitator, products=1)
    stranger = Device(client, accounts.headers(role="facilitator", regions=("32.73.01.1001",)))
    response = get(stranger, "/api/v1/sync/history", product_id=products[0], before=SINCE)
    assert response.status_code == 403


def test_history_needs_a_product_and_a_time(facilitator):
    assert get(facilitator, "/api/v1/sync/history", before=SINCE).status_code == 400
    assert get(facilitator, "/api/v1/sync/history", product_id=new_id()).status_code == 400
