"""What is to be told and where: the browsers' push subscriptions of each account, and one row per message to go out.

A `PushSubscription` is one browser on one device (its endpoint is unique: the same phone subscribing again updates
its row). It belongs to exactly one account; when another account registers the same endpoint — a shared phone —
the row is deleted and a new one made, so nothing queued for the first account can ever reach the second.

A `Delivery` is one e-mail, or one push to one subscription. It is written in the transaction of the change that
causes it and is the truth about that message: queue.py claims it, sends it, and marks it. Its subscription may
disappear before it is sent (signed out, 410 from the push service): the foreign key is then set to NULL and the
delivery is cancelled instead of sent.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow

CHANNELS = ("email", "push")
STATES = ("pending", "sending", "sent", "failed", "cancelled")
# The longest endpoint seen from the browsers' push services is about 500 characters; room to spare, still bounded.
ENDPOINT_MAX = 1024


class PushSubscription(db.Model):
    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_MAX), unique=True)
    # The browser's keys for RFC 8291 encryption: its P-256 public key and the 16-byte auth secret, base64url.
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[User] = relationship()


class Delivery(db.Model):
    __tablename__ = "delivery"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'push')", name="channel_known"),
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="state_known"),
        CheckConstraint("channel <> 'push' OR account_id IS NOT NULL", name="push_has_account"),
        CheckConstraint(
            "(state = 'sending') = (claim IS NOT NULL AND lease_until IS NOT NULL)", name="claim_has_lease"
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sweep's look-up (queue.py): unfinished deliveries by the time they are due.
        Index("ix_delivery_due", "state", "next_attempt_at"),
        # The admin's page: the failed ones, newest first.
        Index("ix_delivery_state_updated", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    # What the message is about (services.PUSH_KINDS, or 'email'): sets a push's urgency and lifetime.
    kind: Mapped[str] = mapped_column(String(24))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="SET NULL"), index=True
    )
    # push: {title, body, url, tag}; email: {to: [...], subject, body}. Never a complainant's data (services.py).
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who is sending it now, and until when that claim holds (queue.py, `claim`).
    claim: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[User | None] = relationship()
