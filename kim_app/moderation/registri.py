"""The Dinas's registry of KIM groups (pages): the list of a moderator's KIM groups with the state of their profiles,
one profile, and "Verifikasi". The rules are in accounts/policy.py, the work in accounts/profil.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kim_app.accounts import policy, profil
from kim_app.errors import ProblemError
from kim_app.extensions import db

bp = Blueprint("registri", __name__, url_prefix="/moderasi/kim")
verifiers_only = policy.allowed_by(policy.can_verify_kims_at_all)


@bp.route("")
@verifiers_only
def groups():
    wanted = request.args.get("status") or None
    listed = [(group, profil.state(group)) for group in profil.groups_for_desk(current_user)]
    counts = {key: sum(1 for _, found in listed if found == key) for key in profil.STATE_LABELS}
    if wanted in profil.STATE_LABELS:
        listed = [(group, found) for group, found in listed if found == wanted]
    return render_template(
        "moderation/kim_list.html", listed=listed, counts=counts, wanted=wanted, state_labels=profil.STATE_LABELS,
        scope=policy.scope_label(current_user),
    )


@bp.route("/<int:kim_id>")
@verifiers_only
def group(kim_id: int):
    found = profil.group_for_desk(current_user, kim_id)
    return render_template(
        "moderation/kim.html", group=found, state=profil.state(found), state_labels=profil.STATE_LABELS,
        missing=profil.missing(found), verifier=profil.verifier_name(found), version=profil.version_of(found),
    )


@bp.route("/<int:kim_id>/verifikasi", methods=["POST"])
@verifiers_only
def verify(kim_id: int):
    try:
        found = profil.verify(current_user, kim_id, request.form.get("versi", ""))
    except ProblemError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return redirect(url_for("registri.group", kim_id=kim_id))
    flash(f"Profil {found.nama} terverifikasi.", "ok")
    return redirect(url_for("registri.group", kim_id=kim_id))
