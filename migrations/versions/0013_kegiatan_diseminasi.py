"""Two new kinds, a KIM's activity (kegiatan) and a dissemination report (diseminasi), and the status `tercatat`

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:30:00.000000

The database's half of the registry (kim_app/items/kinds.py, statuses.py): `kind_known` takes the two kinds,
`status_known` the status a report reaches (`tercatat`: recorded, never moderated), and `kegiatan_complete` asks for
an activity's description, its one required field kept in a column (its date and count live in `rincian`, as do all
of a report's fields). SQLite cannot change a CHECK constraint, so `submission` is rebuilt there with the trick of
0003 (`_rebuild`: rows parked while the table is rebuilt, foreign key checks deferred to COMMIT); the audit log is
not touched, so its append-only triggers stay in place.

Downgrading while an item of a new kind exists is refused: its audit log cannot be deleted (append-only), and the
old constraints would not hold it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Copied, not read from the app: a migration must not change when the app does.
SUBMISSION_COLUMNS = (
    "id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, judul, isi, uraian, lokasi, "
    "pelapor_nama, pelapor_telepon, keterangan, captured_at, received_at, updated_at, published_at, status, "
    "revision, moderator_note, content_hash, version, claimed_by, claim_expires_at, tracking_code, aduan_status, opd, "
    "tanggapan, rincian"
)
KIND_KNOWN_BEFORE = "kind IN ('berita', 'aduan', 'foto')"
KIND_KNOWN_AFTER = "kind IN ('berita', 'aduan', 'foto', 'kegiatan', 'diseminasi')"
STATUS_KNOWN_BEFORE = "status IN ('menunggu', 'disetujui', 'ditolak', 'perlu_revisi')"
STATUS_KNOWN_AFTER = "status IN ('menunggu', 'disetujui', 'ditolak', 'perlu_revisi', 'tercatat')"
KEGIATAN_COMPLETE = "kind <> 'kegiatan' OR (keterangan IS NOT NULL)"


def _rebuild(table, columns, change):
    """Apply `change(batch_op)` to `table`, on SQLite too, keeping the rows other tables' foreign keys point at
    (as 0003 does: see its `_rebuild`)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys=ON")
        op.execute(f"CREATE TEMP TABLE {table}_parked AS SELECT * FROM {table}")
        op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_parked")
        op.execute(f"DROP TABLE {table}_parked")


def _replace_checks(kind_known, status_known, kegiatan_complete):
    def change(batch_op):
        batch_op.drop_constraint(op.f('ck_submission_kind_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_submission_status_known'), type_='check')
        if kegiatan_complete is None:
            batch_op.drop_constraint(op.f('ck_submission_kegiatan_complete'), type_='check')
        batch_op.create_check_constraint(op.f('ck_submission_kind_known'), kind_known)
        batch_op.create_check_constraint(op.f('ck_submission_status_known'), status_known)
        if kegiatan_complete is not None:
            batch_op.create_check_constraint(op.f('ck_submission_kegiatan_complete'), kegiatan_complete)

    _rebuild('submission', SUBMISSION_COLUMNS, change)


def upgrade():
    _replace_checks(KIND_KNOWN_AFTER, STATUS_KNOWN_AFTER, KEGIATAN_COMPLETE)


def downgrade():
    held = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM submission WHERE kind IN ('kegiatan', 'diseminasi') OR status = 'tercatat'"
    )).scalar()
    if held:
        raise RuntimeError(
            f"{held} items are activities or dissemination reports; revision 0012 cannot hold them, and their audit "
            "log cannot be deleted. Downgrade refused."
        )
    _replace_checks(KIND_KNOWN_BEFORE, STATUS_KNOWN_BEFORE, None)
