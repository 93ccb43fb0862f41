"""The portal's pages of the Dinas' pengumuman (keterbukaan informasi publik): the active ones per kabupaten and per
desa, each list with its Atom feed, and the hoax clarifications on a page of their own. A pengumuman's own page is
/pengumuman/<id> (kim_app/pengumuman/routes.py), the link members share."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from kim_app.links import absolute_url_for
from kim_app.pengumuman import portal
from kim_app.pengumuman import services as pengumuman_services
from kim_app.publish import feeds, services
from kim_app.timeutil import utcnow

bp = Blueprint("pengumuman_publik", __name__)

FEED_MAX_AGE = 600


def _page(heading: str, daftar, feed_url: str | None = None, **context):
    return render_template("publish/pengumuman.html", heading=heading, daftar=daftar, feed_url=feed_url,
                           feed_title=heading, services=pengumuman_services, **context)


def _feed(title: str, page_url: str, self_url: str, daftar) -> Response:
    body = feeds.atom(title=title, page_url=page_url, self_url=self_url, entries=[
        feeds.Entry(url=absolute_url_for("pengumuman.public_page", pengumuman_id=p.id), title=p.judul,
                    text=p.isi, published=p.published_at, author="Dinas Kominfo",
                    category=(p.jenis, p.jenis_label))
        for p in daftar
    ])
    response = Response(body, mimetype=feeds.MIMETYPE)
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    return response


@bp.route("/pengumuman")
def everywhere():
    return _page("Pengumuman Dinas Kominfo", portal.everywhere(utcnow()),
                 feed_url=url_for("pengumuman_publik.everywhere_feed"))


@bp.route("/pengumuman.atom")
def everywhere_feed():
    return _feed("Pengumuman Dinas Kominfo untuk KIM NTT", absolute_url_for("pengumuman_publik.everywhere"),
                 absolute_url_for("pengumuman_publik.everywhere_feed"), portal.everywhere(utcnow()))


@bp.route("/klarifikasi-hoaks")
def klarifikasi():
    return _page("Klarifikasi hoaks", portal.klarifikasi(utcnow()), hoaks=True)


@bp.route("/kabupaten/<kode>/pengumuman")
def kabupaten(kode: str):
    kab = services.kabupaten(kode)
    return _page(f"Pengumuman untuk {kab.nama}", portal.for_kabupaten(kab.kode, utcnow()), kabupaten=kab,
                 feed_url=url_for("pengumuman_publik.kabupaten_feed", kode=kab.kode))


@bp.route("/kabupaten/<kode>/pengumuman.atom")
def kabupaten_feed(kode: str):
    kab = services.kabupaten(kode)
    return _feed(f"Pengumuman untuk {kab.nama}", absolute_url_for("pengumuman_publik.kabupaten", kode=kab.kode),
                 absolute_url_for("pengumuman_publik.kabupaten_feed", kode=kab.kode),
                 portal.for_kabupaten(kab.kode, utcnow()))


@bp.route("/desa/<kode>/pengumuman")
def desa(kode: str):
    found = services.desa(kode)
    return _page(f"Pengumuman untuk Desa {found.nama}", portal.for_desa(found.kode, utcnow()),
                 kabupaten=found.kecamatan.kabupaten, desa=found,
                 feed_url=url_for("pengumuman_publik.desa_feed", kode=found.kode))


@bp.route("/desa/<kode>/pengumuman.atom")
def desa_feed(kode: str):
    found = services.desa(kode)
    return _feed(f"Pengumuman untuk Desa {found.nama}", absolute_url_for("pengumuman_publik.desa", kode=found.kode),
                 absolute_url_for("pengumuman_publik.desa_feed", kode=found.kode),
                 portal.for_desa(found.kode, utcnow()))
