"""Who may do what: every endpoint x every role x in scope and out of scope, each answer written out.

One world is built once for the module. The acting roles are a producer account of VILLAGE (its
phone is on the "own" producer record), a facilitator of VILLAGE, an admin of Kab. Bandung
(32.04) and the hub of VILLAGE's kecamatan (32.04.10). Their targets:

- records: "own" (the producer's own record), "same_desa" (another producer of VILLAGE),
  "same_kec" (a producer of another desa of VILLAGE's kecamatan), "other_desa" (a desa of another
  kecamatan of 32.04), "other_kab" (a kelurahan of Kota Bandung, 32.73), each a producer with an
  approved product, its photo, a movement, a review;
- regions: "kab" (32.04, or its kecamatan 32.04.10 where a kecamatan is asked), "other_kab" (32.73);
- accounts: "self", and the accounts named in USER_TARGETS;
- plans: "kab" (made by the admin of 32.04), "other_kab" (made by the admin of 32.73).

A new endpoint fails test_every_endpoint_has_its_rows until its rows are added to CELLS.
"""

import hashlib
import io
import itertools
import shutil
import uuid

import pytest
from PIL import Image

from server import create_app
from server.extensions import db
from tests.conftest import ENGINE, PG_URL, Accounts, _empty_pg_tables, base_config
from tests.helpers import OTHER_VILLAGE, VILLAGE, Device, movement_fields, new_id, producer_fields, product_fields
from tests.server.workspace_helpers import OTHER_DESA

PIN = "246810"
ROLES = ("anonymous", "producer", "facilitator", "admin", "hub")
PRODUCER_PHONE = "+6281300000001"  # the acting producer account's, on the "own" record
NEIGHBOUR_PHONE = "+6281300000002"  # the "same_desa" producer's account and record
SAME_KECAMATAN = "32.04.10.2002"  # Lagadar: another desa of VILLAGE's kecamatan, Margaasih
DESA = {
    "own": VILLAGE,
    "same_desa": VILLAGE,
    "same_kec": SAME_KECAMATAN,
    "other_desa": OTHER_DESA,
    "other_kab": OTHER_VILLAGE,
}
PHONE = {"own": PRODUCER_PHONE, "same_desa": NEIGHBOUR_PHONE}
REGION = {"kab": "32.04", "other_kab": "32.73"}
KECAMATAN = {"kab": "32.04.10", "other_kab": "32.73.01"}
# The accounts that are targets of the users and devices endpoints: (role, regions, phone).
USER_TARGETS = {
    "producer_same_desa": ("producer", [VILLAGE], NEIGHBOUR_PHONE),
    "producer_other_desa": ("producer", [OTHER_DESA], "+6281300000003"),
    "producer_other_kab": ("producer", [OTHER_VILLAGE], "+6281300000004"),
    "facilitator_peer": ("facilitator", [VILLAGE], "+6281300000005"),
    "admin_peer": ("admin", ["32.04"], "+6281300000006"),
    "admin_other_kab": ("admin", ["32.73"], "+6281300000007"),
    "province": ("admin", ["32"], "+6281300000008"),  # also the one that seeds the records
    "hub_peer": ("hub", ["32.04.10"], "+6281300000009"),  # another hub of the acting hub's kecamatan
    "hub_other_kab": ("hub", ["32.73.01"], "+6281300000013"),
}

# A product's older movements (a recent-first sync leaves them for later).
HISTORY = "/api/v1/sync/history?product_id={product}&before=2100-01-01T00:00:00Z"

