"""What the public may read: approved berita and photo stories only. Complaints are never published, and no query
here selects the complainant's name or phone.

Every public answer — pages, feeds, the JSON for offline reading — starts from `_published()`, so "what is public"
is decided in one place. The lists of places with how many news each read the published items counted per desa as
items change (kim_app/items/counts.py), which count what `_published()` selects (tests/moderation/test_kept_counts.py
holds the two together).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from kim_app.errors import NotFound
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items.models import Item, PublishedCount
from kim_app.items.statuses import Status
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan, KimGroup

PAGE_SIZE = 20
# The categories of the published kinds (kim_app/items/kinds.py).
KATEGORI_PUBLIK = kinds.public_kategori()


@dataclass(frozen=True)
class Filter:
    """Which published items a page, feed or API answer shows; every field narrows, None means any."""

    kabupaten_kode: str | None = None
    kecamatan_kode: str | None = None
    desa_kode: str | None = None
    kategori: str | None = None


ANYWHERE = Filter()


def _published():
    # `published_at` is set when an item of a public kind is approved (items/services.move); asking for it lets the
    # lists read the partial indexes of published items newest first (migration 0012).
    return select(Item).where(Item.kind.in_(kinds.PUBLIC_KINDS), Item.status == Status.DISETUJUI,
                              Item.published_at.is_not(None))


def _narrowed(query, where: Filter):
    if where.kabupaten_kode:
        query = query.where(Item.kabupaten_kode == where.kabupaten_kode)
    if where.kecamatan_kode:
        desa_in_kecamatan = select(Desa.kode).where(Desa.kecamatan_kode == where.kecamatan_kode)
        query = query.where(Item.desa_kode.in_(desa_in_kecamatan))
    if where.desa_kode:
        query = query.where(Item.desa_kode == where.desa_kode)
    if where.kategori:
        query = query.where(Item.kategori == where.kategori)
    return query


def published(where: Filter = ANYWHERE):
    """SELECT of the published items under the filter: where every public answer, search too, starts."""
    return _narrowed(_published(), where)


def latest(page: int = 1, where: Filter = ANYWHERE, limit: int = PAGE_SIZE) -> list[Item]:
    # Every list shows each item's desa, kabupaten and KIM: with the rows, not one query per place.
    query = (_narrowed(_published(), where).order_by(Item.published_at.desc(), Item.id.desc())
             .options(joinedload(Item.desa), joinedload(Item.kabupaten), joinedload(Item.kim)))
    return list(db.session.scalars(query.limit(limit).offset((max(page, 1) - 1) * limit)))


def berita(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or not item.is_public:
        raise NotFound("Berita tidak ditemukan.")
    return item


def kim(kim_id: int) -> KimGroup:
    """A KIM group's public profile: its registry entry and pengurus (names and jabatan; their accounts are never
    read here)."""
    found = db.session.scalar(
        select(KimGroup).where(KimGroup.id == kim_id)
        .options(selectinload(KimGroup.pengurus), joinedload(KimGroup.desa))
    )
    if found is None:
        raise NotFound("KIM tidak ditemukan.")
    return found


def kim_items(kim_id: int, page: int = 1, limit: int = PAGE_SIZE) -> list[Item]:
    """A KIM's approved items of the kinds its profile lists (kinds.profile_kinds), newest first. A public kind's
    item counts once it is published, as everywhere on the portal."""
    shown = kinds.profile_kinds()
    public = [name for name in shown if name in kinds.PUBLIC_KINDS]
    query = (
        select(Item)
        .where(Item.kim_id == kim_id, Item.kind.in_(shown), Item.status == Status.DISETUJUI,
               Item.published_at.is_not(None) | Item.kind.not_in(public))
        .order_by(func.coalesce(Item.published_at, Item.updated_at).desc(), Item.id.desc())
        .options(joinedload(Item.desa))
    )
    return list(db.session.scalars(query.limit(limit).offset((max(page, 1) - 1) * limit)))


def kim_of_desa(desa_kode: str) -> list[KimGroup]:
    """The KIM groups seated in a desa, by name, for the desa's page."""
    return list(db.session.scalars(select(KimGroup).where(KimGroup.desa_kode == desa_kode).order_by(KimGroup.nama)))


def _area(model, kode: str, message: str):
    found = db.session.get(model, kode)
    if found is None:
        raise NotFound(message)
    return found


def kabupaten(kode: str) -> Kabupaten:
    return _area(Kabupaten, kode, "Kabupaten/kota tidak ditemukan.")


def kabupaten_list() -> list[Kabupaten]:
    """Every kabupaten/kota by name, for the search form's filter."""
    return list(db.session.scalars(select(Kabupaten).order_by(Kabupaten.nama)))


def kecamatan(kode: str) -> Kecamatan:
    return _area(Kecamatan, kode, "Kecamatan tidak ditemukan.")


def desa(kode: str) -> Desa:
    return _area(Desa, kode, "Desa tidak ditemukan.")


def kategori(kode: str) -> str:
    """The category's label, or 404 for a category that is not a public one."""
    if kode not in KATEGORI_PUBLIK:
        raise NotFound("Kategori tidak ditemukan.")
    return KATEGORI_PUBLIK[kode]


# The lists of places with how many news each are summed from the published items kept counted per desa
# (kim_app/items/counts.py), as `_published` decides them: a busy kabupaten's 26,000 published items are a few hundred
# rows there.

def kecamatan_counts(kabupaten_kode: str) -> list[tuple[Kecamatan, int]]:
    """The kabupaten's kecamatan that have published news, with how many, by name."""
    query = (
        select(Desa.kecamatan_kode, func.sum(PublishedCount.n))
        .join(Desa, Desa.kode == PublishedCount.desa_kode)
        .where(PublishedCount.kabupaten_kode == kabupaten_kode, PublishedCount.n != 0)
        .group_by(Desa.kecamatan_kode)
    )
    counts = dict(db.session.execute(query).all())
    if not counts:
        return []
    rows = db.session.scalars(select(Kecamatan).where(Kecamatan.kode.in_(counts)).order_by(Kecamatan.nama))
    return [(row, counts[row.kode]) for row in rows]


def desa_counts(kecamatan_kode: str) -> list[tuple[Desa, int]]:
    """The kecamatan's desa that have published news, with how many, by name."""
    query = (
        select(PublishedCount.desa_kode, PublishedCount.n)
        .join(Desa, Desa.kode == PublishedCount.desa_kode)
        .where(Desa.kecamatan_kode == kecamatan_kode, PublishedCount.n != 0)
    )
    counts = dict(db.session.execute(query).all())
    if not counts:
        return []
    rows = db.session.scalars(select(Desa).where(Desa.kode.in_(counts)).order_by(Desa.nama))
    return [(row, counts[row.kode]) for row in rows]
