"""Initial schema: wilayah, KIM groups, accounts, submissions, moderation log

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 10:29:08.170784

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provinsi',
    sa.Column('kode', sa.String(length=2), nullable=False),
    sa.Column('nama', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('kode', name=op.f('pk_provinsi'))
    )
    op.create_table('kabupaten',
    sa.Column('kode', sa.String(length=5), nullable=False),
    sa.Column('provinsi_kode', sa.String(length=2), nullable=False),
    sa.Column('nama', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['provinsi_kode'], ['provinsi.kode'], name=op.f('fk_kabupaten_provinsi_kode_provinsi')),
    sa.PrimaryKeyConstraint('kode', name=op.f('pk_kabupaten'))
    )
    with op.batch_alter_table('kabupaten', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kabupaten_provinsi_kode'), ['provinsi_kode'], unique=False)

    op.create_table('kecamatan',
    sa.Column('kode', sa.String(length=8), nullable=False),
    sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
    sa.Column('nama', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['kabupaten_kode'], ['kabupaten.kode'], name=op.f('fk_kecamatan_kabupaten_kode_kabupaten')),
    sa.PrimaryKeyConstraint('kode', name=op.f('pk_kecamatan'))
    )
    with op.batch_alter_table('kecamatan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kecamatan_kabupaten_kode'), ['kabupaten_kode'], unique=False)

    op.create_table('desa',
    sa.Column('kode', sa.String(length=13), nullable=False),
    sa.Column('kecamatan_kode', sa.String(length=8), nullable=False),
    sa.Column('nama', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['kecamatan_kode'], ['kecamatan.kode'], name=op.f('fk_desa_kecamatan_kode_kecamatan')),
    sa.PrimaryKeyConstraint('kode', name=op.f('pk_desa'))
    )
    with op.batch_alter_table('desa', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desa_kecamatan_kode'), ['kecamatan_kode'], unique=False)

    op.create_table('kim_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nama', sa.String(length=120), nullable=False),
    sa.Column('desa_kode', sa.String(length=13), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['desa_kode'], ['desa.kode'], name=op.f('fk_kim_group_desa_kode_desa')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kim_group'))
    )
    with op.batch_alter_table('kim_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kim_group_desa_kode'), ['desa_kode'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('nama', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('kabupaten_kode', sa.String(length=5), nullable=True),
    sa.Column('kim_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'anggota' OR kim_id IS NOT NULL", name=op.f('ck_user_account_anggota_has_kim')),
    sa.CheckConstraint("role <> 'moderator' OR kabupaten_kode IS NOT NULL", name=op.f('ck_user_account_moderator_has_kabupaten')),
    sa.CheckConstraint("role IN ('anggota', 'moderator', 'admin')", name=op.f('ck_user_account_role_known')),
    sa.ForeignKeyConstraint(['kabupaten_kode'], ['kabupaten.kode'], name=op.f('fk_user_account_kabupaten_kode_kabupaten')),
    sa.ForeignKeyConstraint(['kim_id'], ['kim_group.id'], name=op.f('fk_user_account_kim_id_kim_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_kabupaten_kode'), ['kabupaten_kode'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_account_kim_id'), ['kim_id'], unique=False)

    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kim_id', sa.Integer(), nullable=True),
    sa.Column('desa_kode', sa.String(length=13), nullable=False),
    sa.Column('kabupaten_kode', sa.String(length=5), nullable=False),
    sa.Column('kategori', sa.String(length=32), nullable=False),
    sa.Column('judul', sa.String(length=200), nullable=True),
    sa.Column('isi', sa.Text(), nullable=True),
    sa.Column('uraian', sa.Text(), nullable=True),
    sa.Column('lokasi', sa.String(length=300), nullable=True),
    sa.Column('pelapor_nama', sa.String(length=120), nullable=True),
    sa.Column('pelapor_telepon', sa.String(length=20), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('moderator_note', sa.Text(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind <> 'aduan' OR (uraian IS NOT NULL AND lokasi IS NOT NULL)", name=op.f('ck_submission_aduan_complete')),
    sa.CheckConstraint("kind <> 'berita' OR (judul IS NOT NULL AND isi IS NOT NULL)", name=op.f('ck_submission_berita_complete')),
    sa.CheckConstraint("kind IN ('berita', 'aduan')", name=op.f('ck_submission_kind_known')),
    sa.CheckConstraint("status IN ('menunggu', 'disetujui', 'ditolak', 'perlu_revisi')", name=op.f('ck_submission_status_known')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_submission_revision_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_submission_author_id_user_account')),
    sa.ForeignKeyConstraint(['desa_kode'], ['desa.kode'], name=op.f('fk_submission_desa_kode_desa')),
    sa.ForeignKeyConstraint(['kabupaten_kode'], ['kabupaten.kode'], name=op.f('fk_submission_kabupaten_kode_kabupaten')),
    sa.ForeignKeyConstraint(['kim_id'], ['kim_group.id'], name=op.f('fk_submission_kim_id_kim_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_submission_client_uuid'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_author_updated', ['author_id', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_desa_kode'), ['desa_kode'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_kim_id'), ['kim_id'], unique=False)
        batch_op.create_index('ix_submission_published', ['kind', 'status', 'published_at'], unique=False)
        batch_op.create_index('ix_submission_queue', ['kabupaten_kode', 'status', 'received_at'], unique=False)

    op.create_table('moderation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_moderation_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_moderation_event_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_event'))
    )
    with op.batch_alter_table('moderation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_event_submission_id'), ['submission_id'], unique=False)

    # The audit log is append-only: the database itself refuses to rewrite or erase history.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION moderation_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'moderation_event is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER moderation_event_no_change BEFORE UPDATE OR DELETE ON moderation_event "
            "FOR EACH ROW EXECUTE FUNCTION moderation_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER moderation_event_no_{verb.lower()} BEFORE {verb} ON moderation_event "
                "BEGIN SELECT RAISE(ABORT, 'moderation_event is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS moderation_event_no_change ON moderation_event")
        op.execute("DROP FUNCTION IF EXISTS moderation_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS moderation_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS moderation_event_no_delete")
    with op.batch_alter_table('moderation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_event_submission_id'))

    op.drop_table('moderation_event')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_queue')
        batch_op.drop_index('ix_submission_published')
        batch_op.drop_index(batch_op.f('ix_submission_kim_id'))
        batch_op.drop_index(batch_op.f('ix_submission_desa_kode'))
        batch_op.drop_index('ix_submission_author_updated')

    op.drop_table('submission')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_kim_id'))
        batch_op.drop_index(batch_op.f('ix_user_account_kabupaten_kode'))

    op.drop_table('user_account')
    with op.batch_alter_table('kim_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kim_group_desa_kode'))

    op.drop_table('kim_group')
    with op.batch_alter_table('desa', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desa_kecamatan_kode'))

    op.drop_table('desa')
    with op.batch_alter_table('kecamatan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kecamatan_kabupaten_kode'))

    op.drop_table('kecamatan')
    with op.batch_alter_table('kabupaten', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kabupaten_provinsi_kode'))

    op.drop_table('kabupaten')
    op.drop_table('provinsi')
