"""The registry of jenis pengumuman: each jenis' Indonesian label and its own fields (kept in `rincian`).

The fields reuse the item registry's `Field` (kim_app/items/kinds.py): the same name, label, limit and input type the
desk form draws and the service checks. A new jenis is one entry here plus the CHECK constraint `jenis_known` in a
migration.
"""
from __future__ import annotations

from dataclasses import dataclass

from kim_app.items.kinds import Field

JUDUL_MAX = 200
ISI_MAX = 10_000


@dataclass(frozen=True)
class Jenis:
    name: str
    label: str
    fields: tuple[Field, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


# `mulai` is typed on the desk in WITA ("datetime-local") and kept in rincian as an ISO 8601 moment in UTC.
JENIS = {
    "pengumuman": Jenis("pengumuman", "Pengumuman"),
    "agenda": Jenis("agenda", "Agenda", (
        Field("mulai", "Waktu mulai (WITA)", 16, required=True, input="datetime-local",
              required_message="Isi tanggal dan jam mulai agenda."),
        Field("tempat", "Tempat", 200, required=True, required_message="Isi tempat agenda."),
    )),
    "materi": Jenis("materi", "Materi diseminasi"),
    "klarifikasi": Jenis("klarifikasi", "Klarifikasi hoaks", (
        Field("klaim", "Klaim yang beredar", 2000, required=True, input="textarea",
              required_message="Tulis klaim hoaks yang beredar."),
        Field("fakta", "Faktanya", 5000, required=True, input="textarea", rows=5,
              required_message="Tulis fakta yang meluruskannya."),
    )),
}

STATUS_LABELS = {"draf": "Draf", "terbit": "Terbit", "ditarik": "Ditarik"}

TINGKAT_LABELS = {
    "provinsi": "Seluruh provinsi",
    "kabupaten": "Kabupaten/kota",
    "kecamatan": "Kecamatan",
    "desa": "Desa/kelurahan",
    "kim": "Kelompok KIM",
}


def label(jenis: str) -> str:
    spec = JENIS.get(jenis)
    return spec.label if spec else jenis
