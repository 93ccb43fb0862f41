"""The push API's bodies. A subscription is what the browser's PushSubscription.toJSON() gives, checked strictly:
unknown fields, a key that is not base64url of the right length, or a key that is not a P-256 point are refused."""
from __future__ import annotations

import marshmallow as ma
from cryptography.hazmat.primitives.asymmetric import ec

from kim_app.notifications.models import ENDPOINT_MAX
from kim_app.notifications.vapid import b64url, b64url_decode

P256DH_BYTES, AUTH_BYTES = 65, 16


def _decoded(value: str, size: int, what: str) -> bytes:
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise ma.ValidationError(f"{what} harus base64url.") from None
    if len(raw) != size:
        raise ma.ValidationError(f"{what} harus {size} byte (base64url).")
    return raw


class KeyField(ma.fields.String):
    """A key in base64url, stored and answered without padding."""

    def __init__(self, size: int, what: str, **kwargs):
        super().__init__(required=True, validate=ma.validate.Length(max=200), **kwargs)
        self.size, self.what = size, what

    def _deserialize(self, value, attr, data, **kwargs):
        raw = _decoded(super()._deserialize(value, attr, data, **kwargs), self.size, self.what)
        if self.size == P256DH_BYTES:
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            except ValueError:
                raise ma.ValidationError(f"{self.what} bukan kunci publik P-256.") from None
        return b64url(raw)


class PushKeysSchema(ma.Schema):
    p256dh = KeyField(P256DH_BYTES, "p256dh", metadata={"description": "The browser's P-256 public key, 65 bytes"})
    auth = KeyField(AUTH_BYTES, "auth", metadata={"description": "The browser's auth secret, 16 bytes"})


class PushSubscriptionSchema(ma.Schema):
    endpoint = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=ENDPOINT_MAX),
        metadata={"description": "The push service's URL for this browser (https; a known push service)"},
    )
    expirationTime = ma.fields.Float(  # noqa: N815 — the browser's own name
        allow_none=True, load_default=None, metadata={"description": "As the browser gives it; not used"}
    )
    keys = ma.fields.Nested(PushKeysSchema, required=True)


class PushDeviceSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "Use it to remove the subscription: DELETE …/subscriptions/{id}"})


class PushKeySchema(ma.Schema):
    public_key = ma.fields.String(
        metadata={"description": "The server's VAPID public key (base64url, 65 bytes): applicationServerKey"}
    )
