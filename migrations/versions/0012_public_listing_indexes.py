"""The portal's lists read newest first from an index: everywhere, per kabupaten, per desa

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:40:00.000000

Every public list (home, kabupaten and desa pages, the Atom feeds, GET /api/v1/berita) asks for approved items of
the public kinds, newest first (kim_app/publish/services.py, `latest`). With two public kinds the index on (kind,
status, published_at) cannot give that order, so PostgreSQL sorted every approved item for each page: 220 ms at
200,000 items (benchmarks/national.py). Partial indexes on the published items alone (approved, of a public kind:
the only ones with a `published_at`), in published order, let a page read its twenty rows from the index's newest
end; both databases scan them backwards for DESC.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'disetujui' AND published_at IS NOT NULL")
INDEXES = {
    'ix_submission_public_latest': ['published_at', 'id'],
    'ix_submission_public_kabupaten': ['kabupaten_kode', 'published_at', 'id'],
    'ix_submission_public_desa': ['desa_kode', 'published_at', 'id'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'submission', columns, unique=False, postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='submission')
