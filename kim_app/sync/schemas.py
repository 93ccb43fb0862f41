"""The wire format of the member's API (docs/sync-protocol.md), with Indonesian validation messages."""
from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from flask import url_for
from marshmallow import validate

from kim_app.media.models import MAX_PHOTOS, MIMES
from kim_app.media.schemas import PhotoSchema
from kim_app.sync.kategori import KATEGORI
from kim_app.sync.models import ADUAN_STATUSES, KINDS, STATUSES

REQUIRED = {"required": "Wajib diisi.", "null": "Wajib diisi."}


class Teks(ma.fields.String):
    """Text from a phone keyboard: trimmed, and an empty box counts as not filled in."""

    default_error_messages = {**REQUIRED, "invalid": "Harus berupa teks.", "too_long": "Paling banyak {max} karakter."}

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text or None


class Pattern(validate.Regexp):
    """A regular expression for an optional Teks field: an empty box (None) has nothing to match."""

    def __call__(self, value):
        return value if value is None else super().__call__(value)


TELEPON = Pattern(r"^\+?[0-9][0-9 \-]{5,18}$", error="Nomor HP hanya angka, spasi atau tanda -.")


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "Isian ini tidak dikenal.", "type": "Data harus berupa objek JSON."}


# Which fields each kind needs, and which it may carry. One table, used by validation and the canonical hash.
KIND_FIELDS = {
    "berita": {"required": ("judul", "isi"), "optional": ()},
    "aduan": {"required": ("uraian", "lokasi"), "optional": ("pelapor_nama", "pelapor_telepon")},
    "foto": {"required": ("keterangan",), "optional": ()},
}
CONTENT_FIELDS = ("judul", "isi", "uraian", "lokasi", "pelapor_nama", "pelapor_telepon", "keterangan")
# The phone shrinks photos to a long edge of 1600 px (a few hundred kB); 8 MB leaves room for a PNG screenshot.
MAX_PHOTO_BYTES = 8 * 1024 * 1024


class PhotoDeclarationSchema(BaseSchema):
    id = ma.fields.UUID(
        required=True,
        error_messages={**REQUIRED, "invalid_uuid": "Harus UUID yang dibuat oleh HP."},
        metadata={"description": "Given by the phone; names the photo in the upload URLs"},
    )
    sha256 = ma.fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="Harus SHA-256 dalam 64 karakter heksadesimal."),
        error_messages=REQUIRED,
    )
    size = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=1, max=MAX_PHOTO_BYTES, error=f"Ukuran foto harus 1 byte sampai {MAX_PHOTO_BYTES // (1024 * 1024)} MB."
        ),
        error_messages={**REQUIRED, "invalid": "Harus berupa angka."},
        metadata={"description": "Bytes the phone will upload"},
    )
    mime = ma.fields.String(
        required=True,
        validate=validate.OneOf(MIMES, error="Jenis foto harus salah satu dari: {choices}."),
        error_messages=REQUIRED,
    )

    @ma.post_load
    def lowercase_hash(self, data, **kwargs):
        data["sha256"] = data["sha256"].lower()
        return data


class ItemCreateSchema(BaseSchema):
    uuid = ma.fields.UUID(
        required=True,
        error_messages={**REQUIRED, "invalid_uuid": "Harus UUID yang dibuat oleh HP."},
        metadata={"description": "Given by the phone when the item was first saved; the item's identity"},
    )
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(KINDS, error="Jenis harus salah satu dari: {choices}."),
        error_messages=REQUIRED,
    )
    author_id = ma.fields.Integer(
        required=True,
        strict=True,
        error_messages={**REQUIRED, "invalid": "Harus berupa angka."},
        metadata={"description": "The account that captured the item; must be the signed-in account"},
    )
    captured_at = ma.fields.AwareDateTime(
        required=True,
        default_timezone=timezone.utc,
        error_messages={**REQUIRED, "invalid": "Waktu harus dalam format ISO 8601."},
        metadata={"description": "When the member saved the item on the phone"},
    )
    desa_kode = Teks(
        load_default=None,
        allow_none=True,
        max_length=13,
        metadata={"description": "Kemendagri code of the desa; the member's own desa when omitted"},
    )
    kategori = Teks(required=True, max_length=32)
    judul = Teks(load_default=None, allow_none=True, max_length=200)
    isi = Teks(load_default=None, allow_none=True, max_length=20000)
    uraian = Teks(load_default=None, allow_none=True, max_length=10000)
    lokasi = Teks(load_default=None, allow_none=True, max_length=300)
    pelapor_nama = Teks(load_default=None, allow_none=True, max_length=120)
    pelapor_telepon = Teks(
        load_default=None,
        allow_none=True,
        max_length=20,
        validate=TELEPON,
    )
    keterangan = Teks(load_default=None, allow_none=True, max_length=2000)
    photos = ma.fields.List(
        ma.fields.Nested(PhotoDeclarationSchema),
        load_default=list,
        validate=validate.Length(max=MAX_PHOTOS, error=f"Paling banyak {MAX_PHOTOS} foto per item."),
        error_messages={"invalid": "Harus berupa daftar foto."},
        metadata={"description": "Photos declared now, uploaded afterwards through /api/v1/photos/{id}/content"},
    )

    @ma.validates_schema
    def check_kind_fields(self, data, **kwargs):
        errors = kind_errors(data.get("kind"), data)
        if errors:
            raise ma.ValidationError(errors)


