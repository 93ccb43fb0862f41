"""Administrative areas with the official Kemendagri codes, and the KIM groups that live in them.

Codes are hierarchical and dotted: 53 (provinsi) → 53.04 (kabupaten/kota) → 53.04.05 (kecamatan) →
53.04.05.2006 (desa/kelurahan). They are the primary keys, so a code read off any government document finds its row.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
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

# The profile's limits (the form, the service and the columns read them from here).
SK_NOMOR_MAX = 100
KIMID_NOMOR_MAX = 50
KONTAK_MAX = 200
DESKRIPSI_MAX = 1000
PENGURUS_NAMA_MAX = 120
BIDANG_NAMA_MAX = 100


class KimGroup(db.Model):
    """A Kelompok Informasi Masyarakat: the members' group, rooted in one desa (its seat). Its members file items
    into the desa of its area (`cakupan`; the rule: wilayah/services.py, `desa_of_area`).

    Its registry entry (the profile the ketua keeps and the Dinas verifies, docs/kim-profil.md): the SK (decree) that
    formed it, its KIM.ID registration number where it has one, a contact, a short description and its pengurus.
    `diverifikasi_at` is set when the Dinas has checked the profile and cleared by any later change of it
    (accounts/profil.py), so "terverifikasi" always means "this text was checked"."""

    __tablename__ = "kim_group"
    __table_args__ = (CheckConstraint("cakupan IN ('desa', 'kecamatan')", name="cakupan_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nama: Mapped[str] = mapped_column(String(120))
    desa_kode: Mapped[str] = mapped_column(ForeignKey("desa.kode"), index=True)
    cakupan: Mapped[str] = mapped_column(String(10), default=CAKUPAN_DESA, server_default=CAKUPAN_DESA)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sk_nomor: Mapped[str | None] = mapped_column(String(SK_NOMOR_MAX))
    sk_tanggal: Mapped[date | None] = mapped_column(Date)
    kimid_nomor: Mapped[str | None] = mapped_column(String(KIMID_NOMOR_MAX))
    kontak: Mapped[str | None] = mapped_column(String(KONTAK_MAX))
    deskripsi: Mapped[str | None] = mapped_column(String(DESKRIPSI_MAX))
    diverifikasi_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account that verified, by id and without a foreign key: user_account already refers to kim_group, and
    # accounts are deactivated, never deleted, so the id always names someone.
    diverifikasi_oleh: Mapped[int | None] = mapped_column(Integer)
    profil_diubah_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desa: Mapped[Desa] = relationship()
    pengurus: Mapped[list[Pengurus]] = relationship(
        back_populates="kim", order_by="Pengurus.urutan", cascade="all, delete-orphan"
    )


JABATAN = {"ketua": "Ketua", "sekretaris": "Sekretaris", "bendahara": "Bendahara", "bidang": "Bidang"}
# One person each; a KIM has as many bidang as it needs.
JABATAN_TUNGGAL = ("ketua", "sekretaris", "bendahara")


class Pengurus(db.Model):
    """One position in a KIM's board: its jabatan, the person's name as the public profile shows it, and — where the
    person has one — their member account in the same KIM (never shown in public)."""

    __tablename__ = "kim_pengurus"
    __table_args__ = (
        CheckConstraint("jabatan IN ('ketua', 'sekretaris', 'bendahara', 'bidang')", name="jabatan_known"),
        CheckConstraint("jabatan <> 'bidang' OR bidang_nama IS NOT NULL", name="bidang_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kim_id: Mapped[int] = mapped_column(ForeignKey("kim_group.id", ondelete="CASCADE"), index=True)
    jabatan: Mapped[str] = mapped_column(String(16))
    nama: Mapped[str] = mapped_column(String(PENGURUS_NAMA_MAX))
    bidang_nama: Mapped[str | None] = mapped_column(String(BIDANG_NAMA_MAX))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    urutan: Mapped[int] = mapped_column(default=0)

    kim: Mapped[KimGroup] = relationship(back_populates="pengurus")

    @property
    def jabatan_label(self) -> str:
        if self.jabatan == "bidang" and self.bidang_nama:
            return self.bidang_nama
        return JABATAN.get(self.jabatan, self.jabatan)
