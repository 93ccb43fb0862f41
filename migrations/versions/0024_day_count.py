"""Per kabupaten and WITA day: what arrived, what was approved and rejected, how long arrivals waited, what waits

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 05:00:00.000000

The dashboard read a period's items to count arrivals and find the median time to moderate: a nation's eight weeks
are 300,000 items, most of a second of the database's time. `day_count` holds the same numbers per kabupaten and day,
kept as items change (kim_app/items/counts.py), the waits as a histogram (kim_app/items/waits.py). Filled here from the
rows with the rules frozen as they are at this revision: arrivals are items of the moderated kinds on their WITA day
of arrival (UTC+8, no summer time); the wait runs from `received_at` to `decided_at`, in buckets whose upper bounds
(seconds) are below; approvals and rejections are the audit entries `setujui` and `tolak` on their WITA day; a
complaint waits for verification while it is `menunggu` with every photo `siap` and its `aduan_status` is `diterima`.
`week_count` holds the same numbers (but the waiting complaints) per week, named by its Monday: a period's whole
weeks are read there.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

MODERATED_KINDS = "('berita', 'aduan', 'foto', 'kegiatan')"
TRACKED_KINDS = "('aduan')"
BOUNDS = (225, 283, 357, 450, 567, 714, 900, 1134, 1429, 1800, 2268, 2857, 3600, 4536, 5715, 7200, 9071, 11429,
          14400, 18143, 22859, 28800, 36286, 45717, 57600, 72571, 91434, 115200, 145143, 182869, 230400, 290286,
          365737, 460800, 580572, 731474, 921600, 1161143, 1462949, 1843200, 2322286, 2925898, 3686400, 4644573,
          5851795, 7372800)
COLUMNS = tuple(f"w{index:02d}" for index in range(len(BOUNDS) + 1))
WAITING = "status = 'menunggu' AND aduan_status = 'diterima'"


def counts():
    """The counts a day's row and a week's share."""
    return [sa.Column(name, sa.Integer(), nullable=False, server_default='0')
            for name in ('diterima', 'disetujui', 'ditolak', *COLUMNS)]


def upgrade():
    op.create_table(
        'day_count',
        sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
        sa.Column('hari', sa.Date(), nullable=False),
        *counts(),
        sa.Column('aduan_menunggu', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('kabupaten_kode', 'hari', name=op.f('pk_day_count')),
    )
    op.create_index(op.f('ix_day_count_hari'), 'day_count', ['hari'], unique=False)
    op.create_index('ix_day_count_aduan_menunggu', 'day_count', ['hari', 'kabupaten_kode', 'aduan_menunggu'],
                    postgresql_where=sa.text('aduan_menunggu <> 0'), sqlite_where=sa.text('aduan_menunggu <> 0'))
    op.create_table(
        'week_count',
        sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
        sa.Column('senin', sa.Date(), nullable=False),
        *counts(),
        sa.PrimaryKeyConstraint('kabupaten_kode', 'senin', name=op.f('pk_week_count')),
    )
    op.create_index(op.f('ix_week_count_senin'), 'week_count', ['senin'], unique=False)
    # The oldest waiting complaints of every kabupaten at once, in the order the dashboard lists them (0022's index
    # leads with the kabupaten).
    op.create_index('ix_submission_aduan_waiting_oldest', 'submission', ['received_at', 'id'],
                    postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))
    if op.get_bind().dialect.name == 'postgresql':
        def day(column):
            return f"({column} AT TIME ZONE 'Asia/Makassar')::date"
        seconds = "extract(epoch FROM decided_at - received_at)"
    else:
        def day(column):
            return f"date({column}, '+8 hours')"
        seconds = "(julianday(decided_at) - julianday(received_at)) * 86400"
    bucket = ("CASE WHEN decided_at IS NULL THEN NULL "
              + " ".join(f"WHEN {seconds} < {bound} THEN {index}" for index, bound in enumerate(BOUNDS))
              + f" ELSE {len(BOUNDS)} END")
    histogram = ", ".join(f"sum(CASE WHEN bucket = {index} THEN 1 ELSE 0 END)" for index in range(len(COLUMNS)))
    op.execute(
        f"INSERT INTO day_count (kabupaten_kode, hari, diterima, disetujui, ditolak, {', '.join(COLUMNS)}, "
        f"  aduan_menunggu) "
        f"SELECT kabupaten_kode, hari, sum(diterima), sum(disetujui), sum(ditolak), {histogram}, sum(menunggu) FROM ("
        f"  SELECT kabupaten_kode, {day('received_at')} AS hari, 1 AS diterima, 0 AS disetujui, 0 AS ditolak,"
        f"    {bucket} AS bucket, 0 AS menunggu FROM submission WHERE kind IN {MODERATED_KINDS}"
        f"  UNION ALL"
        f"  SELECT s.kabupaten_kode, {day('e.created_at')}, 0, CASE WHEN e.action = 'setujui' THEN 1 ELSE 0 END,"
        f"    CASE WHEN e.action = 'tolak' THEN 1 ELSE 0 END, NULL, 0"
        f"  FROM moderation_event e JOIN submission s ON s.id = e.submission_id"
        f"  WHERE e.action IN ('setujui', 'tolak')"
        f"  UNION ALL"
        f"  SELECT kabupaten_kode, {day('received_at')}, 0, 0, 0, NULL, 1 FROM submission s"
        f"  WHERE kind IN {TRACKED_KINDS} AND {WAITING}"
        f"  AND NOT EXISTS (SELECT 1 FROM photo p WHERE p.submission_id = s.id AND p.state <> 'siap')"
        f") AS counted GROUP BY kabupaten_kode, hari"
    )
    # A week is named by its Monday: SQLite's 'weekday 0' is the Sunday ending it (the day itself on a Sunday).
    if op.get_bind().dialect.name == 'postgresql':
        senin = "date_trunc('week', hari)::date"
    else:
        senin = "date(hari, 'weekday 0', '-6 days')"
    values = ", ".join(('diterima', 'disetujui', 'ditolak', *COLUMNS))
    op.execute(
        f"INSERT INTO week_count (kabupaten_kode, senin, {values}) "
        f"SELECT kabupaten_kode, {senin}, {', '.join(f'sum({name})' for name in values.split(', '))} "
        f"FROM day_count GROUP BY kabupaten_kode, {senin}"
    )


def downgrade():
    op.drop_index(op.f('ix_week_count_senin'), table_name='week_count')
    op.drop_table('week_count')
    op.drop_index('ix_submission_aduan_waiting_oldest', table_name='submission')
    op.drop_index('ix_day_count_aduan_menunggu', table_name='day_count')
    op.drop_index(op.f('ix_day_count_hari'), table_name='day_count')
    op.drop_table('day_count')
