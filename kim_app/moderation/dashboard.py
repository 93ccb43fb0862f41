"""The Dinas desk's dashboard (/moderasi/dasbor) and its CSV export: how much arrived, what was decided, how long
deciding took, and which complaints have waited too long.

Counted from what cannot be rewritten: `received_at` and `decided_at` of the items and the append-only audit log
(`moderation_event`). "Approved" and "rejected" in a period are the verdicts given in it; "time to moderate" runs
from an item's arrival to its first verdict (approve, reject or ask for a revision), its median read off a histogram
(kim_app/items/waits.py).

What a page reads does not grow with the items: the totals, the kabupaten and the weeks come from the counts kept
per kabupaten and week, and per day for the days at a period's ends, as items change (`week_count`, `day_count`,
kim_app/items/counts.py) — a nation's eight weeks are 4,000 rows, not 300,000 items. The table per KIM group is
shown for one kabupaten at a time (a moderator's, or the one an admin chose): its arrivals and waits from that
kabupaten's items of the period, its verdicts from `verdict_count`. A table of a nation's 3,600 groups would help
nobody find one. Scope comes from accounts/policy.py: a moderator sees their kabupaten, an admin all of them or the
one chosen.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, or_, select

from kim_app import csvtext, inputs
from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items import kinds, waits
from kim_app.items.counts import DAY_COUNT_VERDICTS, NO_KIM, monday, wait_bucket, wita_day
from kim_app.items.models import TALLY_COUNTS, DayCount, Item, VerdictCount, WeekCount
from kim_app.items.statuses import AduanStatus
from kim_app.moderation.charts import Series, bar_chart
from kim_app.moderation.deadlines import overdue_before, working_seconds
from kim_app.moderation.queue import in_queue
from kim_app.timeutil import BULAN, WITA, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, KimGroup

bp = Blueprint("dashboard", __name__, url_prefix="/moderasi")
DAYS = DayCount.__table__
WEEKS = WeekCount.__table__

APPROVE, REJECT = "setujui", "tolak"
# The overdue complaints listed by name, oldest first; all of them are counted. A province's desk that fell behind has
# thousands, and a page of thousands of rows helps nobody find the first to call about.
OVERDUE_SHOWN = 100
DEFAULT_WEEKS = 8
MAX_DAYS = 366
BULAN_PENDEK = tuple(name[:3] for name in BULAN)


class PeriodError(ValueError):
    """A date range a person typed that we cannot use; the message says why, in Indonesian."""


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive (WITA)
    end: date  # last day, inclusive (WITA)

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), WITA).astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), WITA).astimezone(timezone.utc)

    def weeks(self) -> list[date]:
        """Mondays of the weeks the period touches."""
        monday = self.start - timedelta(days=self.start.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]


def today_wita() -> date:
    return utcnow().astimezone(WITA).date()


def default_period(today: date | None = None) -> Period:
    """This week and the seven before it, Monday to today."""
    today = today or today_wita()
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)


def parse_period(args) -> Period:
    default = default_period()
    try:
        start = inputs.parse_day(args.get("dari")) or default.start
        end = inputs.parse_day(args.get("sampai")) or default.end
    except inputs.BadInput as error:
        raise PeriodError(error.detail) from None
    if start > end:
        raise PeriodError("Tanggal awal harus sebelum tanggal akhir.")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError(f"Rentang paling panjang {MAX_DAYS} hari.")
    return Period(start, end)


def parse_kabupaten(user: User, args) -> str | None:
    """The one kabupaten the page is about: a moderator's own; for an admin the one chosen (`kabupaten`), or None for
    all. A code that names no kabupaten is a PeriodError (said on the page); one outside the user's scope is 403."""
    chosen = (args.get("kabupaten") or "").strip()
    if not policy.sees_every_kabupaten(user):
        if chosen and chosen != user.kabupaten_kode:
            abort(403)
        return user.kabupaten_kode
    if not chosen:
        return None
    if len(chosen) > 5 or db.session.get(Kabupaten, chosen) is None:
        raise PeriodError("Kabupaten/kota itu tidak dikenal.")
    return chosen


