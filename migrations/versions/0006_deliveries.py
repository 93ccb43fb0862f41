"""Deliveries: members' push subscriptions, and one row per e-mail or push to go out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00.000000

Two new tables and nothing else touched (kim_app/notifications/models.py). A delivery's subscription may go away
before the delivery is sent (sign-out, another account on the same phone, 410 from the push service): the reference
is set to NULL and the worker cancels the delivery instead of sending it to whoever has the phone now.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=100), nullable=False),
    sa.Column('auth', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'],
                            name=op.f('fk_push_subscription_account_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscription_endpoint'))
    )
    op.create_index(op.f('ix_push_subscription_account_id'), 'push_subscription', ['account_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'push')", name=op.f('ck_delivery_channel_known')),
    sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')",
                       name=op.f('ck_delivery_state_known')),
    sa.CheckConstraint("channel <> 'push' OR account_id IS NOT NULL", name=op.f('ck_delivery_push_has_account')),
    sa.CheckConstraint("(state = 'sending') = (claim IS NOT NULL AND lease_until IS NOT NULL)",
                       name=op.f('ck_delivery_claim_has_lease')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_delivery_attempts_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['user_account.id'], name=op.f('fk_delivery_account_id_user_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscription.id'],
                            name=op.f('fk_delivery_subscription_id_push_subscription'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery'))
    )
    op.create_index(op.f('ix_delivery_account_id'), 'delivery', ['account_id'], unique=False)
    op.create_index(op.f('ix_delivery_subscription_id'), 'delivery', ['subscription_id'], unique=False)
    op.create_index('ix_delivery_due', 'delivery', ['state', 'next_attempt_at'], unique=False)
    op.create_index('ix_delivery_state_updated', 'delivery', ['state', 'updated_at'], unique=False)


def downgrade():
    op.drop_table('delivery')
    op.drop_table('push_subscription')
