"""Photos through a hub: taken at the hub they reach upstream once; named upstream they come down
to the hub, whose devices then get them with upstream out of reach."""

import hashlib
import io

import pytest
from PIL import Image

from server.engine import hub_state
from server.engine.models import Blob
from server.engine.photo_store import upstream_copy
from server.extensions import db
from sync.client import TransportError
from tests.helpers import new_id, producer_fields, product_fields

from .test_relay import DESA, hub_device, run_cycle
from .test_relay import regional_device as regional_device  # a fixture
from .test_relay import upstream as upstream  # a fixture

BLOBS = "/api/v1/blobs/"
GPS_IFD = 0x8825


def photo(shade=60, gps=False):
    """A JPEG of its own colour; with gps, one whose location the server removes before storing it."""
    image = Image.new("RGB", (320, 240), (180, 120, shade))
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "S", 2: (6.0, 54.0, 30.0), 3: "E", 4: (107.0, 36.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    return hashlib.sha256(data).hexdigest(), data


def upload(device, name, data, status=201):
    answer = device.client.put(BLOBS + name, data=data, headers={**device.headers, "Content-Type": "image/jpeg"})
    assert answer.status_code == status, answer.get_json()


def list_photos(device, *names):
    """Push a producer of the hub's kecamatan and a product listing the photos; answers the product id."""
    producer_id, product_id = new_id(), new_id()
    device.push(
        device.op("producer", producer_id, producer_fields(village_code=DESA)),
        device.op("product", product_id, product_fields(producer_id, photos=list(names))),
    )
    return product_id


class Watched:
    """The upstream transport, recording each request and failing every one while `reachable` is False."""

    def __init__(self, transport):
        self.inner, self.requests, self.reachable = transport, [], True

    @property
    def token(self):
        return self.inner.token

    @token.setter
    def token(self, value):
        self.inner.token = value

    def __call__(self, method, path, **request):
        return self._pass(method, path, {}, lambda: self.inner(method, path, **request))

    def stream(self, method, path, headers=None, **request):
        return self._pass(method, path, headers or {}, lambda: self.inner.stream(method, path, headers, **request))

    def _pass(self, method, path, headers, send):
        if not self.reachable:
            raise TransportError("no route to upstream")
        self.requests.append((method, path, headers.get("Content-Range")))
        return send()

    def photo_requests(self, method):
        return [(path.removeprefix(BLOBS), piece) for m, path, piece in self.requests if m == method and BLOBS in path]


@pytest.fixture
def watched(upstream):
    upstream.transport = Watched(upstream.transport)
    return upstream.transport


def upstream_blobs(app):
    with app.app_context():
        return {blob.sha256 for blob in db.session.query(Blob)}


def test_a_photo_taken_at_the_hub_reaches_upstream_with_its_record(
    app, hub_app, upstream, watched, regional_device, accounts
):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    name, data = photo(gps=True)  # the hub stores it without its location, so not as sent
    upload(at_the_hub, name, data)
    product_id = list_photos(at_the_hub, name)
    watched.requests.clear()
    report = run_cycle(hub_app, upstream)
    assert (report.photos_up, report.pushed) == (1, 2)
    sent = [path for _, path, _ in watched.requests]
    assert sent.index(BLOBS + name) < sent.index("/api/v1/sync/push")  # the photo before the op naming it
    assert upstream_blobs(app) == {name}
    pulled = {c["entity_id"]: c for c in regional_device.pull_all()}
    assert pulled[product_id]["data"]["photos"] == [name]
    got = regional_device.client.get(BLOBS + name, headers=regional_device.headers)
    assert got.status_code == 200 and got.data[:2] == b"\xff\xd8"
    with hub_app.app_context():
        assert hub_state.recall("photos")["waiting_up"] == 0


def test_a_photo_named_upstream_reaches_the_hubs_devices_while_upstream_is_out_of_reach(
    hub_app, upstream, watched, regional_device, accounts
):
    name, data = photo(shade=200)
    upload(regional_device, name, data)
    list_photos(regional_device, name)
    at_the_hub = hub_device(hub_app, accounts, upstream)  # runs the cycle that brings it
    with hub_app.app_context():
        assert hub_state.recall("photos")["down"] == 1
    watched.reachable = False
    with pytest.raises(TransportError):
        run_cycle(hub_app, upstream)
    for size in ("full", "thumb"):
        got = at_the_hub.client.get(BLOBS + name, query_string={"size": size}, headers=at_the_hub.headers)
        assert got.status_code == 200, size
    full = at_the_hub.client.get(BLOBS + name, headers=at_the_hub.headers)
    assert Image.open(io.BytesIO(full.data)).size == (320, 240)


def test_a_photo_is_fetched_once(hub_app, upstream, watched, regional_device):
    name, data = photo(shade=30)
    upload(regional_device, name, data)
    list_photos(regional_device, name)
    assert run_cycle(hub_app, upstream).photos_down == 1
    assert run_cycle(hub_app, upstream).photos_down == 0
    assert watched.photo_requests("GET") == [(name, None)]


def test_a_cycle_run_again_after_a_lost_answer_uploads_nothing_twice(app, hub_app, upstream, watched, accounts):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    name, data = photo(shade=90)
    upload(at_the_hub, name, data)
    list_photos(at_the_hub, name)
    assert run_cycle(hub_app, upstream).photos_up == 1
    with hub_app.app_context():  # as if the hub went off before it dropped its copy for upstream
        upstream_copy(name).write_bytes(data)
    watched.requests.clear()
    report = run_cycle(hub_app, upstream)
    assert (report.photos_up, report.pushed) == (0, 0)
    assert watched.photo_requests("PUT") == []
    assert watched.photo_requests("HEAD") == [(name, None)]
    assert upstream_blobs(app) == {name}
    with hub_app.app_context():
        assert not upstream_copy(name).exists()


def test_an_upload_cut_off_upstream_goes_on_from_where_it_stopped(app, hub_app, upstream, watched, accounts):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    name, data = photo(shade=120)
    upload(at_the_hub, name, data)
    half = len(data) // 2
    piece = {"Content-Type": "image/jpeg", "Content-Range": f"bytes 0-{half - 1}/{len(data)}"}
    status, _, _ = upstream.logged_in(
        lambda: upstream.transport.stream("PUT", BLOBS + name, headers=piece, body=io.BytesIO(data[:half]))
    )
    assert status == 202  # upstream holds the first half of the hub's upload
    watched.requests.clear()
    assert run_cycle(hub_app, upstream).photos_up == 1
    assert watched.photo_requests("PUT") == [(name, f"bytes {half}-{len(data) - 1}/{len(data)}")]
    assert upstream_blobs(app) == {name}


def test_a_photo_upstream_does_not_have_does_not_stop_the_cycle(hub_app, upstream, watched, regional_device):
    lost = hashlib.sha256(b"a photo never uploaded").hexdigest()
    name, data = photo(shade=10)
    upload(regional_device, name, data)
    list_photos(regional_device, lost, name)
    report = run_cycle(hub_app, upstream)
    assert (report.photos_down, report.photos_unavailable, report.pulled) == (1, 1, 2)
    assert report.reached_at is not None
    with hub_app.app_context():
        assert hub_state.recall("photos")["unavailable"] == 1
    watched.requests.clear()
    report = run_cycle(hub_app, upstream)
    assert (report.photos_down, report.photos_unavailable) == (0, 0)
    assert watched.photo_requests("GET") == []  # not asked again every cycle


def test_a_photo_uploaded_upstream_after_its_product_reaches_the_hub_when_asked_again(
    hub_app, upstream, watched, regional_device
):
    name, data = photo(shade=150)
    list_photos(regional_device, name)  # the op first; the photo follows when the phone can
    assert run_cycle(hub_app, upstream).photos_unavailable == 1
    upload(regional_device, name, data)
    assert run_cycle(hub_app, upstream).photos_down == 0  # not asked again at once
    with hub_app.app_context():
        _, wait = hub_state.recall("photos_unavailable")[name]
        hub_state.remember("photos_unavailable", {name: ["2000-01-01T00:00:00Z", wait]})  # the wait is over
        db.session.commit()
    assert run_cycle(hub_app, upstream).photos_down == 1
    with hub_app.app_context():
        assert hub_state.recall("photos_unavailable") == {}
        assert hub_state.recall("photos")["unavailable"] == 0


def test_bytes_upstream_refuses_are_dropped_and_hold_back_no_other_photo(app, hub_app, upstream, accounts):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    with hub_app.app_context():  # not a photo at all, under a name it does not hash to
        upstream_copy("0" * 64).parent.mkdir(parents=True, exist_ok=True)
        upstream_copy("0" * 64).write_bytes(b"<html>not a photo</html>")
    name, data = photo(shade=170)
    upload(at_the_hub, name, data)
    report = run_cycle(hub_app, upstream)
    assert (report.photos_refused, report.photos_up) == (1, 1)
    assert upstream_blobs(app) == {name}
    with hub_app.app_context():
        assert not upstream_copy("0" * 64).exists()


def test_photos_over_upstreams_budget_wait_for_the_next_cycle_and_the_ops_go_anyway(app, hub_app, upstream, accounts):
    app.config["BLOB_PHOTOS_PER_MINUTE"] = 1  # the hub's account may send one photo a minute
    at_the_hub = hub_device(hub_app, accounts, upstream)
    names = []
    for shade in (1, 2):
        name, data = photo(shade=shade)
        upload(at_the_hub, name, data)
        names.append(name)
    list_photos(at_the_hub, *names)
    report = run_cycle(hub_app, upstream)
    assert (report.photos_up, report.pushed) == (1, 2)
    with hub_app.app_context():
        assert hub_state.recall("photos")["waiting_up"] == 1
    app.config["BLOB_PHOTOS_PER_MINUTE"] = 30
    assert run_cycle(hub_app, upstream).photos_up == 1
    assert upstream_blobs(app) == set(names)
