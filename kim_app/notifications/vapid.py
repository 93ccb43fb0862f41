"""The server's VAPID key pair (RFC 8292): a P-256 key that signs every push request, whose public half the phone
hands to its browser when it subscribes, so that only this server can push to that subscription.

Both halves travel as base64url without padding, as browsers and push services use them: the private key as its raw
32-byte scalar, the public key as the 65-byte uncompressed point. Only `cryptography` here, so that the settings
(kim_app/config.py) can make and check keys before anything else of the app is loaded.

`python -m kim_app.notifications.vapid` prints a new pair in the form docs/deploy.md asks for.
"""
from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class VapidKeyError(ValueError):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Strict base64url, with or without padding; anything else raises ValueError."""
    if not isinstance(text, str) or any(c not in _ALPHABET for c in text.rstrip("=")):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def generate_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def load_private_key(private_key: str) -> ec.EllipticCurvePrivateKey:
    try:
        raw = b64url_decode(private_key.strip())
        if len(raw) != 32:
            raise ValueError("a VAPID private key is 32 bytes")
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as error:
        raise VapidKeyError(f"VAPID_PRIVATE_KEY is not a P-256 private key in base64url ({error})") from error


def public_key_for(private_key: str) -> str:
    public = load_private_key(private_key).public_key()
    return b64url(public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def check_pair(public_key: str, private_key: str) -> None:
    """Refuse a pair whose halves do not belong together: every push would be rejected by the push services."""
    if public_key_for(private_key) != public_key.strip():
        raise VapidKeyError("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY")


def check_subject(subject: str) -> None:
    """Push services want a contact in every request's JWT: a mailto: address or an https: URL."""
    if not (subject.startswith("mailto:") and "@" in subject) and not subject.startswith("https://"):
        raise VapidKeyError("VAPID_SUBJECT must be mailto:address or an https:// URL of the operator")


if __name__ == "__main__":
    private = generate_private_key()
    print(f"VAPID_PUBLIC_KEY={public_key_for(private)}")
    print(f"VAPID_PRIVATE_KEY={private}")
