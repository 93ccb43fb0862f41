"""What the phone receives of a pengumuman in its pull (docs/sync-protocol.md, "Pengumuman from the Dinas")."""
from __future__ import annotations

import marshmallow as ma

from kim_app.links import absolute_url_for
from kim_app.pengumuman.jenis import JENIS


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
    url = ma.fields.Method("get_url", metadata={"type": "string", "description": "Its public page, for sharing"})

    def get_url(self, pengumuman) -> str:
        return absolute_url_for("pengumuman.public_page", pengumuman_id=pengumuman.id)
