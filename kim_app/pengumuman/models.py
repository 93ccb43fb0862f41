"""A pengumuman and its targets.

`status`: draf (being written, seen by the desk only) → terbit (published: members in its targets receive it) →
ditarik (withdrawn: phones remove it at their next pull). `kabupaten_kode` is the author's kabupaten (NULL for the
province's admin): the desk of that kabupaten manages it. Each target is an area by its Kemendagri code (tingkat
provinsi/kabupaten/kecamatan/desa) or one KIM group (tingkat kim, `kim_id`); a member receives a pengumuman when one
target covers their KIM group (services.py, `reaching`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.pengumuman.jenis import JENIS, JUDUL_MAX, STATUS_LABELS, TINGKAT_LABELS
from kim_app.timeutil import UTCDateTime, utcnow
from kim_app.wilayah.models import KimGroup


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Pengumuman(db.Model):
    __tablename__ = "pengumuman"
    __table_args__ = (
        CheckConstraint(f"jenis IN ({_in(JENIS)})", name="jenis_known"),
        CheckConstraint(f"status IN ({_in(STATUS_LABELS)})", name="status_known"),
        CheckConstraint("status = 'draf' OR published_at IS NOT NULL", name="published_has_moment"),
        # The phone's pull asks for what changed since its cursor.
        Index("ix_pengumuman_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jenis: Mapped[str] = mapped_column(String(16))
    judul: Mapped[str] = mapped_column(String(JUDUL_MAX))
    isi: Mapped[str] = mapped_column(Text)
    rincian: Mapped[dict | None] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kabupaten_kode: Mapped[str | None] = mapped_column(ForeignKey("kabupaten.kode"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="draf")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
    targets: Mapped[list[PengumumanTarget]] = relationship(
        back_populates="pengumuman", cascade="all, delete-orphan", order_by="PengumumanTarget.id"
    )

    @property
    def spec(self):
        return JENIS[self.jenis]

    @property
    def jenis_label(self) -> str:
        return self.spec.label

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def field(self, name: str):
        return (self.rincian or {}).get(name)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class PengumumanTarget(db.Model):
    __tablename__ = "pengumuman_target"
    __table_args__ = (
        CheckConstraint(f"tingkat IN ({_in(TINGKAT_LABELS)})", name="tingkat_known"),
        # A KIM group is named by its id, an area by its code: exactly one of the two.
        CheckConstraint("(tingkat = 'kim') = (kim_id IS NOT NULL)", name="kim_has_id"),
        CheckConstraint("(tingkat = 'kim') = (kode IS NULL)", name="area_has_kode"),
        # "What targets this member": by area code per tingkat, and by KIM group.
        Index("ix_pengumuman_target_tingkat_kode", "tingkat", "kode"),
        Index("ix_pengumuman_target_kim_id", "kim_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pengumuman_id: Mapped[int] = mapped_column(ForeignKey("pengumuman.id", ondelete="CASCADE"), index=True)
    tingkat: Mapped[str] = mapped_column(String(10))
    kode: Mapped[str | None] = mapped_column(String(13))
    kim_id: Mapped[int | None] = mapped_column(ForeignKey("kim_group.id", ondelete="CASCADE"))

    pengumuman: Mapped[Pengumuman] = relationship(back_populates="targets")
    kim: Mapped[KimGroup | None] = relationship()
