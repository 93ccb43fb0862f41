"""The moderation queue: which pending items a moderator sees, filtered and paged, with counts per filter value, and
"Ambil berikutnya" — a lease on the next item nobody else is working on.

Paging is by keyset, (received_at, id) after the last row shown, never OFFSET: the page after 90,000 items costs what
the first one costs, on the indexes `ix_submission_queue` (kabupaten, status, received_at, id) and
`ix_submission_queue_all` (status, received_at, id). The word filter is a plain LIKE over judul/isi/uraian/keterangan,
and stays one: it scans the scope's pending items (thousands), finds fragments, names, numbers and misspellings, and
covers a complaint's text; the portal's full-text index (kim_app/publish/search.py) holds published public text only
(docs/architecture.md, "Search").

A lease (claimed_by, claim_expires_at) is taken in the request's one short write transaction: on PostgreSQL the
candidate row is locked with FOR UPDATE SKIP LOCKED, so ten moderators pressing the button at once get ten different
items without waiting on each other; on SQLite the write transaction is IMMEDIATE (kim_app/database.py), so claims
are simply one at a time. An expired lease is free again; deciding or editing an item ends its lease.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, text, tuple_, update
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kim_app import inputs
from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items.counts import NO_KIM
from kim_app.items.models import Item, QueueCount, photos_complete
from kim_app.items.statuses import Status
from kim_app.timeutil import WITA, UTCDateTime, as_utc, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan, KimGroup

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class QueueFilter:
    """What the moderator narrowed the queue to; None means any. Dates are WITA calendar days, both inclusive."""

    kind: str | None = None
    kabupaten: str | None = None
    kecamatan: str | None = None
    desa: str | None = None
    kim: int | None = None
    kategori: str | None = None
    dari: date | None = None
    sampai: date | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        def text(name, limit=100):
            value = (args.get(name) or "").strip()
            return value[:limit] or None

        kind = text("jenis")
        return cls(
            kind=kind if kind in kinds.KINDS else None,
            kabupaten=text("kabupaten", 5),
            kecamatan=text("kecamatan", 8),
            desa=text("desa", 13),
            kim=inputs.arg_int("kim", label="KIM", minimum=1, maximum=inputs.MAX_ID, source=args),
            kategori=text("kategori", 32),
            dari=inputs.parse_day(args.get("dari"), label="Tanggal awal"),
            sampai=inputs.parse_day(args.get("sampai"), label="Tanggal akhir"),
            q=text("q"),
        )

    def as_args(self) -> dict[str, str]:
        names = {"kind": "jenis"}
        return {
            names.get(key, key): str(value)
            for key, value in self.__dict__.items()
            if value is not None
        }


def _wita_midnight(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(0), tzinfo=WITA))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The filters that have counts, in the order the page shows them.
FACETS = ("kind", "kabupaten", "kecamatan", "desa", "kim", "kategori")
# The column a facet's value is read from (a desa code holds its kecamatan's: 53.04.05 of 53.04.05.2006); the queue's
# rows and its kept counts (QueueCount) name them alike. Counts are grouped by the columns the page needs — the listed
# facets' and the chosen ones' — in the order of the index ix_submission_facets (after status), so a grouped pass over
# the rows reads the index alone, in order.
_COLUMN_OF = {"kind": "kind", "kabupaten": "kabupaten_kode", "kecamatan": "desa_kode", "desa": "desa_kode",
              "kim": "kim_id", "kategori": "kategori"}
_INDEX_ORDER = ("kabupaten_kode", "kind", "desa_kode", "kim_id", "kategori")


# Below the kabupaten, places and KIM groups are listed once the kabupaten is known — the moderator's own, or the one
# chosen: across a province or the nation they are thousands (83,000 desa, 3,600 groups), no list a person picks from,
# and naming them all was most of the admin's page (docs/benchmarks.md, "National scale").
LOCAL_FACETS = ("kecamatan", "desa", "kim")


def listed_facets(moderator: User, where: QueueFilter) -> list[str]:
    """The filters whose values (with their counts) the page lists for this moderator and these filters."""
    every = policy.sees_every_kabupaten(moderator)
    local = not every or where.kabupaten is not None
    return [facet for facet in FACETS
            if (facet != "kabupaten" or every) and (facet not in LOCAL_FACETS or local)]


def _facet_value(values: dict, facet: str):
    value = values[_COLUMN_OF[facet]]
    return value[:8] if facet == "kecamatan" else value


def in_queue(moderator: User) -> tuple:
    """The SQL conditions of "in this moderator's queue": pending, in their scope, every photo received. An item whose
    photos are still arriving is not here yet: it joins the queue when its last photo is `siap`
    (docs/sync-protocol.md)."""
    return (
        Item.status == Status.MENUNGGU,
        policy.moderation_scope(moderator, Item.kabupaten_kode),
        photos_complete(Item.id),
    )


def waiting_count(moderator: User) -> int:
    """How many items wait in the moderator's queue (every desk page's header): from the kept counts."""
    return db.session.scalar(
        select(func.coalesce(func.sum(QueueCount.n), 0))
        .where(policy.moderation_scope(moderator, QueueCount.kabupaten_kode))
    )


def _conditions(where: QueueFilter) -> dict[str, object]:
    """One SQL condition per filter in use, keyed by facet (so counts can leave their own facet out)."""
    conds: dict[str, object] = {}
    if where.kind:
        conds["kind"] = Item.kind == where.kind
    if where.kabupaten:
        conds["kabupaten"] = Item.kabupaten_kode == where.kabupaten
    if where.kecamatan:
        # A range on the desa code (53.04.05.xxxx), which the desa_kode index serves; LIKE 'x%' would not on SQLite.
        conds["kecamatan"] = and_(
            Item.desa_kode > where.kecamatan + ".", Item.desa_kode < where.kecamatan + "/"
        )
    if where.desa:
        conds["desa"] = Item.desa_kode == where.desa
    if where.kim:
        conds["kim"] = Item.kim_id == where.kim
    if where.kategori:
        conds["kategori"] = Item.kategori == where.kategori
    if where.dari:
        conds["dari"] = Item.received_at >= _wita_midnight(where.dari)
    if where.sampai:
        conds["sampai"] = Item.received_at < _wita_midnight(where.sampai + timedelta(days=1))
    if where.q:
        pattern = _like(where.q)
        conds["q"] = or_(
            *(column.ilike(pattern, escape="\\") for column in
              (Item.judul, Item.isi, Item.uraian, Item.keterangan))
        )
    return conds


def encode_after(item: Item) -> str:
    return f"{as_utc(item.received_at).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{item.id}"


def decode_after(text: str | None) -> tuple[datetime, int] | None:
    """A cursor from the page's "berikutnya" link; anything unreadable starts from the top."""
    if not text or "~" not in text:
        return None
    moment, _, item_id = text.partition("~")
    try:
        last_id = inputs.parse_int(item_id, label="Kursor", maximum=inputs.MAX_ID)
    except inputs.BadInput:
        return None
    received = inputs.parse_moment(moment)
    return None if received is None else (received, last_id)


