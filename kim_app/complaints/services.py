"""Complaints (aduan): the tracking code a complainant checks with, the lifecycle after receipt, and the overdue rule.

The lifecycle lives in LIFECYCLE and nowhere else. Its first two moves are the moderation verdicts themselves
(verifying a complaint is approving it in the queue, refusing it is rejecting it), so the queue and the complaint never
disagree; the later moves happen on the moderator's aduan page. Every move is written to the audit log with who made
it; the public status page shows the moves' dates and the official response, never who complained or who acted.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from kim_app.errors import NotFound
from kim_app.extensions import db
from kim_app.timeutil import WITA, as_utc, utcnow

# No 0/O, 1/I/L: a code read aloud over the phone or copied off a scrap of paper must survive.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# 31^8 ≈ 8.5e11 codes: a collision is rare, and the unique constraint catches it; receive_item draws again.
CODE_ATTEMPTS = 5


def new_tracking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str:
    """What a person typed into the form, as a code: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class Move:
    leaves: str
    reaches: str
    needs: str | None  # the field the moderator must fill in: note (reason), opd (unit) or tanggapan (response)
    label: str


# action -> the move of aduan_status. "setujui"/"tolak"/"revisi" are the moderation verdicts (moderation/services.py
# applies them and asks here what they mean for a complaint); the rest are the follow-up.
LIFECYCLE = {
    "setujui": Move("diterima", "diverifikasi", None, "Diverifikasi"),
    "tolak": Move("diterima", "ditolak", "note", "Ditolak"),
    "teruskan": Move("diverifikasi", "diteruskan", "opd", "Diteruskan ke OPD"),
    "tindaklanjuti": Move("diteruskan", "ditindaklanjuti", "tanggapan", "Ditindaklanjuti"),
    "selesai": Move("ditindaklanjuti", "selesai", None, "Selesai"),
}
FOLLOW_UP = ("teruskan", "tindaklanjuti", "selesai")
STATUS_LABELS = {
    "diterima": "Diterima, menunggu verifikasi",
    "diverifikasi": "Diverifikasi",
    "diteruskan": "Diteruskan ke OPD",
    "ditindaklanjuti": "Ditindaklanjuti",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
}
ALASAN_TOLAK_ADUAN = ("Bukan wewenang pemerintah daerah", "Aduan tidak lengkap")
NEEDS_MESSAGES = {
    "note": "Tulis alasan penolakan.",
    "opd": "Tulis OPD (unit) tujuan aduan.",
    "tanggapan": "Tulis tanggapan resmi OPD.",
}

# Verification is due within this many working days (Monday to Friday) of receipt. Public holidays are not counted
# as days off: the rule is simpler, and a complaint flagged a day early is better than one flagged late.
VERIFY_WITHIN_WORKING_DAYS = 3


def verification_deadline(received_at: datetime) -> datetime:
    """The moment `VERIFY_WITHIN_WORKING_DAYS` working days after receipt, counted in WITA (weekends skipped)."""
    moment = as_utc(received_at).astimezone(WITA)
    counted = 0
    while counted < VERIFY_WITHIN_WORKING_DAYS:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return as_utc(moment)


def is_overdue(item, now: datetime | None = None) -> bool:
    return (
        item.kind == "aduan"
        and item.aduan_status == "diterima"
        and (now or utcnow()) > verification_deadline(item.received_at)
    )


def public_complaint(code: str):
    """The complaint with this tracking code, for the public status page; any unknown code is simply not found."""
    from kim_app.sync.models import Submission

    code = normalize_code(code)
    item = None
    if len(code) == CODE_LENGTH:
        item = db.session.scalar(select(Submission).where(Submission.tracking_code == code))
    if item is None or item.kind != "aduan":
        raise NotFound("Kode aduan tidak ditemukan. Periksa lagi kode dari petugas KIM.")
    return item


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    label: str


def public_steps(item) -> list[PublicStep]:
    """The complaint's moves as the public sees them: when, and what happened — no names, no notes but the
    official response (shown separately)."""
    steps = [PublicStep(item.received_at, "Diterima")]
    for event in item.events:
        move = LIFECYCLE.get(event.action)
        if move is not None and item.kind == "aduan":
            steps.append(PublicStep(event.created_at, move.label))
    return steps