# fmt: off
# (method, path, target): the status for anonymous, producer, facilitator, admin, hub. A word instead
# of a status: the request answers 200 and its one result is that status or error code.
CELLS = [
    # -- public: the app shell, the API's documents, the keys tokens are signed with -----------------
    ("GET",    "/",                                        "-",          200, 200, 200, 200, 200),
    ("GET",    "/sw.js",                                   "-",          200, 200, 200, 200, 200),
    ("GET",    "/manifest.webmanifest",                    "-",          200, 200, 200, 200, 200),
    ("GET",    "/assets/app.js",                           "-",          200, 200, 200, 200, 200),
    ("GET",    "/icons/icon.png",                          "-",          200, 200, 200, 200, 200),
    ("GET",    "/static/api-docs.html",                    "-",          200, 200, 200, 200, 200),
    ("GET",    "/api/v1/docs",                             "-",          200, 200, 200, 200, 200),
    ("GET",    "/api/v1/openapi.json",                     "-",          200, 200, 200, 200, 200),
    ("GET",    "/api/v1/keys",                             "-",          200, 200, 200, 200, 200),
    # -- auth ----------------------------------------------------------------------------------------
    ("POST",   "/api/v1/auth/login",                       "-",          200, 200, 200, 200, 200),
    ("POST",   "/api/v1/auth/refresh",                     "-",          401, 200, 200, 200, 200),
    # -- sync (each op's answer: PUSH_CELLS; what each role pulls: PULL_CELLS) ------------------------
    ("POST",   "/api/v1/sync/push",                        "-",          401, 200, 200, 200, 200),
    ("GET",    "/api/v1/sync/pull",                        "-",          401, 200, 200, 200, 200),
    # older movements of a product: whoever may see the product
    ("GET", HISTORY, "own",        401, 200, 200, 200, 200),
    ("GET", HISTORY, "same_desa",  401, 403, 200, 200, 200),
    ("GET", HISTORY, "same_kec",   401, 403, 403, 200, 200),
    ("GET", HISTORY, "other_desa", 401, 403, 403, 200, 403),
    ("GET", HISTORY, "other_kab",  401, 403, 403, 403, 403),
    # -- what a hub reads upstream: the accounts of its kecamatan (what each holds: test_hub_accounts)
    ("GET",    "/api/v1/hub/accounts",                     "-",          401, 403, 403, 403, 200),
    # -- a hub registers its own key; a hub enrols phones, the regional server none (test_enrolment) ----
    ("PUT",    "/api/v1/hub/key",                          "-",          401, 403, 403, 403, 200),
    ("POST",   "/api/v1/hub/enroll",                       "producer_same_desa", 401, 404, 404, 404, 404),
    # -- a hub's status page: only on a hub (each role in and out of scope there: hub/test_status.py)
    ("GET",    "/api/v1/hub/status",                       "-",          404, 404, 404, 404, 404),
    ("POST",   "/api/v1/hub/sync-now",                     "-",          404, 404, 404, 404, 404),
    ("GET",    "/api/v1/hub/ca.crt",                       "-",          404, 404, 404, 404, 404),
    # -- claim codes: a hub gives them out and takes them; the regional server neither (test_claim) ----
    ("POST",   "/api/v1/hub/claim-codes",                  "producer_same_desa", 401, 404, 404, 404, 404),
    ("POST",   "/api/v1/hub/claim",                        "-",          404, 404, 404, 404, 404),
    # -- photos --------------------------------------------------------------------------------------
    ("GET",    "/api/v1/blobs/{photo}",                    "own",        401, 200, 200, 200, 200),
    ("GET",    "/api/v1/blobs/{photo}",                    "same_desa",  401, 403, 200, 200, 200),
    ("GET",    "/api/v1/blobs/{photo}",                    "same_kec",   401, 403, 403, 200, 200),
    ("GET",    "/api/v1/blobs/{photo}",                    "other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/blobs/{photo}",                    "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/blobs/{photo}?size=thumb",         "other_kab",  401, 403, 403, 403, 403),
    ("PUT",    "/api/v1/blobs/{new_photo}",                "-",          401, 201, 201, 201, 201),
    # -- conflicts of a record -----------------------------------------------------------------------
    ("GET",    "/api/v1/conflicts?entity_id={product}",    "own",        401, 403, 200, 200, 200),
    ("GET",    "/api/v1/conflicts?entity_id={product}",    "same_desa",  401, 403, 200, 200, 200),
    ("GET",    "/api/v1/conflicts?entity_id={product}",    "same_kec",   401, 403, 403, 200, 200),
    ("GET",    "/api/v1/conflicts?entity_id={product}",    "other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/conflicts?entity_id={product}",    "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/conflicts?entity_id={producer}",   "other_kab",  401, 403, 403, 403, 403),
    # -- readiness -----------------------------------------------------------------------------------
    ("GET",    "/api/v1/readiness/rules",                  "-",          401, 200, 200, 200, 200),
    ("GET",    "/api/v1/products/{product}/readiness",     "own",        401, 200, 200, 200, 200),
    ("GET",    "/api/v1/products/{product}/readiness",     "same_desa",  401, 403, 200, 200, 200),
    ("GET",    "/api/v1/products/{product}/readiness",     "same_kec",   401, 403, 403, 200, 200),
    ("GET",    "/api/v1/products/{product}/readiness",     "other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/products/{product}/readiness",     "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/readiness/summary",                "-",          401, 403, 403, 200, 403),
    ("GET",    "/api/v1/readiness/summary?region={region}", "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/readiness/summary?region={region}", "other_kab", 401, 403, 403, 403, 403),
    # -- regions: names of places, the same for every account ----------------------------------------
    ("GET",    "/api/v1/regions?parent={region}",          "kab",        401, 200, 200, 200, 200),
    ("GET",    "/api/v1/regions?parent={region}",          "other_kab",  401, 200, 200, 200, 200),
    ("GET",    "/api/v1/regions/{region}",                 "other_kab",  401, 200, 200, 200, 200),
    # -- curation ------------------------------------------------------------------------------------
    ("GET",    "/api/v1/review-queue",                     "-",          401, 403, 403, 200, 403),
    ("GET",    "/api/v1/review-queue?kecamatan={kecamatan}", "kab",      401, 403, 403, 200, 403),
    ("GET",    "/api/v1/review-queue?kecamatan={kecamatan}", "other_kab", 401, 403, 403, 403, 403),
    ("POST",   "/api/v1/reviews",                          "own",        401, 403, 403, "applied", 403),
    ("POST",   "/api/v1/reviews",                          "other_desa", 401, 403, 403, "applied", 403),
    ("POST",   "/api/v1/reviews",                          "other_kab",  401, 403, 403, "forbidden", 403),
    ("GET",    "/api/v1/products/{product}/reviews",       "own",        401, 403, 403, 200, 403),
    ("GET",    "/api/v1/products/{product}/reviews",       "other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/products/{product}/reviews",       "other_kab",  401, 403, 403, 403, 403),
    # Every product is featured already (by the province's admin): featuring again answers 200.
    ("PUT",    "/api/v1/products/{product}/featured",      "own",        401, 403, 403, 200, 403),
    ("PUT",    "/api/v1/products/{product}/featured",      "other_desa", 401, 403, 403, 200, 403),
    ("PUT",    "/api/v1/products/{product}/featured",      "other_kab",  401, 403, 403, 403, 403),
    ("DELETE", "/api/v1/products/{product}/featured",      "other_desa", 401, 403, 403, 204, 403),
    ("DELETE", "/api/v1/products/{product}/featured",      "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/featured",                         "-",          401, 403, 403, 200, 403),
    ("GET",    "/api/v1/featured?region={region}",         "kab",        401, 403, 403, 200, 403),
    ("GET",    "/api/v1/featured?region={region}",         "other_kab",  401, 403, 403, 403, 403),
    # -- dashboards ----------------------------------------------------------------------------------
    ("GET",    "/api/v1/dashboards/stock",                 "-",          401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/stock?region={region}", "kab",        401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/stock?region={region}", "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/dashboards/products-by-status?region={region}", "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/products-by-status?region={region}", "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/dashboards/growth?region={region}",             "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/growth?region={region}",             "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/dashboards/freshness?region={region}",          "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/freshness?region={region}",          "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/dashboards/conflicts?region={region}",          "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/dashboards/conflicts?region={region}",          "other_kab", 401, 403, 403, 403, 403),
    # -- exports -------------------------------------------------------------------------------------
    ("GET",    "/api/v1/exports/products.csv",                          "-",         401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/products.csv?region={region}",          "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/products.csv?region={region}",          "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/exports/products.xlsx?region={region}",         "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/products.xlsx?region={region}",         "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/exports/products-b2b.csv?region={region}",      "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/products-b2b.csv?region={region}",      "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/exports/products-b2b.xlsx?region={region}",     "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/products-b2b.xlsx?region={region}",     "other_kab", 401, 403, 403, 403, 403),
    ("GET",    "/api/v1/exports/feed.json?region={region}",             "kab",       401, 403, 403, 200, 403),
    ("GET",    "/api/v1/exports/feed.json?region={region}",             "other_kab", 401, 403, 403, 403, 403),
    # -- consolidation (a plan outside the admin's regions is not found, as if it did not exist) -----
    ("POST",   "/api/v1/consolidations",                   "kab",        401, 403, 403, 201, 403),
    ("POST",   "/api/v1/consolidations",                   "other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/consolidations",                   "-",          401, 403, 403, 200, 403),
    ("GET",    "/api/v1/consolidations/{plan}",            "kab",        401, 403, 403, 200, 403),
    ("GET",    "/api/v1/consolidations/{plan}",            "other_kab",  401, 403, 403, 404, 403),
    ("PATCH",  "/api/v1/consolidations/{plan}/lines",      "kab",        401, 403, 403, 200, 403),
    ("PATCH",  "/api/v1/consolidations/{plan}/lines",      "other_kab",  401, 403, 403, 404, 403),
    ("GET",    "/api/v1/consolidations/{plan}/manifest.html", "kab",     401, 403, 403, 200, 403),
    ("GET",    "/api/v1/consolidations/{plan}/manifest.html", "other_kab", 401, 403, 403, 404, 403),
    ("GET",    "/api/v1/consolidations/{plan}/manifest.csv",  "kab",     401, 403, 403, 200, 403),
    ("GET",    "/api/v1/consolidations/{plan}/manifest.csv",  "other_kab", 401, 403, 403, 404, 403),
    ("POST",   "/api/v1/consolidations/{plan_cancel}/cancel", "kab",     401, 403, 403, 200, 403),
    ("POST",   "/api/v1/consolidations/{plan_cancel}/cancel", "other_kab", 401, 403, 403, 404, 403),
    ("POST",   "/api/v1/consolidations/{plan_ship}/ship",     "kab",     401, 403, 403, 200, 403),
    ("POST",   "/api/v1/consolidations/{plan_ship}/ship",     "other_kab", 401, 403, 403, 404, 403),
    # -- accounts: each manages only those strictly below it; a hub manages nobody --------------------
    # POST: the target is the account asked for (its role and regions).
    ("POST",   "/api/v1/users",                            "producer_same_desa",  401, 403, 201, 201, 403),
    ("POST",   "/api/v1/users",                            "producer_other_desa", 401, 403, 403, 201, 403),
    ("POST",   "/api/v1/users",                            "producer_other_kab",  401, 403, 403, 403, 403),
    ("POST",   "/api/v1/users",                            "facilitator_peer",    401, 403, 403, 201, 403),
    ("POST",   "/api/v1/users",                            "admin_peer",          401, 403, 403, 403, 403),
    ("POST",   "/api/v1/users",                            "admin_other_kab",     401, 403, 403, 403, 403),
    ("POST",   "/api/v1/users",                            "province",            401, 403, 403, 403, 403),
    ("POST",   "/api/v1/users",                            "hub_peer",            401, 403, 403, 201, 403),
    ("POST",   "/api/v1/users",                            "hub_other_kab",       401, 403, 403, 403, 403),
    ("GET",    "/api/v1/users",                            "-",                   401, 403, 200, 200, 403),
    ("GET",    "/api/v1/users/{user}",                     "self",                401, 200, 200, 200, 200),
    ("GET",    "/api/v1/users/{user}",                     "producer_same_desa",  401, 403, 200, 200, 403),
    ("GET",    "/api/v1/users/{user}",                     "producer_other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/users/{user}",                     "producer_other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/users/{user}",                     "facilitator_peer",    401, 403, 403, 200, 403),
    ("GET",    "/api/v1/users/{user}",                     "admin_peer",          401, 403, 403, 403, 403),
    ("GET",    "/api/v1/users/{user}",                     "admin_other_kab",     401, 403, 403, 403, 403),
    ("GET",    "/api/v1/users/{user}",                     "province",            401, 403, 403, 403, 403),
    ("GET",    "/api/v1/users/{user}",                     "hub_peer",            401, 403, 403, 200, 403),
    ("GET",    "/api/v1/users/{user}",                     "hub_other_kab",       401, 403, 403, 403, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "self",                401, 200, 200, 200, 200),
    ("PATCH",  "/api/v1/users/{user}",                     "producer_same_desa",  401, 403, 200, 200, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "producer_other_desa", 401, 403, 403, 200, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "producer_other_kab",  401, 403, 403, 403, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "facilitator_peer",    401, 403, 403, 200, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "admin_peer",          401, 403, 403, 403, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "admin_other_kab",     401, 403, 403, 403, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "province",            401, 403, 403, 403, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "hub_peer",            401, 403, 403, 200, 403),
    ("PATCH",  "/api/v1/users/{user}",                     "hub_other_kab",       401, 403, 403, 403, 403),
    # -- devices: one's own, and an admin's for the accounts it manages ------------------------------
    ("GET",    "/api/v1/devices",                          "-",                   401, 200, 200, 200, 200),
    ("GET",    "/api/v1/devices?user_id={user}",           "self",                401, 200, 200, 200, 200),
    ("GET",    "/api/v1/devices?user_id={user}",           "producer_same_desa",  401, 403, 403, 200, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "producer_other_desa", 401, 403, 403, 200, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "producer_other_kab",  401, 403, 403, 403, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "facilitator_peer",    401, 403, 403, 200, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "admin_peer",          401, 403, 403, 403, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "admin_other_kab",     401, 403, 403, 403, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "province",            401, 403, 403, 403, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "hub_peer",            401, 403, 403, 200, 403),
    ("GET",    "/api/v1/devices?user_id={user}",           "hub_other_kab",       401, 403, 403, 403, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "producer_same_desa",  401, 403, 403, 200, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "producer_other_desa", 401, 403, 403, 200, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "producer_other_kab",  401, 403, 403, 403, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "facilitator_peer",    401, 403, 403, 200, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "admin_peer",          401, 403, 403, 403, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "admin_other_kab",     401, 403, 403, 403, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "province",            401, 403, 403, 403, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "hub_peer",            401, 403, 403, 200, 403),
    ("POST",   "/api/v1/devices/{device}/revoke",          "hub_other_kab",       401, 403, 403, 403, 403),
]

# Push, op by op: (op, target): the answer for producer, facilitator, admin, hub ("applied" or the
# error code of the rejection). Each op is about records made for it alone, so none changes another.
PUSH_CELLS = [
    ("create producer",       "own",        "forbidden", "applied",   "applied",   "applied"),
    ("create producer",       "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("create producer",       "same_kec",   "forbidden", "forbidden", "applied",   "applied"),
    ("create producer",       "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("create producer",       "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("edit producer",         "own",        "applied",   "applied",   "applied",   "applied"),
    ("edit producer",         "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("edit producer",         "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("edit producer",         "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("delete producer",       "own",        "forbidden", "applied",   "applied",   "applied"),
    ("delete producer",       "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("delete producer",       "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("delete producer",       "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("create product",        "own",        "applied",   "applied",   "applied",   "applied"),
    ("create product",        "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("create product",        "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("create product",        "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("edit product",          "own",        "applied",   "applied",   "applied",   "applied"),
    ("edit product",          "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("edit product",          "same_kec",   "forbidden", "forbidden", "applied",   "applied"),
    ("edit product",          "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("edit product",          "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("delete product",        "own",        "applied",   "applied",   "applied",   "applied"),
    ("delete product",        "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("delete product",        "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("delete product",        "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("create stock_movement", "own",        "applied",   "applied",   "applied",   "applied"),
    ("create stock_movement", "same_desa",  "forbidden", "applied",   "applied",   "applied"),
    ("create stock_movement", "same_kec",   "forbidden", "forbidden", "applied",   "applied"),
    ("create stock_movement", "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("create stock_movement", "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("delete stock_movement", "own",        "immutable", "immutable", "immutable", "immutable"),
    ("delete stock_movement", "other_kab",  "immutable", "immutable", "immutable", "immutable"),
    ("create review",         "own",        "forbidden", "forbidden", "applied",   "forbidden"),
    ("create review",         "same_desa",  "forbidden", "forbidden", "applied",   "forbidden"),
    ("create review",         "same_kec",   "forbidden", "forbidden", "applied",   "forbidden"),
    ("create review",         "other_desa", "forbidden", "forbidden", "applied",   "forbidden"),
    ("create review",         "other_kab",  "forbidden", "forbidden", "forbidden", "forbidden"),
    ("delete review",         "own",        "immutable", "immutable", "immutable", "immutable"),
    ("delete review",         "other_kab",  "immutable", "immutable", "immutable", "immutable"),
]

# Pull from the start: whether the target's producer, product, movement and review are among
# the changes, for producer, facilitator, admin, hub.
PULL_CELLS = [
    ("own",        True,  True,  True,  True),
    ("same_desa",  False, True,  True,  True),
    ("same_kec",   False, False, True,  True),
    ("other_desa", False, False, True,  False),
    ("other_kab",  False, False, False, False),
]

# What the lists an admin of 32.04 reads hold: (list, target, listed or not).
ADMIN_LISTS = [
    ("/api/v1/users",                         "producer_same_desa",  True),
    ("/api/v1/users",                         "producer_other_desa", True),
    ("/api/v1/users",                         "facilitator_peer",    True),
    ("/api/v1/users",                         "producer_other_kab",  False),
    ("/api/v1/users",                         "admin_peer",          False),
    ("/api/v1/users",                         "admin_other_kab",     False),
    ("/api/v1/users",                         "province",            False),
    ("/api/v1/users",                         "hub_peer",            True),
    ("/api/v1/users",                         "hub_other_kab",       False),
    ("/api/v1/review-queue?status=approved&limit=200",  "own",                 True),
    ("/api/v1/review-queue?status=approved&limit=200",  "other_desa",          True),
    ("/api/v1/review-queue?status=approved&limit=200",  "other_kab",           False),
    ("/api/v1/featured",                      "own",                 True),
    ("/api/v1/featured",                      "other_kab",           False),
    ("/api/v1/exports/products.csv",          "own",                 True),
    ("/api/v1/exports/products.csv",          "other_desa",          True),
    ("/api/v1/exports/products.csv",          "other_kab",           False),
    ("/api/v1/exports/feed.json",             "other_kab",           False),
    ("/api/v1/consolidations",                "kab",                 True),
    ("/api/v1/consolidations",                "other_kab",           False),
]
# And a facilitator's list of accounts.
FACILITATOR_LISTS = [
    ("/api/v1/users",                         "producer_same_desa",  True),
    ("/api/v1/users",                         "producer_other_desa", False),
    ("/api/v1/users",                         "facilitator_peer",    False),
    ("/api/v1/users",                         "producer_other_kab",  False),
    ("/api/v1/users",                         "hub_peer",            False),
]
# fmt: on

_colours = itertools.count(1)


def photo_bytes():
    """A small PNG no other call makes (a colour of its own)."""
    n = next(_colours)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (n % 256, n // 256 % 256, 90)).save(out, "PNG")
    return out.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


class World:
    """The accounts, records, photos and plans the cells are about."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.accounts = Accounts(app, self.client)
        self.sessions = {}  # name -> login answer (tokens, user), with its device id
        self.records = {}  # target -> {"producer", "product", "movement", "review", "photo"}
        self.plans = {}
        self.phones = {}

    def login(self, name, role, regions, phone):
        """Make an account and log it in on a device of its own."""
        self.accounts.make(role, regions, name=name, pin=PIN, phone=phone)
        device_id = str(uuid.uuid4())
        session = self.accounts.login(phone, pin=PIN, device_id=device_id)
        self.sessions[name] = {**session, "device_id": device_id}
        self.phones[name] = phone

    def headers(self, name):
        return {"Authorization": "Bearer " + self.sessions[name]["access_token"]}

    def device(self, name):
        headers = self.headers(name)
        return Device(self.client, headers)

    def build(self):
        self.login("producer", "producer", [VILLAGE], PRODUCER_PHONE)
        self.login("facilitator", "facilitator", [VILLAGE], "+6281300000010")
        self.login("admin", "admin", ["32.04"], "+6281300000011")
        self.login("hub", "hub", [KECAMATAN["kab"]], "+6281300000012")
        for name, (role, regions, phone) in USER_TARGETS.items():
            self.login(name, role, regions, phone)
        self.seeder = self.device("province")
        for target in DESA:
            self.records[target] = self.seed(target)
            response = self.client.put(
                f"/api/v1/products/{self.records[target]['product']}/featured", headers=self.headers("province")
            )
            assert response.status_code == 201, response.get_json()
        plan = {"category": "coffee", "capacity_kg": "1", "port": "Tanjung Priok", "date": "2026-12-05"}
        other = self.propose("admin_other_kab", {**plan, "region": "32.73"})
        for key in ("plan", "plan_cancel", "plan_ship"):  # one each: cancelling or shipping one changes it
            self.plans[key, "kab"] = self.propose("admin", {**plan, "region": "32.04"})
            self.plans[key, "other_kab"] = other
        self.line_id = self.plans["plan", "kab"]["lines"][0]["id"]

    def seed(self, target):
        """A producer of the target with a product (and its photo), a movement and a review."""
        data = photo_bytes()
        response = self.client.put(
            f"/api/v1/blobs/{sha(data)}", data=data, headers={**self.headers("province"), "Content-Type": "image/png"}
        )
        assert response.status_code == 201, response.get_json()
        ids = {"producer": new_id(), "product": new_id(), "movement": new_id(), "review": new_id(), "photo": sha(data)}
        extra = {"phone": PHONE[target]} if target in PHONE else {}
        fields = product_fields(ids["producer"], name=f"Kopi {target}", status="submitted", photos=[sha(data)])
        ops = [
            self.seeder.op("producer", ids["producer"], producer_fields(village_code=DESA[target], **extra)),
            self.seeder.op("product", ids["product"], fields),
            self.seeder.op("stock_movement", ids["movement"], movement_fields(ids["product"], qty="100")),
            self.seeder.op("review", ids["review"], {"product_id": ids["product"], "decision": "approved"}),
        ]
        assert self.seeder.statuses(*ops) == ["applied"] * 4
        return ids

    def propose(self, name, body):
        response = self.client.post("/api/v1/consolidations", json=body, headers=self.headers(name))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def values(self, target, role):
        """What a path's placeholders stand for when a role acts on a target."""
        values = {}
        if target in self.records:
            ids = self.records[target]
            values.update(product=ids["product"], producer=ids["producer"], photo=ids["photo"])
        if target in REGION:
            values.update(region=REGION[target], kecamatan=KECAMATAN[target])
            for key in ("plan", "plan_cancel", "plan_ship"):
                values[key] = self.plans[key, target]["id"]
        account = target if target != "self" else role if role != "anonymous" else "admin"
        if account in self.sessions:
            values.update(user=self.sessions[account]["user"]["id"], device=self.sessions[account]["device_id"])
        return values


@pytest.fixture(scope="module")
def world(template_db, tmp_path_factory):
    """One world for every cell: built once, on a database of the run's engine."""
    tmp = tmp_path_factory.mktemp("matrix")
    dist = _tiny_pwa(tmp / "dist")
    # Every cell uploads photos as the same few accounts: the per-minute budget is not the subject here.
    config = {"PWA_DIST": str(dist), "BLOB_PHOTOS_PER_MINUTE": 10_000}
    if ENGINE == "postgresql":
        app = create_app({**base_config(tmp, PG_URL), **config})
        with app.app_context():
            _empty_pg_tables()
    else:
        path = tmp / "lumbung.db"
        shutil.copy(template_db, path)
        app = create_app({**base_config(tmp, f"sqlite:///{path}"), **config})
    built = World(app)
    built.build()
    yield built
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _tiny_pwa(dist):
    """A built PWA of a few files, so the app's own routes answer whatever was built on this machine."""
    (dist / "assets").mkdir(parents=True)
    (dist / "icons").mkdir()
    (dist / "version.txt").write_text("test")
    (dist / "index.html").write_text("<!doctype html><title>Lumbung</title>")
    (dist / "sw.js").write_text("// sw")
    (dist / "manifest.webmanifest").write_text("{}")
    (dist / "assets" / "app.js").write_text("// app")
    (dist / "icons" / "icon.png").write_bytes(photo_bytes())
    return dist


def request(world, method, path, role, target):
    """Make the cell's request as the role; answers the response."""
    values = world.values(target, role)
    kwargs = {}
    if "{new_photo}" in path:
        data = photo_bytes()
        values["new_photo"] = sha(data)
        kwargs = {"data": data, "content_type": "image/png"}
    body = _body(world, method, path, role, target, values)
    if body is not None:
        kwargs = {"json": body}
    headers = {}
    if role != "anonymous":
        session = world.sessions[role]
        token = session["refresh_token"] if path == "/api/v1/auth/refresh" else session["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
    response = world.client.open(path.format(**values), method=method, headers=headers, **kwargs)
    response.get_data()  # read whole, so a streamed file is closed
    response.close()
    return response


def _body(world, method, path, role, target, values):
    """The JSON body of a cell's request (None for none)."""
    if path == "/api/v1/auth/login":
        return {"phone": world.phones["producer_other_kab"], "pin": PIN, "device_id": str(uuid.uuid4())}
    if path == "/api/v1/sync/push":
        return {"device_id": str(uuid.uuid4()), "ops": []}
    if path == "/api/v1/consolidations" and method == "POST":
        return {"category": "coffee", "region": values["region"], "capacity_kg": "1", "port": "Tanjung Priok",
                "date": "2026-12-05"}  # fmt: skip
    if path.endswith("/lines"):
        return {"lines": [{"line_id": world.line_id, "qty": "1"}]}
    if path == "/api/v1/reviews":
        return {"decisions": [{"product_id": values["product"], "decision": "approved"}]}
    if path == "/api/v1/users" and method == "POST":
        new_role, regions, _ = USER_TARGETS[target]
        phone = f"+62814{next(_colours):08d}"
        return {"phone": phone, "pin": "135792", "name": "Akun Baru", "role": new_role, "regions": regions}
    if path == "/api/v1/hub/key":
        return {"public_key": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}
    if path == "/api/v1/hub/enroll":
        return {"user_id": values["user"], "device_id": str(uuid.uuid4())}
    if path == "/api/v1/hub/claim-codes":
        return {"user_id": values["user"]}
    if path == "/api/v1/hub/claim":
        return {"code": "ABCDEFGH", "device_id": str(uuid.uuid4())}
    if path == "/api/v1/users/{user}" and method == "PATCH":
        return {"name": "Nama Tetap"}
    return None


def outcome(response, expected):
    """The cell's answer in the form it is written: a status, or the one result's status or code."""
    if isinstance(expected, int) or response.status_code != 200:
        return response.status_code
    (result,) = response.get_json()["results"]
    return result["error"]["code"] if result["status"] == "rejected" else result["status"]


def test_every_endpoint_has_its_rows(world):
    adapter = world.app.url_map.bind("localhost")
    covered = set()
    for method, path, target, *_ in CELLS:
        # Ids filled in as the cells send them: the routes' converters take only ids of their form.
        values = {"new_photo": "0" * 64, **world.values(target, "admin")}
        rule, _ = adapter.match(path.split("?")[0].format(**values), method=method, return_rule=True)
        covered.add((rule.rule, method))
    endpoints = {
        (rule.rule, method) for rule in world.app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert endpoints - covered == set(), "endpoints with no row in CELLS"


@pytest.mark.parametrize("role", ROLES)
def test_each_endpoint_answers_each_role_as_written(world, role):
    column = ROLES.index(role)
    wrong = []
    for method, path, target, *expected in CELLS:
        response = request(world, method, path, role, target)
        got = outcome(response, expected[column])
        if got != expected[column]:
            wrong.append((method, path, target, f"expected {expected[column]}, got {got}", response.get_data()[:200]))
        assert response.status_code < 500, (method, path, target, response.get_data()[:500])
    assert wrong == []


def _push_op(device, kind, ids):
    action, entity = kind.split()
    if action == "create":
        entity_id = new_id()
        fields = {
            "producer": lambda: producer_fields(village_code=ids["desa"], **ids["phone"]),
            "product": lambda: product_fields(ids["producer"]),
            "stock_movement": lambda: movement_fields(ids["product"]),
            "review": lambda: {"product_id": ids["product"], "decision": "needs_changes"},
        }[entity]()
        return device.op(entity, entity_id, fields)
    entity_id = ids["movement" if entity == "stock_movement" else entity]
    if action == "edit":
        return device.op(entity, entity_id, {"name": "Nama baru"})
    return device.op(entity, entity_id, action="delete")


@pytest.mark.parametrize("role", ROLES[1:])
def test_each_push_op_answers_each_role_as_written(world, role):
    column = ROLES.index(role) - 1
    device = world.device(role)
    device.start_ms += 3_600_000  # after the seeder's clock, so edits take effect
    ops = []
    for kind, target, *_ in PUSH_CELLS:
        ids = {**world.seed(target), "desa": DESA[target], "phone": {"phone": PHONE[target]} if target in PHONE else {}}
        ops.append(_push_op(device, kind, ids))
    if role == "hub":
        # A hub relays its devices' ops: authored here by the province's admin, whose scope holds
        # every target, so the hub's own scope decides (server/engine/relayed.py).
        province = world.sessions["province"]
        ops = [{**op, "author": {"user_id": province["user"]["id"], "device_id": province["device_id"]}} for op in ops]
    results = device.push(*ops)["results"]
    got = [r["error"]["code"] if r["status"] == "rejected" else r["status"] for r in results]
    wrong = [
        (kind, target, f"expected {cells[column]}, got {answer}")
        for (kind, target, *cells), answer in zip(PUSH_CELLS, got, strict=True)
        if answer != cells[column]
    ]
    assert wrong == []


@pytest.mark.parametrize("role", ROLES[1:])
def test_each_role_pulls_what_it_may_see_and_nothing_else(world, role):
    column = ROLES.index(role)
    pulled = {entity_id for _, entity_id in world.device(role).state()}
    wrong = []
    for target, *visible in PULL_CELLS:
        records = world.records[target]
        for entity in ("producer", "product", "movement", "review"):
            if (records[entity] in pulled) != visible[column - 1]:
                wrong.append((target, entity, "expected" if visible[column - 1] else "not expected"))
    assert wrong == []


@pytest.mark.parametrize("role, rows", [("admin", ADMIN_LISTS), ("facilitator", FACILITATOR_LISTS)])
def test_lists_hold_what_the_role_may_see(world, role, rows):
    wrong = []
    for path, target, listed in rows:
        response = world.client.get(path, headers=world.headers(role))
        assert response.status_code == 200, (path, response.get_data()[:300])
        text = response.get_data(as_text=True)
        if target in world.records:
            marks = [world.records[target]["product"], f"Kopi {target}"]
        elif target in REGION:
            marks = [world.plans["plan", target]["id"]]
        else:
            marks = [world.sessions[target]["user"]["id"]]
        if any(mark in text for mark in marks) != listed:
            wrong.append((path, target, "expected" if listed else "not expected"))
    assert wrong == []
