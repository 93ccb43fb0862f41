"""A moderator's choice to hear of new items in their queue by push, and the state of the batch being gathered.

A row exists while the moderator wants the pushes (the desk's setting). `due_at` is when the latest batch goes (or
went) out: a batch still waiting has `due_at` ahead, and each item entering the queue until then raises `count` and
rewrites the waiting push's text, so the moderator hears "5 kiriman baru" once, not five times (notify.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow


class QueueAlert(db.Model):
    __tablename__ = "queue_alert"
    __table_args__ = (CheckConstraint("count >= 0", name="count_not_negative"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
