"""Complaints waiting for verification, by kabupaten and time of receipt: the dashboard's overdue complaints

Revision ID: 0022
Revises: 0021c
Create Date: 2026-12-08 01:30:00.000000

The dashboard counts the overdue complaints per kabupaten and KIM group and lists the oldest
(kim_app/moderation/dashboard.py, `overdue_complaints`): those pending (`menunggu`) and not yet verified (`diterima`),
received before one moment. A partial index holds just them — a few thousand of a province's million items — in the
order the list reads them, with the KIM group for the count.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021c'
branch_labels = None
depends_on = None

WAITING = "status = 'menunggu' AND aduan_status = 'diterima'"


def upgrade():
    op.create_index('ix_submission_aduan_waiting', 'submission', ['kabupaten_kode', 'received_at', 'id', 'kim_id'],
                    postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))


def downgrade():
    op.drop_index('ix_submission_aduan_waiting', table_name='submission')
