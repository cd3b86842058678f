"""Consolidation: pickup plans that pool approved products' stock from many villages into one load.

A regional admin asks for a plan (a category or a list of products, a region, a capacity in kg,
a port and a date); the server proposes one from approved products' stock on hand, less what
other open plans hold, and stores it as a draft that holds its quantities. The admin edits its
lines, cancels it (releasing the holds) or marks it shipped, which writes one `shipment`
movement per line through the apply path. A manifest prints it (HTML) or hands it to a
spreadsheet (CSV).

The package: rules.py (the rules below, as plain functions: no Flask, no SQL), plans.py (plans,
lines, holds and products in the database, and a plan as the API shows it), schemas.py (what
the endpoints take and answer), manifest.py with manifest.html (the printed manifest and its
CSV rows), views.py (the endpoints).

The rules, in plain words:

- **Weight of a unit.** Net kg of a line is qty x the weight of one unit. `kg` weighs 1 kg and
  `g` 0.001 kg by definition (a `unit_weight_kg` given for them is ignored: it may include the
  packaging); every other unit (`l`, `ml`, `pcs`, `pack`, `karung`, `ikat`) needs the product's
  `unit_weight_kg` (a litre of honey is not a litre of oil). A product without one is left out
  of a proposal and listed in `skipped` with the reason `no_unit_weight`.
- **Net weight** is held in whole grams, rounded up (`ceil(qty x grams per unit)`), so the
  load shown is never lighter than the load carried, and "never over capacity" holds for both.
- **Lots.** A lot is part or all of one product's stock. Measured units (`kg`, `g`, `l`, `ml`)
  may be split to the thousandth; counted units (`pcs`, `pack`, `karung`, `ikat`) only in whole
  packages. A line is never zero or negative.
- **Filling.** Kecamatan are taken biggest available weight first, then their desa biggest
  first, then their lots biggest first; each lot gives as much as still fits (the lot that
  reaches the capacity is split). So a load comes from as few places as the stock allows, and
  the fill is maximal: no lot left out or cut could give one more step (0.001 or one package)
  without going over capacity. Lines are listed by kecamatan, then desa (the route order).
- **Holds.** Lines of draft plans hold their quantities: what a proposal or an edit may take of
  a product is its stock on hand less what other draft plans hold. Every change to plans takes
  the same lock every sync write takes (the sync_state row), so two proposals at once never
  promise the same stock.
- **Edits** may lower or remove any line; a line that is added or raised must fit in the stock
  available to it, and the whole plan in its capacity (409 `over_stock` / `over_capacity`).
- **Shipping** checks every line against stock on hand (a sale recorded offline may have taken
  some): if any line no longer fits, 409 `stock_changed` with those lines, and nothing is
  shipped. Otherwise, in one transaction, the plan is marked shipped and one `shipment`
  movement per line is applied through `apply_ops` (movement ids derived from plan and line, and
  used as op ids, so a retry answers `duplicate`); shipping a shipped plan answers it again.
"""
