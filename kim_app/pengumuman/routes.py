"""Pengumuman pages: the desk's list and form under /moderasi/pengumuman, and the public page of a published one.

Thin views: the form is read by forms.py, the work and its checks are in services.py, who may do what in
accounts/policy.py. A refused form is shown again as it was typed, with the reason, and a 4xx status; the request's
transaction is rolled back, so nothing of it is written.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from kim_app.accounts import policy
from kim_app.errors import ProblemError
from kim_app.extensions import db
from kim_app.links import absolute_url_for
from kim_app.pengumuman import forms, services
from kim_app.pengumuman.forms import Draft
from kim_app.pengumuman.jenis import JENIS

bp = Blueprint("pengumuman", __name__)
writers_only = policy.allowed_by(policy.can_write_pengumuman)

DONE = {"draf": "Draf pengumuman disimpan.", "terbit": "Pengumuman diterbitkan; anggota KIM sasaran menerimanya "
        "saat HP mereka tersambung."}


def _form(draft: Draft, pengumuman=None, error: str | None = None, status: int = 200):
    return render_template(
        "pengumuman/form.html", draft=draft, pengumuman=pengumuman, jenis=JENIS, error=error,
        pilihan=services.choices(current_user), scope=policy.scope_label(current_user),
    ), status


@bp.route("/moderasi/pengumuman")
@writers_only
def desk():
    return render_template("pengumuman/desk.html", daftar=services.desk_list(current_user), services=services)


@bp.route("/moderasi/pengumuman/baru")
@writers_only
def new():
    return _form(Draft())


def _save(pengumuman=None):
    publish = request.form.get("action") == "terbit"
    draft = Draft()
    try:
        forms.read(request.form, draft)
        saved = services.save(current_user, draft, pengumuman, publish=publish)
    except ProblemError as error:
        db.session.rollback()
        return _form(draft, pengumuman, error.detail, error.status)
    flash(DONE[saved.status], "ok")
    return redirect(url_for("pengumuman.desk"))


@bp.route("/moderasi/pengumuman/baru", methods=["POST"])
@writers_only
def create():
    return _save()


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>")
@writers_only
def edit(pengumuman_id: int):
    found = services.for_desk(current_user, pengumuman_id)
    return _form(services.draft_of(found), found)


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>", methods=["POST"])
@writers_only
def update(pengumuman_id: int):
    return _save(services.for_desk(current_user, pengumuman_id))


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>/terbitkan", methods=["POST"])
@writers_only
def publish(pengumuman_id: int):
    found = services.for_desk(current_user, pengumuman_id)
    try:
        services.publish(current_user, found)
    except ProblemError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("pengumuman.edit", pengumuman_id=pengumuman_id))
    flash(DONE["terbit"], "ok")
    return redirect(url_for("pengumuman.desk"))


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>/tarik", methods=["POST"])
@writers_only
def withdraw(pengumuman_id: int):
    found = services.for_desk(current_user, pengumuman_id)
    try:
        services.withdraw(current_user, found)
    except ProblemError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for("pengumuman.desk"))
    flash("Pengumuman ditarik; HP anggota menghapusnya saat tersambung lagi.", "ok")
    return redirect(url_for("pengumuman.desk"))


@bp.route("/pengumuman/<int:pengumuman_id>")
def public_page(pengumuman_id: int):
    """The link members share to WhatsApp: a published, unexpired pengumuman, readable without signing in."""
    found = services.public(pengumuman_id)
    return render_template("pengumuman/public.html", p=found, share_url=absolute_url_for(
        "pengumuman.public_page", pengumuman_id=found.id), services=services)
