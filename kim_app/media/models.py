"""One row per photo a phone declared with an item (docs/sync-protocol.md, "Photos").

The row is created when the item's text arrives, before any byte of the photo; `received` counts the bytes held in
the incoming part file. The database refuses a `siap` photo without both derivatives and a `gagal` one without a
reason, so a half-processed photo can never be served or counted as complete.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from kim_app.sync.models import Submission

STATES = ("menunggu", "siap", "gagal")
MIMES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTOS = 5


class Photo(db.Model):
    __tablename__ = "photo"
    __table_args__ = (
        UniqueConstraint("submission_id", "position", name="uq_photo_submission_position"),
        CheckConstraint("state IN ('menunggu', 'siap', 'gagal')", name="state_known"),
        CheckConstraint("mime IN ('image/jpeg', 'image/png', 'image/webp')", name="mime_known"),
        CheckConstraint(f"position >= 0 AND position < {MAX_PHOTOS}", name="position_in_range"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("received >= 0 AND received <= size", name="received_in_range"),
        CheckConstraint(
            "state <> 'siap' OR (display_key IS NOT NULL AND thumb_key IS NOT NULL AND width IS NOT NULL "
            "AND height IS NOT NULL AND completed_at IS NOT NULL)",
            name="siap_has_derivatives",
        ),
        CheckConstraint("state <> 'gagal' OR error IS NOT NULL", name="gagal_has_error"),
        # Content-addressed reuse looks for the author's delivered photo with the same hash.
        Index("ix_photo_sha256", "sha256"),
    )

    # The phone's UUID for the photo: the upload URLs name it, so it is the identity on both sides.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(16))
    received: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(8), default="menunggu")
    error: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None]
    height: Mapped[int | None]
    # Storage keys chosen by the server (content-addressed); never derived from anything the phone sent.
    display_key: Mapped[str | None] = mapped_column(String(100))
    thumb_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="photos")

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.state} {self.received}/{self.size}>"


# When is an item's set of photos complete: every declared photo is `siap`. Computed, not stored, so it can never
# disagree with the photo rows. Both forms live here; the SQL one is cheap because the unique index on
# (submission_id, position) finds an item's (at most five) photos directly.
def all_ready(photos) -> bool:
    return all(photo.state == "siap" for photo in photos)


def photos_complete(submission_id_column):
    """A SQL condition: the item with this id has no photo that is not yet `siap` (items without photos pass)."""
    return ~exists(select(Photo.id).where(Photo.submission_id == submission_id_column, Photo.state != "siap"))
