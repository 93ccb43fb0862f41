"""Moderators' opt-in pushes of new items in their queue, batched

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-07 16:00:00.000000

One new table and nothing else touched (kim_app/moderation/models.py): a row per moderator who asked, on the desk,
to hear of new items by push, with the batch being gathered for them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('queue_alert',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_queue_alert_count_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'],
                            name=op.f('fk_queue_alert_account_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_queue_alert'))
    )


def downgrade():
    op.drop_table('queue_alert')
