"""The public portal (keterbukaan informasi publik): no login, approved berita and foto stories only.

Lists per kabupaten, kecamatan, desa and kategori; one page per item with share tags; Atom feeds; each KIM's public
profile (`/kim/<id>`).
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, url_for

from kim_app import inputs
from kim_app.items import kinds
from kim_app.links import absolute_url_for
from kim_app.media.schemas import media_url
from kim_app.pengumuman import coverage
from kim_app.publish import feeds, search, services
from kim_app.publish.cache import cached
from kim_app.publish.services import Filter

bp = Blueprint("publish", __name__)

FEED_MAX_AGE = 600


def _page() -> int:
    return inputs.arg_int("halaman", label="Nomor halaman", default=1, minimum=1, maximum=inputs.MAX_PAGE)


def _list(heading: str, where: Filter = services.ANYWHERE, **context):
    page = _page()
    return render_template(
        "publish/list.html",
        items=services.latest(page, where),
        page=page,
        page_size=services.PAGE_SIZE,
        heading=heading,
        kategori_publik=services.KATEGORI_PUBLIK,
        **context,
    )


@bp.route("/")
@cached
def home():
    return _list("Berita terbaru", feed_url=url_for("publish.feed"), feed_title="Semua berita KIM NTT")


@bp.route("/kabupaten/<kode>")
@cached
def kabupaten(kode: str):
    kab = services.kabupaten(kode)
    return _list(
        f"Berita dari {kab.nama}",
        Filter(kabupaten_kode=kab.kode),
        kabupaten=kab,
        areas=[
            (url_for("publish.kecamatan", kode=k.kode), f"Kec. {k.nama}", n)
            for k, n in services.kecamatan_counts(kab.kode)
        ],
        areas_heading="Kecamatan",
        feed_url=url_for("publish.kabupaten_feed", kode=kab.kode),
        feed_title=f"Berita dari {kab.nama}",
        pengumuman_url=url_for("pengumuman_publik.kabupaten", kode=kab.kode),
    )


@bp.route("/kecamatan/<kode>")
@cached
def kecamatan(kode: str):
    kec = services.kecamatan(kode)
    return _list(
        f"Berita dari Kecamatan {kec.nama}",
        Filter(kecamatan_kode=kec.kode),
        kabupaten=kec.kabupaten,
        areas=[(url_for("publish.desa", kode=d.kode), f"Desa {d.nama}", n) for d, n in services.desa_counts(kec.kode)],
        areas_heading="Desa",
    )


@bp.route("/desa/<kode>")
@cached
def desa(kode: str):
    found = services.desa(kode)
    return _list(
        f"Berita dari Desa {found.nama}", Filter(desa_kode=found.kode), kabupaten=found.kecamatan.kabupaten,
        kecamatan=found.kecamatan, kim_groups=services.kim_of_desa(found.kode),
        pengumuman_url=url_for("pengumuman_publik.desa", kode=found.kode),
    )


@bp.route("/kategori/<kategori>")
@cached
def kategori(kategori: str):
    return _list(f"Berita: {services.kategori(kategori)}", Filter(kategori=kategori))


@bp.route("/cari")
def cari():
    """Search (kim_app/publish/search.py). Not kept by the page cache: every query is a new page, and a crawler's
    made-up queries would push out the pages people read."""
    context = {"q": request.args.get("q", "")[:search.MAX_LENGTH * 2], "kabupaten_kode": "", "kategori": "",
               "kabupaten_list": services.kabupaten_list(), "kategori_publik": services.KATEGORI_PUBLIK,
               "results": None, "message": None, "max_length": search.MAX_LENGTH}
    try:
        text = search.checked(request.args.get("q"))
        kabupaten_kode = (request.args.get("kabupaten") or "").strip()
        if kabupaten_kode and kabupaten_kode not in {kab.kode for kab in context["kabupaten_list"]}:
            raise search.SearchRefused("Kabupaten/kota itu tidak dikenal: pilih dari daftar.")
        kategori = (request.args.get("kategori") or "").strip()
        if kategori and kategori not in services.KATEGORI_PUBLIK:
            raise search.SearchRefused("Kategori itu tidak dikenal: pilih dari daftar.")
        context.update(kabupaten_kode=kabupaten_kode, kategori=kategori)
        page = inputs.arg_int("halaman", label="Nomor halaman", default=1, minimum=1, maximum=search.MAX_PAGE)
    except search.SearchRefused as refused:
        return render_template("publish/search.html", **{**context, "message": refused.detail}), refused.status
    if text is None:
        context["message"] = "Ketik kata yang dicari, misalnya nama desa atau \"panen jagung\"."
    else:
        where = Filter(kabupaten_kode=kabupaten_kode or None, kategori=kategori or None)
        context["results"] = search.search(text, where, page)
    return render_template("publish/search.html", **context)


@bp.route("/berita/<int:item_id>")
@cached
def berita(item_id: int):
    item = services.berita(item_id)
    url = absolute_url_for("publish.berita", item_id=item.id)
    whatsapp = "https://wa.me/?text=" + quote(f"{item.headline} {url}")
    cover = item.photos[0] if item.photos else None
    return render_template(
        "publish/berita.html",
        item=item,
        share_url=url,
        whatsapp_url=whatsapp,
        cover=cover,
        cover_url=media_url(cover, "display", external=True) if cover else None,
    )


@bp.route("/kim/<int:kim_id>")
def kim_profile(kim_id: int):
    """A KIM's public profile: who they are (SK, KIM.ID, pengurus, contact), whether the Dinas verified it, and what
    they did (their approved items of the kinds profiles list)."""
    group = services.kim(kim_id)
    page = _page()
    return render_template(
        "publish/kim.html",
        group=group,
        items=services.kim_items(group.id, page),
        page=page,
        page_size=services.PAGE_SIZE,
        public_kinds=kinds.PUBLIC_KINDS,
        kind_labels=kinds.KIND_LABELS,
        share_url=absolute_url_for("publish.kim_profile", kim_id=group.id),
        penyebaran=coverage.kim_record(group.id),
    )


def _feed(title: str, page_url: str, self_url: str, where: Filter = services.ANYWHERE) -> Response:
    body = feeds.atom(
        title=title,
        page_url=page_url,
        self_url=self_url,
        entries=[feeds.item_entry(item, absolute_url_for("publish.berita", item_id=item.id),
                                  media_url(item.photos[0], "display", external=True) if item.photos else None)
                 for item in services.latest(1, where)],
    )
    response = Response(body, mimetype=feeds.MIMETYPE)
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    return response


@bp.route("/feed.atom")
@cached
def feed():
    return _feed(
        "Berita KIM NTT", absolute_url_for("publish.home"), absolute_url_for("publish.feed")
    )


@bp.route("/kabupaten/<kode>/feed.atom")
@cached
def kabupaten_feed(kode: str):
    kab = services.kabupaten(kode)
    return _feed(
        f"Berita KIM dari {kab.nama}",
        absolute_url_for("publish.kabupaten", kode=kab.kode),
        absolute_url_for("publish.kabupaten_feed", kode=kab.kode),
        Filter(kabupaten_kode=kab.kode),
    )
