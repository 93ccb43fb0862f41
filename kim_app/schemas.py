"""What every schema of ours reads input with: Indonesian messages, text as a phone keyboard types it (in NFC, never
NUL or a lone surrogate: kim_app/inputs.py), whole numbers and moments within the bounds the database and the calendar
hold, and the refusal of fields nobody asked for."""
from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from marshmallow import validate

from kim_app import inputs

REQUIRED = {"required": "Wajib diisi.", "null": "Wajib diisi."}


class Teks(ma.fields.String):
    """Text from a phone keyboard: trimmed, and an empty box counts as not filled in."""

    default_error_messages = {**REQUIRED, "invalid": "Harus berupa teks.", "too_long": "Paling banyak {max} karakter."}

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            text = inputs.clean_text(super()._deserialize(value, attr, data, **kwargs)).strip()
        except inputs.InvalidText as error:
            raise ma.ValidationError(error.detail) from None
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text or None


class Bilangan(ma.fields.Integer):
    """A whole number as JSON writes it (no string, no float), between `minimum` and `maximum`: by default what a
    64-bit column holds, so no number can reach the database that it cannot store."""

    def __init__(self, *, minimum: int = 0, maximum: int = inputs.MAX_INT, **kwargs):
        kwargs.setdefault("validate", validate.Range(
            min=minimum, max=maximum, error=f"Harus bilangan bulat dari {minimum} sampai {maximum}."
        ))
        messages = {**REQUIRED, "invalid": "Harus berupa angka."}
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(strict=True, error_messages=messages, **kwargs)


class Waktu(ma.fields.AwareDateTime):
    """A moment in ISO 8601 (UTC when it names no offset) within the window of dates we take (inputs.in_window):
    year 1 or 9999 with an offset cannot even be turned into UTC."""

    default_error_messages = {**REQUIRED, "invalid": "Waktu harus dalam format ISO 8601."}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not inputs.in_window(moment):
            raise ma.ValidationError(inputs.window_message())
        return moment.astimezone(timezone.utc)


class Pattern(validate.Regexp):
    """A regular expression for an optional Teks field: an empty box (None) has nothing to match."""

    def __call__(self, value):
        return value if value is None else super().__call__(value)


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {"unknown": "Isian ini tidak dikenal.", "type": "Data harus berupa objek JSON."}
