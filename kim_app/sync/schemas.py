"""The wire format of the member's API (docs/sync-protocol.md), with Indonesian validation messages.

The content fields — their names, limits and patterns — come from the registry of kinds (kim_app/items/kinds.py); a
create and a revision share them (`ItemFieldsSchema`), and the answer (`ItemSchema`) carries them back.
"""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from marshmallow import validate

from kim_app.accounts import policy
from kim_app.inputs import MAX_ID
from kim_app.items import kinds, pelapor
from kim_app.items.models import COLUMN_FIELDS, PHOTO_MIMES
from kim_app.items.statuses import AduanStatus, Status
from kim_app.media.schemas import PhotoSchema
from kim_app.pengumuman.schemas import PengumumanSchema
from kim_app.schemas import REQUIRED, BaseSchema, Bilangan, Pattern, Teks, Waktu

# The phone shrinks photos to a long edge of 1600 px (a few hundred kB); 8 MB leaves room for a PNG screenshot.
MAX_PHOTO_BYTES = 8 * 1024 * 1024


def _content_fields() -> dict[str, ma.fields.Field]:
    """What a member writes, for every kind: each field optional here; which a kind needs is checked by
    `kinds.errors_for`, because it depends on the kind."""
    fields: dict[str, ma.fields.Field] = {
        "author_id": Bilangan(
            required=True,
            maximum=MAX_ID,
            metadata={"description": "The account that captured or edited the item; must be the signed-in account"},
        ),
        "captured_at": Waktu(
            required=True,
            metadata={"description": "When the member saved the item (or the edit) on the phone; from 2000-01-01 to "
                      "a year ahead (a phone's clock may be wrong). Stored as at most the time it was received."},
        ),
        "kategori": Teks(required=True, max_length=32),
    }
    for name in kinds.CONTENT_FIELDS:
        spec = kinds.content_field(name)
        check = Pattern(spec.pattern, error=spec.pattern_message) if spec.pattern else None
        fields[name] = Teks(load_default=None, allow_none=True, max_length=spec.max_length, validate=check,
                            metadata={"description": spec.label, **_documented_input(spec)})
    return fields


def _documented_input(spec: kinds.Field) -> dict:
    """What the OpenAPI document says of a date or number field. Its check lives in `kinds.errors_for` (the window of
    a date moves with the day; a number's range is the kind's), so the spec only describes it."""
    if spec.input == "date":
        return {"format": "date", "description": f"{spec.label}: TTTT-BB-HH, from 2000-01-01 to "
                f"{kinds.DATE_DAYS_AHEAD} days ahead"}
    if spec.input == "number":
        return {"pattern": "^[0-9]+$", "description": f"{spec.label}: a whole number in digits, as text "
                f"({spec.minimum} to {spec.maximum})"}
    return {}


ItemFieldsSchema = BaseSchema.from_dict(_content_fields(), name="ItemFieldsSchema")


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
    size = Bilangan(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_PHOTO_BYTES, error=f"Ukuran foto harus 1 byte sampai {MAX_PHOTO_BYTES // (1024 * 1024)} MB."
        ),
        metadata={"description": "Bytes the phone will upload"},
    )
    mime = ma.fields.String(
        required=True,
        validate=validate.OneOf(PHOTO_MIMES, error="Jenis foto harus salah satu dari: {choices}."),
        error_messages=REQUIRED,
    )

    @ma.post_load
    def lowercase_hash(self, data, **kwargs):
        data["sha256"] = data["sha256"].lower()
        return data


