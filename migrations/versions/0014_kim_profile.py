"""A KIM group's registry entry and public profile: SK, KIM.ID number, contact, description, verification, pengurus

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 19:10:00.000000

`kim_group` gains nullable columns only (every existing group starts with an empty, unverified profile), so they are
added in place on both databases and kim_group, which items and accounts refer to, is not rebuilt; SQLite (3.35+)
drops them again in place. `kim_pengurus`: one row per position of a KIM's board, removed with its group.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = (
    ('sk_nomor', sa.String(length=100)),
    ('sk_tanggal', sa.Date()),
    ('kimid_nomor', sa.String(length=50)),
    ('kontak', sa.String(length=200)),
    ('deskripsi', sa.String(length=1000)),
    ('diverifikasi_at', sa.DateTime(timezone=True)),
    ('diverifikasi_oleh', sa.Integer()),
    ('profil_diubah_at', sa.DateTime(timezone=True)),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('kim_group', sa.Column(name, type_, nullable=True))
    op.create_table('kim_pengurus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kim_id', sa.Integer(), nullable=False),
    sa.Column('jabatan', sa.String(length=16), nullable=False),
    sa.Column('nama', sa.String(length=120), nullable=False),
    sa.Column('bidang_nama', sa.String(length=100), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('urutan', sa.Integer(), nullable=False),
    sa.CheckConstraint("jabatan IN ('ketua', 'sekretaris', 'bendahara', 'bidang')",
                       name=op.f('ck_kim_pengurus_jabatan_known')),
    sa.CheckConstraint("jabatan <> 'bidang' OR bidang_nama IS NOT NULL", name=op.f('ck_kim_pengurus_bidang_named')),
    sa.ForeignKeyConstraint(['kim_id'], ['kim_group.id'], name=op.f('fk_kim_pengurus_kim_id_kim_group'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_kim_pengurus_user_id_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kim_pengurus'))
    )
    op.create_index(op.f('ix_kim_pengurus_kim_id'), 'kim_pengurus', ['kim_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_kim_pengurus_kim_id'), table_name='kim_pengurus')
    op.drop_table('kim_pengurus')
    for name, _ in reversed(COLUMNS):
        op.drop_column('kim_group', name)
