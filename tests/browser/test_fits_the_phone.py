"""Every public page type and the desk's main pages fit a 360 px phone: no sideways scrolling, tap targets at least
44 px, a breadcrumb that wraps. The home page links "Cek status aduan" and a photo story's page has a title made of
its caption's first words."""
from __future__ import annotations

import pytest

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.pengumuman import services as pengumuman_services
from kim_app.pengumuman.forms import Draft
from tests.conftest import make_jpeg

pytestmark = pytest.mark.browser

LONG_NAME = "Pembangunan" * 3  # a word with no place to break, as village names and pasted links can be

# Everything a finger may tap, and how big it is; links inside a running text of the item are left to the text, and a
# field inside its label (a checkbox, the photo inputs behind their buttons) is tapped through that label.
TAP_TARGETS = """() => [...document.querySelectorAll('a[href], button, select, input:not([type=hidden]), summary')]
    .filter((node) => node.offsetParent !== null && !node.closest('.body') && !node.matches('.file, label input'))
    .map((node) => ({ text: (node.innerText || node.value || node.name || node.tagName).trim().slice(0, 40),
                      height: node.getBoundingClientRect().height, width: node.getBoundingClientRect().width }))
    .filter((target) => target.height < 44 || target.width < 44)"""


@pytest.fixture
def published(app, make_person, make_ketua, berita, aduan, foto, send_item, upload):
    """An approved berita with a long title, an approved photo story, an approved complaint: {name: path}."""
    member, moderator = make_person("anggota"), make_person("moderator")
    berita_id = send_item(member, berita(judul=f"Warga membangun jembatan {LONG_NAME} bersama", isi=LONG_NAME * 4))
    body, photos = foto(make_jpeg(640, 480), keterangan="Tarian likurai menyambut tamu dari kabupaten tetangga di "
                                                        "halaman kantor desa Kabuna")
    foto_id = send_item(member, body)
    assert upload(member, photos[0]["id"], make_jpeg(640, 480)).status_code == 200
    complaint = aduan()
    aduan_id = send_item(member, complaint)
    for item_id in (berita_id, foto_id, aduan_id):
        assert moderator.decide(item_id, "setujui").status_code == 302
    code = member.get(f"/api/v1/items/{complaint['uuid']}").json["tracking_code"]
    make_ketua()
    kim_id = member.me["kim"]["id"]
    with app.app_context():
        draft = Draft(jenis="klarifikasi", judul=f"Tidak benar ada pendaftaran bantuan {LONG_NAME}",
                      isi=LONG_NAME * 3, areas={"kabupaten": ["53.04"]},
                      rincian={"klaim": f"Pendaftaran lewat tautan {LONG_NAME}", "fakta": "Bantuan lewat desa."})
        pengumuman_id = pengumuman_services.save(find_user("moderator"), draft, publish=True).id
        db.session.commit()
    return {
        "berita": f"/berita/{berita_id}", "foto": f"/berita/{foto_id}", "aduan": f"/aduan/{code}",
        "desk-item": f"/moderasi/item/{berita_id}", "kim": f"/kim/{kim_id}", "desk-kim": f"/moderasi/kim/{kim_id}",
        "pengumuman": f"/pengumuman/{pengumuman_id}", "cakupan": f"/moderasi/pengumuman/{pengumuman_id}/cakupan",
    }


PUBLIC = ["/", "/kabupaten/53.04", "/kecamatan/53.04.05", "/desa/53.04.05.2006", "/kategori/pertanian",
          "berita", "foto", "/aduan/cek", "aduan", "/masuk", "/bantuan", "/aduan/TIDAKADA", "kim", "pengumuman",
          "/pengumuman", "/klarifikasi-hoaks", "/kabupaten/53.04/pengumuman", "/desa/53.04.05.2006/pengumuman", "/cari",
          "/cari?q=jembatan+pembangunan"]
DESK = ["/moderasi", "desk-item", "/moderasi/dasbor", "/moderasi/peringkat", "/moderasi/kim", "desk-kim", "cakupan"]
KETUA = ["/kim/profil", "/kim/anggota"]
START = {"moderator": "/moderasi", "ketua": "/kim/profil"}


def test_every_page_type_fits_a_360_px_phone_with_tap_targets_of_44_px(small_phone, live_server, published):
    problems = []
    for who, paths in ((None, PUBLIC), ("moderator", DESK), ("anggota", ["/app"]), ("ketua", KETUA)):
        context, page = small_phone(who, live_server.url, START.get(who, "/app"))
        for path in paths:
            page.goto(live_server.url + published.get(path, path))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                problems.append(f"{path}: {width} px wide")
            for target in page.evaluate(TAP_TARGETS):
                problems.append(f"{path}: {target['text']!r} is {target['width']:.0f}×{target['height']:.0f} px")
    assert not problems, "\n".join(problems)


def test_home_links_the_complaint_check_and_a_photo_story_has_a_title(small_phone, live_server, published):
    context, page = small_phone()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Cek status aduan").click()
    page.wait_for_url("**/aduan/cek")

    page.goto(live_server.url + published["foto"])
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Tarian likurai menyambut tamu")
    assert len(heading.inner_text()) < 80