class ItemCreateSchema(ItemFieldsSchema):
    uuid = ma.fields.UUID(
        required=True,
        error_messages={**REQUIRED, "invalid_uuid": "Harus UUID yang dibuat oleh HP."},
        metadata={"description": "Given by the phone when the item was first saved; the item's identity"},
    )
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(list(kinds.KINDS), error="Jenis harus salah satu dari: {choices}."),
        error_messages=REQUIRED,
    )
    desa_kode = Teks(
        load_default=None,
        allow_none=True,
        max_length=13,
        metadata={"description": "Kemendagri code of the desa; the member's own desa when omitted"},
    )
    photos = ma.fields.List(
        ma.fields.Nested(PhotoDeclarationSchema),
        load_default=list,
        validate=validate.Length(max=kinds.MAX_PHOTOS, error=f"Paling banyak {kinds.MAX_PHOTOS} foto per item."),
        error_messages={"invalid": "Harus berupa daftar foto."},
        metadata={"description": "Photos declared now, uploaded afterwards through /api/v1/photos/{id}/content"},
    )

    @ma.validates_schema
    def check_kind_fields(self, data, **kwargs):
        photos = data.get("photos") or []
        errors = kinds.errors_for(data.get("kind"), data, photos)
        if len({photo["id"] for photo in photos}) != len(photos):
            errors["photos"] = ["Setiap foto perlu id sendiri."]
        if errors:
            raise ma.ValidationError(errors)


class ItemRevisionSchema(ItemFieldsSchema):
    """A new revision of an item sent back with "perlu revisi": the kind's fields again; kind, desa and photos stay."""

    revision = Bilangan(
        required=True,
        validate=validate.Range(min=2, max=MAX_ID, error=f"Revisi harus dari 2 sampai {MAX_ID}."),
        metadata={"description": "The server's revision + 1"},
    )


class HistorySchema(ma.Schema):
    """One move of the item, as the member sees it: never who made it (docs/sync-protocol.md, "History")."""

    at = ma.fields.AwareDateTime(attribute="created_at")
    action = ma.fields.String()
    status = ma.fields.String(attribute="to_status")
    revision = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)


def _answer_fields() -> dict[str, ma.fields.Field]:
    """The content fields in the answer, wherever the item keeps them (a column, or `rincian`)."""
    return {
        name: ma.fields.String(allow_none=True, attribute=name if name in COLUMN_FIELDS else f"rincian.{name}")
        for name in kinds.CONTENT_FIELDS
    }


class KabariSchema(ma.Schema):
    """"Kabari pelapor": the prepared message to the citizen who complained, and the links that open it."""

    pesan = ma.fields.String(metadata={"description": "Status in words, tracking code, public tracking link"})
    whatsapp = ma.fields.String(allow_none=True, metadata={"description": "https://wa.me/62…?text=…"})
    sms = ma.fields.String(allow_none=True, metadata={"description": "sms:+62…?body=…"})
    alasan = ma.fields.String(
        allow_none=True, metadata={"description": "Why there are no links (no number, or one that cannot be used)"}
    )


