"""A KIM group's registry entry: the ketua keeps it, the Dinas verifies it (docs/kim-profil.md).

The state a profile is in follows from its columns, never stored apart: "belum lengkap" until it has its SK (number
and date), a contact and a ketua among its pengurus; then "menunggu verifikasi"; "terverifikasi" once a moderator of
its kabupaten or the admin has checked it. Any change the ketua saves clears the verification, so the badge on the
public page always speaks of the text the Dinas read. Who may do which: policy.py.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.errors import Conflict, Invalid, NotFound
from kim_app.extensions import db
from kim_app.timeutil import today_wita, utcnow
from kim_app.wilayah.models import (
    BIDANG_NAMA_MAX,
    DESKRIPSI_MAX,
    JABATAN,
    JABATAN_TUNGGAL,
    KIMID_NOMOR_MAX,
    KONTAK_MAX,
    PENGURUS_NAMA_MAX,
    SK_NOMOR_MAX,
    Desa,
    KimGroup,
    Pengurus,
)

logger = logging.getLogger(__name__)

MAX_PENGURUS = 20

BELUM_LENGKAP = "belum_lengkap"
MENUNGGU = "menunggu"
TERVERIFIKASI = "terverifikasi"
STATE_LABELS = {
    BELUM_LENGKAP: "Belum lengkap",
    MENUNGGU: "Menunggu verifikasi",
    TERVERIFIKASI: "Terverifikasi",
}


class ProfilInvalid(Invalid):
    """Everything wrong with one submitted profile at once, so the ketua fixes it in one go."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class PengurusInput:
    jabatan: str
    nama: str
    bidang_nama: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class ProfilInput:
    sk_nomor: str | None
    sk_tanggal: date | None
    kimid_nomor: str | None
    kontak: str | None
    deskripsi: str | None
    pengurus: list[PengurusInput] = field(default_factory=list)


def missing(group: KimGroup) -> list[str]:
    """What a profile still lacks before the Dinas can verify it, in the words the pages use."""
    lacks = []
    if not group.sk_nomor or group.sk_tanggal is None:
        lacks.append("nomor dan tanggal SK")
    if not group.kontak:
        lacks.append("kontak")
    if not any(p.jabatan == "ketua" for p in group.pengurus):
        lacks.append("ketua di daftar pengurus")
    return lacks


def state(group: KimGroup) -> str:
    if group.diverifikasi_at is not None:
        return TERVERIFIKASI
    return BELUM_LENGKAP if missing(group) else MENUNGGU


def version_of(group: KimGroup) -> str:
    """What the desk's page saw of the profile: its last change. Verifying checks it is still the same."""
    return group.profil_diubah_at.isoformat() if group.profil_diubah_at else "baru"


# --- The ketua ---------------------------------------------------------------------------------------------------

def member_choices(group: KimGroup) -> list[User]:
    """The accounts a pengurus may be linked to: the group's active members, and those already linked (a member
    deactivated since keeps their link until the ketua changes it, so saving the page unchanged changes nothing)."""
    linked = [p.user_id for p in group.pengurus if p.user_id is not None]
    return list(db.session.scalars(
        select(User).where(User.kim_id == group.id, User.active.is_(True) | User.id.in_(linked)).order_by(User.nama)
    ))


def own_group(user: User) -> KimGroup:
    group = user.kim
    if not policy.can_edit_kim_profile(user, group):
        raise NotFound("KIM tidak ditemukan.")
    return group


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check(group: KimGroup, data: ProfilInput) -> list[str]:
    errors = []
    for label, value, limit in (
        ("Nomor SK", data.sk_nomor, SK_NOMOR_MAX),
        ("Nomor KIM.ID", data.kimid_nomor, KIMID_NOMOR_MAX),
        ("Kontak", data.kontak, KONTAK_MAX),
        ("Deskripsi", data.deskripsi, DESKRIPSI_MAX),
    ):
        if value and len(value) > limit:
            errors.append(f"{label} paling banyak {limit} karakter.")
    if bool(data.sk_nomor) != (data.sk_tanggal is not None):
        errors.append("Isi nomor SK bersama tanggalnya.")
    if data.sk_tanggal is not None and data.sk_tanggal > today_wita():
        errors.append("Tanggal SK tidak boleh di masa depan.")
    if len(data.pengurus) > MAX_PENGURUS:
        errors.append(f"Paling banyak {MAX_PENGURUS} pengurus.")
    members = {user.id for user in member_choices(group)}
    linked: set[int] = set()
    for number, row in enumerate(data.pengurus, start=1):
        where = f"Pengurus baris {number}:"
        if row.jabatan not in JABATAN:
            errors.append(f"{where} pilih jabatannya.")
        if not row.nama:
            errors.append(f"{where} nama wajib diisi.")
        elif len(row.nama) > PENGURUS_NAMA_MAX:
            errors.append(f"{where} nama paling banyak {PENGURUS_NAMA_MAX} karakter.")
        if row.jabatan == "bidang" and not row.bidang_nama:
            errors.append(f"{where} isi nama bidangnya (mis. Bidang Liputan).")
        if row.bidang_nama and len(row.bidang_nama) > BIDANG_NAMA_MAX:
            errors.append(f"{where} nama bidang paling banyak {BIDANG_NAMA_MAX} karakter.")
        if row.user_id is not None:
            if row.user_id not in members:
                errors.append(f"{where} akun yang ditautkan bukan anggota aktif KIM ini.")
            elif row.user_id in linked:
                errors.append(f"{where} satu akun hanya dapat ditautkan ke satu jabatan.")
            linked.add(row.user_id)
    for jabatan in JABATAN_TUNGGAL:
        if sum(row.jabatan == jabatan for row in data.pengurus) > 1:
            errors.append(f"{JABATAN[jabatan]} hanya boleh satu orang.")
    return errors


