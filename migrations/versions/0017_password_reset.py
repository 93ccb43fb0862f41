"""A ketua or the admin resets a password; the account must choose a new one; the reset is recorded

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 19:30:00.000000

`user_account.harus_ganti_sandi`: the account signed in with a temporary password and may do nothing but choose a
new one (kim_app/accounts/routes.py). Added in place on both databases with a constant default (every existing
account: false), so user_account, which nearly every table refers to, is not rebuilt on SQLite.

`account_event`: who reset whose password and when, and when the owner chose a new one (kim_app/accounts/models.py).
Append-only, as `moderation_event` is (migration 0001): the database itself refuses to rewrite or erase it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account',
                  sa.Column('harus_ganti_sandi', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('account_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('reset_sandi', 'sandi_baru', 'ganti_sandi')",
                       name=op.f('ck_account_event_action_known')),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'],
                            name=op.f('fk_account_event_account_id_user_account')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_account_event_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_event'))
    )
    op.create_index(op.f('ix_account_event_account_id'), 'account_event', ['account_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            """
            CREATE FUNCTION account_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'account_event is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute("CREATE TRIGGER account_event_no_change BEFORE UPDATE OR DELETE ON account_event "
                   "FOR EACH ROW EXECUTE FUNCTION account_event_append_only()")
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER account_event_no_{verb.lower()} BEFORE {verb} ON account_event "
                       "BEGIN SELECT RAISE(ABORT, 'account_event is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS account_event_no_change ON account_event")
        op.execute("DROP FUNCTION IF EXISTS account_event_append_only()")
    # SQLite drops a table's triggers with it.
    op.drop_index(op.f('ix_account_event_account_id'), table_name='account_event')
    op.drop_table('account_event')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite (3.35+) drops a plain column in place; alembic's drop_column would need the table rebuilt.
        op.execute("ALTER TABLE user_account DROP COLUMN harus_ganti_sandi")
    else:
        op.drop_column('user_account', 'harus_ganti_sandi')
