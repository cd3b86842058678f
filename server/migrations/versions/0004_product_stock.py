"""Stock totals in a narrow table of their own, product_stock.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:00:00

Every push of movements changes the totals of hundreds of products; kept in the products
table, each change rewrote a wide row (names, descriptions, per-field clocks). The totals
move, unchanged, to product_stock (one row per product, keyed by its id).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'product_stock',
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('stock_milli', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_stock_product_id_products')),
        sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_stock')),
        sqlite_with_rowid=False,
    )
    op.execute('INSERT INTO product_stock (product_id, stock_milli) SELECT id, stock_milli FROM products')
    # SQLite drops a column in place (3.35 and later): rebuilding products, as a batch
    # operation would, is refused while product_stock refers to it.
    op.drop_column('products', 'stock_milli')


def downgrade():
    op.add_column('products', sa.Column('stock_milli', sa.BigInteger(), nullable=False, server_default='0'))
    op.execute(
        'UPDATE products SET stock_milli = '
        '(SELECT stock_milli FROM product_stock WHERE product_stock.product_id = products.id)'
        ' WHERE id IN (SELECT product_id FROM product_stock)'
    )
    op.drop_table('product_stock')
