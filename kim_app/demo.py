"""Demo data for trying KIM on a laptop: NTT's regions, KIM Kabuna in Kabupaten Belu, three accounts, a few news.

Refused in production, where a known password would be an open door.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from kim_app.accounts.models import User
from kim_app.accounts.services import create_user, find_user
from kim_app.errors import ProblemError
from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.moderation.services import decide
from kim_app.sync.services import receive_item
from kim_app.timeutil import utcnow
from kim_app.wilayah.models import Desa, KimGroup, Pengurus
from kim_app.wilayah.services import SHIPPED_DATA, ensure_kim_group, import_wilayah

# Published in the README on purpose; seed_demo refuses to run in production.
DEMO_PASSWORD = "demo12345"  # nosec B105
DESA_KABUNA = "53.04.05.2006"
KAB_BELU = "53.04"

DEMO_NEWS = (
    (
        "b1a1c7e0-5f0e-4c4e-9a51-000000000001",
        "pertanian",
        "Kelompok tani Kabuna mulai tanam jagung serentak",
        "Hujan pertama turun minggu lalu. Anggota kelompok tani di Desa Kabuna sepakat menanam jagung serentak "
        "agar panen bersamaan dan hama lebih mudah dikendalikan.",
    ),
    (
        "b1a1c7e0-5f0e-4c4e-9a51-000000000002",
        "kesehatan",
        "Posyandu balita Kabuna buka setiap Sabtu pertama",
        "Kader posyandu mengingatkan ibu-ibu membawa buku KIA. Penimbangan dan imunisasi gratis di kantor desa.",
    ),
)


class DemoRefused(ProblemError):
    title = "Data demo ditolak di produksi"


def seed_demo(with_news: bool = True) -> list[tuple[str, str]]:
    """Create what is missing (safe to run again; the caller commits). Returns (username, description) of the demo
    accounts."""
    if current_app.config["KIM_ENV"] == "production":
        raise DemoRefused("KIM_ENV=production: data demo dengan kata sandi yang diketahui umum tidak dibuat.")
    if db.session.get(Desa, DESA_KABUNA) is None:
        import_wilayah(SHIPPED_DATA, "53")
    kim = ensure_kim_group("KIM Kabuna", DESA_KABUNA)
    accounts = (
        ("anggota", "Yohanes Bria", "anggota", {"kim_id": kim.id}, "anggota KIM Kabuna, Desa Kabuna, Kab. Belu"),
        ("moderator", "Maria Luruk", "moderator", {"kabupaten_kode": KAB_BELU}, "moderator Dinas Kominfo Kab. Belu"),
        ("admin", "Admin Kominfo NTT", "admin", {}, "admin Dinas Kominfo Provinsi NTT"),
    )
    for username, nama, role, scope, _ in accounts:
        if find_user(username) is None:
            create_user(username, DEMO_PASSWORD, role, nama, **scope)
    _seed_profile(kim, find_user("anggota"), find_user("moderator"))
    if with_news:
        _seed_news(find_user("anggota"), find_user("moderator"))
    return [(username, description) for username, _, _, _, description in accounts]


def _seed_profile(kim: KimGroup, member: User, moderator: User) -> None:
    """KIM Kabuna's registry entry, verified by the Belu moderator, so /kim/<id> shows a full profile."""
    if kim.sk_nomor:
        return
    kim.sk_nomor = "140/12/SK/DS-KBN/2021"
    kim.sk_tanggal = date(2021, 3, 15)
    kim.kimid_nomor = "KIM-5304-0012"
    kim.kontak = "0812 3700 1234 (WhatsApp) · kimkabuna@example.id"
    kim.deskripsi = (
        "KIM Kabuna meliput kegiatan desa, menyebarkan informasi dari pemerintah kepada warga lewat pertemuan "
        "dusun dan grup WhatsApp desa, dan menampung aduan warga."
    )
    kim.pengurus = [
        Pengurus(jabatan="ketua", nama="Agustinus Mali", urutan=0),
        Pengurus(jabatan="sekretaris", nama=member.nama, user_id=member.id, urutan=1),
        Pengurus(jabatan="bendahara", nama="Maria Goreti Luan", urutan=2),
        Pengurus(jabatan="bidang", bidang_nama="Bidang Liputan", nama="Fransiskus Bere", urutan=3),
    ]
    kim.profil_diubah_at = utcnow()
    kim.diverifikasi_at = utcnow()
    kim.diverifikasi_oleh = moderator.id
    db.session.flush()


def _seed_news(member: User, moderator: User) -> None:
    for days_ago, (item_uuid, kategori, judul, isi) in enumerate(DEMO_NEWS, start=1):
        if db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(item_uuid))):
            continue
        captured = (utcnow() - timedelta(days=days_ago)).replace(hour=1, minute=0, second=0, microsecond=0)
        item, _ = receive_item(
            member,
            {
                "uuid": uuid.UUID(item_uuid),
                "kind": "berita",
                "author_id": member.id,
                "captured_at": captured,
                "desa_kode": DESA_KABUNA,
                "kategori": kategori,
                "judul": judul,
                "isi": isi,
            },
        )
        decide(moderator, item.id, "setujui", None)
