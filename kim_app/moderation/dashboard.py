"""The Dinas desk's dashboard (/moderasi/dasbor) and its CSV export: how much arrived, what was decided, how long
deciding took, and which complaints have waited too long.

Counted from what cannot be rewritten: `received_at` of the items and the append-only audit log (`moderation_event`),
whose verdicts are kept counted per kabupaten, WITA day and KIM group as they are given (`verdict_count`,
kim_app/items/counts.py). "Approved" and "rejected" in a period are the verdicts given in it; "time to moderate"
runs from an item's arrival to its first verdict (approve, reject or ask for a revision). Aggregation is done in
Python over one period's rows: a province has thousands of items a year, not millions, and week buckets in WITA stay
the same on SQLite and PostgreSQL. Scope comes from accounts/policy.py: a moderator sees their kabupaten, an admin
all of them.
"""
from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from kim_app import csvtext, inputs
from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items.counts import NO_KIM
from kim_app.items.models import Item, VerdictCount
from kim_app.items.statuses import AduanStatus
from kim_app.moderation.charts import Series, bar_chart
from kim_app.moderation.deadlines import overdue_before, working_seconds
from kim_app.moderation.queue import in_queue
from kim_app.timeutil import BULAN, WITA, as_utc, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, KimGroup

bp = Blueprint("dashboard", __name__, url_prefix="/moderasi")

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


@dataclass
class Tally:
    """The numbers of one row: a kabupaten, a KIM group or a week."""

    kode: str
    nama: str
    diterima: int = 0
    disetujui: int = 0
    ditolak: int = 0
    terlambat: int = 0
    waits: list[float] = field(default_factory=list)  # hours from arrival to first verdict

    @property
    def median_jam(self) -> float | None:
        return round(statistics.median(self.waits), 1) if self.waits else None


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
    total: Tally
    kabupaten: list[Tally]
    kim: list[Tally]
    weeks: list[Tally]
    overdue: list[Overdue]  # the oldest OVERDUE_SHOWN
    overdue_total: int


def _week_label(monday: date) -> str:
    return f"{monday.day} {BULAN_PENDEK[monday.month - 1]}"


def report(user: User, period: Period) -> Report:
    scope = policy.moderation_scope(user, Item.kabupaten_kode)
    # What arrived for the desk to judge: a dissemination report is recorded, never judged, so it is not counted.
    # With each item the moment of its first verdict, which the item keeps (`decided_at`, the same moment as the
    # verdict's audit entry).
    received = db.session.execute(
        select(Item.kabupaten_kode, Item.kim_id, Item.received_at, Item.decided_at).where(
            scope, Item.kind.in_(kinds.MODERATED_KINDS), Item.received_at >= period.start_utc,
            Item.received_at < period.end_utc,
        )
    ).all()
    # The verdicts given in the period, kept counted per kabupaten, WITA day and KIM group as they are given
    # (kim_app/items/counts.py): the audit log itself would be read whole to find one kabupaten's.
    verdicts = db.session.execute(
        select(VerdictCount.kabupaten_kode, func.nullif(VerdictCount.kim_id, NO_KIM), VerdictCount.action,
               VerdictCount.hari, VerdictCount.n)
        .where(
            policy.moderation_scope(user, VerdictCount.kabupaten_kode),
            VerdictCount.action.in_((APPROVE, REJECT)),
            VerdictCount.hari >= period.start,
            VerdictCount.hari <= period.end,
            VerdictCount.n != 0,
        )
    ).all()
    late = overdue_complaints(user, shown=OVERDUE_SHOWN)

    # The names of the places the numbers are about, not of every kabupaten and KIM group of the nation.
    kab_codes = {row[0] for row in received} | {row[0] for row in verdicts} | {kab for kab, _ in late.per_place}
    kim_ids = {row[1] for row in received} | {row[1] for row in verdicts} | {kim for _, kim in late.per_place}
    kim_ids.discard(None)
    kab_names = dict(db.session.execute(
        select(Kabupaten.kode, Kabupaten.nama).where(Kabupaten.kode.in_(kab_codes))).all()) if kab_codes else {}
    kim_names = dict(db.session.execute(
        select(KimGroup.id, KimGroup.nama).where(KimGroup.id.in_(kim_ids))).all()) if kim_ids else {}
    total = Tally("", "Jumlah")
    by_kab: dict[str, Tally] = {}
    by_kim: dict[int | None, Tally] = {}
    by_week = {monday: Tally(monday.isoformat(), _week_label(monday)) for monday in period.weeks()}

    def rows_for(kab: str, kim: int | None) -> list[Tally]:
        if kab not in by_kab:
            by_kab[kab] = Tally(kab, kab_names.get(kab, kab))
        if kim not in by_kim:
            by_kim[kim] = Tally("" if kim is None else str(kim), kim_names.get(kim, "Tanpa KIM"))
        return [total, by_kab[kab], by_kim[kim]]

    def week_of(moment: datetime) -> Tally:
        return week_of_day(as_utc(moment).astimezone(WITA).date())

    def week_of_day(local: date) -> Tally:
        return by_week[local - timedelta(days=local.weekday())]

    for kab, kim, received_at, verdict_at in received:
        for tally in [*rows_for(kab, kim), week_of(received_at)]:
            tally.diterima += 1
            if verdict_at is not None:
                tally.waits.append((as_utc(verdict_at) - as_utc(received_at)).total_seconds() / 3600)
    for kab, kim, action, day, n in verdicts:
        for tally in [*rows_for(kab, kim), week_of_day(day)]:
            if action == APPROVE:
                tally.disetujui += n
            else:
                tally.ditolak += n
    for (kab, kim), n in late.per_place.items():  # as of now, whatever the period
        for tally in rows_for(kab, kim):
            tally.terlambat += n

    return Report(
        period=period,
        total=total,
        kabupaten=sorted(by_kab.values(), key=lambda t: t.nama),
        kim=sorted(by_kim.values(), key=lambda t: (-t.diterima, t.nama)),
        weeks=list(by_week.values()),
        overdue=late.oldest,
        overdue_total=late.total,
    )


