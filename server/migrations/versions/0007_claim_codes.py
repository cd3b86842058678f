"""One-time codes a hub gives out to enrol a producer's own phone: claim_codes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00

Empty on a regional server.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'claim_codes',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('issued_by', sa.String(length=36), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_claim_codes')),
    )


def downgrade():
    op.drop_table('claim_codes')
