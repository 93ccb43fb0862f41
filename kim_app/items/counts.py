"""Counts kept as items change, so that the pages that show them cost what the number of places and filter values
costs, not what the number of items does: the moderators' queue per kabupaten and filter value (`queue_count`, read
by moderation/queue.py) and the portal's published items per desa (`published_count`, read by publish/services.py).
A province's queue holds 200,000 pending items; counting them took a second, reading their kept counts takes
milliseconds (docs/benchmarks.md, "National scale"). And for the dashboard (moderation/dashboard.py): the verdicts
given per kabupaten, WITA day and KIM group (`verdict_count`), which it found by reading the whole audit log, and per
kabupaten and WITA day what arrived, what was approved and rejected, and how long the arrivals waited for their first
verdict (`day_count`, a histogram: kim_app/items/waits.py), which it found by reading a period's items — a nation's
eight weeks are 300,000 of them.

How they stay true:

- **One place changes them.** Every statement that changes what they count is made in kim_app/items/services.py — a
  create (`announce_created`), a move (`move`: verdicts, revisions, withdrawn photos, a complaint's follow-up), a
  photo that arrives (`check_queue_entry`) — and each says what the item was counted as before and after the change
  (`Counted`); the difference is recorded (`record`). A verdict is counted where its audit entry is written
  (`record_verdict`). Items are never deleted; the audit log is never changed.
- **In the same transaction.** The differences are added when the transaction commits, with one
  `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per table (SQLite ≥ 3.24 and PostgreSQL alike): concurrent
  changes never lose an addition, since each waits for the row lock of the one before. The rows are written in key
  order, last in the transaction, so two transactions never wait for each other's counts in opposite orders (bulk
  verdicts of two moderators, batches of two members of one KIM group), and a count's row is held only while the
  transaction commits. A savepoint rolled back (one refused item of a batch) takes its differences with it. Each
  statement names only the counts that change (a create changes one of `day_count`'s 51; the rest start at the
  server's default, 0), and on PostgreSQL the tables' statements go to the server together, in that order, in one
  round trip (`_in_one_round_trip`): all the creates of a kabupaten on a day count into the same three rows, and
  every wait for an answer while holding them is a wait for every other create there.
- **Before is read under the item's row lock** (PostgreSQL; SQLite has one writer at a time), in a statement of its
  own after the lock: a photo that arrives in another transaction locks the item too, so of two concurrent changes
  the second always sees the first — never both or neither counting the item into the queue.
- `recount()` (`flask kim recount`) rebuilds them from the rows and says what it corrected; a restore and the
  national benchmark's fill, which write rows directly, call it.

Reading a count in the transaction that changed it shows it as it was before: the differences wait for the commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Date, Table, cast, delete, event, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kim_app.extensions import db
from kim_app.items import kinds, waits
from kim_app.items.models import (
    TALLY_COUNTS,
    DayCount,
    Item,
    ItemEvent,
    PublishedCount,
    QueueCount,
    VerdictCount,
    WeekCount,
    photos_complete,
)
from kim_app.items.statuses import VERDICTS, AduanStatus, PhotoState, Status
from kim_app.timeutil import WITA, as_utc

logger = logging.getLogger(__name__)

# A queue count's KIM group when the item has none: a primary key holds no NULL.
NO_KIM = 0


class Counted(NamedTuple):
    """What of an item the kept counts depend on."""

    status: str
    kind: str
    kabupaten_kode: str
    desa_kode: str
    kim_id: int | None
    kategori: str
    published: bool  # has a `published_at`
    photos_complete: bool
    received_day: date  # WITA
    wait_bucket: int | None  # of the time to its first verdict (waits.py); None: no verdict yet
    aduan_status: str | None

    def keys(self) -> list[tuple[Table, tuple]]:
        """The rows of the kept counts this item adds one to."""
        found = []
        # In the moderators' queue: moderation/queue.py, `in_queue` (without the scope, which is the kabupaten).
        if self.status == Status.MENUNGGU and self.photos_complete:
            found.append((QueueCount.__table__, (self.kabupaten_kode, self.kind, self.desa_kode,
                                                 self.kim_id or NO_KIM, self.kategori)))
        # Published: publish/services.py, `_published`.
        if self.kind in kinds.PUBLIC_KINDS and self.status == Status.DISETUJUI and self.published:
            found.append((PublishedCount.__table__, (self.desa_kode, self.kabupaten_kode)))
        # Arrived for the desk to judge, and how long it waited: the dashboard (moderation/dashboard.py, `report`).
        if self.kind in kinds.MODERATED_KINDS:
            found.append((DayCount.__table__, (self.kabupaten_kode, self.received_day, "diterima")))
            if self.wait_bucket is not None:
                found.append((DayCount.__table__, (self.kabupaten_kode, self.received_day,
                                                   waits.COLUMNS[self.wait_bucket])))
        # A complaint in the queue still waiting for verification: overdue once its day is before the deadline's
        # (moderation/dashboard.py, `overdue_complaints`).
        if self.awaits_verification:
            found.append((DayCount.__table__, (self.kabupaten_kode, self.received_day, "aduan_menunggu")))
        return found

    @property
    def awaits_verification(self) -> bool:
        return (self.kind in kinds.TRACKED_KINDS and self.status == Status.MENUNGGU and self.photos_complete
                and self.aduan_status == AduanStatus.DITERIMA)


def wita_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(WITA).date()


def wait_bucket(received_at: datetime, decided_at: datetime | None) -> int | None:
    if decided_at is None:
        return None
    return waits.bucket_of((as_utc(decided_at) - as_utc(received_at)).total_seconds())


_COLUMNS = (Item.status, Item.kind, Item.kabupaten_kode, Item.desa_kode, Item.kim_id, Item.kategori,
            Item.published_at.is_not(None), photos_complete(Item.id), Item.received_at, Item.decided_at,
            Item.aduan_status)


def stored(item_id: int, lock: bool = False) -> Counted:
    """The item as the database holds it now. `lock`: first take the item's row lock (held to the transaction's end),
    then read in a statement of its own — one that had waited for the lock would read the photos as they were
    before the transaction it waited for."""
    if lock and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Item.id).where(Item.id == item_id).with_for_update())
    *row, received_at, decided_at, aduan_status = db.session.execute(
        select(*_COLUMNS).where(Item.id == item_id)).one()
    return Counted(*row, wita_day(received_at), wait_bucket(received_at, decided_at), aduan_status)


def of_new(item: Item) -> Counted:
    """A new item as written (kim_app/sync/services.py), with the photos it declared."""
    return Counted(item.status, item.kind, item.kabupaten_kode, item.desa_kode, item.kim_id, item.kategori,
                   item.published_at is not None, all(photo.state == PhotoState.SIAP for photo in item.photos),
                   wita_day(item.received_at), wait_bucket(item.received_at, item.decided_at), item.aduan_status)


def with_changes(before: Counted, item: Item) -> Counted:
    """The item after a change of its own row (a move): the columns as they are now, the photos as before."""
    return before._replace(status=item.status, kategori=item.kategori, desa_kode=item.desa_kode,
                           kabupaten_kode=item.kabupaten_kode, kim_id=item.kim_id,
                           published=item.published_at is not None,
                           wait_bucket=wait_bucket(item.received_at, item.decided_at),
                           aduan_status=item.aduan_status)


# --- The differences, added at the commit ---------------------------------------------------------------------------

PENDING = "kim_kept_counts"


def record(before: Counted | None, after: Counted | None) -> None:
    """An item went from being counted as `before` to `after` (None: not there) in the current transaction."""
    old = set(before.keys()) if before else set()
    new = set(after.keys()) if after else set()
    for key in old - new:
        _pending(key, -1)
    for key in new - old:
        _pending(key, +1)


def record_verdict(item: Item, event: ItemEvent) -> None:
    """A verdict's audit entry was written in the current transaction: counted on its WITA day."""
    if event.action in VERDICTS:
        day = wita_day(event.created_at)
        _pending((VerdictCount.__table__, (item.kabupaten_kode, day, item.kim_id or NO_KIM, event.action)), +1)
        if event.action in DAY_COUNT_VERDICTS:
            _pending((DayCount.__table__, (item.kabupaten_kode, day, DAY_COUNT_VERDICTS[event.action])), +1)


