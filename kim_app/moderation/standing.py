"""A KIM group's standing for one month ("Peringkat KIM", for Monev KIM and KIMFest): what each group did, weighted
into a score, ranked per kabupaten or for the province (docs/standing.md).

Everything is counted from the append-only audit log (`moderation_event`, joined to its item for the group and the
kind), by the time of the event, in calendar months of WITA:

- berita, foto, kegiatan: items approved (`setujui`) in the month;
- aduan: complaints channelled — approved (`setujui`, which for a complaint *is* its verification) in the month.
  Counted in the month of the verification, not of the sending: counted by sending, a verification next month would
  change a month already reported;
- diseminasi: pengumuman the group reported disseminating (`lapor` on a `diseminasi` report) in the month, each
  pengumuman once per group however many of its members reported it;
- diseminasi_cepat: of those, the ones whose first report came within FAST_HOURS of the pengumuman's publication.

score = Σ weight × count, weights from the setting KIM_STANDING_WEIGHTS (kim_app/config.py). Because the log is
never rewritten and a KIM group only counts from the month it was registered in, any past month gives the same
table whenever it is computed. A page costs the same few queries whatever the number of groups: the groups, the
approvals grouped per group and kind, the month's dissemination reports (and, in `_dissemination_speed`, their
pengumuman's publication times).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from flask import current_app
from sqlalchemy import func, select

from kim_app import csvtext, inputs
from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent
from kim_app.pengumuman.models import Pengumuman
from kim_app.timeutil import BULAN, WITA, as_utc, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan, KimGroup

APPROVE, REPORT = "setujui", "lapor"
# The kinds whose approvals count, each its own component. `kegiatan` and `diseminasi` are counted by name: the
# query finds nothing until such items exist.
APPROVED_KINDS = ("berita", "foto", "kegiatan", "aduan")
DISSEMINATION_KIND = "diseminasi"
# A pengumuman passed on within three days of its publication counts once more: time for a village meeting or the
# next Sunday's announcements, not a week later.
FAST_HOURS = 72


@dataclass(frozen=True)
class Component:
    key: str  # the key of its weight in KIM_STANDING_WEIGHTS, and its CSV column
    label: str  # the table's header


COMPONENTS = (
    Component("berita", "Berita disetujui"),
    Component("foto", "Cerita foto disetujui"),
    Component("kegiatan", "Kegiatan disetujui"),
    Component("diseminasi", "Pengumuman disebarkan"),
    Component("diseminasi_cepat", f"Disebarkan ≤ {FAST_HOURS} jam"),
    Component("aduan", "Aduan disalurkan"),
)
COMPONENT_KEYS = tuple(component.key for component in COMPONENTS)


class StandingError(ValueError):
    """A month or an area a person asked for that we cannot show; the message says why, in Indonesian."""


@dataclass(frozen=True)
class Scope:
    kabupaten_kode: str | None  # None: the whole province
    nama: str

    @property
    def slug(self) -> str:
        return "provinsi" if self.kabupaten_kode is None else f"kab-{self.kabupaten_kode}"


@dataclass
class Row:
    kim_id: int
    nama: str
    desa: str
    kecamatan: str
    kabupaten: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COMPONENT_KEYS, 0))
    hours: list[float] = field(default_factory=list)  # publication → first report, per pengumuman
    skor: float = 0.0
    peringkat: int = 0

    @property
    def median_jam(self) -> float | None:
        return round(statistics.median(self.hours), 1) if self.hours else None


@dataclass(frozen=True)
class DisseminationReport:
    """A group's first report in the month on one pengumuman."""

    kim_id: int
    pengumuman_id: int | None
    reported_at: datetime  # the `lapor` event: when the server received it (a phone's clock can be set back)
    captured_at: datetime  # when the member saved it on the phone, offline perhaps


@dataclass
class Standing:
    month: date
    scope: Scope
    weights: dict[str, float]
    rows: list[Row]


