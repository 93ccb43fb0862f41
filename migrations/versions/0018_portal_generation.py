"""The portal generation: one counter that moves whenever what the public sees changes

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-07 19:40:00.000000

Rendered portal pages are kept under the generation they were rendered at (kim_app/publish/cache.py). The counter
moves in the same transaction as a publication, so a page is never served after what it shows has changed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'portal_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('portal_generation')
