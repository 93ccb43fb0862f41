"""The desk's pengumuman form, read from the posted fields into plain values (no database here).

Text comes through `inputs.clean_text` already (the request's form is `inputs.CleanParams`); this module trims it,
keeps each field to its limit and turns the WITA date-times and the expiry date into UTC moments. Every refusal is
`Invalid` with a sentence saying what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from kim_app import inputs
from kim_app.errors import Invalid
from kim_app.pengumuman.jenis import ISI_MAX, JENIS, JUDUL_MAX
from kim_app.timeutil import WITA

AREA_TINGKAT = ("kabupaten", "kecamatan", "desa")


@dataclass
class Draft:
    """What the form says; `errors` are the problems found, the first of them shown above the form."""

    jenis: str = "pengumuman"
    judul: str = ""
    isi: str = ""
    rincian: dict = field(default_factory=dict)
    # The raw text of each jenis field, to show the form again as it was typed.
    typed: dict = field(default_factory=dict)
    provinsi: bool = False
    areas: dict = field(default_factory=dict)  # tingkat -> [kode, …]
    kim_ids: list = field(default_factory=list)
    expires_day: str = ""
    expires_at: datetime | None = None

    @property
    def has_targets(self) -> bool:
        return self.provinsi or any(self.areas.values()) or bool(self.kim_ids)


def _text(form, name: str, label: str, limit: int) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise Invalid(f"{label} paling banyak {limit} karakter.")
    return value


def wita_moment(value: str, label: str) -> datetime:
    """A date-time typed in WITA ("2026-12-10T09:00") as an aware UTC moment."""
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{label} harus berupa tanggal dan jam, misalnya 2026-12-10T09:00.") from None
    moment = local.replace(tzinfo=WITA) if local.tzinfo is None else local
    if not inputs.in_window(moment):
        raise Invalid(f"{label}: {inputs.window_message()}")
    return moment.astimezone(timezone.utc)


def end_of_day_wita(day) -> datetime:
    """An expiry date means "until the end of that day" where the reader lives: midnight after it, in WITA."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=WITA)


def read(form, draft: Draft | None = None) -> Draft:
    """The posted form as a Draft, or Invalid for the first field that cannot be read. The given `draft` is filled
    in as far as the form could be read, so a refused form is shown again as it was typed."""
    draft = draft if draft is not None else Draft()
    draft.jenis = form.get("jenis") or "pengumuman"
    if draft.jenis not in JENIS:
        raise Invalid("Pilih jenis pengumuman dari daftar.")
    draft.judul = _text(form, "judul", "Judul", JUDUL_MAX)
    draft.isi = _text(form, "isi", "Isi", ISI_MAX)
    for spec in JENIS[draft.jenis].fields:
        value = _text(form, spec.name, spec.label, spec.max_length)
        draft.typed[spec.name] = value
        if not value:
            continue
        if spec.input == "datetime-local":
            draft.rincian[spec.name] = wita_moment(value, spec.label).isoformat()
        else:
            draft.rincian[spec.name] = value
    draft.provinsi = form.get("provinsi") == "1"
    for tingkat in AREA_TINGKAT:
        draft.areas[tingkat] = sorted({kode.strip() for kode in form.getlist(tingkat) if kode.strip()})
    draft.kim_ids = sorted({inputs.parse_int(value, label="KIM yang dipilih", minimum=1, maximum=inputs.MAX_ID)
                            for value in form.getlist("kim") if value.strip()})
    draft.expires_day = (form.get("kedaluwarsa") or "").strip()
    try:
        day = inputs.parse_day(draft.expires_day, label="Tanggal kedaluwarsa")
    except inputs.BadInput as error:
        raise Invalid(error.detail) from None
    draft.expires_at = end_of_day_wita(day) if day else None
    return draft


def missing(draft: Draft) -> list[str]:
    """What a pengumuman must have before it is published (a draf may still lack it)."""
    problems = []
    if not draft.judul:
        problems.append("Isi judul pengumuman.")
    if not draft.isi:
        problems.append("Isi teks pengumuman.")
    for spec in JENIS[draft.jenis].fields:
        if spec.required and not draft.rincian.get(spec.name):
            problems.append(spec.required_message or f"Isi {spec.label}.")
    if not draft.has_targets:
        problems.append("Pilih paling sedikit satu sasaran: provinsi, kabupaten, kecamatan, desa atau KIM.")
    return problems
