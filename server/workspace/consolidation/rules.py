"""The rules of a pickup plan as plain functions of plain values: no Flask, no SQL.

Weights of units, lots and the fill; what a proposal may draw on; which edits a plan takes and
what draft plans hold; whether a plan can ship, and the ops that ship it. Products come in as
mappings of their columns, lines as objects with `id`, `product_id`, `qty_milli` and `net_g`.
The rules in words are in this package's docstring.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC

from sync.quantity import format_milli

from ...engine.scope.rules import covers

GRAMS_BY_UNIT = {"kg": 1000, "g": 1}  # by definition; other units need unit_weight_kg
COUNTED_UNITS = ("pcs", "pack", "karung", "ikat")  # split in whole packages only
# The namespace of shipment movement ids: uuid5(namespace, "<plan id>/<line id>").
SHIPMENT_NAMESPACE = uuid.UUID("6f1c2a57-3b0e-4f4e-9a55-1d2b7c0e8a41")


# -- weights and the fill --------------------------------------------------------------------------


@dataclass
class Lot:
    """What one product can give to a plan: its place, how much, and what one unit weighs."""

    product_id: str
    village_code: str
    available_milli: int  # in thousandths of the product's unit
    grams_per_unit: int
    counted: bool = False

    @property
    def kecamatan(self):
        return kecamatan_of(self.village_code)

    @property
    def weight_mg(self):
        return self.available_milli * self.grams_per_unit


def kecamatan_of(village_code):
    """32.04.10.2001 -> 32.04.10."""
    return village_code.rsplit(".", 1)[0] if village_code.count(".") == 3 else village_code


def grams_per_unit(unit, unit_weight_g):
    """Grams one unit weighs: by definition for kg and g, else the product's unit weight (None when unknown)."""
    if unit in GRAMS_BY_UNIT:
        return GRAMS_BY_UNIT[unit]
    return unit_weight_g if unit_weight_g and unit_weight_g > 0 else None


