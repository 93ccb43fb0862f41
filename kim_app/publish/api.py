"""GET /api/v1/berita: the newest published news of a desa or kabupaten, for the member's app to keep and read
offline. Public like the portal (no sign-in); answers carry an ETag so a phone on 2G revalidates for a few bytes."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from kim_app.errors import PROBLEM
from kim_app.publish import services
from kim_app.publish.schemas import BeritaArgs, BeritaListSchema, DaerahArgs, DaerahSchema
from kim_app.publish.services import Filter

bp = Blueprint("berita", __name__, url_prefix="/api/v1", description="Published news, public")

MAX_AGE = 300


@bp.route("/berita")
class Berita(MethodView):
    @bp.doc(security=[])
    @bp.arguments(BeritaArgs(), location="query")
    @bp.response(200, BeritaListSchema)
    @bp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
    @bp.alt_response(404, description="No kabupaten or desa with this code", **PROBLEM)
    def get(self, args):
        """The newest published berita and foto stories, optionally of one kabupaten or desa"""
        where = Filter(
            kabupaten_kode=args["kabupaten"] and services.kabupaten(args["kabupaten"]).kode,
            desa_kode=args["desa"] and services.desa(args["desa"]).kode,
        )
        return {"items": services.latest(1, where, limit=args["limit"])}


@bp.route("/berita/daerah")
class BeritaDaerah(MethodView):
    @bp.doc(security=[])
    @bp.arguments(DaerahArgs(), location="query")
    @bp.response(200, DaerahSchema)
    @bp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
    @bp.alt_response(404, description="No kabupaten or desa with this code", **PROBLEM)
    def get(self, args):
        """The newest published berita and foto stories of a desa and of a kabupaten, in one answer and one ETag: the
        member's app keeps both for offline reading and asks once per sync run"""
        desa = args["desa"] and services.desa(args["desa"]).kode
        kabupaten = args["kabupaten"] and services.kabupaten(args["kabupaten"]).kode
        return {
            "desa": desa and {"items": services.latest(1, Filter(desa_kode=desa), limit=args["desa_limit"])},
            "kabupaten": kabupaten and {
                "items": services.latest(1, Filter(kabupaten_kode=kabupaten), limit=args["kabupaten_limit"])},
        }


@bp.after_request
def revalidate_cheaply(response):
    if response.status_code == 200 and request.method == "GET":
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
        response.add_etag()
        response.make_conditional(request)
    return response
