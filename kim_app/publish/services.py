"""What the public may read: approved berita and photo stories only. Complaints are never published, and no query
here selects the complainant's name or phone."""
from __future__ import annotations

from sqlalchemy import select

from kim_app.errors import NotFound
from kim_app.extensions import db
from kim_app.sync.models import PUBLIC_KINDS, Submission
from kim_app.wilayah.models import Desa, Kabupaten

PAGE_SIZE = 20


def _published():
    return select(Submission).where(Submission.kind.in_(PUBLIC_KINDS), Submission.status == "disetujui")


def latest(page: int = 1, kabupaten_kode: str | None = None, desa_kode: str | None = None) -> list[Submission]:
    query = _published()
    if kabupaten_kode:
        query = query.where(Submission.kabupaten_kode == kabupaten_kode)
    if desa_kode:
        query = query.where(Submission.desa_kode == desa_kode)
    query = query.order_by(Submission.published_at.desc(), Submission.id.desc())
    return list(db.session.scalars(query.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)))


def berita(item_id: int) -> Submission:
    item = db.session.get(Submission, item_id)
    if item is None or not item.is_public:
        raise NotFound("Berita tidak ditemukan.")
    return item


def kabupaten(kode: str) -> Kabupaten:
    found = db.session.get(Kabupaten, kode)
    if found is None:
        raise NotFound("Kabupaten/kota tidak ditemukan.")
    return found


def desa(kode: str) -> Desa:
    found = db.session.get(Desa, kode)
    if found is None:
        raise NotFound("Desa tidak ditemukan.")
    return found
