"""How the phone reads the server's answers to photo chunks, with the server's own problem types: a chunk at the
wrong offset is not a failure, the phone continues where the server says it stands."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Photo
from tests.browser.phone import SLOW_MS, item_state, open_member_app

pytestmark = pytest.mark.browser


def grainy_jpeg() -> bytes:
    """Big enough after the phone shrinks it to travel in several 64 KiB chunks."""
    out = io.BytesIO()
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def test_wrong_offset_answer_makes_the_phone_continue_where_the_server_stands(app, browser, live_server, tmp_path):
    keterangan = "Foto dengan posisi unggahan yang bergeser"
    (tmp_path / "foto.jpg").write_bytes(grainy_jpeg())
    context, page = open_member_app(browser, live_server.url)
    told = []

    def lost_track(route):
        # Once, for a chunk past the start, answer as a server that holds nothing yet: the phone must go back to
        # byte 0, where the real server then tells it (409 again, its own answer) where it really stands.
        if not told and route.request.headers.get("upload-offset", "0") != "0":
            told.append(route.request.url)
            route.fulfill(
                status=409,
                headers={"Content-Type": "application/problem+json"},
                json={"type": "urn:kim:problem:wrong-offset", "title": "Posisi unggahan tidak cocok",
                      "status": 409, "detail": "Server memegang 0 bita.", "received": 0},
            )
        else:
            route.continue_()

    context.route("**/api/v1/photos/*/content", lost_track)
    page.locator("summary", has_text="Kirim cerita foto").click()
    page.select_option("#foto-kategori", "budaya")
    page.set_input_files("#foto-galeri", str(tmp_path / "foto.jpg"))
    expect(page.locator("form[data-kind=foto] [data-thumbs] img")).to_have_count(1, timeout=SLOW_MS)
    page.fill("#foto-keterangan", keterangan)
    page.get_by_role("button", name="Simpan cerita foto").click()

    expect(item_state(page, keterangan)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert told, "no chunk past the first was sent: the photo was too small to test this"
    with app.app_context():
        assert db.session.scalar(select(Photo.state)) == "siap"
        db.session.remove()
    context.close()
