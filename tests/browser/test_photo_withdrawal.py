"""A photo the server cannot take is removed on the phone ("Hapus foto") — offline too — and the server is told by
itself once the network is back; delivered photos leave only a thumbnail on the phone; a photo id the server already
knows is replaced and the item sent again, under its own UUID."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS, camera_jpeg, item_state, open_member_app, server_photos

pytestmark = pytest.mark.browser

REFUSAL = {"type": "urn:kim:problem:not-an-image", "status": 422, "title": "Foto tidak dapat diterima",
           "detail": "Berkas ini bukan foto JPEG, PNG atau WebP."}


def stored_photos(page) -> list[dict]:
    """The phone's photo records (IndexedDB), with the pixel size of the Blob each one keeps."""
    return page.evaluate("""async () => {
        const { photos } = await import(document.querySelector('link[href$="/db.js"]').href);
        return Promise.all((await photos.all()).map(async (p) => {
            const bitmap = await createImageBitmap(p.blob);
            return { id: p.id, state: p.state, thumb: Boolean(p.thumb), withdraw: Boolean(p.withdraw),
                     bytes: p.blob.size, size: p.size, width: bitmap.width, height: bitmap.height };
        }));
    }""")


def capture_photo_story(page, keterangan: str, files: list[str]) -> None:
    page.locator("summary", has_text="Kirim cerita foto").click()
    page.select_option("#foto-kategori", "budaya")
    page.set_input_files("#foto-galeri", files)
    expect(page.locator("form[data-kind=foto] [data-thumbs] img")).to_have_count(len(files), timeout=SLOW_MS)
    page.fill("#foto-keterangan", keterangan)
    page.get_by_role("button", name="Simpan cerita foto").click()


def test_a_refused_photo_removed_offline_lets_its_item_through_and_delivered_photos_become_thumbnails(
    app, browser, live_server, tmp_path
):
    keterangan = "Pasar mingguan di Kabuna"
    files = []
    for number in (1, 2):
        (tmp_path / f"foto-{number}.jpg").write_bytes(camera_jpeg(10 + number))
        files.append(str(tmp_path / f"foto-{number}.jpg"))
    context, page = open_member_app(browser, live_server.url)

    # The server refuses the bytes of the first photo only.
    refused: list[str] = []

    def refuse_first_photo(route):
        photo_id = route.request.url.rsplit("/", 2)[-2]
        if not refused:
            refused.append(photo_id)
        if photo_id == refused[0]:
            route.fulfill(status=422, json=REFUSAL, headers={"Content-Type": "application/problem+json"})
        else:
            route.continue_()

    context.route("**/api/v1/photos/*/content", refuse_first_photo)
    capture_photo_story(page, keterangan, files)
    item = page.locator("#mine li[data-uuid]", has_text=keterangan)
    expect(item_state(page, keterangan)).to_have_attribute("data-state", "foto_gagal", timeout=SLOW_MS)
    delivered = item.locator("[data-photo-state=siap]")
    expect(delivered).to_have_count(1)
    expect(delivered.get_by_role("button", name="Hapus foto")).to_have_count(0)

    # The delivered photo: only a thumbnail is left on the phone; the refused one keeps its whole Blob.
    records = {p["id"]: p for p in stored_photos(page)}
    kept = next(p for p in records.values() if p["state"] == "siap")
    assert kept["thumb"] and max(kept["width"], kept["height"]) <= 320 and kept["bytes"] < kept["size"] / 4, kept
    assert not records[refused[0]]["thumb"] and records[refused[0]]["bytes"] == records[refused[0]]["size"]

    # Offline, the member removes the refused photo: it is marked at once and survives a reload.
    context.set_offline(True)
    item.locator(f"[data-photo='{refused[0]}']").get_by_role("button", name="Hapus foto").click()
    expect(item.locator("[data-photo-state=dihapus]")).to_have_count(1)
    page.reload()
    expect(item.locator("[data-photo-state=dihapus]")).to_contain_text("dihapus")
    expect(item_state(page, keterangan)).to_have_attribute("data-state", "foto_dikirim")
    assert [p.state for p in server_photos(app)] == ["menunggu", "siap"]  # the refusal was this test's

    # Back online, nothing clicked: the server is told, and the item waits for the moderators, complete.
    deletes: list[int] = []
    page.on("response", lambda r: deletes.append(r.status) if r.request.method == "DELETE" else None)
    context.set_offline(False)
    expect(item_state(page, keterangan)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    expect(item.locator("img")).to_have_count(1)
    expect(item).to_contain_text("1 foto,")
    expect(page.locator("#pending")).to_have_text("0 belum terkirim")
    assert deletes == [204]
    assert [(str(p.id), p.state) for p in server_photos(app)] == [(kept["id"], "siap")]
    assert [p["id"] for p in stored_photos(page)] == [kept["id"]]
    context.close()


def test_a_photo_id_the_server_already_knows_is_replaced_and_the_item_sent_again(app, browser, live_server, tmp_path):
    keterangan = "Foto dengan id yang sudah dipakai"
    (tmp_path / "foto.jpg").write_bytes(camera_jpeg(7))
    context, page = open_member_app(browser, live_server.url)

    posted: list[dict] = []

    def photo_conflict_once(route):
        body = json.loads(route.request.post_data)
        posted.extend(body["items"] if route.request.url.endswith("/batch") else [body])
        if len(posted) == 1:
            # The batch's answer for this item is what the single-item API would have said.
            route.fulfill(json={"results": [{"uuid": body["items"][0]["uuid"], "status": 409, "problem": {
                "type": "urn:kim:problem:photo-conflict", "status": 409, "title": "Id foto sudah dipakai",
                "detail": "Salah satu foto item ini sudah terdaftar pada item lain."}}], "changes": [], "cursor": None})
        else:
            route.continue_()

    context.route(re.compile(r".*/api/v1/items(/batch)?$"),
                  lambda route: photo_conflict_once(route) if route.request.method == "POST" else route.continue_())
    capture_photo_story(page, keterangan, [str(tmp_path / "foto.jpg")])

    expect(item_state(page, keterangan)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    first, second = posted
    assert first["uuid"] == second["uuid"]
    assert first["photos"][0]["id"] != second["photos"][0]["id"]
    assert first["photos"][0]["sha256"] == second["photos"][0]["sha256"]
    assert [(str(p.id), p.state) for p in server_photos(app)] == [(second["photos"][0]["id"], "siap")]
    context.close()
