"""What the public portal shows of the Dinas' pengumuman: the active ones (published, not withdrawn, not expired)
that concern a kabupaten or a desa, and the hoax clarifications.

A pengumuman concerns an area when one of its targets lies in it or contains it: the province, the kabupaten, a
kecamatan or desa inside it, or a KIM group seated there. A desa's page thus shows what was sent to its kabupaten as
well as what was sent to it alone — the same rule that decides what a member's pull carries (services.reaching).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import selectinload

from kim_app.extensions import db
from kim_app.pengumuman.models import Pengumuman, PengumumanTarget
from kim_app.pengumuman.services import reaching
from kim_app.wilayah.models import KimGroup

LIMIT = 50
KLARIFIKASI = "klarifikasi"


def _active(now: datetime):
    return and_(Pengumuman.status == "terbit",
                or_(Pengumuman.expires_at.is_(None), Pengumuman.expires_at > now))


def _newest(where, now: datetime, limit: int) -> list[Pengumuman]:
    query = (select(Pengumuman).where(_active(now), where)
             .options(selectinload(Pengumuman.targets))
             .order_by(Pengumuman.published_at.desc(), Pengumuman.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def _targeting(condition) -> object:
    return Pengumuman.id.in_(select(PengumumanTarget.pengumuman_id).where(condition))


def for_kabupaten(kode: str, now: datetime, limit: int = LIMIT) -> list[Pengumuman]:
    t = PengumumanTarget
    inside = kode + ".%"
    seated = select(KimGroup.id).where(KimGroup.desa_kode.like(inside))
    return _newest(_targeting(or_(
        and_(t.tingkat == "provinsi", t.kode == kode[:2]),
        and_(t.tingkat == "kabupaten", t.kode == kode),
        and_(t.tingkat.in_(("kecamatan", "desa")), t.kode.like(inside)),
        t.kim_id.in_(seated),
    )), now, limit)


def for_desa(kode: str, now: datetime, limit: int = LIMIT) -> list[Pengumuman]:
    seated = select(KimGroup.id).where(KimGroup.desa_kode == kode)
    return _newest(Pengumuman.id.in_(reaching(kode, seated)), now, limit)


def everywhere(now: datetime, limit: int = LIMIT) -> list[Pengumuman]:
    return _newest(true(), now, limit)


def klarifikasi(now: datetime, limit: int = LIMIT) -> list[Pengumuman]:
    return _newest(Pengumuman.jenis == KLARIFIKASI, now, limit)
