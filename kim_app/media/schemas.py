"""The wire format of photos: their state as the phone sees it, and the upload's header."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from marshmallow import validate

from kim_app.inputs import MAX_INT
from kim_app.items.statuses import PhotoState
from kim_app.links import absolute


class PhotoSchema(ma.Schema):
    id = ma.fields.UUID()
    position = ma.fields.Integer()
    size = ma.fields.Integer(metadata={"description": "Declared size in bytes"})
    received = ma.fields.Integer(metadata={"description": "Bytes the server holds; continue the upload from here"})
    state = ma.fields.String(metadata={"enum": [str(state) for state in PhotoState]})
    error = ma.fields.String(allow_none=True, metadata={"description": "Why the photo was refused (Indonesian)"})
    thumb_url = ma.fields.Method("get_thumb_url", metadata={"type": "string", "nullable": True})
    display_url = ma.fields.Method("get_display_url", metadata={"type": "string", "nullable": True})

    def get_thumb_url(self, photo):
        return media_url(photo, "thumb")

    def get_display_url(self, photo):
        return media_url(photo, "display")


def media_url(photo, variant: str, external: bool = False) -> str | None:
    if photo.state != PhotoState.SIAP:
        return None
    path = url_for("media.photo_file", photo_id=photo.id, variant=variant)
    return absolute(path) if external else path


class UploadHeadersSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    upload_offset = ma.fields.Integer(
        required=True,
        data_key="Upload-Offset",
        validate=validate.Range(min=0, max=MAX_INT, error=f"Harus angka dari 0 sampai {MAX_INT}."),
        error_messages={"required": "Wajib diisi.", "invalid": "Harus berupa angka."},
        metadata={"description": "Where these bytes start: the `received` of the last answer"},
    )
