"""The registry of kinds: what a member can send, each kind's fields with their Indonesian labels and limits, which
fields are private, its categories, whether it is published, and how many photos it takes.

Everything that differs between kinds is read from here: the API's validation (kim_app/sync/schemas.py), the item's
CHECK constraints (kim_app/items/models.py), the capture forms and the JSON block of the app shell that the phone's
code reads (templates/app/shell.html, static/js/registry.js), the desk's item page, the portal and the feeds.
Adding a kind is one entry in KINDS plus its migration (docs/architecture.md, "Adding a kind").

A field whose name is a column of the item (judul, isi, uraian, lokasi, keterangan, pelapor_nama, pelapor_telepon) is
stored there; any other field of a kind is kept in the item's `rincian` (JSON), so a new kind needs no new column.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from kim_app.inputs import MAX_ID, BadInput, parse_day
from kim_app.items.statuses import (
    ADUAN_STATUS_LABELS,
    MOVES,
    STATUS_LABELS,
    TRACKED_STATUS_LABELS,
    Status,
    first_move,
)
from kim_app.timeutil import utcnow

MAX_PHOTOS = 5
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{5,18}$"
# A `date` field names a day that has happened (an activity, a dissemination): a few days ahead leave room for a
# phone's wrong clock and for the WITA/UTC difference, not for a typo of a year.
DATE_DAYS_AHEAD = 3
# A `number` field counts people: a village meeting, a WhatsApp group, a desa's whole population at most.
NUMBER_MAX = 1_000_000
_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    max_length: int
    required: bool = False
    # How the phone asks for it: "text" (one line), "textarea", "tel", "date" (a day, TTTT-BB-HH, checked to lie
    # between 2000-01-01 and a few days ahead) or "number" (a whole number in ASCII digits, `minimum`..`maximum`).
    # The value travels as text either way, as every field does.
    input: str = "text"
    rows: int = 3
    # The message when a required field is left empty, and for a pattern the text does not match.
    required_message: str | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    # The phone shows fields of one group together, under the group's legend (Kind.groups).
    group: str | None = None
    # Private: the complainant's name and number — moderators see them, the public and the portal's API never do.
    private: bool = False
    # A moderator may correct it before publishing (typos, the title).
    editable: bool = False
    # A "number" field's range.
    minimum: int = 0
    maximum: int = NUMBER_MAX
    # Filled in by the app, not typed: a hidden input on the phone (the pengumuman a dissemination reports on).
    hidden: bool = False
    # The id of what it names, checked when the item arrives (kim_app/sync/services.py, REFERENCES): "pengumuman".
    refers_to: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    form_title: str  # the capture form's heading on the phone
    save_label: str  # its button
    fields: tuple[Field, ...]
    kategori: tuple[tuple[str, str], ...]
    headline: str  # the field lists, titles and notifications show
    body: str | None = None  # the field the portal shows as the text
    public: bool = False  # published on the portal once approved
    tracked: bool = False  # a complaint: a tracking code and its own lifecycle (statuses.AduanStatus)
    min_photos: int = 0
    max_photos: int = MAX_PHOTOS
    # Where the photo picker goes among the fields: after the field of this name (None: after all of them).
    photos_after: str | None = None
    groups: dict[str, str] = field(default_factory=dict)
    rejection_reasons: tuple[str, ...] = ()
    photo_required_message: str = "Tambahkan paling sedikit satu foto."
    # What the category is called in the capture form (an activity's is its kind, a report's how it was spread).
    kategori_title: str = "Kategori"
    # Approved items of this kind are listed on their KIM's profile page.
    on_profile: bool = False
    # The capture form is in the app's list of forms; False: it is opened from elsewhere in the app (a dissemination
    # report, from the pengumuman it reports on).
    menu: bool = True

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def editable(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.editable)

    @property
    def kategori_labels(self) -> dict[str, str]:
        return dict(self.kategori)


KATEGORI_BERITA = (
    ("pemerintahan", "Pemerintahan Desa"),
    ("ekonomi", "Ekonomi & UMKM"),
    ("pertanian", "Pertanian, Peternakan & Perikanan"),
    ("kesehatan", "Kesehatan"),
    ("pendidikan", "Pendidikan"),
    ("budaya", "Seni, Budaya & Pariwisata"),
    ("lingkungan", "Lingkungan & Bencana"),
    ("sosial", "Sosial & Kemasyarakatan"),
    ("olahraga", "Olahraga & Kepemudaan"),
    ("lainnya", "Lainnya"),
)

KATEGORI_ADUAN = (
    ("infrastruktur", "Jalan, Jembatan & Infrastruktur"),
    ("air", "Air Bersih"),
    ("listrik", "Listrik & Penerangan"),
    ("kesehatan", "Layanan Kesehatan"),
    ("pendidikan", "Layanan Pendidikan"),
    ("adminduk", "KTP, KK & Administrasi"),
    ("bansos", "Bantuan Sosial"),
    ("keamanan", "Keamanan & Ketertiban"),
    ("lingkungan", "Lingkungan & Sampah"),
    ("lainnya", "Lainnya"),
)

ALASAN_TOLAK = (
    "Bukan berita / tidak sesuai kategori",
    "Foto tidak jelas",
    "Data pribadi terlihat",
    "Duplikat dari kiriman lain",
    "Mengandung SARA atau hoaks",
)
# A complaint's public status page shows only these presets as the reason (a free-text note may name people).
ALASAN_TOLAK_ADUAN = ("Bukan wewenang pemerintah daerah", "Aduan tidak lengkap")

JENIS_KEGIATAN = (
    ("pertemuan", "Pertemuan"),
    ("pelatihan", "Pelatihan"),
    ("sosialisasi", "Sosialisasi"),
    ("liputan", "Liputan"),
    ("lainnya", "Lainnya"),
)

CARA_DISEMINASI = (
    ("pertemuan_warga", "Pertemuan warga"),
    ("grup_whatsapp", "Grup WhatsApp"),
    ("papan_pengumuman", "Papan pengumuman"),
    ("mulut_ke_mulut", "Dari mulut ke mulut"),
    ("lainnya", "Lainnya"),
)

ALASAN_TOLAK_KEGIATAN = (
    "Bukan kegiatan KIM",
    "Foto tidak jelas",
    "Data pribadi terlihat",
    "Duplikat dari kiriman lain",
)

# The longest `keterangan` of any kind: a field shared by kinds has one limit (the API reads the first definition).
KETERANGAN_MAX = 2000

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="berita",
            label="Berita",
            form_title="Tulis berita",
            save_label="Simpan berita",
            fields=(
                Field("judul", "Judul", 200, required=True, required_message="Judul berita wajib diisi.",
                      editable=True),
                Field("isi", "Isi berita", 20000, required=True, input="textarea", rows=6,
                      required_message="Isi berita wajib diisi.", editable=True),
            ),
            kategori=KATEGORI_BERITA,
            headline="judul",
            body="isi",
            public=True,
            rejection_reasons=ALASAN_TOLAK,
            on_profile=True,
        ),
        Kind(
            name="aduan",
            label="Aduan",
            form_title="Catat aduan warga",
            save_label="Simpan aduan",
            fields=(
                Field("uraian", "Uraian aduan", 10000, required=True, input="textarea", rows=5,
                      required_message="Uraian aduan wajib diisi."),
                Field("lokasi", "Lokasi", 300, required=True,
                      required_message="Lokasi wajib diisi, misalnya nama dusun atau jalan."),
                Field("pelapor_nama", "Nama pelapor", 120, group="pelapor", private=True),
                Field("pelapor_telepon", "Nomor HP pelapor", 20, input="tel", group="pelapor", private=True,
                      pattern=PHONE_PATTERN, pattern_message="Nomor HP hanya boleh angka, contoh: 0812 3456 7890."),
            ),
            kategori=KATEGORI_ADUAN,
            headline="uraian",
            tracked=True,
            groups={"pelapor": "Warga yang mengadu (boleh kosong, hanya dilihat moderator)"},
            rejection_reasons=ALASAN_TOLAK_ADUAN,
        ),
        Kind(
            name="foto",
            label="Cerita foto",
            form_title="Kirim cerita foto",
            save_label="Simpan cerita foto",
            fields=(
                Field("keterangan", "Keterangan foto", 2000, required=True, input="textarea", rows=3,
                      required_message="Keterangan foto wajib diisi.", editable=True),
            ),
            # A photo story is news told in pictures: it takes the berita's categories.
            kategori=KATEGORI_BERITA,
            headline="keterangan",
            body="keterangan",
            public=True,
            min_photos=1,
            photos_after="kategori",
            rejection_reasons=ALASAN_TOLAK,
            photo_required_message="Cerita foto perlu paling sedikit satu foto.",
            on_profile=True,
        ),
        Kind(
            name="kegiatan",
            label="Kegiatan KIM",
            form_title="Catat kegiatan KIM",
            save_label="Simpan kegiatan",
            fields=(
                Field("tanggal", "Tanggal kegiatan", 10, required=True, input="date",
                      required_message="Tanggal kegiatan wajib diisi."),
                Field("keterangan", "Uraian kegiatan", KETERANGAN_MAX, required=True, input="textarea", rows=4,
                      required_message="Uraian kegiatan wajib diisi.", editable=True),
                Field("peserta", "Jumlah peserta (boleh kosong)", 7, input="number"),
            ),
            # The category of an activity is its kind: a meeting, a training …
            kategori=JENIS_KEGIATAN,
            kategori_title="Jenis kegiatan",
            headline="keterangan",
            body="keterangan",
            rejection_reasons=ALASAN_TOLAK_KEGIATAN,
            on_profile=True,
        ),
        Kind(
            name="diseminasi",
            label="Laporan penyebaran",
            form_title="Sudah disebarkan",
            save_label="Simpan laporan",
            fields=(
                Field("pengumuman", "Pengumuman", 10, required=True, input="number", minimum=1, maximum=MAX_ID,
                      hidden=True, refers_to="pengumuman",
                      required_message="Buka laporan ini dari pengumuman yang disebarkan."),
                Field("tanggal", "Tanggal disebarkan", 10, required=True, input="date",
                      required_message="Tanggal disebarkan wajib diisi."),
                Field("jangkauan", "Kira-kira berapa orang yang menerima", 7, required=True, input="number",
                      required_message="Tulis kira-kira berapa orang yang menerima."),
                Field("keterangan", "Catatan (boleh kosong)", KETERANGAN_MAX, input="textarea", rows=3),
            ),
            # The category of a report is how the pengumuman was passed on.
            kategori=CARA_DISEMINASI,
            kategori_title="Cara menyebarkan",
            headline="keterangan",
            max_photos=1,
            menu=False,
        ),
    )
}

# Every content field of every kind, in registry order, each once (a revision and the canonical hash use them).
CONTENT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f.name for kind in KINDS.values() for f in kind.fields))
PUBLIC_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.public)
KIND_LABELS: dict[str, str] = {name: kind.label for name, kind in KINDS.items()}
PROFILE_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.on_profile)
TRACKED_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.tracked)
# The kinds a moderator judges: their first move puts them into the queue (not a report, which is only recorded).
MODERATED_KINDS: tuple[str, ...] = tuple(name for name in KINDS if first_move(name).enters_queue)


def get(name: str) -> Kind | None:
    return KINDS.get(name)


def content_field(name: str) -> Field:
    """The first definition of a content field (the limits of a field shared by kinds are the same)."""
    return next(f for kind in KINDS.values() for f in kind.fields if f.name == name)


def kategori_label(kind: str, kode: str) -> str:
    found = KINDS.get(kind)
    return found.kategori_labels.get(kode, kode) if found else kode


def public_kategori() -> dict[str, str]:
    """The categories of the published kinds, for the portal's category pages."""
    return {kode: label for name in PUBLIC_KINDS for kode, label in KINDS[name].kategori}