# --- Months --------------------------------------------------------------------------------------------------------

def this_month(today: date | None = None) -> date:
    today = today or utcnow().astimezone(WITA).date()
    return today.replace(day=1)


def last_complete_month(today: date | None = None) -> date:
    first = this_month(today)
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The month in WITA as [start, end) in UTC."""
    start = datetime.combine(first, time(), WITA).astimezone(timezone.utc)
    end = datetime.combine(next_month(first), time(), WITA).astimezone(timezone.utc)
    return start, end


def month_label(first: date) -> str:
    return f"{BULAN[first.month - 1]} {first.year}"


def parse_month(value: str | None) -> date:
    """The month a page asks for (`bulan=TTTT-BB`); the last complete month when none is given."""
    try:
        first = inputs.parse_month(value)
    except inputs.BadInput as error:
        raise StandingError(error.detail) from None
    if first is None:
        return last_complete_month()
    if first > this_month():
        raise StandingError(f"Bulan {month_label(first)} belum tiba; pilih bulan ini atau bulan yang sudah lewat.")
    return first


def scope_named(kabupaten_kode: str | None) -> Scope:
    """The area by its code (None: the province), or StandingError for a code that names no kabupaten."""
    if kabupaten_kode is None:
        return Scope(None, "Seluruh provinsi")
    nama = db.session.scalar(select(Kabupaten.nama).where(Kabupaten.kode == kabupaten_kode))
    if nama is None:
        raise StandingError("Kabupaten/kota itu tidak dikenal; pilih dari daftar.")
    return Scope(kabupaten_kode, nama)


def kabupaten_choices() -> list[tuple[str, str]]:
    found = db.session.execute(select(Kabupaten.kode, Kabupaten.nama).order_by(Kabupaten.kode))
    return [(kode, nama) for kode, nama in found]


# --- The standing --------------------------------------------------------------------------------------------------

def weights() -> dict[str, float]:
    return dict(current_app.config["KIM_STANDING_WEIGHTS"])


def compute(month: date, scope: Scope, weights_: dict[str, float] | None = None) -> Standing:
    """Every KIM group of the area registered by the month's end, with its counts, score and rank — groups that did
    nothing included (Monev follows them up)."""
    weights_ = weights() if weights_ is None else weights_
    start, end = month_bounds(month)

    groups = (
        select(KimGroup.id, KimGroup.nama, Desa.nama, Kecamatan.nama, Kabupaten.nama)
        .join(Desa, Desa.kode == KimGroup.desa_kode)
        .join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)
        .join(Kabupaten, Kabupaten.kode == Kecamatan.kabupaten_kode)
        .where(KimGroup.created_at < end)
    )
    if scope.kabupaten_kode is not None:
        groups = groups.where(Kecamatan.kabupaten_kode == scope.kabupaten_kode)
    rows = {kim_id: Row(kim_id, nama, desa, kecamatan, kabupaten)
            for kim_id, nama, desa, kecamatan, kabupaten in db.session.execute(groups)}

    def events(action: str):
        # An item carries its kabupaten (that of its desa, inside its group's area), so the area is one indexed
        # condition on the item rather than a join back to the groups.
        found = (
            ItemEvent.action == action,
            ItemEvent.created_at >= start,
            ItemEvent.created_at < end,
            Item.kim_id.is_not(None),
        )
        if scope.kabupaten_kode is not None:
            found += (Item.kabupaten_kode == scope.kabupaten_kode,)
        return found

    approvals = (
        select(Item.kim_id, Item.kind, func.count(func.distinct(Item.id)))
        .select_from(ItemEvent)
        .join(Item, Item.id == ItemEvent.item_id)
        .where(*events(APPROVE), Item.kind.in_(APPROVED_KINDS))
        .group_by(Item.kim_id, Item.kind)
    )
    for kim_id, kind, count in db.session.execute(approvals):
        if kim_id in rows:
            rows[kim_id].counts[kind] = count

    for report, hours in _first_reports(events(REPORT)):
        row = rows.get(report.kim_id)
        if row is None:
            continue
        row.counts["diseminasi"] += 1
        if hours is not None:
            row.hours.append(hours)
            if hours <= FAST_HOURS:
                row.counts["diseminasi_cepat"] += 1

    for row in rows.values():
        row.skor = round(sum(weights_.get(key, 0) * row.counts[key] for key in COMPONENT_KEYS), 2)
    ranked = sorted(rows.values(), key=lambda row: (-row.skor, row.nama.casefold(), row.kim_id))
    for place, row in enumerate(ranked, start=1):
        row.peringkat = place
    return Standing(month, scope, weights_, ranked)


def _pengumuman_id(rincian: dict | None) -> int | None:
    value = (rincian or {}).get("pengumuman")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _first_reports(conditions) -> list[tuple[DisseminationReport, float | None]]:
    """The month's dissemination reports, one per group and pengumuman (the first), with the hours since the
    pengumuman's publication where known."""
    found = db.session.execute(
        select(Item.id, Item.kim_id, Item.rincian, Item.captured_at, ItemEvent.created_at)
        .select_from(ItemEvent)
        .join(Item, Item.id == ItemEvent.item_id)
        .where(*conditions, Item.kind == DISSEMINATION_KIND)
        .order_by(ItemEvent.created_at, ItemEvent.id)
    )
    first: dict[tuple, DisseminationReport] = {}
    for item_id, kim_id, rincian, captured_at, reported_at in found:
        pengumuman_id = _pengumuman_id(rincian)
        # A report naming no pengumuman (none should) is its own dissemination rather than lost.
        key = (kim_id, pengumuman_id) if pengumuman_id is not None else (kim_id, "item", item_id)
        first.setdefault(key, DisseminationReport(kim_id, pengumuman_id, reported_at, captured_at))
    reports = list(first.values())
    return list(zip(reports, _dissemination_speed(reports), strict=True))