def _snapshot(group: KimGroup) -> tuple:
    return (
        group.sk_nomor, group.sk_tanggal, group.kimid_nomor, group.kontak, group.deskripsi,
        tuple((p.jabatan, p.nama, p.bidang_nama, p.user_id) for p in group.pengurus),
    )


def save(user: User, data: ProfilInput) -> bool:
    """The ketua's profile, checked whole before anything is written; the caller commits. Returns whether anything
    changed — a change clears the Dinas's verification."""
    # Locked and read afresh: two saves, or a save and a verification, go one after the other.
    group = db.session.scalar(select(KimGroup).where(KimGroup.id == user.kim_id).with_for_update()
                              .execution_options(populate_existing=True))
    if group is None or not policy.can_edit_kim_profile(user, group):
        raise NotFound("KIM tidak ditemukan.")
    data = ProfilInput(
        sk_nomor=_text(data.sk_nomor), sk_tanggal=data.sk_tanggal, kimid_nomor=_text(data.kimid_nomor),
        kontak=_text(data.kontak), deskripsi=_text(data.deskripsi),
        pengurus=[
            PengurusInput(jabatan=row.jabatan, nama=_text(row.nama) or "",
                          bidang_nama=_text(row.bidang_nama) if row.jabatan == "bidang" else None,
                          user_id=row.user_id)
            for row in data.pengurus
        ],
    )
    errors = _check(group, data)
    if errors:
        raise ProfilInvalid(errors)
    before = _snapshot(group)
    group.sk_nomor, group.sk_tanggal, group.kimid_nomor = data.sk_nomor, data.sk_tanggal, data.kimid_nomor
    group.kontak, group.deskripsi = data.kontak, data.deskripsi
    if _pengurus_changed(group, data):
        group.pengurus = [
            Pengurus(jabatan=row.jabatan, nama=row.nama, bidang_nama=row.bidang_nama, user_id=row.user_id,
                     urutan=number)
            for number, row in enumerate(data.pengurus)
        ]
    if _snapshot(group) == before:
        return False
    group.profil_diubah_at = utcnow()
    if group.diverifikasi_at is not None:
        logger.info("Profile of KIM %s changed by %s: its verification is cleared", group.id, user.username)
    group.diverifikasi_at = None
    group.diverifikasi_oleh = None
    db.session.flush()
    return True


def _pengurus_changed(group: KimGroup, data: ProfilInput) -> bool:
    # Rows are replaced only when the list differs, so saving an unchanged page writes nothing.
    now = [(p.jabatan, p.nama, p.bidang_nama, p.user_id) for p in group.pengurus]
    return now != [(r.jabatan, r.nama, r.bidang_nama, r.user_id) for r in data.pengurus]


# --- The Dinas ---------------------------------------------------------------------------------------------------

def groups_for_desk(user: User) -> list[KimGroup]:
    """The KIM groups this moderator (or the admin) verifies, by kabupaten, desa and name."""
    query = (
        select(KimGroup).where(policy.kim_verification_scope(user, KimGroup.desa_kode))
        .options(selectinload(KimGroup.pengurus), selectinload(KimGroup.desa).selectinload(Desa.kecamatan))
        .order_by(KimGroup.desa_kode, KimGroup.nama)
    )
    return list(db.session.scalars(query))


def group_for_desk(user: User, kim_id: int, *, lock: bool = False) -> KimGroup:
    """A KIM group the user may verify; one outside their kabupaten answers exactly like a missing one."""
    query = select(KimGroup).where(KimGroup.id == kim_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    group = db.session.scalar(query)
    if group is None or not policy.can_verify_kim(user, group):
        raise NotFound("KIM tidak ditemukan.")
    return group


def verifier_name(group: KimGroup) -> str | None:
    if group.diverifikasi_oleh is None:
        return None
    verifier = db.session.get(User, group.diverifikasi_oleh)
    return verifier.nama if verifier else None


def verify(user: User, kim_id: int, seen_version: str) -> KimGroup:
    """"Verifikasi": the profile the moderator read is recorded as checked, by whom and when. Refused when it is not
    complete, or when the ketua changed it after the page was opened (the Dinas must read the new text)."""
    group = group_for_desk(user, kim_id, lock=True)
    if version_of(group) != seen_version:
        raise Conflict("Profil ini diubah ketua setelah halaman dibuka. Periksa isinya lagi lalu verifikasi.")
    lacks = missing(group)
    if lacks:
        raise Invalid(f"Profil belum lengkap ({', '.join(lacks)}); belum dapat diverifikasi.")
    if group.diverifikasi_at is None:
        group.diverifikasi_at = utcnow()
        group.diverifikasi_oleh = user.id
        db.session.flush()
        logger.info("Profile of KIM %s verified by %s", group.id, user.username)
    return group
