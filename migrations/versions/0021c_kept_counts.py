"""Counts kept as items change: queue per kabupaten and filter value, published per desa, verdicts per day and KIM

Revision ID: 0021c
Revises: 0020
Create Date: 2026-12-07 22:00:00.000000

The queue page's counts and the kabupaten page's list of kecamatan counted the rows at every request: a second for a
province's 200,000 pending items. These tables hold the same numbers, changed with every change of an item in its
transaction (kim_app/items/counts.py). They are filled here from the rows, with the same conditions the app counts
by — frozen as they are at this revision: the queue is what is pending (`menunggu`) with no photo that is not `siap`,
the portal is what is approved of the public kinds with a `published_at`, a verdict is an audit entry `setujui`,
`tolak` or `revisi` counted on its day in WITA (UTC+8, no summer time). `flask kim recount` does the same later.

And `submission.decided_at`, the moment of the item's first verdict, filled from the audit log: the dashboard's time
to moderate looked for that entry item by item.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021c'
down_revision = '0020'
branch_labels = None
depends_on = None

PUBLIC_KINDS = "('berita', 'foto')"


def upgrade():
    op.add_column('submission', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE submission SET decided_at = first.at FROM (SELECT submission_id, min(created_at) AS at "
        "FROM moderation_event WHERE action IN ('setujui', 'tolak', 'revisi') GROUP BY submission_id) AS first "
        "WHERE first.submission_id = submission.id"
    )
    op.create_table(
        'queue_count',
        sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('desa_kode', sa.String(length=13), nullable=False),
        sa.Column('kim_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kategori', sa.String(length=32), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kabupaten_kode', 'kind', 'desa_kode', 'kim_id', 'kategori',
                                name=op.f('pk_queue_count')),
    )
    op.create_table(
        'published_count',
        sa.Column('desa_kode', sa.String(length=13), nullable=False),
        sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('desa_kode', name=op.f('pk_published_count')),
    )
    op.create_index(op.f('ix_published_count_kabupaten_kode'), 'published_count', ['kabupaten_kode'], unique=False)
    op.create_table(
        'verdict_count',
        sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
        sa.Column('hari', sa.Date(), nullable=False),
        sa.Column('kim_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kabupaten_kode', 'hari', 'kim_id', 'action', name=op.f('pk_verdict_count')),
    )
    op.create_index(op.f('ix_verdict_count_hari'), 'verdict_count', ['hari'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        day = "(e.created_at AT TIME ZONE 'Asia/Makassar')::date"
    else:
        day = "date(e.created_at, '+8 hours')"
    op.execute(
        "INSERT INTO verdict_count (kabupaten_kode, hari, kim_id, action, n) "
        f"SELECT s.kabupaten_kode, {day}, coalesce(s.kim_id, 0), e.action, count(*) "
        "FROM moderation_event e JOIN submission s ON s.id = e.submission_id "
        "WHERE e.action IN ('setujui', 'tolak', 'revisi') "
        f"GROUP BY s.kabupaten_kode, {day}, coalesce(s.kim_id, 0), e.action"
    )
    op.execute(
        "INSERT INTO queue_count (kabupaten_kode, kind, desa_kode, kim_id, kategori, n) "
        "SELECT kabupaten_kode, kind, desa_kode, coalesce(kim_id, 0), kategori, count(*) FROM submission s "
        "WHERE status = 'menunggu' "
        "AND NOT EXISTS (SELECT 1 FROM photo p WHERE p.submission_id = s.id AND p.state <> 'siap') "
        "GROUP BY kabupaten_kode, kind, desa_kode, coalesce(kim_id, 0), kategori"
    )
    op.execute(
        "INSERT INTO published_count (desa_kode, kabupaten_kode, n) "
        "SELECT desa_kode, kabupaten_kode, count(*) FROM submission "
        f"WHERE kind IN {PUBLIC_KINDS} AND status = 'disetujui' AND published_at IS NOT NULL "
        "GROUP BY desa_kode, kabupaten_kode"
    )


def downgrade():
    op.drop_index(op.f('ix_verdict_count_hari'), table_name='verdict_count')
    op.drop_table('verdict_count')
    op.drop_index(op.f('ix_published_count_kabupaten_kode'), table_name='published_count')
    op.drop_table('published_count')
    op.drop_table('queue_count')
    # Not a batch rebuild: on SQLite that would drop the search triggers with the old table (migration 0020).
    op.execute("ALTER TABLE submission DROP COLUMN decided_at")