@dataclass
class Tally:
    """The numbers of one row: a kabupaten, a KIM group or a week."""

    kode: str
    nama: str
    diterima: int = 0
    disetujui: int = 0
    ditolak: int = 0
    terlambat: int = 0
    # How long the arrivals waited for their first verdict: a histogram (kim_app/items/waits.py).
    histogram: list[int] = field(default_factory=lambda: [0] * waits.BUCKETS)

    @property
    def median_jam(self) -> float | None:
        median = waits.median_hours(self.histogram)
        return None if median is None else round(median, 1)

    def add_day(self, diterima: int, disetujui: int, ditolak: int, histogram) -> None:
        self.diterima += diterima
        self.disetujui += disetujui
        self.ditolak += ditolak
        waits.add(self.histogram, histogram)


@dataclass
class Overdue:
    item_id: int
    kabupaten_kode: str
    kim_id: int | None
    desa: str
    kabupaten: str
    received_at: datetime
    hari_kerja: float


@dataclass
class Report:
    period: Period
    kabupaten_kode: str | None  # the one kabupaten shown; None: every one in scope
    total: Tally
    kabupaten: list[Tally]
    kim: list[Tally] | None  # for one kabupaten only
    weeks: list[Tally]
    overdue: list[Overdue]  # the oldest OVERDUE_SHOWN
    overdue_total: int


def _week_label(monday: date) -> str:
    return f"{monday.day} {BULAN_PENDEK[monday.month - 1]}"


def report(user: User, period: Period, kabupaten: str | None = None) -> Report:
    """The numbers of `period` in this user's scope, or of the one `kabupaten` (parse_kabupaten)."""

    per_kabupaten, per_week = _kept_numbers(user, period, kabupaten)
    late = overdue_complaints(user, shown=OVERDUE_SHOWN, kabupaten=kabupaten)

    total = Tally("", "Jumlah")
    by_kab: dict[str, Tally] = {}
    by_week = {monday: Tally(monday.isoformat(), _week_label(monday)) for monday in period.weeks()}
    for kab, diterima, disetujui, ditolak, *histogram in per_kabupaten:
        by_kab.setdefault(kab, Tally(kab, kab))
        for tally in (total, by_kab[kab]):
            tally.add_day(diterima, disetujui, ditolak, histogram)
    for day, diterima, disetujui, ditolak, *histogram in per_week:
        if isinstance(day, str):  # SQLite answers a day of an aggregate as text
            day = date.fromisoformat(day)
        by_week[monday(day)].add_day(diterima, disetujui, ditolak, histogram)
    for kab, n in late.per_kabupaten.items():  # as of now, whatever the period
        by_kab.setdefault(kab, Tally(kab, kab))
        for tally in (total, by_kab[kab]):
            tally.terlambat += n
    kab_names = dict(db.session.execute(
        select(Kabupaten.kode, Kabupaten.nama).where(Kabupaten.kode.in_(list(by_kab)))).all()) if by_kab else {}
    for kab, tally in by_kab.items():
        tally.nama = kab_names.get(kab, kab)

    return Report(
        period=period,
        kabupaten_kode=kabupaten,
        total=total,
        kabupaten=sorted(by_kab.values(), key=lambda t: t.nama),
        kim=None if kabupaten is None else _per_kim(kabupaten, period, late),
        weeks=list(by_week.values()),
        overdue=late.oldest,
        overdue_total=late.total,
    )


def _kept_numbers(user: User, period: Period, kabupaten: str | None) -> tuple[list, list]:
    """The period's kept numbers (TALLY_COUNTS) summed per kabupaten, and per day or week (a row's day is in its week):
    the whole weeks from `week_count`, the days before the first Monday and after the last Sunday from `day_count`.
    A kabupaten or week met in both parts comes twice; the caller adds them up."""
    first_monday = period.start + timedelta(days=-period.start.weekday() % 7)
    last_sunday = period.end - timedelta(days=(period.end.weekday() + 1) % 7)
    parts = []
    if (last_sunday - first_monday).days >= 6:
        whole = (WEEKS.c.senin >= first_monday, WEEKS.c.senin <= last_sunday - timedelta(days=6))
        parts.append((WEEKS, WEEKS.c.senin, whole))
        edges = [(period.start, first_monday - timedelta(days=1)), (last_sunday + timedelta(days=1), period.end)]
    else:
        edges = [(period.start, period.end)]
    edges = [(start, end) for start, end in edges if start <= end]
    if edges:
        parts.append((DAYS, DAYS.c.hari, (or_(*(DAYS.c.hari.between(start, end) for start, end in edges)),)))
    per_kabupaten, per_week = [], []
    for table, day, in_period in parts:
        conditions = (policy.moderation_scope(user, table.c.kabupaten_kode), *in_period,
                      *(() if kabupaten is None else (table.c.kabupaten_kode == kabupaten,)))
        sums = [func.sum(table.c[name]) for name in TALLY_COUNTS]
        per_kabupaten += db.session.execute(
            select(table.c.kabupaten_kode, *sums).where(*conditions).group_by(table.c.kabupaten_kode)).all()
        per_week += db.session.execute(select(day, *sums).where(*conditions).group_by(day)).all()
    return per_kabupaten, per_week


