"""The Dinas desk: ketua KIM, item versions and claims, revisions, complaint tracking, audit details

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:00:00.000000

Written from autogenerate's output and reviewed by hand: autogenerate does not see CHECK constraints, and the data
that existing rows need (a tracking code and lifecycle status for every complaint, revision 1 of every item) is filled
in here before the constraints that demand it are created.

SQLite cannot add a CHECK, UNIQUE or FOREIGN KEY constraint to a table, so `user_account` and `submission` are rebuilt
there with the trick of 0002 (rows parked while the table is rebuilt, foreign key checks deferred to COMMIT). The
audit log is not rebuilt: its new `details` column is a plain ADD COLUMN, so its append-only triggers stay in place.
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

USER_COLUMNS_0002 = "id, username, nama, password_hash, role, kabupaten_kode, kim_id, active, created_at"
SUBMISSION_COLUMNS_0002 = (
    "id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, judul, isi, uraian, lokasi, "
    "pelapor_nama, pelapor_telepon, keterangan, captured_at, received_at, updated_at, published_at, status, "
    "revision, moderator_note, content_hash"
)
SUBMISSION_COLUMNS_0003 = (
    SUBMISSION_COLUMNS_0002 + ", version, claimed_by, claim_expires_at, tracking_code, aduan_status, opd, tanggapan"
)
# The same alphabet as kim_app/complaints/services.py (copied: a migration must not change when the app does).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ADUAN_STATUS_FROM_STATUS = {
    "menunggu": "diterima", "perlu_revisi": "diterima", "disetujui": "diverifikasi", "ditolak": "ditolak",
}
ADUAN_STATUSES = "('diterima', 'diverifikasi', 'diteruskan', 'ditindaklanjuti', 'selesai', 'ditolak')"


def _rebuild(table, columns_after_change, change):
    """Apply `change(batch_op)` to `table`, on SQLite too, keeping the rows that other tables' foreign keys point at.

    On SQLite batch mode copies the table, DROPs it and renames the copy; the DROP would break the references to it.
    As in 0002: with the checks deferred to COMMIT, the rows are parked in a temporary table, the table is rebuilt
    empty, and putting the rows back satisfies every reference again before the COMMIT counts.
    `columns_after_change` are the columns both the old and the rebuilt table have.
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys=ON")
        op.execute(f"CREATE TEMP TABLE {table}_parked AS SELECT * FROM {table}")
        op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute(
            f"INSERT INTO {table} ({columns_after_change}) SELECT {columns_after_change} FROM {table}_parked"
        )
        op.execute(f"DROP TABLE {table}_parked")


def _backfill_complaints():
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, status FROM submission WHERE kind = 'aduan'")).fetchall()
    used = set()
    for row in rows:
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        while code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        used.add(code)
        connection.execute(
            sa.text("UPDATE submission SET tracking_code = :code, aduan_status = :status WHERE id = :id"),
            {"code": code, "status": ADUAN_STATUS_FROM_STATUS[row.status], "id": row.id},
        )


