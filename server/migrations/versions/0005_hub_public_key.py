"""A hub's public key on its account: users.public_key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00

A kecamatan hub signs the tokens of the devices it enrols with a key of its own; the server
honours them for the accounts of the hub's kecamatan. The key is the public half as a JWK
(JSON text: kty, crv, x), null for every other account.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('public_key', sa.Text(), nullable=True))


def downgrade():
    # SQLite drops a column in place (3.35 and later), as 0004 does.
    op.drop_column('users', 'public_key')
