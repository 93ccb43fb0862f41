"""Loading the official Kemendagri region codes, and KIM groups."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from kim_app.errors import Invalid
from kim_app.extensions import db
from kim_app.wilayah.models import (
    CAKUPAN,
    CAKUPAN_DESA,
    CAKUPAN_KECAMATAN,
    Desa,
    Kabupaten,
    Kecamatan,
    KimGroup,
    Provinsi,
)

SHIPPED_DATA = Path(__file__).parent / "data"
BATCH = 2000

# file, model, column holding the parent code (None for provinces)
LEVELS = (
    ("provinces.csv", Provinsi, None, "provinsi_kode"),
    ("regencies.csv", Kabupaten, "province_code", "provinsi_kode"),
    ("districts.csv", Kecamatan, "regency_code", "kabupaten_kode"),
    ("villages.csv", Desa, "district_code", "kecamatan_kode"),
)


def resolve_source(source: str, shared_dir: Path | None = None) -> tuple[Path, str | None]:
    """A folder of the four CSV files, or a province code (served from the shipped rows, else the national set)."""
    path = Path(source)
    if path.is_dir():
        return path, None
    if re.fullmatch(r"\d{2}", source):
        with open(SHIPPED_DATA / "provinces.csv", newline="") as handle:
            if any(row["code"] == source for row in csv.DictReader(handle)):
                return SHIPPED_DATA, source
        if shared_dir is not None and (shared_dir / "provinces.csv").exists():
            return shared_dir, source
        raise Invalid(f"Data provinsi {source} tidak ada di sini; beri folder berisi CSV wilayah lengkap.")
    raise Invalid(f"{source!r} bukan folder data wilayah maupun kode provinsi (dua angka, mis. 53).")


def _upsert(model, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(rows)
    key = model.__table__.primary_key.columns.keys()
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    db.session.execute(stmt.on_conflict_do_update(index_elements=key, set_=updates))


def import_wilayah(folder: Path, provinsi_kode: str | None = None) -> dict[str, int]:
    """Insert or update every level from the CSV files; safe to run again. Returns the rows read per level."""
    counts = {}
    prefix = None if provinsi_kode is None else provinsi_kode
    for filename, model, parent_column, parent_field in LEVELS:
        path = folder / filename
        if not path.exists():
            raise Invalid(f"Berkas {path} tidak ada.")
        batch: list[dict] = []
        count = 0
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                code = row["code"].strip()
                if prefix and not (code == prefix or code.startswith(prefix + ".")):
                    continue
                record = {"kode": code, "nama": row["name"].strip()}
                if parent_column:
                    record[parent_field] = row[parent_column].strip()
                batch.append(record)
                count += 1
                if len(batch) >= BATCH:
                    _upsert(model, batch)
                    batch = []
        _upsert(model, batch)
        counts[model.__tablename__] = count
    return counts


def ensure_kim_group(nama: str, desa_kode: str, cakupan: str = CAKUPAN_DESA) -> KimGroup:
    """The KIM group of this name seated in this desa, registered if new. `cakupan`: the area it reports from, its
    desa or (a KIM formed at the kecamatan) every desa of the desa's kecamatan."""
    if cakupan not in CAKUPAN:
        raise Invalid("Cakupan KIM harus 'desa' atau 'kecamatan'.")
    group = db.session.scalar(select(KimGroup).where(KimGroup.nama == nama, KimGroup.desa_kode == desa_kode))
    if group is None:
        if db.session.get(Desa, desa_kode) is None:
            raise Invalid(f"Desa {desa_kode} belum dimuat; jalankan import-wilayah dahulu.")
        group = KimGroup(nama=nama, desa_kode=desa_kode, cakupan=cakupan)
        db.session.add(group)
        db.session.flush()
    return group


def desa_of_area(group: KimGroup | None) -> list[Desa]:
    """The desa a KIM group's members may file items into, its own desa first (the phone's default choice)."""
    if group is None:
        return []
    if group.cakupan != CAKUPAN_KECAMATAN:
        return [group.desa]
    others = db.session.scalars(
        select(Desa).where(Desa.kecamatan_kode == group.desa.kecamatan_kode, Desa.kode != group.desa_kode)
        .order_by(Desa.nama)
    )
    return [group.desa, *others]
