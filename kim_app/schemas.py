"""What every schema of ours reads input with: Indonesian messages, text as a phone keyboard types it, and the
refusal of fields nobody asked for."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

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


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "Isian ini tidak dikenal.", "type": "Data harus berupa objek JSON."}
