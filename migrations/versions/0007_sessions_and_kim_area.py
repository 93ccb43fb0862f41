"""Revocable sessions, and the area a KIM group reports from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:00:00.000000

`account_session`: one row per signed-in device; the session cookie counts only while its row is open
(kim_app/accounts/session.py). Cookies signed before this revision carry no session token, so everyone signs in
once more after the upgrade; phones keep their outbox and send it after that sign-in.

`kim_group.cakupan`: a KIM reports from its own desa ('desa', every existing group) or, for a KIM formed at the
kecamatan, from any desa of its kecamatan ('kecamatan'). The column is added in place on both databases (SQLite
accepts a CHECK with ADD COLUMN), so kim_group, which items and accounts refer to, is not rebuilt.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_why', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'],
                            name=op.f('fk_account_session_account_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_session'))
    )
    op.create_index(op.f('ix_account_session_account_id'), 'account_session', ['account_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE kim_group ADD COLUMN cakupan VARCHAR(10) DEFAULT 'desa' NOT NULL "
                   "CONSTRAINT ck_kim_group_cakupan_known CHECK (cakupan IN ('desa', 'kecamatan'))")
    else:
        op.add_column('kim_group', sa.Column('cakupan', sa.String(length=10), server_default='desa', nullable=False))
        op.create_check_constraint(op.f('ck_kim_group_cakupan_known'), 'kim_group',
                                   "cakupan IN ('desa', 'kecamatan')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # The CHECK belongs to the column (added with it), so SQLite (3.35+) drops both without rebuilding the table.
        op.execute("ALTER TABLE kim_group DROP COLUMN cakupan")
    else:
        op.drop_constraint(op.f('ck_kim_group_cakupan_known'), 'kim_group', type_='check')
        op.drop_column('kim_group', 'cakupan')
    op.drop_index(op.f('ix_account_session_account_id'), table_name='account_session')
    op.drop_table('account_session')
