"""The wire format of published news for the member's app to keep for offline reading (docs/sync-protocol.md,
"Berita for offline reading"). What a public page shows and nothing more: no author account, no complainant."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from kim_app.items import kinds
from kim_app.links import absolute_url_for
from kim_app.media.schemas import media_url

MAX_LIMIT = 50


class AreaArgs(ma.Schema):
    """Other query parameters are ignored (webargs' default for the query string): links shared around carry
    tracking parameters, and a cache-buster must not turn into an error."""

    kabupaten = ma.fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{2}\.\d{2}$", error="Kode kabupaten/kota seperti 53.04."),
        metadata={"description": "Kemendagri code of a kabupaten/kota, e.g. 53.04"},
    )
    desa = ma.fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$", error="Kode desa seperti 53.04.05.2006."),
        metadata={"description": "Kemendagri code of a desa, e.g. 53.04.05.2006"},
    )


class BeritaArgs(AreaArgs):
    limit = ma.fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_LIMIT, error=f"Antara 1 dan {MAX_LIMIT}."),
        error_messages={"invalid": "Harus berupa angka."},
        metadata={"description": "How many of the newest items"},
    )


class DaerahArgs(AreaArgs):
    """Both areas of a member's app in one request; each list as `GET /api/v1/berita` gives it alone."""

    desa_limit = ma.fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=MAX_LIMIT, error=f"Antara 1 dan {MAX_LIMIT}."),
        error_messages={"invalid": "Harus berupa angka."},
        metadata={"description": "How many of the desa's newest items"},
    )
    kabupaten_limit = ma.fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_LIMIT, error=f"Antara 1 dan {MAX_LIMIT}."),
        error_messages={"invalid": "Harus berupa angka."},
        metadata={"description": "How many of the kabupaten's newest items"},
    )


class WilayahSchema(ma.Schema):
    kode = ma.fields.String()
    nama = ma.fields.String()


class PublicPhotoSchema(ma.Schema):
    thumb_url = ma.fields.Method("get_thumb_url", metadata={"type": "string", "description": "≤ 320 px, JPEG"})
    display_url = ma.fields.Method("get_display_url", metadata={"type": "string", "description": "≤ 1280 px, JPEG"})
    width = ma.fields.Integer(metadata={"description": "Of the display size"})
    height = ma.fields.Integer()

    def get_thumb_url(self, photo):
        return media_url(photo, "thumb")

    def get_display_url(self, photo):
        return media_url(photo, "display")


class BeritaSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "Stable; the public page is /berita/{id}"})
    kind = ma.fields.String(metadata={"enum": list(kinds.PUBLIC_KINDS)})
    judul = ma.fields.String(attribute="headline", metadata={"description": "The title, or a photo story's caption"})
    isi = ma.fields.Method("get_isi", metadata={"type": "string", "description": "The text, or the caption"})
    kategori = ma.fields.String()
    kategori_label = ma.fields.Method("get_kategori_label", metadata={"type": "string"})
    published_at = ma.fields.AwareDateTime()
    url = ma.fields.Method("get_url", metadata={"type": "string", "description": "The public page, absolute"})
    kim = ma.fields.Method("get_kim", metadata={"type": ["string", "null"], "description": "The KIM group's name"})
    desa = ma.fields.Nested(WilayahSchema)
    kecamatan = ma.fields.Nested(WilayahSchema, attribute="desa.kecamatan")
    kabupaten = ma.fields.Nested(WilayahSchema)
    photos = ma.fields.List(ma.fields.Nested(PublicPhotoSchema))

    def get_isi(self, item):
        return item.body

    def get_kategori_label(self, item):
        return kinds.kategori_label(item.kind, item.kategori)

    def get_url(self, item):
        return absolute_url_for("publish.berita", item_id=item.id)

    def get_kim(self, item):
        return item.kim.nama if item.kim else None


class BeritaListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BeritaSchema), metadata={"description": "Newest first"})


class DaerahSchema(ma.Schema):
    desa = ma.fields.Nested(BeritaListSchema, allow_none=True,
                            metadata={"description": "The desa's newest; null when no desa was asked for"})
    kabupaten = ma.fields.Nested(BeritaListSchema, allow_none=True,
                                 metadata={"description": "The kabupaten's newest; null when none was asked for"})
