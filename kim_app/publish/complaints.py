"""The public complaint status check (no sign-in): a form for the tracking code, and the status page of one code.

The page shows where the complaint stands, the dates of its moves and the official response — never the complaint's
text, who complained, who sent it in, or who at the Dinas acted. An unknown code and a malformed one look the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for

from kim_app.errors import NotFound
from kim_app.items import services as items
from kim_app.items.kinds import ALASAN_TOLAK_ADUAN
from kim_app.items.models import Item
from kim_app.items.statuses import ADUAN_STATUS_LABELS, MOVES, AduanStatus

bp = Blueprint("aduan", __name__, url_prefix="/aduan")


def public_complaint(code: str) -> Item:
    """The complaint with this tracking code, for the public status page; any unknown code is simply not found."""
    item = items.by_tracking_code(code)
    if item is None or not item.spec.tracked:
        raise NotFound("Kode aduan tidak ditemukan. Periksa lagi kode dari petugas KIM.")
    return item


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    label: str


def public_steps(item: Item) -> list[PublicStep]:
    """The complaint's moves as the public sees them: when, and what happened — no names, no notes but the
    official response (shown separately)."""
    steps = [PublicStep(item.received_at, "Diterima")]
    for event in item.events:
        move = MOVES.get(event.action)
        # The moves of the complaint's own lifecycle after its receipt; a request for revision is the Dinas's own
        # business with the member, not a step of the complaint.
        if move is not None and move.aduan is not None and move.aduan[0] is not None:
            steps.append(PublicStep(event.created_at, move.label_for(tracked=True)))
    return steps


@bp.route("/cek")
def check():
    code = items.normalize_code(request.args.get("kode"))
    if code:
        return redirect(url_for("aduan.status", kode=code))
    return render_template("aduan/cek.html")


@bp.route("/<kode>")
def status(kode: str):
    item = public_complaint(kode)
    reason = item.moderator_note if item.aduan_status == AduanStatus.DITOLAK else None
    return render_template(
        "aduan/status.html",
        item=item,
        label=ADUAN_STATUS_LABELS[item.aduan_status],
        steps=public_steps(item),
        # Only the preset reasons are shown: a free-text note may name people.
        reason=reason if reason in ALASAN_TOLAK_ADUAN else None,
    )
