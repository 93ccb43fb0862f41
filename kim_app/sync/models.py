"""What members send: berita (news), aduan (citizens' complaints) and foto (a photo story: photos and a caption),
one row per item captured on a phone.

`client_uuid` is the identity the phone gave the item when it was first saved; its unique constraint is what makes
creation idempotent (docs/sync-protocol.md). `content_hash` lets a repeated create tell "the same item again" from
"a different item under a UUID we already have"; it stays the hash of what was first received.

`revision` counts the member's versions of the item (each kept in `submission_revision`); `version` counts every
change of the row by anyone — verdicts, edits, revisions — so an action prepared on an old copy is refused instead of
overwriting (kim_app/moderation/services.py). `claimed_by`/`claim_expires_at` are a moderator's lease on the item
(kim_app/moderation/queue.py). A complaint carries its public `tracking_code` and its own lifecycle `aduan_status`
(kim_app/complaints/services.py).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.media.models import Photo, all_ready
from kim_app.moderation.models import ModerationEvent
from kim_app.timeutil import UTCDateTime, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, KimGroup

KINDS = ("berita", "aduan", "foto")
KIND_LABELS = {"berita": "Berita", "aduan": "Aduan", "foto": "Cerita foto"}
# Kinds that are published on the portal once approved; a complaint is followed up, never published.
PUBLIC_KINDS = ("berita", "foto")
STATUSES = ("menunggu", "disetujui", "ditolak", "perlu_revisi")
ADUAN_STATUSES = ("diterima", "diverifikasi", "diteruskan", "ditindaklanjuti", "selesai", "ditolak")


class Submission(db.Model):
    __tablename__ = "submission"
    __table_args__ = (
        CheckConstraint("kind IN ('berita', 'aduan', 'foto')", name="kind_known"),
        CheckConstraint("status IN ('menunggu', 'disetujui', 'ditolak', 'perlu_revisi')", name="status_known"),
        CheckConstraint("kind <> 'berita' OR (judul IS NOT NULL AND isi IS NOT NULL)", name="berita_complete"),
        CheckConstraint("kind <> 'aduan' OR (uraian IS NOT NULL AND lokasi IS NOT NULL)", name="aduan_complete"),
        # "At least one photo" spans two tables; ItemCreateSchema checks it.
        CheckConstraint("kind <> 'foto' OR keterangan IS NOT NULL", name="foto_complete"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "aduan_status IS NULL OR aduan_status IN "
            "('diterima', 'diverifikasi', 'diteruskan', 'ditindaklanjuti', 'selesai', 'ditolak')",
            name="aduan_status_known",
        ),
        CheckConstraint(
            "(kind = 'aduan') = (tracking_code IS NOT NULL AND aduan_status IS NOT NULL)", name="aduan_tracked"
        ),
        CheckConstraint("(claimed_by IS NULL) = (claim_expires_at IS NULL)", name="claim_has_lease"),
        # The moderation queue: one kabupaten's pending items, oldest first, paged by (received_at, id).
        Index("ix_submission_queue", "kabupaten_kode", "status", "received_at", "id"),
        # The admin's queue: every kabupaten's.
        Index("ix_submission_queue_all", "status", "received_at", "id"),
        # The delta pull: one author's items changed since a time.
        Index("ix_submission_author_updated", "author_id", "updated_at"),
        # The queue's counts per filter: read from the index alone, in group order (moderation/queue.py, counts).
        Index("ix_submission_facets", "status", "kabupaten_kode", "kind", "desa_kode", "kim_id", "kategori",
              "received_at", "id"),
        # The public portal: approved news, newest first.
        Index("ix_submission_published", "kind", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kim_id: Mapped[int | None] = mapped_column(ForeignKey("kim_group.id"), index=True)
    desa_kode: Mapped[str] = mapped_column(ForeignKey("desa.kode"), index=True)
    kabupaten_kode: Mapped[str] = mapped_column(ForeignKey("kabupaten.kode"))

    kategori: Mapped[str] = mapped_column(String(32))
    judul: Mapped[str | None] = mapped_column(String(200))
    isi: Mapped[str | None] = mapped_column(Text)
    uraian: Mapped[str | None] = mapped_column(Text)
    lokasi: Mapped[str | None] = mapped_column(String(300))
    keterangan: Mapped[str | None] = mapped_column(Text)
    # The citizen who complained: shown to moderators only, never in public pages or the public API.
    pelapor_nama: Mapped[str | None] = mapped_column(String(120))
    pelapor_telepon: Mapped[str | None] = mapped_column(String(20))

    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    status: Mapped[str] = mapped_column(String(16), default="menunggu")
    revision: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    moderator_note: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    # Indexed: claiming the next item first ends the moderator's earlier lease, found by this column.
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Complaints only: the code the complainant checks the status with, and where the complaint stands.
    tracking_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    aduan_status: Mapped[str | None] = mapped_column(String(16))
    opd: Mapped[str | None] = mapped_column(String(200))
    tanggapan: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    claimer: Mapped[User | None] = relationship(foreign_keys=[claimed_by])
    kim: Mapped[KimGroup | None] = relationship()
    desa: Mapped[Desa] = relationship()
    kabupaten: Mapped[Kabupaten] = relationship()
    # selectin: item answers and pages list the photos of many items; one query for all of them, not one per item.
    photos: Mapped[list[Photo]] = relationship(
        back_populates="submission", order_by=Photo.position, lazy="selectin"
    )
    events: Mapped[list[ModerationEvent]] = relationship(order_by=ModerationEvent.id, viewonly=True)
    revisions: Mapped[list[SubmissionRevision]] = relationship(
        order_by="SubmissionRevision.revision", viewonly=True
    )

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_KINDS and self.status == "disetujui"

    @property
    def headline(self) -> str:
        """What lists and page titles show: the berita's title, the photo story's caption, the complaint itself."""
        return self.judul or self.keterangan or self.uraian or ""

    @property
    def photos_complete(self) -> bool:
        return all_ready(self.photos)

    def __repr__(self) -> str:
        return f"<Submission {self.id} {self.kind} {self.status}>"


class SubmissionRevision(db.Model):
    """What the member sent in each revision of an item, as received: revision 1 is the first create. A moderator's
    edit changes the item, never these rows, so the member's own words are always kept."""

    __tablename__ = "submission_revision"
    __table_args__ = (UniqueConstraint("submission_id", "revision", name="uq_submission_revision_submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    revision: Mapped[int]
    kategori: Mapped[str] = mapped_column(String(32))
    judul: Mapped[str | None] = mapped_column(String(200))
    isi: Mapped[str | None] = mapped_column(Text)
    uraian: Mapped[str | None] = mapped_column(Text)
    lokasi: Mapped[str | None] = mapped_column(String(300))
    keterangan: Mapped[str | None] = mapped_column(Text)
    pelapor_nama: Mapped[str | None] = mapped_column(String(120))
    pelapor_telepon: Mapped[str | None] = mapped_column(String(20))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
