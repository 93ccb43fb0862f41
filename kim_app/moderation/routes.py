"""The Dinas Kominfo's desk (pages): the queue, one item, a verdict."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kim_app.accounts.policy import MODERATOR_ROLES, roles_required
from kim_app.errors import ProblemError
from kim_app.moderation import services

bp = Blueprint("moderation", __name__, url_prefix="/moderasi")

DONE_MESSAGES = {
    "setujui": "Item disetujui.",
    "tolak": "Item ditolak; alasan dikirim ke anggota.",
    "revisi": "Permintaan revisi dikirim ke anggota.",
}


@bp.route("")
@roles_required(*MODERATOR_ROLES)
def queue():
    return render_template("moderation/queue.html", items=services.queue(current_user))


@bp.route("/item/<int:item_id>")
@roles_required(*MODERATOR_ROLES)
def item(item_id: int):
    found = services.item_for(current_user, item_id)
    return render_template(
        "moderation/item.html", item=found, events=services.history(found), alasan_tolak=services.ALASAN_TOLAK
    )


@bp.route("/item/<int:item_id>", methods=["POST"])
@roles_required(*MODERATOR_ROLES)
def decide(item_id: int):
    action = request.form.get("action", "")
    note = request.form.get("note") or request.form.get("alasan_preset")
    try:
        services.decide(current_user, item_id, action, note)
    except ProblemError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return redirect(url_for("moderation.item", item_id=item_id))
    flash(DONE_MESSAGES[action], "ok")
    return redirect(url_for("moderation.queue"))
