"""How the phone reads the server's answers to its photo uploads, with the server's own problem types: bytes sent at
the wrong offset are not a failure, the phone continues where the server says it stands."""
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
    """Big enough after the phone shrinks it to be more than 64 KiB."""
    out = io.BytesIO()
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def test_wrong_offset_answer_makes_the_phone_continue_where_the_server_stands(app, browser, live_server, tmp_path):
    keterangan = "Foto dengan posisi unggahan yang bergeser"
    (tmp_path / "foto.jpg").write_bytes(grainy_jpeg())
    context, page = open_member_app(browser, live_server.url)
    told, offsets = [], []

    def lost_track(route):
        # Once, for the photo's first bytes, answer as a server that holds more than the phone thought: the phone
        # must go on from there, where the real server then tells it (409 again, its own answer) where it really
        # stands, and the phone sends the photo from that place.
        if not told:
            told.append(route.request.url)
            route.fulfill(
                status=409,
                headers={"Content-Type": "application/problem+json"},
                json={"type": "urn:kim:problem:wrong-offset", "title": "Posisi unggahan tidak cocok",
                      "status": 409, "detail": "Server memegang 65536 bita.", "received": 65536},
            )
        else:
            offsets.append(int(route.request.headers["upload-offset"]))
            route.continue_()

    context.route("**/api/v1/photos/*/content", lost_track)
    page.locator("summary", has_text="Kirim cerita foto").click()
    page.select_option("#foto-kategori", "budaya")
    page.set_input_files("#foto-galeri", str(tmp_path / "foto.jpg"))
    expect(page.locator("form[data-kind=foto] [data-thumbs] img")).to_have_count(1, timeout=SLOW_MS)
    page.fill("#foto-keterangan", keterangan)
    page.get_by_role("button", name="Simpan cerita foto").click()

    expect(item_state(page, keterangan)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert told and offsets == [65536, 0], offsets
    with app.app_context():
        assert db.session.scalar(select(Photo.state)) == "siap"
        db.session.remove()
    context.close()