@dataclass
class QueuePage:
    items: list[Item]
    after: str | None  # cursor of the next page, None on the last one
    counts: dict[str, list[tuple[object, str, int]]] = field(default_factory=dict)  # facet -> (value, label, n)
    total: int = 0


def page(moderator: User, where: QueueFilter, after: str | None = None, limit: int = PAGE_SIZE) -> list[Item]:
    """One page of the queue, oldest first, after the cursor."""
    conds = list(_conditions(where).values())
    query = select(Item).where(*in_queue(moderator), *conds)
    cursor = decode_after(after)
    if cursor is not None:
        moment, item_id = cursor
        # A row value: both databases walk the queue index from this point instead of filtering from the start.
        query = query.where(
            tuple_(Item.received_at, Item.id)
            > tuple_(bindparam("after_at", moment, type_=UTCDateTime()), bindparam("after_id", item_id))
        )
    query = query.order_by(Item.received_at, Item.id).limit(limit + 1)
    # What each row of the page shows, loaded in one query per relation rather than one per row.
    query = query.options(*(selectinload(relation) for relation in
                            (Item.author, Item.claimer, Item.desa, Item.photos)))
    return list(db.session.scalars(query))


def counts(moderator: User, where: QueueFilter) -> tuple[dict[str, list[tuple[object, str, int]]], int]:
    """How many pending items each value of each listed filter (`listed_facets`) would show, given the other filters
    in use; and the total under all of them.

    The scope's pending items grouped by the columns of the listed and chosen filters at once (a few thousand groups
    at most, a few hundred for a province's admin), and each facet's counts summed from those groups leaving its own
    filter out. The groups are the
    counts kept as items change (kim_app/items/counts.py), read in one query whatever the size of the queue — unless
    a date or word filter is in use: those are not facets, they narrow the items themselves, so then the groups are
    counted from the rows."""
    conds = _conditions(where)
    chosen = {facet: getattr(where, facet) for facet in FACETS if getattr(where, facet) is not None}
    facets = listed_facets(moderator, where)
    narrowing = [cond for name, cond in conds.items() if name not in FACETS]
    needed = [name for name in _INDEX_ORDER if name in {_COLUMN_OF[facet] for facet in (*facets, *chosen)}]
    if narrowing:
        columns = [getattr(Item, name) for name in needed]
        groups = db.session.execute(
            select(*columns, func.count()).where(*in_queue(moderator), *narrowing).group_by(*columns)
        ).all()
    else:
        columns = [func.nullif(QueueCount.kim_id, NO_KIM) if name == "kim_id" else getattr(QueueCount, name)
                   for name in needed]
        groups = db.session.execute(
            select(*columns, func.sum(QueueCount.n))
            .where(policy.moderation_scope(moderator, QueueCount.kabupaten_kode), QueueCount.n != 0)
            .group_by(*columns)
        ).all()

    def matches(values, leave_out: str | None = None) -> bool:
        return all(_facet_value(values, facet) == value for facet, value in chosen.items() if facet != leave_out)

    tallies: dict[str, dict[object, int]] = {facet: {} for facet in facets}
    total = 0
    for group in groups:
        row, n = dict(zip(needed, group[:-1], strict=True)), group[-1]
        if matches(row):
            total += n
        for facet in facets:
            value = _facet_value(row, facet)
            if value is not None and matches(row, leave_out=facet):
                tallies[facet][value] = tallies[facet].get(value, 0) + n
    result = {}
    for facet in facets:
        labels = _labels(facet, tallies[facet])
        result[facet] = [(value, labels[value], n) for value, n in sorted(tallies[facet].items())]
    return result, total


