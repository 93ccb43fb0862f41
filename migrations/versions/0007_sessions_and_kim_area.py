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
    # The CHECK goes first on both databases: SQLite's batch copy of the table would otherwise keep a CHECK that
    # names the column it drops. That copy drops and renames kim_group, which items and accounts refer to; as in 0002
    # and 0003, with the foreign key checks deferred to COMMIT the rows step aside into a temporary table while the
    # table is rebuilt empty, and come back before the COMMIT counts.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys=ON")
        op.execute("CREATE TEMP TABLE kim_group_parked AS SELECT * FROM kim_group")
        op.execute("DELETE FROM kim_group")
    with op.batch_alter_table('kim_group', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_kim_group_cakupan_known'), type_='check')
        batch_op.drop_column('cakupan')
    if sqlite:
        op.execute("INSERT INTO kim_group (id, nama, desa_kode, created_at) "
                   "SELECT id, nama, desa_kode, created_at FROM kim_group_parked")
        op.execute("DROP TABLE kim_group_parked")
    op.drop_index(op.f('ix_account_session_account_id'), table_name='account_session')
    op.drop_table('account_session')