def _per_kim(kabupaten: str, period: Period, late: OverdueComplaints) -> list[Tally]:
    """One kabupaten's table per KIM group: arrivals and waits from its items of the period (their medians by the
    same histogram as the kept counts'), verdicts from `verdict_count`."""
    received = db.session.execute(
        select(Item.kim_id, Item.received_at, Item.decided_at).where(
            Item.kabupaten_kode == kabupaten, Item.kind.in_(kinds.MODERATED_KINDS),
            Item.received_at >= period.start_utc, Item.received_at < period.end_utc,
        )
    ).all()
    verdicts = db.session.execute(
        select(func.nullif(VerdictCount.kim_id, NO_KIM), VerdictCount.action, func.sum(VerdictCount.n))
        .where(VerdictCount.kabupaten_kode == kabupaten, VerdictCount.action.in_(DAY_COUNT_VERDICTS),
               VerdictCount.hari >= period.start, VerdictCount.hari <= period.end)
        .group_by(VerdictCount.kim_id, VerdictCount.action)
    ).all()
    by_kim: dict[int | None, Tally] = {}

    def row(kim: int | None) -> Tally:
        if kim not in by_kim:
            by_kim[kim] = Tally("" if kim is None else str(kim), "Tanpa KIM")
        return by_kim[kim]

    for kim, received_at, decided_at in received:
        tally = row(kim)
        tally.diterima += 1
        bucket = wait_bucket(received_at, decided_at)
        if bucket is not None:
            tally.histogram[bucket] += 1
    for kim, action, n in verdicts:
        if n:
            if action == APPROVE:
                row(kim).disetujui += n
            else:
                row(kim).ditolak += n
    for kim, n in (late.per_kim or {}).items():
        row(kim).terlambat += n
    kim_ids = [kim for kim in by_kim if kim is not None]
    names = dict(db.session.execute(select(KimGroup.id, KimGroup.nama).where(KimGroup.id.in_(kim_ids))).all()) \
        if kim_ids else {}
    for kim, tally in by_kim.items():
        tally.nama = names.get(kim, tally.nama)
    return sorted(by_kim.values(), key=lambda t: (-t.diterima, t.nama))


@dataclass
class OverdueComplaints:
    total: int
    per_kabupaten: dict[str, int]
    per_kim: dict[int | None, int] | None  # for one kabupaten only
    oldest: list[Overdue]  # the first OVERDUE_SHOWN, oldest first


def overdue_complaints(user: User, shown: int, now: datetime | None = None,
                       kabupaten: str | None = None) -> OverdueComplaints:
    """Complaints in this user's queue (of the one `kabupaten`, if given) still waiting for verification after their
    deadline (moderation/deadlines.py): counted per kabupaten (and per KIM group for one kabupaten), and the oldest
    listed. Only what the desk needs to find them: no complainant, no complaint text.

    Overdue is a matter of when a complaint was received: one moment splits them (`overdue_before`). For one
    kabupaten they are counted from its rows; for all of them, the days wholly before that moment are read from the
    kept counts (`day_count.aduan_menunggu`, the same condition kept as complaints move) and only the moment's own
    day from the rows — a nation's desks have 90,000 overdue complaints when they fall behind."""
    now = now or utcnow()
    before = overdue_before(now)
    waiting = (
        *in_queue(user),
        *(() if kabupaten is None else (Item.kabupaten_kode == kabupaten,)),
        Item.kind.in_(kinds.TRACKED_KINDS),
        Item.aduan_status == AduanStatus.DITERIMA,
    )
    per_kim = None
    if kabupaten is not None:
        per_kim = dict(db.session.execute(
            select(Item.kim_id, func.count()).where(*waiting, Item.received_at < before).group_by(Item.kim_id)).all())
        per_kabupaten = {kabupaten: sum(per_kim.values())} if per_kim else {}
    else:
        day = wita_day(before)
        day_start = datetime.combine(day, time(), WITA).astimezone(timezone.utc)
        kept = select(DAYS.c.kabupaten_kode, func.sum(DAYS.c.aduan_menunggu)).where(
            policy.moderation_scope(user, DAYS.c.kabupaten_kode), DAYS.c.aduan_menunggu != 0, DAYS.c.hari < day,
        ).group_by(DAYS.c.kabupaten_kode)
        today = select(Item.kabupaten_kode, func.count()).where(
            *waiting, Item.received_at >= day_start, Item.received_at < before).group_by(Item.kabupaten_kode)
        per_kabupaten = {}
        for query in (kept, today):
            for kab, n in db.session.execute(query):
                if n:
                    per_kabupaten[kab] = per_kabupaten.get(kab, 0) + n
    rows = db.session.execute(
        select(Item.id, Item.kabupaten_kode, Item.kim_id, Desa.nama, Kabupaten.nama, Item.received_at)
        .join(Desa, Desa.kode == Item.desa_kode)
        .join(Kabupaten, Kabupaten.kode == Item.kabupaten_kode)
        .where(*waiting, Item.received_at < before)
        .order_by(Item.received_at, Item.id)
        .limit(shown)
    ).all()
    oldest = [
        Overdue(item_id, kab, kim, desa, kabupaten_nama, received_at, working_seconds(received_at, now) / 86400)
        for item_id, kab, kim, desa, kabupaten_nama, received_at in rows
    ]
    return OverdueComplaints(sum(per_kabupaten.values()), per_kabupaten, per_kim, oldest)


