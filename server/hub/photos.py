"""Photos through a hub: those its devices upload go upstream, those its kecamatan names come down.

Up. A photo a device uploads at the hub is kept as sent (`upstream/<sha>` of the photo store)
until upstream has it. Each cycle sends them before the ops, so the ops that name a photo find it
upstream. A photo is named by the hash of its bytes, so sending one twice stores it once: HEAD
says whether upstream holds it already, or how much of an upload cut off it holds, and the rest
goes as one piece from there (Content-Range), read from the file in blocks. The hub's copy goes
only once upstream answers that it holds the photo; upstream refusing the bytes for good (not a
photo, too big) drops it too. Anything else (busy, disk full, over the account's budget a minute)
leaves the rest for the next cycle, and the ops go anyway: the contract applies an op whose photo
follows later.

Down. After the changes are taken, every photo a live product of the hub's copy names that the
hub lacks is fetched, one at a time through a file, so the hub's devices get it over the LAN. What
is missing is worked out again every cycle from the copy, so a cycle cut off resumes where it
stopped. A photo upstream does not give (404, or 403 when no product there lists it) never stops
the cycle; it is asked for again 5 minutes later, then twice as long each time, up to a day (a
product's op may come before its photo, which follows when the phone can send it).

What the last cycle did with photos, and what waits, is kept in hub_state under "photos".
"""

import os
import tempfile
from datetime import timedelta
from email.message import Message
from functools import partial

from sqlalchemy import select

from ..engine import hub_state
from ..engine.images import MIMES, format_of
from ..engine.models import Product
from ..engine.photo_store import SHA256_RE, store_folder, store_from_upstream, stored_names
from ..extensions import db
from ..web.errors import ApiError
from ..web.timeutil import rfc3339, utcnow

BLOBS = "/api/v1/blobs/"
HELD = (200, 201)
REFUSED = (413, 415, 422)  # upstream will never take these bytes
UNAVAILABLE = (403, 404)
FIRST_WAIT, LONGEST_WAIT = 300, 24 * 3600  # seconds before asking again for a photo upstream lacks


def send_up(upstream, report):
    """Send upstream, oldest first, the photos uploaded at the hub that it does not hold yet."""
    for path in _waiting_up():
        status = _send(upstream, path)
        if status not in HELD + REFUSED:
            break  # upstream cannot take photos now: the rest waits for the next cycle
        report.photos_up += status == 201  # not when upstream had it already
        report.photos_refused += status in REFUSED
        path.unlink(missing_ok=True)
    _remember(up=report.photos_up, refused=report.photos_refused, waiting_up=len(_waiting_up()))


def _waiting_up():
    folder = store_folder("upstream")
    if not folder.is_dir():
        return []
    return sorted((entry for entry in folder.iterdir() if not entry.name.startswith(".")), key=_modified)


def _modified(path):
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0


def _send(upstream, path):
    """Send one photo from where upstream's upload of it stands; answers upstream's last status."""
    name = path.name
    status, headers, _ = upstream.logged_in(lambda: upstream.transport.stream("HEAD", BLOBS + name))
    if status in HELD:
        return status
    with open(path, "rb") as photo:
        head = photo.read(16)
        total = os.fstat(photo.fileno()).st_size
        mime = MIMES.get(format_of(head), "application/octet-stream")
        for _ in range(2):  # a second time from where a 416 says upstream stands
            put = partial(_put_rest, upstream, photo, name, mime, _offset(headers), total)
            status, headers, _ = upstream.logged_in(put)
            if status != 416:
                break
    return status


def _put_rest(upstream, photo, name, mime, offset, total):
    photo.seek(offset)
    headers = {
        "Content-Type": mime,
        "Content-Length": str(total - offset),
        "Content-Range": f"bytes {offset}-{total - 1}/{total}",
    }
    return upstream.transport.stream("PUT", BLOBS + name, headers=headers, body=photo)


def _offset(headers):
    offset = headers.get("upload-offset", "0")
    return int(offset) if offset.isdigit() else 0


def fetch_down(upstream, report):
    """Fetch from upstream the photos the hub's live products name and the hub lacks."""
    now = rfc3339(utcnow())
    unavailable = hub_state.recall("photos_unavailable", {})  # name -> [when to ask again, seconds waited]
    missing = sorted(_named() - stored_names())
    for name in missing:
        if name in unavailable and unavailable[name][0] > now:
            continue
        got = _fetch(upstream, name)
        if got is None:
            break  # upstream is in trouble (a 5xx): the rest waits for the next cycle
        if got:
            report.photos_down += 1
            continue
        report.photos_unavailable += 1
        unavailable[name] = _ask_again(unavailable.get(name))
        hub_state.remember("photos_unavailable", unavailable)
        db.session.commit()
    waiting = set(missing) - stored_names()
    unavailable = {name: when for name, when in unavailable.items() if name in waiting}
    hub_state.remember("photos_unavailable", unavailable)
    _remember(
        down=report.photos_down,
        waiting_down=len(waiting - unavailable.keys()),
        unavailable=len(unavailable),
        at=now,
    )


def _ask_again(before):
    """[when to ask upstream again for a photo it did not give, seconds until then]: twice as long each time."""
    wait = min(before[1] * 2, LONGEST_WAIT) if before else FIRST_WAIT
    return [rfc3339(utcnow() + timedelta(seconds=wait)), wait]


def _named():
    """The names of the photos the live products of the hub's copy list."""
    query = select(Product.photos).where(Product.deleted.is_(False), Product.photos.is_not(None))
    names = set()
    for photos in db.session.scalars(query.execution_options(yield_per=500)):
        if isinstance(photos, list):
            names.update(name for name in photos if isinstance(name, str) and SHA256_RE.fullmatch(name))
    return names


def _fetch(upstream, name):
    """Fetch one photo into the hub's store through a temporary file: True when stored, False when
    upstream does not give it, None when upstream answers an error."""
    folder = store_folder("incoming")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder) as sink:

        def get():
            sink.seek(0)
            sink.truncate()
            return upstream.transport.stream("GET", BLOBS + name, sink=sink)

        status, headers, _ = upstream.logged_in(get)
        if status in UNAVAILABLE:
            return False
        if status != 200:
            return None
        sink.seek(0)
        data = sink.read()  # one photo (at most 2 MB) is held while it is checked and stored
    try:
        store_from_upstream(name, data, _mime(headers, data))
    except ApiError:  # upstream served something this hub will not store as a photo
        db.session.rollback()
        return False
    return True


def _mime(headers, data):
    message = Message()
    message["content-type"] = headers.get("content-type", "")
    declared = message.get_content_type()
    return declared if declared in MIMES.values() else MIMES.get(format_of(data[:16]), declared)


def _remember(**values):
    hub_state.remember("photos", {**hub_state.recall("photos", {}), **values})
    db.session.commit()