def profile_kinds() -> tuple[str, ...]:
    """The kinds whose approved items a KIM's public profile lists (publish/, `/kim/<id>`): a kind says so with
    `on_profile`; without it, the kinds published on the portal."""
    return tuple(name for name, kind in KINDS.items() if getattr(kind, "on_profile", kind.public))


def errors_for(kind_name: str, values: dict, photos: list | None = None) -> dict[str, list[str]]:
    """What is wrong with the values of one item of this kind, as {field: [Indonesian message]}: required fields
    left empty, fields the kind does not take, an unknown category, too few photos (when `photos` is given; a
    revision keeps its photos and passes None)."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return {}
    errors: dict[str, list[str]] = {}
    for name in kind.required:
        if not values.get(name):
            errors[name] = ["Wajib diisi."]
    for name in CONTENT_FIELDS:
        if name not in kind.field_names and values.get(name) is not None:
            errors[name] = [f"Tidak dipakai untuk {kind_name}."]
    if values.get("kategori") and values["kategori"] not in kind.kategori_labels:
        errors["kategori"] = ["Kategori tidak dikenal."]
    for spec in kind.fields:
        value = values.get(spec.name)
        problem = _value_problem(spec, value) if isinstance(value, str) and value else None
        if problem:
            errors[spec.name] = [problem]
    if photos is not None:
        if len(photos) < kind.min_photos:
            errors["photos"] = [kind.photo_required_message]
        elif len(photos) > kind.max_photos:
            errors["photos"] = [f"Paling banyak {kind.max_photos} foto per item."]
    return errors


def _value_problem(spec: Field, value: str) -> str | None:
    """What is wrong with the text of a date or number field, in words; None when it is fine (or of another input)."""
    if spec.input == "date":
        latest = (utcnow() + timedelta(days=DATE_DAYS_AHEAD)).date()
        try:
            parse_day(value, label=spec.label, latest=latest)
        except BadInput as error:
            return error.detail
    # Digits only: no sign, no spaces, no "1.000" (a thousands dot would be read as one), no other script's digits.
    elif spec.input == "number" and (not _DIGITS.fullmatch(value) or not spec.minimum <= int(value) <= spec.maximum):
        return f"Harus angka bulat dari {_ribuan(spec.minimum)} sampai {_ribuan(spec.maximum)}, tanpa titik."
    return None


def _ribuan(number: int) -> str:
    """1000000 as Indonesians write it: 1.000.000."""
    return f"{number:,}".replace(",", ".")


def for_phone() -> dict:
    """What the phone's code reads of the registry (embedded in the app shell and the service worker): the kinds with
    their fields and labels, the statuses and the history's words. No rule lives only on the phone."""
    member_status = {**STATUS_LABELS, Status.MENUNGGU: "Terkirim (menunggu moderasi)"}
    return {
        "kinds": {
            kind.name: {
                "label": kind.label,
                "fields": ["kategori", *kind.field_names],
                "headline": kind.headline,
                "tracked": kind.tracked,
                "min_photos": kind.min_photos,
                "max_photos": kind.max_photos,
                "menu": kind.menu,
                "first_status": str(first_move(kind.name).reaches),
            }
            for kind in KINDS.values()
        },
        "statuses": {str(status): label for status, label in member_status.items()},
        # A complaint's approval is its verification: the status a move reaches reads as that move does for it.
        "statuses_tracked": {str(status): label for status, label in TRACKED_STATUS_LABELS.items()},
        "aduan_statuses": {str(status): label for status, label in ADUAN_STATUS_LABELS.items()},
        "actions": {name: move.label for name, move in MOVES.items()},
        "actions_tracked": {name: move.label_tracked for name, move in MOVES.items() if move.label_tracked},
    }


def field_label(name: str) -> str:
    """The Indonesian name of a content field, for pages that list changes and edits."""
    if name == "kategori":
        return "Kategori"
    return content_field(name).label if name in CONTENT_FIELDS else name.replace("_", " ")