def _dissemination_speed(reports: list[DisseminationReport]) -> list[float | None]:
    """Hours from each report's pengumuman's publication to the report's arrival, in the order given; None where the
    pengumuman is unknown. The arrival, not the phone's own clock, which can be set back; a report sent in after a few
    days without signal is slower for it, as the Dinas sees it. One query for all the pengumuman named."""
    named = {report.pengumuman_id for report in reports if report.pengumuman_id is not None}
    published = dict(db.session.execute(
        select(Pengumuman.id, Pengumuman.published_at).where(Pengumuman.id.in_(named))).all()) if named else {}
    hours = []
    for report in reports:
        moment = published.get(report.pengumuman_id)
        hours.append(None if moment is None else
                     max(0.0, (as_utc(report.reported_at) - as_utc(moment)).total_seconds() / 3600))
    return hours


# --- CSV -----------------------------------------------------------------------------------------------------------

def decimal_text(value: float | None) -> str:
    """12 or 12,5: the way Indonesian readers and an Indonesian spreadsheet write a number."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def to_csv(data: Standing) -> str:
    """The table as CSV for Excel in Indonesian (kim_app/csvtext.py: `;` between cells, UTF-8 with a byte-order mark,
    formulas written as text), decimals with a comma."""
    month = data.month.strftime("%Y-%m")
    return csvtext.table(
        ["bulan", "wilayah", "peringkat", "kim_id", "kim", "desa", "kecamatan", "kabupaten", *COMPONENT_KEYS,
         "median_jam_penyebaran", "skor"],
        ([month, data.scope.nama, row.peringkat, row.kim_id, row.nama, row.desa, row.kecamatan, row.kabupaten,
          *(row.counts[key] for key in COMPONENT_KEYS), decimal_text(row.median_jam), decimal_text(row.skor)]
         for row in data.rows),
    )


def csv_filename(data: Standing) -> str:
    return f"peringkat-kim-{data.month.strftime('%Y-%m')}-{data.scope.slug}.csv"
