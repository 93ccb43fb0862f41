"""The public complaint status check (no sign-in): a form for the tracking code, and the status page of one code.

The page shows where the complaint stands, the dates of its moves and the official response — never the complaint's
text, who complained, who sent it in, or who at the Dinas acted. An unknown code and a malformed one look the same.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from kim_app.complaints import services

bp = Blueprint("aduan", __name__, url_prefix="/aduan")


@bp.route("/cek")
def check():
    code = services.normalize_code(request.args.get("kode"))
    if code:
        return redirect(url_for("aduan.status", kode=code))
    return render_template("aduan/cek.html")


@bp.route("/<kode>")
def status(kode: str):
    item = services.public_complaint(kode)
    reason = item.moderator_note if item.aduan_status == "ditolak" else None
    return render_template(
        "aduan/status.html",
        item=item,
        label=services.STATUS_LABELS[item.aduan_status],
        steps=services.public_steps(item),
        # Only the preset reasons are shown: a free-text note may name people.
        reason=reason if reason in services.ALASAN_TOLAK_ADUAN else None,
    )
