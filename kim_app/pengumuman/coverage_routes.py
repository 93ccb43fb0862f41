"""The desk's coverage of a pengumuman: /moderasi/pengumuman/<id>/cakupan and its CSV. Who may see it is who may
open the pengumuman on the desk (services.for_desk asks kim_app/accounts/policy.py)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user

from kim_app.accounts import policy
from kim_app.pengumuman import coverage, services

bp = Blueprint("cakupan", __name__)
writers_only = policy.allowed_by(policy.can_write_pengumuman)


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>/cakupan")
@writers_only
def page(pengumuman_id: int):
    found = coverage.coverage(services.for_desk(current_user, pengumuman_id))
    return render_template("pengumuman/coverage.html", c=found, p=found.pengumuman, services=services,
                           cara=coverage.cara_labels())


@bp.route("/moderasi/pengumuman/<int:pengumuman_id>/cakupan.csv")
@writers_only
def as_csv(pengumuman_id: int):
    found = coverage.coverage(services.for_desk(current_user, pengumuman_id))
    return Response(coverage.as_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cakupan-pengumuman-{pengumuman_id}.csv"'})