@dataclass
class OverdueComplaints:
    total: int
    per_place: dict[tuple[str, int | None], int]  # (kabupaten, KIM group) → how many
    oldest: list[Overdue]  # the first OVERDUE_SHOWN, oldest first


def overdue_complaints(user: User, shown: int, now: datetime | None = None) -> OverdueComplaints:
    """Complaints in this user's queue still waiting for verification after their deadline (moderation/deadlines.py):
    counted per kabupaten and KIM group in the database, and the oldest listed. Only what the desk needs to find
    them: no complainant, no complaint text."""
    now = now or utcnow()
    waiting = (
        *in_queue(user),
        Item.kind.in_(kinds.TRACKED_KINDS),
        Item.aduan_status == AduanStatus.DITERIMA,
        # Overdue is a matter of when it was received: one moment splits them (`overdue_before`).
        Item.received_at < overdue_before(now),
    )
    per_place = {
        (kab, kim): n
        for kab, kim, n in db.session.execute(
            select(Item.kabupaten_kode, Item.kim_id, func.count()).where(*waiting)
            .group_by(Item.kabupaten_kode, Item.kim_id)
        )
    }
    rows = db.session.execute(
        select(Item.id, Item.kabupaten_kode, Item.kim_id, Desa.nama, Kabupaten.nama, Item.received_at)
        .join(Desa, Desa.kode == Item.desa_kode)
        .join(Kabupaten, Kabupaten.kode == Item.kabupaten_kode)
        .where(*waiting)
        .order_by(Item.received_at, Item.id)
        .limit(shown)
    ).all()
    oldest = [
        Overdue(item_id, kab, kim, desa, kabupaten, received_at, working_seconds(received_at, now) / 86400)
        for item_id, kab, kim, desa, kabupaten, received_at in rows
    ]
    return OverdueComplaints(sum(per_place.values()), per_place, oldest)


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
    sections = [("jumlah", [data.total]), ("kabupaten", data.kabupaten), ("kim", data.kim), ("minggu", data.weeks)]
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
    data = report(current_user, period)
    status = 200 if error is None else 422
    return render_template(
        "moderation/dashboard.html", data=data, charts=charts(data), error=error, scope=policy.scope_label(current_user)
    ), status


@bp.route("/dasbor.csv")
@policy.allowed_by(policy.can_moderate_at_all)
def dashboard_csv():
    try:
        period = parse_period(request.args)
    except PeriodError as problem:
        return Response(str(problem), status=422, mimetype="text/plain")
    body = to_csv(report(current_user, period))
    name = f"dasbor-kim-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    # The byte-order mark makes spreadsheet programs read the names' accents as UTF-8.
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