class KabariField(ma.fields.Nested):
    """Computed from the item, for whoever may see the complainant's number (policy.can_contact_pelapor)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return pelapor.kabari(obj) if policy.can_contact_pelapor(current_user, obj) else None


class ItemSchema(ma.Schema.from_dict(_answer_fields(), name="ItemContentSchema")):
    uuid = ma.fields.UUID(attribute="client_uuid")
    kind = ma.fields.String(metadata={"enum": list(kinds.KINDS)})
    status = ma.fields.String(metadata={"enum": [str(status) for status in Status]})
    revision = ma.fields.Integer()
    captured_at = ma.fields.AwareDateTime()
    received_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    desa_kode = ma.fields.String()
    kategori = ma.fields.String()
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))
    moderator_note = ma.fields.String(
        allow_none=True, metadata={"description": "Reason of a rejection or note of a revision request"}
    )
    tracking_code = ma.fields.String(
        allow_none=True, metadata={"description": "A complaint's code for the public status check at /aduan/{kode}"}
    )
    aduan_status = ma.fields.String(
        allow_none=True,
        metadata={"enum": [str(status) for status in AduanStatus],
                  "description": "Where a complaint stands; null for other kinds"},
    )
    history = ma.fields.List(
        ma.fields.Nested(HistorySchema), attribute="events", metadata={"description": "The item's moves, oldest first"}
    )
    public_url = ma.fields.Method("get_public_url", metadata={"type": "string", "nullable": True})
    kabari_pelapor = KabariField(
        KabariSchema, allow_none=True,
        metadata={"description": "A complaint with its tracking code: the message for its complainant; else null"},
    )

    def get_public_url(self, item):
        return url_for("publish.berita", item_id=item.id) if item.is_public else None


class ItemListArgs(BaseSchema):
    since = ma.fields.String(
        load_default=None,
        metadata={"description": "The cursor from the previous pull; omit it to receive all of your items"},
    )


class PengumumanPullMixin(ma.Schema):
    """What a pull and a batch's answer carry of the Dinas' pengumuman (docs/sync-protocol.md, "Pengumuman from the
    Dinas"); each key is left out when its list is empty."""

    pengumuman = ma.fields.List(
        ma.fields.Nested(PengumumanSchema),
        metadata={"description": "Published, unexpired pengumuman targeted at your KIM group that changed since "
                  "`since` (all of them without it); absent when none"},
    )
    pengumuman_gone = ma.fields.List(
        ma.fields.Integer(),
        metadata={"description": "Ids of pengumuman withdrawn or expired since `since`: delete them from the phone; "
                  "absent when none"},
    )


class ItemListSchema(PengumumanPullMixin):
    account_id = ma.fields.Integer(metadata={
        "description": "The account this answer is for: a phone that pulls without asking /api/v1/me first applies "
                       "the answer only when it names the member it has"})
    items = ma.fields.List(ma.fields.Nested(ItemSchema))
    cursor = ma.fields.String(metadata={"description": "Opaque; send it as `since` on the next pull"})


# A batch is bounded so that one request stays small enough to get through a 2G cell in a few seconds, and its one
# transaction short (docs/sync-protocol.md, "Sending many items at once").
BATCH_MAX_ITEMS = 50
BATCH_MAX_BYTES = 256 * 1024


class ItemBatchSchema(BaseSchema):
    items = ma.fields.List(
        # Each item is read on its own with ItemCreateSchema (kim_app/sync/services.py, `receive_batch`), so that
        # a bad item is that item's answer, not the whole batch's.
        ma.fields.Raw(metadata={"type": "object"}),
        required=True,
        validate=validate.Length(
            min=1, max=BATCH_MAX_ITEMS, error=f"Satu kiriman berisi 1 sampai {BATCH_MAX_ITEMS} item."
        ),
        error_messages={**REQUIRED, "invalid": "Harus berupa daftar item."},
        metadata={"description": f"Up to {BATCH_MAX_ITEMS} create bodies (as for POST /api/v1/items), "
                  f"{BATCH_MAX_BYTES // 1024} KB in all"},
    )
    since = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The phone's pull cursor: the answer carries the member's changes since it"},
    )


class ItemResultSchema(ma.Schema):
    uuid = ma.fields.String(allow_none=True, metadata={"description": "The item's UUID as sent (null if unreadable)"})
    status = ma.fields.Integer(
        metadata={"description": "What POST /api/v1/items would have answered for this item alone: 201 created, "
                  "200 same, 409 conflict / photo-conflict, 403 wrong-author, 422 invalid"}
    )
    item = ma.fields.Nested(ItemSchema, metadata={"description": "The stored item, for 200 and 201"})
    problem = ma.fields.Dict(metadata={"description": "The problem document, for every other status"})

    @ma.post_dump
    def leave_out_empty(self, data, **kwargs):
        # Each result carries either the item or the problem: no null of the other on a 2G answer.
        return {key: value for key, value in data.items() if value is not None or key == "uuid"}


class ItemBatchAnswerSchema(PengumumanPullMixin):
    results = ma.fields.List(ma.fields.Nested(ItemResultSchema), metadata={"description": "One per item, in order"})
    changes = ma.fields.List(
        ma.fields.Nested(ItemSchema),
        metadata={"description": "Your other items changed since `since` (the items of this batch are in results)"},
    )
    cursor = ma.fields.String(metadata={"description": "Opaque; send it as `since` on the next pull or batch"})
