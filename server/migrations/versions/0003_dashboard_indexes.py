"""Dashboard and review-queue indexes: products by status in change order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:00:00

The review queue pages through one status in change-feed order (keyset on seq): with
(status, seq) a page is a walk of the index, whatever the size of the region.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_status_seq', ['status', 'seq'], unique=False)


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_status_seq')
