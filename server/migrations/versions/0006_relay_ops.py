"""The ops a hub relays upstream, and what it remembers of upstream: relay_ops, hub_state.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

A hub applies its devices' ops to its own copy and keeps each applied op, with its author, until
upstream has answered it. Empty on a regional server.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'relay_ops',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('op_id', sa.String(length=36), nullable=False),
        sa.Column('op', sa.JSON(), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_relay_ops')),
        sa.UniqueConstraint('op_id', name=op.f('uq_relay_ops_op_id')),
    )
    op.create_index('ix_relay_ops_answered_seq', 'relay_ops', ['answered_at', 'seq'], unique=False)
    op.create_table(
        'hub_state',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_hub_state')),
    )


def downgrade():
    op.drop_table('hub_state')
    op.drop_index('ix_relay_ops_answered_seq', table_name='relay_ops')
    op.drop_table('relay_ops')
