"""Keeping the citizen who complained informed: "Kabari pelapor" on the member's phone and on the desk opens WhatsApp
(or SMS) at the number the complainant left, with a prepared message — the complaint's status in words, its tracking
code and the public tracking page. Nothing else: not the complaint's text, not a name, nothing of anyone else; the
message goes through another company's servers and may be read by whoever holds the citizen's phone.

Who may get these links is policy.can_contact_pelapor: whoever may see the complainant's number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from kim_app.items.models import Item
from kim_app.items.statuses import ADUAN_STATUS_LABELS
from kim_app.links import absolute_url_for

NO_NUMBER = "Pelapor tidak meninggalkan nomor"
BAD_NUMBER = "Nomor pelapor tidak bisa dipakai"
# E.164: at most 15 digits with the country code; an Indonesian mobile number is 62 and 9 to 12 more.
DIGITS_MIN, DIGITS_MAX = 9, 15


def normalize_phone(text: str | None) -> str | None:
    """A number as people write it (0812-3456-7890, +62 812 3456 7890, 62812…, 812…) as wa.me wants it:
    digits only, with the country code (62 for Indonesia). None when there is no number or it cannot be one."""
    if not text:
        return None
    digits = re.sub(r"[\s\-.()]", "", text)
    international = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit():
        return None
    if not international:
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        elif digits.startswith("8"):
            digits = "62" + digits
        elif not digits.startswith("62"):
            return None
    return digits if DIGITS_MIN <= len(digits) <= DIGITS_MAX else None


def message(item: Item) -> str:
    code = item.tracking_code
    return (f"Halo, ini petugas KIM. Aduan Anda dengan kode {code} sekarang berstatus: "
            f"{ADUAN_STATUS_LABELS[item.aduan_status]}. "
            f"Ikuti perkembangannya di {absolute_url_for('aduan.status', kode=code)}")


@dataclass(frozen=True)
class Kabari:
    pesan: str
    whatsapp: str | None  # https://wa.me/62…?text=…
    sms: str | None  # sms:+62…?body=…
    alasan: str | None  # why there is no link: the button says it instead


def kabari(item: Item) -> Kabari | None:
    """The links for a complaint that has its tracking code; None for any other item."""
    if not item.spec.tracked or not item.tracking_code:
        return None
    text = message(item)
    number = normalize_phone(item.pelapor_telepon)
    if number is None:
        return Kabari(text, None, None, BAD_NUMBER if (item.pelapor_telepon or "").strip() else NO_NUMBER)
    return Kabari(text, f"https://wa.me/{number}?text={quote(text, safe='')}",
                  f"sms:+{number}?body={quote(text, safe='')}", None)
