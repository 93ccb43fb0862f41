"""The audit log: every move of an item, who made it, when and why.

Append-only. The code only ever inserts; the migration adds database triggers that refuse UPDATE and DELETE, so
not even a mistaken script can rewrite history. `details` carries what a note cannot: the fields a moderator edited
(before and after), the unit a complaint was forwarded to.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow


class ModerationEvent(db.Model):
    __tablename__ = "moderation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()
