"""The session (device) that created an item, so that its own pulls leave the item out while it is unchanged

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 02:30:00.000000

A pull looks back over a safety window, and a phone sending a long outbox was sent back its own new items: a cursor
can name only 250 of them. The item now remembers the session that created it (the first 16 hex digits of the
session row's digest, kim_app/accounts/session.py); a pull with a cursor from that session leaves out those not
changed since (version 1). Items that exist already have none: they are pulled as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on SQLite too: a rebuilt table would lose the search's triggers (migration 0020).
    op.add_column('submission', sa.Column('created_session', sa.String(length=16), nullable=True))


def downgrade():
    op.drop_column('submission', 'created_session')
