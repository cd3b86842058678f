"""Export readiness: what a product has against what its category needs (readiness_rules.json).

The rules are data, loaded once at start and served as they are: each category lists
requirements, each requirement a list of documents of which any one valid document satisfies it.
A product is `missing` something when a requirement that applies to it has no document or only
expired ones, else `expiring` when one expires within the window (90 days), else `ready`.
This module judges one product in Python; summary.py judges a region in SQL by the same rules,
and the tests hold the two to the same answers.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sync.records import CATEGORIES, CERTIFICATION_KINDS

from ...web.messages import language
from ...web.timeutil import utcnow

RULES_PATH = Path(__file__).with_name("readiness_rules.json")
FAR = "9999-12-31"  # the valid_until of a document that does not expire
SOURCES = ("certification", "certification_or_producer_nib", "product_hs_code")


@dataclass(frozen=True)
class Requirement:
    """A requirement of some categories: any one valid document of `documents` satisfies it."""

    key: str
    documents: tuple
    categories: frozenset
    starts: str = None  # YYYY-MM-DD; before it the requirement is only recommended
    mentions: tuple = ()
    holds: bool = False
    note: dict = None

    def applies(self, text, held):
        """Whether the requirement's condition holds for a product's text and held documents."""
        if not self.mentions and not self.holds:
            return True
        mentioned = any(word in text for word in self.mentions)
        return mentioned or (self.holds and any(kind in held for kind in self.documents))


def load_rules(path=RULES_PATH):
    """The rules file, checked: every category and document kind known, every category present."""
    rules = json.loads(Path(path).read_text(encoding="utf-8"))
    kinds = set(CERTIFICATION_KINDS) | {"hs_code"}
    if set(rules["documents"]) != kinds or set(rules["categories"]) != set(CATEGORIES):
        raise ValueError("readiness rules must name every document kind and every category")
    for doc in rules["documents"].values():
        if doc["source"] not in SOURCES:
            raise ValueError(f"unknown document source {doc['source']}")
    return rules


def flatten(rules):
    """The requirements with the categories each applies to, same rule for many categories once."""
    found = {}
    everyone = frozenset(rules["categories"])
    pairs = [(r, everyone) for r in rules["requirements"]]
    pairs += [(r, frozenset([name])) for name, cat in rules["categories"].items() for r in cat["requirements"]]
    for raw, categories in pairs:
        when = raw.get("when", {})
        fields_ = (tuple(raw["documents"]), raw.get("from"), tuple(when.get("mentions", ())), when.get("holds", False))
        if fields_ in found:
            found[fields_] = (found[fields_][0] | categories, found[fields_][1])
        else:
            found[fields_] = (categories, raw.get("note"))
    return [
        Requirement("_or_".join(docs), docs, cats, starts, mentions, holds, note)
        for (docs, starts, mentions, holds), (cats, note) in found.items()
    ]


RULES = load_rules()
REQUIREMENTS = flatten(RULES)
WINDOW_DAYS = RULES["expiring_within_days"]


def active(as_of):
    """The requirements in force on a day."""
    day = as_of.isoformat()
    return [r for r in REQUIREMENTS if r.starts is None or r.starts <= day]


def held_documents(certifications, hs_code, producer_nib):
    """{kind: latest valid_until} of what a product holds (FAR for what never expires)."""
    held = {}
    for cert in certifications or []:
        until = cert.get("valid_until") or FAR
        held[cert["kind"]] = max(held.get(cert["kind"], ""), until)
    if hs_code:
        held["hs_code"] = FAR
    if producer_nib:
        held["nib"] = FAR
    return held


def evaluate(product, producer_nib, as_of):
    """The readiness of one product (a mapping of its columns) on a day, with what is missing."""
    held = held_documents(product["certifications"], product["hs_code"], producer_nib)
    text = f"{product['name'] or ''} {product['description'] or ''}".lower()
    today, horizon = as_of.isoformat(), (as_of + timedelta(days=WINDOW_DAYS)).isoformat()
    checks, recommended = [], list(RULES["categories"][product["category"]]["recommended"])
    for req in REQUIREMENTS:
        if product["category"] not in req.categories or not req.applies(text, held):
            continue
        if req.starts is not None and req.starts > today:
            recommended.extend(d for d in req.documents if d not in recommended)
            continue
        checks.append(_check(req, held, today, horizon, as_of))
    return _verdict(checks, recommended, held, as_of)


def _check(req, held, today, horizon, as_of):
    best = max((held[d] for d in req.documents if d in held), default=None)
    if best is None:
        status = "missing"
    elif best < today:
        status = "expired"
    elif best <= horizon:
        status = "expiring"
    else:
        status = "ok"
    until = None if best in (None, FAR) else best
    days = None if until is None else (date.fromisoformat(until) - as_of).days
    return {"requirement": req.key, "documents": list(req.documents), "status": status, "valid_until": until,
            "days_left": days, "note": _text(req.note)}  # fmt: skip


def _verdict(checks, recommended, held, as_of):
    by_status = {s: [c["requirement"] for c in checks if c["status"] == s] for s in ("missing", "expired", "expiring")}
    state = "ready"
    if by_status["missing"] or by_status["expired"]:
        state = "missing"
    elif by_status["expiring"]:
        state = "expiring"
    return {
        "state": state,
        "as_of": as_of.isoformat(),
        **by_status,
        "requirements": checks,
        "recommended": [{"document": d, "held": d in held} for d in recommended],
    }


def summary_of(verdict):
    """The short form a list shows: state and what is missing, expired or expiring."""
    return {k: verdict[k] for k in ("state", "missing", "expired", "expiring")}


def _text(pair):
    """A {"id", "en"} text in the request's language."""
    return None if pair is None else pair[language()]


def parse_as_of(value):
    """The day readiness is judged on: given, or today (UTC)."""
    return value or utcnow().date()


def document_texts():
    """Name, what and who can help for each document kind, in the request's language."""
    return {
        kind: {key: doc[key][language()] for key in ("name", "what", "who_can_help")}
        for kind, doc in RULES["documents"].items()
    }
