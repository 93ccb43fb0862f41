"""Coverage of a pengumuman: which of the KIM groups it reaches have reported spreading it, how, and to how many.

A report is an item of kind `diseminasi` (kim_app/items/kinds.py) that names the pengumuman in its `pengumuman` field,
recorded (`tercatat`) when it arrives. The KIM groups a pengumuman reaches are `services.targets_kim`. One query
gives the whole table — one row per KIM group reached, with its region names and its reports summed — so a province
of thousands of KIM groups costs one round trip, not one per group (benchmarks/coverage.py); the summary and the
list to follow up are counted from those rows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, cast, func, literal_column, select

from kim_app import csvtext
from kim_app.extensions import db
from kim_app.items.kinds import KINDS
from kim_app.items.models import Item
from kim_app.items.statuses import Status
from kim_app.pengumuman.models import Pengumuman
from kim_app.pengumuman.services import targets_kim
from kim_app.timeutil import format_wita
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan, KimGroup

REPORT_KIND = "diseminasi"


def cara_labels() -> dict[str, str]:
    return KINDS[REPORT_KIND].kategori_labels


def rincian_text(name: str):
    """A field of `rincian` as text, written the way migration 0019's index on PostgreSQL is, so the index serves
    the lookup (`->>` with a literal key; SQLite's json_extract otherwise)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Item.rincian.op("->>")(literal_column(f"'{name}'"))
    return func.json_extract(Item.rincian, f"$.{name}")


@dataclass
class KimRow:
    kim_id: int
    nama: str
    desa: str
    kecamatan: str
    kabupaten: str
    laporan: int = 0
    jangkauan: int = 0
    pertama: datetime | None = None
    cara: Counter = field(default_factory=Counter)

    @property
    def sudah(self) -> bool:
        return self.laporan > 0


@dataclass
class Coverage:
    pengumuman: Pengumuman
    rows: list[KimRow]

    @property
    def sasaran(self) -> int:
        return len(self.rows)

    @property
    def melapor(self) -> int:
        return sum(1 for row in self.rows if row.sudah)

    @property
    def persen(self) -> int:
        return round(100 * self.melapor / self.sasaran) if self.sasaran else 0

    @property
    def jangkauan(self) -> int:
        return sum(row.jangkauan for row in self.rows)

    @property
    def per_cara(self) -> list[tuple[str, int]]:
        """Reports per way of spreading, in the registry's order, with the ways nobody used left out."""
        total = Counter()
        for row in self.rows:
            total.update(row.cara)
        return [(label, total[kode]) for kode, label in cara_labels().items() if total[kode]]

    @property
    def belum(self) -> list[tuple[str, str, list[KimRow]]]:
        """The KIM groups still to report, per kabupaten and kecamatan: the list to follow up."""
        groups: dict[tuple[str, str], list[KimRow]] = {}
        for row in self.rows:
            if not row.sudah:
                groups.setdefault((row.kabupaten, row.kecamatan), []).append(row)
        return [(kab, kec, rows) for (kab, kec), rows in sorted(groups.items())]


def coverage(pengumuman: Pengumuman) -> Coverage:
    reached = targets_kim(pengumuman).subquery()
    reports = (
        select(
            Item.kim_id,
            Item.kategori,
            func.count().label("laporan"),
            func.coalesce(func.sum(cast(rincian_text("jangkauan"), Integer)), 0).label("jangkauan"),
            func.min(Item.received_at).label("pertama"),
        )
        .where(Item.kind == REPORT_KIND, Item.status == Status.TERCATAT,
               rincian_text("pengumuman") == str(pengumuman.id))
        .group_by(Item.kim_id, Item.kategori)
        .subquery()
    )
    query = (
        select(KimGroup.id, KimGroup.nama, Desa.nama, Kecamatan.nama, Kabupaten.nama,
               reports.c.kategori, reports.c.laporan, reports.c.jangkauan, reports.c.pertama)
        .join(Desa, Desa.kode == KimGroup.desa_kode)
        .join(Kecamatan, Kecamatan.kode == Desa.kecamatan_kode)
        .join(Kabupaten, Kabupaten.kode == Kecamatan.kabupaten_kode)
        .outerjoin(reports, reports.c.kim_id == KimGroup.id)
        .where(KimGroup.id.in_(select(reached.c.id)))
        .order_by(Kabupaten.nama, Kecamatan.nama, Desa.nama, KimGroup.nama, KimGroup.id)
    )
    rows: dict[int, KimRow] = {}
    for kim_id, nama, desa, kecamatan, kabupaten, cara, laporan, jangkauan, pertama in db.session.execute(query):
        row = rows.setdefault(kim_id, KimRow(kim_id, nama, desa, kecamatan, kabupaten))
        if laporan:
            row.laporan += laporan
            row.jangkauan += jangkauan or 0
            row.cara[cara] += laporan
            row.pertama = min(filter(None, (row.pertama, pertama)), default=None)
    return Coverage(pengumuman, list(rows.values()))


@dataclass
class KimRecord:
    """What a KIM group reported passing on, for its public profile: how many reports, the reach they state, and the
    latest ones with the pengumuman they name (its title shown only while it is public)."""

    laporan: int
    jangkauan: int
    terbaru: list[tuple[Pengumuman | None, str, str, int]]  # (pengumuman, how, day, reach)


def kim_record(kim_id: int, latest: int = 10) -> KimRecord:
    reports = (Item.kim_id == kim_id, Item.kind == REPORT_KIND, Item.status == Status.TERCATAT)
    count, reach = db.session.execute(
        select(func.count(), func.coalesce(func.sum(cast(rincian_text("jangkauan"), Integer)), 0)).where(*reports)
    ).one()
    rows = db.session.execute(
        select(Item.kategori, Item.rincian).where(*reports).order_by(Item.received_at.desc(), Item.id.desc())
        .limit(latest)).all()
    named = {int(rincian["pengumuman"]) for _, rincian in rows if (rincian or {}).get("pengumuman")}
    public = {p.id: p for p in db.session.scalars(select(Pengumuman).where(
        Pengumuman.id.in_(named), Pengumuman.status == "terbit"))} if named else {}
    labels = cara_labels()
    return KimRecord(count, reach, [
        (public.get(int((rincian or {}).get("pengumuman") or 0)), labels.get(kategori, kategori),
         (rincian or {}).get("tanggal", ""), int((rincian or {}).get("jangkauan") or 0))
        for kategori, rincian in rows
    ])


CSV_HEADER = ("Kabupaten/Kota", "Kecamatan", "Desa", "KIM", "Sudah melapor", "Jumlah laporan", "Cara",
              "Jangkauan (orang)", "Laporan pertama (WITA)")


def as_csv(found: Coverage) -> str:
    """One line per KIM group reached (kim_app/csvtext.py: `;`, UTF-8 with BOM)."""
    labels = cara_labels()
    return csvtext.table(CSV_HEADER, (
        (row.kabupaten, row.kecamatan, row.desa, row.nama, "ya" if row.sudah else "belum", row.laporan,
         ", ".join(f"{labels.get(kode, kode)} ({n})" for kode, n in sorted(row.cara.items())),
         row.jangkauan, format_wita(row.pertama) if row.pertama else "")
        for row in found.rows
    ))