def net_grams(qty_milli, grams):
    """Net weight of qty (thousandths of a unit) in whole grams, rounded up."""
    return -(-qty_milli * grams // 1000)


def step_milli(counted):
    """The smallest part of a lot that can be taken: one package, or a thousandth."""
    return 1000 if counted else 1


def fill(lots, capacity_g):
    """How much of each lot to take: {product_id: qty_milli}; never over capacity or availability.

    Kecamatan biggest first, then desa biggest first, then lots biggest first; each lot gives
    as much as still fits, so the result is maximal: no lot could give one more step.
    """
    by_kecamatan, by_desa = {}, {}
    for lot in lots:
        by_kecamatan[lot.kecamatan] = by_kecamatan.get(lot.kecamatan, 0) + lot.weight_mg
        by_desa[lot.village_code] = by_desa.get(lot.village_code, 0) + lot.weight_mg
    order = sorted(
        lots,
        key=lambda lot: (
            -by_kecamatan[lot.kecamatan],
            lot.kecamatan,
            -by_desa[lot.village_code],
            lot.village_code,
            -lot.weight_mg,
            lot.product_id,
        ),
    )
    taken, remaining = {}, capacity_g
    for lot in order:
        if remaining <= 0:
            break
        # ceil(qty * g / 1000) <= remaining  <=>  qty * g <= remaining * 1000
        qty = min(lot.available_milli, remaining * 1000 // lot.grams_per_unit)
        qty -= qty % step_milli(lot.counted)
        if qty <= 0:
            continue
        taken[lot.product_id] = qty
        remaining -= net_grams(qty, lot.grams_per_unit)
    return taken


# -- what a proposal draws on ----------------------------------------------------------------------


def lots_of(rows, skipped, wanted=None):
    """({product_id: (Lot, row)}, skipped) from rows of approved stock and what other plans hold.

    A product without a unit weight is skipped; one with less than a step free gives no lot; a
    product asked for (`wanted`) that neither gave a lot nor was skipped has no stock. Skipped
    products come sorted by village."""
    skipped, candidates = list(skipped), {}
    for row in rows:
        grams = grams_per_unit(row.unit, row.unit_weight_g)
        if grams is None:
            skipped.append(
                {
                    "product_id": row.id,
                    "product_name": row.name,
                    "village_code": row.village_code,
                    "reason": "no_unit_weight",
                }
            )
            continue
        available = row.stock_milli - int(row.held)
        counted = row.unit in COUNTED_UNITS
        if available >= step_milli(counted):
            candidates[row.id] = (Lot(row.id, row.village_code, available, grams, counted), row)
    if wanted is not None:
        named = {s["product_id"] for s in skipped} | set(candidates)
        skipped.extend(
            {"product_id": p, "product_name": None, "village_code": None, "reason": "no_stock"}
            for p in sorted(set(wanted) - named)
        )
    skipped.sort(key=lambda s: (s["village_code"] or "", s["product_id"]))
    return candidates, skipped


def unplannable(product_ids, found, category, region_code):
    """Listed products that a proposal cannot use, each with its reason (`found`: {id: product})."""
    skipped = []
    for product_id in product_ids:
        product = found.get(product_id)
        if product is None or product["deleted"]:
            reason = "unknown_product"
        elif not covers([region_code], product["village_code"]):
            reason = "outside_region"
        elif product["status"] != "approved":
            reason = "not_approved"
        elif category and product["category"] != category:
            reason = "wrong_category"
        else:
            continue
        skipped.append(
            {
                "product_id": product_id,
                "product_name": product["name"] if product and covers([region_code], product["village_code"]) else None,
                "village_code": product["village_code"] if product else None,
                "reason": reason,
            }
        )
    return skipped


# -- edits and holds -------------------------------------------------------------------------------


@dataclass
class Edit:
    """A plan as its edits would leave it: {product_id: qty} before and after, and what changes."""

    before: dict
    after: dict
    added: dict  # {product_id: index of the edit that adds it}
    by_line: dict  # {line id: product_id}
    errors: dict  # field errors found on the way


def unknown_lines(edits, lines):
    """Field errors of edits that name a line the plan lacks, or a line named before."""
    errors, targets = {}, set()
    for index, edit in enumerate(edits):
        if "line_id" in edit:
            if edit["line_id"] not in lines:
                errors[f"lines.{index}.line_id"] = ("unknown_line", {})
            elif edit["line_id"] in targets:
                errors[f"lines.{index}.line_id"] = ("duplicate_line", {})
            targets.add(edit.get("line_id"))
    return errors


def edited(edits, lines):
    """The plan's quantities once the edits are made, in order (`lines`: {line id: line})."""
    before = {line.product_id: line.qty_milli for line in lines.values()}
    after = dict(before)
    by_line = {line.id: line.product_id for line in lines.values()}
    added, errors = {}, {}
    for index, edit in enumerate(edits):
        if "line_id" in edit:
            product_id = by_line[edit["line_id"]]
            if edit["remove"]:
                del after[product_id]
            else:
                after[product_id] = edit["qty"]
        elif edit["product_id"] in after or edit["product_id"] in before:
            errors[f"lines.{index}.product_id"] = ("duplicate_line", {})
        else:
            after[edit["product_id"]] = edit["qty"]
            added[edit["product_id"]] = index
    return Edit(before, after, added, by_line, errors)


def edit_errors(plan, edits, edit, products):
    """The field errors of an edit: those found on the way, products that cannot be added, part packages."""
    errors = dict(edit.errors)
    for product_id, index in edit.added.items():
        reason = cannot_add(plan, products.get(product_id))
        if reason:
            errors[f"lines.{index}.product_id"] = (reason, {})
    for index, item in enumerate(edits):
        if item.get("remove") or "qty" not in item:
            continue
        product_id = item.get("product_id") or edit.by_line.get(item.get("line_id"))
        product = products.get(product_id)
        if product is not None and product["unit"] in COUNTED_UNITS and item["qty"] % 1000:
            errors[f"lines.{index}.qty"] = ("whole_packages", {})
    return errors


def cannot_add(plan, product):
    """Why a product cannot be added to a plan (a field error code), or None."""
    if product is None or product["deleted"]:
        return "unknown_product"
    if not covers([plan.region_code], product["village_code"]):
        return "outside_region"
    if product["status"] != "approved":
        return "not_approved"
    if plan.category and product["category"] != plan.category:
        return "wrong_category"
    if grams_per_unit(product["unit"], product["unit_weight_g"]) is None:
        return "no_unit_weight"
    return None


def over_stock(edit, products, held, lines):
    """Lines added or raised past the product's stock on hand less what other draft plans hold (`held`)."""
    short = []
    for product_id, qty in edit.after.items():
        if qty <= edit.before.get(product_id, 0):
            continue  # kept or lowered: never makes the plan worse
        product = products.get(product_id)
        available = max(0, product["stock_milli"] - held.get(product_id, 0)) if product else 0
        if product is None or product["deleted"] or qty > available:
            short.append(
                {
                    "line_id": line_id_of(lines, product_id),
                    "product_id": product_id,
                    "qty": format_milli(qty),
                    "available": format_milli(available),
                    "unit": product["unit"] if product else None,
                }
            )
    return short


def line_nets(edit, products, lines):
    """{product_id: net grams} of the edited plan: unchanged lines as planned, the others weighed again."""
    nets = {}
    for product_id, qty in edit.after.items():
        line_id = line_id_of(lines, product_id)
        if line_id is not None and qty == edit.before[product_id]:
            nets[product_id] = lines[line_id].net_g  # unchanged: as planned
        else:
            nets[product_id] = net_of_edit(products[product_id], qty, lines.get(line_id))
    return nets


def over_capacity(total_g, capacity_g):
    """The details of a load over its capacity, or None when it fits."""
    if total_g <= capacity_g:
        return None
    return {
        "capacity_kg": format_milli(capacity_g),
        "total_kg": format_milli(total_g),
        "over_kg": format_milli(total_g - capacity_g),
    }


def net_of_edit(product, qty, line):
    """Net grams of a new or changed line: by the product's unit weight, else in proportion to the line's."""
    grams = grams_per_unit(product["unit"], product["unit_weight_g"])
    if grams is None:  # the weight was removed since: scale what was planned (lowering only gets here)
        return -(-line.net_g * qty // line.qty_milli)
    return net_grams(qty, grams)


def line_id_of(lines, product_id):
    """The id of the plan's line of a product, or None."""
    return next((line.id for line in lines.values() if line.product_id == product_id), None)


def route_order(lines, products):
    """Lines by kecamatan, then desa, then producer and product name: the order of the pickup route."""

    def key(line):
        product = products.get(line.product_id) or {}
        village = product.get("village_code") or ""
        return (
            kecamatan_of(village),
            village,
            product.get("producer_name") or "",
            product.get("name") or "",
            line.id,
        )

    return sorted(lines, key=key)


# -- shipping --------------------------------------------------------------------------------------


def stock_changed(ordered, products, regions):
    """Lines (in route order) no longer in stock on hand, or whose product is gone from the regions."""
    short = []
    for lot, line in enumerate(ordered, start=1):
        product = products.get(line.product_id)
        live = product is not None and not product["deleted"] and covers(regions, product["village_code"])
        if not live or product["stock_milli"] < line.qty_milli:
            short.append(
                {
                    "line_id": line.id,
                    "lot": lot,
                    "product_id": line.product_id,
                    "product_name": product["name"] if product else None,
                    "qty": format_milli(line.qty_milli),
                    "on_hand": format_milli(max(0, product["stock_milli"])) if live else "0",
                    "unit": product["unit"] if product else None,
                }
            )
    return short


def shipment_movement_id(plan_id, line_id):
    """The id of a line's shipment movement: the same for every try, so a retry is a duplicate."""
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, f"{plan_id}/{line_id}"))


def hlc_stamp(naive_utc, server_id):
    """The HLC of ops the server writes itself at a moment: its milliseconds, counter 0, the server's id."""
    return f"{_epoch_ms(naive_utc):016d}:0000:{server_id}"


def shipment_ops(plan, lines, occurred_at, hlc):
    """One `shipment` movement op per line, keyed by the line's movement_id."""
    return [
        {
            "op_id": line.movement_id,  # a movement keyed by its own id is its own idempotency record
            "entity": "stock_movement",
            "entity_id": line.movement_id,
            "action": "upsert",
            "fields": {
                "product_id": line.product_id,
                "qty": format_milli(-line.qty_milli),
                "kind": "shipment",
                "occurred_at": occurred_at,
                "note": f"Konsolidasi {plan.id} ({plan.port}, {plan.pickup_date})"[:1000],
            },
            "hlc": hlc,
        }
        for line in lines
    ]


def _epoch_ms(naive_utc):
    return int(naive_utc.replace(tzinfo=UTC).timestamp() * 1000)