def _pending(key: tuple[Table, tuple], difference: int) -> None:
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info.setdefault(PENDING, {}).setdefault(transaction, {})
    for each in (key, *_week_of(key)):
        pending[each] = pending.get(each, 0) + difference


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_of(key: tuple[Table, tuple]) -> tuple[tuple[Table, tuple], ...]:
    """A day's count is its week's too (`week_count`), but for the waiting complaints, which are counted by day."""
    table, row = key
    if table is not DayCount.__table__ or row[-1] not in _VALUES[WeekCount.__table__]:
        return ()
    kabupaten, day, column = row
    return ((WeekCount.__table__, (kabupaten, monday(day), column)),)


def _on_commit(session: Session) -> None:
    """A savepoint's differences join its parent's when it is released; the outermost transaction's are written."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info.get(PENDING, {}).pop(transaction, None)
    if not pending:
        return
    if transaction.nested:
        parent = session.info[PENDING].setdefault(transaction.parent, {})
        for key, difference in pending.items():
            parent[key] = parent.get(key, 0) + difference
        return
    _add(session, pending)


def _on_end(session: Session, transaction) -> None:
    # Ended without its commit (rolled back): what it counted never happened.
    pending = session.info.get(PENDING)
    if pending:
        pending.pop(transaction, None)


# The columns that name a row of each table, in the order of Counted.keys. A key names one row and one of its
# counts: `n`, or for `day_count` the column its key ends with.
_KEYS = {
    QueueCount.__table__: ("kabupaten_kode", "kind", "desa_kode", "kim_id", "kategori"),
    PublishedCount.__table__: ("desa_kode", "kabupaten_kode"),
    VerdictCount.__table__: ("kabupaten_kode", "hari", "kim_id", "action"),
    DayCount.__table__: ("kabupaten_kode", "hari"),
    WeekCount.__table__: ("kabupaten_kode", "senin"),
}
_VALUES = dict.fromkeys(_KEYS, ("n",)) | {
    DayCount.__table__: (*TALLY_COUNTS, "aduan_menunggu"),
    WeekCount.__table__: TALLY_COUNTS}
# The tables of kept counts, by name: derived from the rows, so never backed up (kim_app/backup.py) but recounted.
KEPT_TABLES = tuple(table.name for table in _KEYS)
# The row an upsert proposed, as ON CONFLICT DO UPDATE names it: made once per table. `statement.excluded` makes it
# anew for every statement, a millisecond for `day_count`'s 51 columns at every create.
_EXCLUDED = {table: table.alias("excluded") for table in _KEYS}
# The verdicts the dashboard counts per day (a request for revision is a verdict too, but neither of these).
DAY_COUNT_VERDICTS = {"setujui": "disetujui", "tolak": "ditolak"}


def _split(table: Table, key: tuple) -> tuple[tuple, str]:
    """A kept count's key: the row's key, and the column counted."""
    if len(_VALUES[table]) == 1:
        return key, _VALUES[table][0]
    return key[:-1], key[-1]


def _rows(table: Table, differences: dict[tuple, int], columns: tuple[str, ...] | None = None) -> list[dict]:
    """The rows to add, in key order, each with the same `columns` (default: every count of the table; 0 where
    nothing changed), as one multi-row statement needs."""
    rows: dict[tuple, dict[str, int]] = {}
    for key, difference in differences.items():
        row_key, column = _split(table, key)
        values = rows.setdefault(row_key, dict.fromkeys(columns or _VALUES[table], 0))
        values[column] += difference
    return [{**dict(zip(_KEYS[table], key, strict=True)), **values} for key, values in sorted(rows.items())]


def _changed_columns(table: Table, differences: dict[tuple, int]) -> tuple[str, ...]:
    """The counts these differences change, in the table's order: a create changes one of `day_count`'s 51, and the
    statement names just that one (the others start at their default, 0)."""
    changed = {_split(table, key)[1] for key in differences}
    return tuple(name for name in _VALUES[table] if name in changed)


def _add(session: Session, pending: dict[tuple[Table, tuple], int]) -> None:
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    dialect = postgresql if on_postgresql else sqlite_dialect
    statements = []
    for table in _KEYS:
        differences = {key: difference for (where, key), difference in pending.items() if where is table and difference}
        if not differences:
            continue
        columns = _changed_columns(table, differences)
        statement = dialect.insert(table).values(_rows(table, differences, columns))
        statements.append(statement.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key],
            set_={name: table.c[name] + _EXCLUDED[table].c[name] for name in columns},
        ))
    if on_postgresql and len(statements) > 1 and not _PYTHON_DEFAULTS:
        _in_one_round_trip(session, statements)
        return
    for statement in statements:
        session.execute(statement)


# Sent past SQLAlchemy's execution, a statement gets no value a column's Python-side default would give (the kept
# counts' tables have none: their defaults are the server's).
_PYTHON_DEFAULTS = [column for table in _KEYS for column in table.c if column.default is not None]


def _in_one_round_trip(session: Session, statements: list) -> None:
    """PostgreSQL: the statements sent together (psycopg's pipeline), run one after the other in this order.

    From the first count's row lock to the commit, every other transaction that counts into the same rows waits —
    all the creates of one kabupaten on one day share its day's and week's rows. Sent one by one, each statement
    waited for its answer, and on a busy server for the worker to be scheduled again, while holding those locks: three
    such statements made a kabupaten's creates three times slower than one. Sent together, the locks are held for the
    database's own time."""
    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    compiled = [statement.compile(dialect=dialect) for statement in statements]
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            for each in compiled:
                cursor.execute(each.string, each.params)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(compiled[0].string, compiled[0].params, error, dialect.loaded_dbapi.Error) from error


def init_app() -> None:
    for name, listener in (("before_commit", _on_commit), ("after_transaction_end", _on_end)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# --- Counting again from the rows -----------------------------------------------------------------------------------

def _from_rows() -> dict[Table, dict[tuple, int]]:
    """What the kept counts should hold, counted from the items as the pages counted before they were kept."""
    queue = select(Item.kabupaten_kode, Item.kind, Item.desa_kode, func.coalesce(Item.kim_id, NO_KIM), Item.kategori,
                   func.count()).where(Item.status == Status.MENUNGGU, photos_complete(Item.id))
    published = select(Item.desa_kode, Item.kabupaten_kode, func.count()).where(
        Item.kind.in_(kinds.PUBLIC_KINDS), Item.status == Status.DISETUJUI, Item.published_at.is_not(None))
    # The WITA day of a moment: PostgreSQL converts the zone; SQLite holds UTC text, and WITA has no summer time.
    if db.session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(WITA.key, ItemEvent.created_at), Date)
    else:
        day = func.date(ItemEvent.created_at, "+8 hours")
    verdicts = (select(Item.kabupaten_kode, day, func.coalesce(Item.kim_id, NO_KIM), ItemEvent.action, func.count())
                .join(Item, Item.id == ItemEvent.item_id).where(ItemEvent.action.in_(VERDICTS)))
    found = {}
    for table, query in ((QueueCount.__table__, queue), (PublishedCount.__table__, published),
                         (VerdictCount.__table__, verdicts)):
        names = _KEYS[table]
        rows = db.session.execute(query.group_by(*query.selected_columns[:len(names)])).all()
        found[table] = {tuple(row[:-1]): row[-1] for row in rows}
    # SQLite answers the day as text.
    found[VerdictCount.__table__] = {
        (kabupaten, date.fromisoformat(day) if isinstance(day, str) else day, kim, action): n
        for (kabupaten, day, kim, action), n in found[VerdictCount.__table__].items()
    }
    found[DayCount.__table__] = _days_from_rows(found[VerdictCount.__table__])
    found[WeekCount.__table__] = weeks = {}
    for key, n in found[DayCount.__table__].items():
        for week_key in _week_of((DayCount.__table__, key)):
            weeks[week_key[1]] = weeks.get(week_key[1], 0) + n
    return found


def _days_from_rows(verdicts: dict[tuple, int]) -> dict[tuple, int]:
    """`day_count` from the items (their day of arrival and their wait, in Python: the same rule as `Counted.keys`,
    to the second) and from the verdicts just counted."""
    days: dict[tuple, int] = {}

    def count(key: tuple, n: int = 1) -> None:
        days[key] = days.get(key, 0) + n

    arrivals = (select(Item.kabupaten_kode, Item.received_at, Item.decided_at)
                .where(Item.kind.in_(kinds.MODERATED_KINDS)).execution_options(yield_per=10_000))
    for kabupaten, received_at, decided_at in db.session.execute(arrivals):
        day = wita_day(received_at)
        count((kabupaten, day, "diterima"))
        bucket = wait_bucket(received_at, decided_at)
        if bucket is not None:
            count((kabupaten, day, waits.COLUMNS[bucket]))
    complaints = select(Item.kabupaten_kode, Item.received_at).where(
        Item.kind.in_(kinds.TRACKED_KINDS), Item.status == Status.MENUNGGU, Item.aduan_status == AduanStatus.DITERIMA,
        photos_complete(Item.id))
    for kabupaten, received_at in db.session.execute(complaints):
        count((kabupaten, wita_day(received_at), "aduan_menunggu"))
    for (kabupaten, day, _kim, action), n in verdicts.items():
        if action in DAY_COUNT_VERDICTS:
            count((kabupaten, day, DAY_COUNT_VERDICTS[action]), n)
    return days


def _kept() -> dict[Table, dict[tuple, int]]:
    found = {}
    for table, names in _KEYS.items():
        values = _VALUES[table]
        rows = db.session.execute(select(*(table.c[name] for name in (*names, *values)))).all()
        found[table] = {}
        for row in rows:
            for column, n in zip(values, row[len(names):], strict=True):
                if n:
                    found[table][tuple(row[:len(names)]) if len(values) == 1 else (*row[:len(names)], column)] = n
    return found


@dataclass(frozen=True)
class Drift:
    table: str
    key: tuple
    kept: int
    counted: int


def drift() -> list[Drift]:
    """Where the kept counts differ from a count of the rows (nothing, when all is well)."""
    return _differences(_from_rows(), _kept())


def _differences(counted, kept) -> list[Drift]:
    return [
        Drift(table.name, key, kept[table].get(key, 0), counted[table].get(key, 0))
        for table in _KEYS
        for key in sorted(set(counted[table]) | set(kept[table]), key=repr)
        if kept[table].get(key, 0) != counted[table].get(key, 0)
    ]


def recount() -> list[Drift]:
    """Rebuild the kept counts from the rows; returns what was wrong. The caller commits. Idempotent.

    On PostgreSQL the tables are locked first (EXCLUSIVE: readers go on, writers wait): a change committed before
    the lock is in the count, one committing after it adds its difference to the rebuilt rows."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"LOCK TABLE {', '.join(KEPT_TABLES)} IN EXCLUSIVE MODE"))
    counted = _from_rows()
    wrong = _differences(counted, _kept())
    if wrong:
        for table in _KEYS:
            db.session.execute(delete(table))
            rows = _rows(table, counted[table])
            if rows:
                db.session.execute(table.insert(), rows)
        logger.warning("Kept counts rebuilt: %d rows differed from the items (first: %s)", len(wrong), wrong[0])
    return wrong