def upgrade():
    def add_ketua(batch_op):
        batch_op.add_column(sa.Column('ketua', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_user_account_ketua_is_anggota'), "NOT ketua OR role = 'anggota'")

    _rebuild('user_account', USER_COLUMNS_0002, add_ketua)

    # Plain columns first (ADD COLUMN everywhere), so existing complaints can be given what the constraints demand.
    op.add_column('submission', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('submission', sa.Column('claimed_by', sa.Integer(), nullable=True))
    op.add_column('submission', sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submission', sa.Column('tracking_code', sa.String(length=8), nullable=True))
    op.add_column('submission', sa.Column('aduan_status', sa.String(length=16), nullable=True))
    op.add_column('submission', sa.Column('opd', sa.String(length=200), nullable=True))
    op.add_column('submission', sa.Column('tanggapan', sa.Text(), nullable=True))
    _backfill_complaints()

    def add_desk(batch_op):
        batch_op.create_foreign_key(
            op.f('fk_submission_claimed_by_user_account'), 'user_account', ['claimed_by'], ['id']
        )
        batch_op.create_unique_constraint(op.f('uq_submission_tracking_code'), ['tracking_code'])
        batch_op.create_check_constraint(op.f('ck_submission_version_positive'), 'version >= 1')
        batch_op.create_check_constraint(
            op.f('ck_submission_aduan_status_known'), f"aduan_status IS NULL OR aduan_status IN {ADUAN_STATUSES}"
        )
        batch_op.create_check_constraint(
            op.f('ck_submission_aduan_tracked'),
            "(kind = 'aduan') = (tracking_code IS NOT NULL AND aduan_status IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            op.f('ck_submission_claim_has_lease'), "(claimed_by IS NULL) = (claim_expires_at IS NULL)"
        )
        batch_op.drop_index('ix_submission_queue')
        batch_op.create_index('ix_submission_queue', ['kabupaten_kode', 'status', 'received_at', 'id'], unique=False)
        batch_op.create_index('ix_submission_queue_all', ['status', 'received_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_claimed_by'), ['claimed_by'], unique=False)

    _rebuild('submission', SUBMISSION_COLUMNS_0003, add_desk)

    op.add_column('moderation_event', sa.Column('details', sa.JSON(), nullable=True))

    op.create_table('submission_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kategori', sa.String(length=32), nullable=False),
    sa.Column('judul', sa.String(length=200), nullable=True),
    sa.Column('isi', sa.Text(), nullable=True),
    sa.Column('uraian', sa.Text(), nullable=True),
    sa.Column('lokasi', sa.String(length=300), nullable=True),
    sa.Column('keterangan', sa.Text(), nullable=True),
    sa.Column('pelapor_nama', sa.String(length=120), nullable=True),
    sa.Column('pelapor_telepon', sa.String(length=20), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_revision_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_revision')),
    sa.UniqueConstraint('submission_id', 'revision', name='uq_submission_revision_submission_id')
    )
    # Revision 1 of every item is what was first received. No item has been revised before this migration (there was
    # no way to), so the item's own content is exactly that.
    op.execute(
        "INSERT INTO submission_revision (submission_id, revision, kategori, judul, isi, uraian, lokasi, keterangan, "
        "pelapor_nama, pelapor_telepon, captured_at, received_at, content_hash) "
        "SELECT id, 1, kategori, judul, isi, uraian, lokasi, keterangan, pelapor_nama, pelapor_telepon, captured_at, "
        "received_at, content_hash FROM submission"
    )


def downgrade():
    op.drop_table('submission_revision')
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the audit log's append-only triggers.
        op.execute("ALTER TABLE moderation_event DROP COLUMN details")
    else:
        op.drop_column('moderation_event', 'details')

    def remove_desk(batch_op):
        batch_op.drop_index(batch_op.f('ix_submission_claimed_by'))
        batch_op.drop_index('ix_submission_queue_all')
        batch_op.drop_index('ix_submission_queue')
        batch_op.create_index('ix_submission_queue', ['kabupaten_kode', 'status', 'received_at'], unique=False)
        batch_op.drop_constraint(op.f('ck_submission_claim_has_lease'), type_='check')
        batch_op.drop_constraint(op.f('ck_submission_aduan_tracked'), type_='check')
        batch_op.drop_constraint(op.f('ck_submission_aduan_status_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_submission_version_positive'), type_='check')
        batch_op.drop_constraint(op.f('uq_submission_tracking_code'), type_='unique')
        batch_op.drop_constraint(op.f('fk_submission_claimed_by_user_account'), type_='foreignkey')
        for column in ('tanggapan', 'opd', 'aduan_status', 'tracking_code', 'claim_expires_at', 'claimed_by',
                       'version'):
            batch_op.drop_column(column)

    _rebuild('submission', SUBMISSION_COLUMNS_0002, remove_desk)

    def remove_ketua(batch_op):
        batch_op.drop_constraint(op.f('ck_user_account_ketua_is_anggota'), type_='check')
        batch_op.drop_column('ketua')

    _rebuild('user_account', USER_COLUMNS_0002, remove_ketua)
