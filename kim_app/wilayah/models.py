"""Administrative areas with the official Kemendagri codes, and the KIM groups that live in them.

Codes are hierarchical and dotted: 53 (provinsi) → 53.04 (kabupaten/kota) → 53.04.05 (kecamatan) →
53.04.05.2006 (desa/kelurahan). They are the primary keys, so a code read off any government document finds its row.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow


class Provinsi(db.Model):
    __tablename__ = "provinsi"

    kode: Mapped[str] = mapped_column(String(2), primary_key=True)
    nama: Mapped[str] = mapped_column(String(100))


class Kabupaten(db.Model):
    """A kabupaten or a kota; `nama` carries the official prefix ("Kabupaten Belu", "Kota Kupang")."""

    __tablename__ = "kabupaten"

    kode: Mapped[str] = mapped_column(String(5), primary_key=True)
    provinsi_kode: Mapped[str] = mapped_column(ForeignKey("provinsi.kode"), index=True)
    nama: Mapped[str] = mapped_column(String(100))

    provinsi: Mapped[Provinsi] = relationship()


class Kecamatan(db.Model):
    __tablename__ = "kecamatan"

    kode: Mapped[str] = mapped_column(String(8), primary_key=True)
    kabupaten_kode: Mapped[str] = mapped_column(ForeignKey("kabupaten.kode"), index=True)
    nama: Mapped[str] = mapped_column(String(100))

    kabupaten: Mapped[Kabupaten] = relationship()


class Desa(db.Model):
    """A desa or a kelurahan."""

    __tablename__ = "desa"

    kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    kecamatan_kode: Mapped[str] = mapped_column(ForeignKey("kecamatan.kode"), index=True)
    nama: Mapped[str] = mapped_column(String(100))

    kecamatan: Mapped[Kecamatan] = relationship()

    @property
    def kabupaten_kode(self) -> str:
        # The code says it; no join needed.
        return self.kode[:5]


# The area a KIM group reports from: its own desa, or — a KIM formed at the kecamatan — every desa of its kecamatan.
CAKUPAN_DESA = "desa"
CAKUPAN_KECAMATAN = "kecamatan"
CAKUPAN = (CAKUPAN_DESA, CAKUPAN_KECAMATAN)


class KimGroup(db.Model):
    """A Kelompok Informasi Masyarakat: the members' group, rooted in one desa (its seat). Its members file items
    into the desa of its area (`cakupan`; the rule: wilayah/services.py, `desa_of_area`)."""

    __tablename__ = "kim_group"
    __table_args__ = (CheckConstraint("cakupan IN ('desa', 'kecamatan')", name="cakupan_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nama: Mapped[str] = mapped_column(String(120))
    desa_kode: Mapped[str] = mapped_column(ForeignKey("desa.kode"), index=True)
    cakupan: Mapped[str] = mapped_column(String(10), default=CAKUPAN_DESA, server_default=CAKUPAN_DESA)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Desa] = relationship()