def _labels(facet: str, values) -> dict[object, str]:
    """The names shown for a facet's values, in one query per facet."""
    if facet == "kind":
        return {value: kinds.KIND_LABELS.get(value, value) for value in values}
    if facet == "kategori":
        names = {key: label for kind in kinds.KINDS.values() for key, label in kind.kategori}
        return {value: names.get(value, value) for value in values}
    model = {"kabupaten": Kabupaten, "kecamatan": Kecamatan, "desa": Desa, "kim": KimGroup}[facet]
    key = model.id if model is KimGroup else model.kode
    names = dict(db.session.execute(select(key, model.nama).where(key.in_(list(values)))).all()) if values else {}
    return {value: names.get(value, str(value)) for value in values}


def queue_page(moderator: User, where: QueueFilter, after: str | None = None, limit: int = PAGE_SIZE) -> QueuePage:
    if not policy.sees_every_kabupaten(moderator):
        where = replace(where, kabupaten=None)  # a moderator's scope is their kabupaten; the filter adds nothing
    rows = page(moderator, where, after, limit)
    next_after = encode_after(rows[limit - 1]) if len(rows) > limit else None
    facet_counts, total = counts(moderator, where)
    return QueuePage(items=rows[:limit], after=next_after, counts=facet_counts, total=total)


def claim_next(moderator: User, now: datetime | None = None) -> Item | None:
    """Lease the oldest pending item in the moderator's scope that nobody holds (or whose lease ran out). The
    moderator's earlier leases end: one moderator works on one item at a time. None when nothing is left.

    Few round trips, since moderators press this all day: one SELECT of the candidate, one UPDATE that both takes
    it and ends the moderator's earlier lease, and nothing reloaded afterwards (the request's commit follows)."""
    now = now or utcnow()
    candidate = (
        select(Item)
        .where(
            *in_queue(moderator),
            or_(Item.claimed_by.is_(None), Item.claim_expires_at < now),
        )
        .order_by(Item.received_at, Item.id)
        .limit(1)
        .options(lazyload(Item.photos))  # the caller wants the item, its photos only if it looks at them
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True, of=Item)
        # A lease is worth less than the wait for the WAL flush: if the server crashed right after this commit, the
        # item would only be free again for the next moderator. Verdicts and items keep the durable default.
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    item = db.session.scalar(candidate)
    if item is None:
        return None
    expires = now + LEASE
    taken = Item.id == item.id
    db.session.execute(
        update(Item)
        .where(or_(taken, Item.claimed_by == moderator.id))
        .values(claimed_by=case((taken, moderator.id), else_=None),
                claim_expires_at=case((taken, bindparam("expires", expires, type_=UTCDateTime())), else_=None))
        .execution_options(synchronize_session=False)
    )
    set_committed_value(item, "claimed_by", moderator.id)
    set_committed_value(item, "claim_expires_at", expires)
    logger.info("Item %s claimed by %s", item.id, moderator.username)
    return item
