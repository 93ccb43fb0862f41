"""Pengumuman from the Dinas to the KIM groups, and their targets

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07 19:20:00.000000

Two new tables and nothing else touched (kim_app/pengumuman/models.py). A member's pull asks "which published
pengumuman target my KIM group, its desa, kecamatan, kabupaten or the province": the targets are indexed by (tingkat,
kode) and by kim_id so that question reads a handful of index entries per pull.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pengumuman',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jenis', sa.String(length=16), nullable=False),
    sa.Column('judul', sa.String(length=200), nullable=False),
    sa.Column('isi', sa.Text(), nullable=False),
    sa.Column('rincian', sa.JSON(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kabupaten_kode', sa.String(length=5), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("jenis IN ('pengumuman', 'agenda', 'materi', 'klarifikasi')",
                       name=op.f('ck_pengumuman_jenis_known')),
    sa.CheckConstraint("status IN ('draf', 'terbit', 'ditarik')", name=op.f('ck_pengumuman_status_known')),
    sa.CheckConstraint("status = 'draf' OR published_at IS NOT NULL",
                       name=op.f('ck_pengumuman_published_has_moment')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_pengumuman_author_id_user_account')),
    sa.ForeignKeyConstraint(['kabupaten_kode'], ['kabupaten.kode'],
                            name=op.f('fk_pengumuman_kabupaten_kode_kabupaten')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pengumuman'))
    )
    op.create_index('ix_pengumuman_author_id', 'pengumuman', ['author_id'], unique=False)
    op.create_index('ix_pengumuman_kabupaten_kode', 'pengumuman', ['kabupaten_kode'], unique=False)
    op.create_index('ix_pengumuman_status_updated', 'pengumuman', ['status', 'updated_at'], unique=False)
    op.create_table('pengumuman_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pengumuman_id', sa.Integer(), nullable=False),
    sa.Column('tingkat', sa.String(length=10), nullable=False),
    sa.Column('kode', sa.String(length=13), nullable=True),
    sa.Column('kim_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("tingkat IN ('provinsi', 'kabupaten', 'kecamatan', 'desa', 'kim')",
                       name=op.f('ck_pengumuman_target_tingkat_known')),
    sa.CheckConstraint("(tingkat = 'kim') = (kim_id IS NOT NULL)", name=op.f('ck_pengumuman_target_kim_has_id')),
    sa.CheckConstraint("(tingkat = 'kim') = (kode IS NULL)", name=op.f('ck_pengumuman_target_area_has_kode')),
    sa.ForeignKeyConstraint(['kim_id'], ['kim_group.id'], name=op.f('fk_pengumuman_target_kim_id_kim_group'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pengumuman_id'], ['pengumuman.id'],
                            name=op.f('fk_pengumuman_target_pengumuman_id_pengumuman'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pengumuman_target'))
    )
    op.create_index('ix_pengumuman_target_pengumuman_id', 'pengumuman_target', ['pengumuman_id'], unique=False)
    op.create_index('ix_pengumuman_target_tingkat_kode', 'pengumuman_target', ['tingkat', 'kode'], unique=False)
    op.create_index('ix_pengumuman_target_kim_id', 'pengumuman_target', ['kim_id'], unique=False)


def downgrade():
    op.drop_table('pengumuman_target')
    op.drop_table('pengumuman')
