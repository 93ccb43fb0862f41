"""What the phone receives of a pengumuman in its pull (docs/sync-protocol.md, "Pengumuman from the Dinas")."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for

from kim_app.links import absolute_url_for
from kim_app.pengumuman.jenis import JENIS


class LampiranSchema(ma.Schema):
    id = ma.fields.Integer()
    jenis = ma.fields.String(metadata={"enum": ["foto", "pdf"]})
    nama = ma.fields.String(metadata={"description": "The file's name as uploaded"})
    size = ma.fields.Integer(metadata={"description": "Bytes of the file the url serves (a photo's display JPEG)"})
    url = ma.fields.Method("get_url", metadata={"type": "string", "description": "Same-origin path"})
    thumb_url = ma.fields.Method("get_thumb_url", metadata={"type": "string", "nullable": True})

    def get_url(self, lampiran) -> str:
        return url_for("pengumuman.lampiran", pengumuman_id=lampiran.pengumuman_id, lampiran_id=lampiran.id)

    def get_thumb_url(self, lampiran) -> str | None:
        if lampiran.thumb_key is None:
            return None
        return url_for("pengumuman.lampiran_kecil", pengumuman_id=lampiran.pengumuman_id, lampiran_id=lampiran.id)


class PengumumanSchema(ma.Schema):
    id = ma.fields.Integer()
    jenis = ma.fields.String(metadata={"enum": list(JENIS)})
    jenis_label = ma.fields.String(metadata={"description": "The jenis in Indonesian, as the app shows it"})
    judul = ma.fields.String()
    isi = ma.fields.String()
    rincian = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "The jenis' own fields: agenda `mulai` (ISO 8601, UTC) and `tempat`; klarifikasi "
                  "`klaim` and `fakta`"},
    )
    published_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "After this moment the phone deletes it; null: no expiry"}
    )
    updated_at = ma.fields.AwareDateTime()
    lampiran = ma.fields.List(ma.fields.Nested(LampiranSchema), metadata={"description": "Photos and PDF documents"})
    url = ma.fields.Method("get_url", metadata={"type": "string", "description": "Its public page, for sharing"})

    def get_url(self, pengumuman) -> str:
        return absolute_url_for("pengumuman.public_page", pengumuman_id=pengumuman.id)
