"""Text typed by members, citizens and moderators is shown as text everywhere: in the desk, the public portal and
share tags. The CSP would also stop inline script, but escaping is checked on its own here, so that one defence
failing never depends on the other."""
import uuid

import pytest
from markupsafe import escape
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    '"><svg onload=window.__xss=1>',
    "</title><script>window.__xss=1</script>",
    "' onmouseover='window.__xss=1",
    "{{7*7}} {% raw %}",
]
DANGEROUS = ["<script>window.__xss", "<img src=x", "<svg onload", "onmouseover='window", "</title><script>"]


def assert_inert(html: str, where: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in html, f"{fragment!r} reached {where} unescaped"
    assert "49" not in html.split("{{7*7}}")[0][-5:], f"template syntax was evaluated on {where}"


def item_id(app, body) -> int:
    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_text_field_stays_text(app, member, moderator, berita, aduan, payload):
    news = berita(judul=f"Judul {payload}", isi=f"Isi {payload}")
    revised = berita(judul=f"Revisi {payload}")
    complaint = aduan(uraian=f"Uraian {payload}", lokasi=f"Lokasi {payload}", pelapor_nama=f"Nama {payload}")
    for body in (news, revised, complaint):
        assert member.send(body).status_code == 201
    news_id, revised_id, complaint_id = (item_id(app, b) for b in (news, revised, complaint))

    pages = {f"/moderasi/item/{i}": moderator.get(f"/moderasi/item/{i}") for i in (news_id, revised_id, complaint_id)}
    moderator.decide(news_id, "setujui")
    moderator.decide(revised_id, "revisi", f"Catatan {payload}")
    moderator.decide(complaint_id, "tolak", f"Alasan {payload}")
    pages["/moderasi"] = moderator.get("/moderasi")
    pages["/moderasi/item/revised"] = moderator.get(f"/moderasi/item/{revised_id}")
    visitor = app.test_client()
    for path in ("/", f"/berita/{news_id}", "/desa/53.04.05.2006", "/kabupaten/53.04"):
        pages[path] = visitor.get(path)

    for path, response in pages.items():
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert_inert(html, path)
    # Shown, as text, exactly as typed.
    assert str(escape(f"Judul {payload}")) in pages[f"/berita/{news_id}"].get_data(as_text=True)


def test_api_returns_payloads_as_json_data_never_as_html(member, berita):
    response = member.send(berita(judul=PAYLOADS[0]))
    assert response.mimetype == "application/json"
    assert response.json["judul"] == PAYLOADS[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
