"""Dissemination reports found by the pengumuman they name (PostgreSQL)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 20:30:00.000000

The desk's coverage of a pengumuman (kim_app/pengumuman/coverage.py) sums the reports (items of kind `diseminasi`)
that name it in `rincian`. An expression index on that field, over the reports alone, finds them without reading
every report of the province. The coverage query writes the expression exactly so (`rincian ->> 'pengumuman'`).
SQLite, the embedded default for one small Dinas, reads its few reports without it.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_submission_diseminasi_pengumuman ON submission ((rincian ->> 'pengumuman'), kim_id)"
                   " WHERE kind = 'diseminasi'")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_submission_diseminasi_pengumuman")