def charts(data: Report) -> dict:
    labels = [week.nama for week in data.weeks]
    span = f"{data.period.start.isoformat()} sampai {data.period.end.isoformat()}"
    volumes = bar_chart(
        "grafik-volume",
        "Kiriman per minggu",
        f"Jumlah kiriman yang diterima, disetujui dan ditolak per minggu, {span}.",
        labels,
        [
            Series("diterima", "#0b6e4f", [w.diterima for w in data.weeks]),
            Series("disetujui", "#5aa469", [w.disetujui for w in data.weeks]),
            Series("ditolak", "#a3261b", [w.ditolak for w in data.weeks]),
        ],
        unit="",
    )
    waits = bar_chart(
        "grafik-waktu",
        "Waktu moderasi per minggu (median, jam)",
        f"Median jam dari kiriman diterima sampai keputusan pertama, per minggu kiriman diterima, {span}.",
        labels,
        [Series("median jam", "#1f5f8b", [w.median_jam for w in data.weeks])],
        unit="jam",
    )
    return {"volumes": volumes, "waits": waits}


def to_csv(data: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["bagian", "kode", "nama", "diterima", "disetujui", "ditolak", "median_jam_moderasi",
                     "aduan_terlambat"])
    sections = [("jumlah", [data.total]), ("kabupaten", data.kabupaten), ("kim", data.kim or []),
                ("minggu", data.weeks)]
    for section, tallies in sections:
        for t in tallies:
            late = "" if section == "minggu" else t.terlambat
            row = [section, t.kode, t.nama, t.diterima, t.disetujui, t.ditolak, t.median_jam, late]
            writer.writerow([csvtext.cell(cell) for cell in row])
    return out.getvalue()


@bp.route("/dasbor")
@policy.allowed_by(policy.can_moderate_at_all)
def dashboard():
    error = None
    try:
        period = parse_period(request.args)
    except PeriodError as problem:
        error, period = str(problem), default_period()
    try:
        kabupaten = parse_kabupaten(current_user, request.args)
    except PeriodError as problem:
        error, kabupaten = str(problem), None
    data = report(current_user, period, kabupaten)
    status = 200 if error is None else 422
    scope = policy.scope_label(current_user)
    if kabupaten is not None and policy.sees_every_kabupaten(current_user):
        scope = db.session.get(Kabupaten, kabupaten).nama
    return render_template(
        "moderation/dashboard.html", data=data, charts=charts(data), error=error, scope=scope,
        wide=policy.sees_every_kabupaten(current_user),
    ), status


@bp.route("/dasbor.csv")
@policy.allowed_by(policy.can_moderate_at_all)
def dashboard_csv():
    try:
        period = parse_period(request.args)
        kabupaten = parse_kabupaten(current_user, request.args)
    except PeriodError as problem:
        return Response(str(problem), status=422, mimetype="text/plain")
    body = to_csv(report(current_user, period, kabupaten))
    place = f"-{kabupaten}" if kabupaten and policy.sees_every_kabupaten(current_user) else ""
    name = f"dasbor-kim{place}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    # The byte-order mark makes spreadsheet programs read the names' accents as UTF-8.
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
