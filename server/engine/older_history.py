"""A recent-first sync: each product's opening stock, and the older movements it stands for.

A phone's first sync may take movements that occurred since a day only; the last page of that
pull carries, per product, the sum of the movements in scope that occurred before that day and
lie at or before the pull's cursor (its opening stock). The opening plus every movement pulled
is then exactly the server's stock on hand. The movements the opening stands for come on demand,
one product at a time.
"""

from sqlalchemy import and_, func, select

from .feed import Authors, author_names, render_movements
from .models import StockMovement
from .records import COLUMNS
from .scope import visible_rows
from .store import run

MOVEMENTS = StockMovement.__table__


def opening_stock(actor, before, upto):
    """{product id: stock in thousandths} of the movements in scope with seq <= upto that occurred
    before `before`; products whose sum is zero are left out."""
    scope = visible_rows(actor, StockMovement)
    statement = (
        select(MOVEMENTS.c.product_id, func.sum(MOVEMENTS.c.qty_milli))
        .where(scope, MOVEMENTS.c.seq <= upto, MOVEMENTS.c.occurred_at < before)
        .group_by(MOVEMENTS.c.product_id)
    )
    return {product_id: int(total) for product_id, total in run(statement) if total}


def older_movements(actor, product_id, before, after_seq, limit):
    """(the JSON of a product's movements in scope that occurred before `before`, joined by commas,
    the seq to ask after for the next page or None when there is none)."""
    columns = [MOVEMENTS.c[name] for name in COLUMNS["stock_movement"]]
    statement = (
        select(*columns)
        .where(
            visible_rows(actor, StockMovement),
            and_(MOVEMENTS.c.product_id == product_id, MOVEMENTS.c.occurred_at < before),
            MOVEMENTS.c.seq > after_seq,
        )
        .order_by(MOVEMENTS.c.seq)
        .limit(limit + 1)
    )
    rows = run(statement).all()
    more = len(rows) > limit
    rows = rows[:limit]
    author_ids = {row[COLUMNS["stock_movement"].index("created_by")] for row in rows}
    authors = Authors(author_ids, author_names(author_ids))
    text = ",".join(render_movements(rows, authors)).encode()
    return text, rows[-1][-1] if more else None