def kind_errors(kind: str | None, data: dict, photos_declared: bool = True) -> dict[str, list[str]]:
    """The rules between fields that depend on the item's kind (KIND_FIELDS): for a create and a revision alike (a
    revision does not carry the photos, which stay as they were)."""
    if kind not in KIND_FIELDS:
        return {}
    errors: dict[str, list[str]] = {}
    spec = KIND_FIELDS[kind]
    for name in spec["required"]:
        if not data.get(name):
            errors[name] = ["Wajib diisi."]
    allowed = set(spec["required"]) | set(spec["optional"])
    for name in CONTENT_FIELDS:
        if name not in allowed and data.get(name) is not None:
            errors[name] = [f"Tidak dipakai untuk {kind}."]
    if data.get("kategori") and data["kategori"] not in KATEGORI[kind]:
        errors["kategori"] = ["Kategori tidak dikenal."]
    photos = data.get("photos") or []
    if kind == "foto" and not photos and photos_declared:
        errors["photos"] = ["Cerita foto perlu paling sedikit satu foto."]
    if len({photo["id"] for photo in photos}) != len(photos):
        errors["photos"] = ["Setiap foto perlu id sendiri."]
    return errors


class ItemRevisionSchema(BaseSchema):
    """A new revision of an item sent back with "perlu revisi": the kind's fields again; kind, desa and photos stay."""

    revision = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=2, error="Revisi harus 2 atau lebih."),
        error_messages={**REQUIRED, "invalid": "Harus berupa angka."},
        metadata={"description": "The server's revision + 1"},
    )
    author_id = ma.fields.Integer(
        required=True,
        strict=True,
        error_messages={**REQUIRED, "invalid": "Harus berupa angka."},
        metadata={"description": "The account that edited the item; must be the signed-in account"},
    )
    captured_at = ma.fields.AwareDateTime(
        required=True,
        default_timezone=timezone.utc,
        error_messages={**REQUIRED, "invalid": "Waktu harus dalam format ISO 8601."},
        metadata={"description": "When the member saved the edit on the phone"},
    )
    kategori = Teks(required=True, max_length=32)
    judul = Teks(load_default=None, allow_none=True, max_length=200)
    isi = Teks(load_default=None, allow_none=True, max_length=20000)
    uraian = Teks(load_default=None, allow_none=True, max_length=10000)
    lokasi = Teks(load_default=None, allow_none=True, max_length=300)
    pelapor_nama = Teks(load_default=None, allow_none=True, max_length=120)
    pelapor_telepon = Teks(
        load_default=None,
        allow_none=True,
        max_length=20,
        validate=TELEPON,
    )
    keterangan = Teks(load_default=None, allow_none=True, max_length=2000)


class HistorySchema(ma.Schema):
    """One move of the item, as the member sees it: never who made it (docs/sync-protocol.md, "History")."""

    at = ma.fields.AwareDateTime(attribute="created_at")
    action = ma.fields.String()
    status = ma.fields.String(attribute="to_status")
    revision = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)


class ItemSchema(ma.Schema):
    uuid = ma.fields.UUID(attribute="client_uuid")
    kind = ma.fields.String(metadata={"enum": list(KINDS)})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    revision = ma.fields.Integer()
    captured_at = ma.fields.AwareDateTime()
    received_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    desa_kode = ma.fields.String()
    kategori = ma.fields.String()
    judul = ma.fields.String(allow_none=True)
    isi = ma.fields.String(allow_none=True)
    uraian = ma.fields.String(allow_none=True)
    lokasi = ma.fields.String(allow_none=True)
    pelapor_nama = ma.fields.String(allow_none=True)
    pelapor_telepon = ma.fields.String(allow_none=True)
    keterangan = ma.fields.String(allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))
    moderator_note = ma.fields.String(
        allow_none=True, metadata={"description": "Reason of a rejection or note of a revision request"}
    )
    tracking_code = ma.fields.String(
        allow_none=True, metadata={"description": "A complaint's code for the public status check at /aduan/{kode}"}
    )
    aduan_status = ma.fields.String(
        allow_none=True,
        metadata={"enum": list(ADUAN_STATUSES), "description": "Where a complaint stands; null for other kinds"},
    )
    history = ma.fields.List(
        ma.fields.Nested(HistorySchema), attribute="events", metadata={"description": "The item's moves, oldest first"}
    )
    public_url = ma.fields.Method("get_public_url", metadata={"type": "string", "nullable": True})

    def get_public_url(self, item):
        return url_for("publish.berita", item_id=item.id) if item.is_public else None


class ItemListArgs(BaseSchema):
    since = ma.fields.String(
        load_default=None,
        metadata={"description": "The cursor from the previous pull; omit it to receive all of your items"},
    )


class ItemListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema))
    cursor = ma.fields.String(metadata={"description": "Opaque; send it as `since` on the next pull"})
