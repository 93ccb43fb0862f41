"""The public portal (keterbukaan informasi publik): no login, approved berita only."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, render_template, request, url_for

from kim_app.publish import services

bp = Blueprint("publish", __name__)


def _page() -> int:
    return request.args.get("halaman", 1, type=int) or 1


@bp.route("/")
def home():
    page = _page()
    return render_template("publish/list.html", items=services.latest(page), page=page, heading="Berita terbaru")


@bp.route("/kabupaten/<kode>")
def kabupaten(kode: str):
    kab = services.kabupaten(kode)
    page = _page()
    items = services.latest(page, kabupaten_kode=kab.kode)
    return render_template("publish/list.html", items=items, page=page, heading=f"Berita dari {kab.nama}")


@bp.route("/desa/<kode>")
def desa(kode: str):
    found = services.desa(kode)
    page = _page()
    items = services.latest(page, desa_kode=found.kode)
    return render_template("publish/list.html", items=items, page=page, heading=f"Berita dari Desa {found.nama}")


@bp.route("/berita/<int:item_id>")
def berita(item_id: int):
    item = services.berita(item_id)
    url = url_for("publish.berita", item_id=item.id, _external=True)
    whatsapp = "https://wa.me/?text=" + quote(f"{item.headline} {url}")
    return render_template("publish/berita.html", item=item, share_url=url, whatsapp_url=whatsapp)
