"""The item core: a place for a kind's own fields

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000

A kind's fields that have no column of their own are kept in `rincian` (JSON), on the item and on each of the
member's revisions (kim_app/items/kinds.py), so adding a kind needs no new column. Plain ADD COLUMN on both
databases: no table is rebuilt, and the audit log's triggers are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('submission', sa.Column('rincian', sa.JSON(), nullable=True))
    op.add_column('submission_revision', sa.Column('rincian', sa.JSON(), nullable=True))


def downgrade():
    # DROP COLUMN in place on both databases (SQLite 3.35+): no rebuild of the tables other tables point at.
    op.execute('ALTER TABLE submission_revision DROP COLUMN rincian')
    op.execute('ALTER TABLE submission DROP COLUMN rincian')
