"""The outbox can be managed: an item not yet sent can be opened, changed and saved again under the same UUID, or
deleted after a confirmation; a photo can be removed before it travels. Real Chromium at 360×640, offline first."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item, Photo
from tests.browser.phone import SLOW_MS as SLOW
from tests.browser.phone import capture_berita
from tests.conftest import make_jpeg

pytestmark = pytest.mark.browser



def save_berita_offline(page, judul: str) -> None:
    capture_berita(page, judul, isi="Isi yang ditulis tanpa sinyal.")


def mine(page, text: str):
    return page.locator("#mine li[data-uuid]", has_text=text)


def server_items(app) -> dict[str, tuple[str, int]]:
    """client uuid -> (judul or keterangan, number of photos) as the server holds them."""
    with app.app_context():
        rows = db.session.execute(select(Item.client_uuid, Item.judul, Item.keterangan, Item.id)).all()
        result = {
            str(row.client_uuid): (row.judul or row.keterangan,
                                   len(db.session.scalars(select(Photo).where(Photo.item_id == row.id)).all()))
            for row in rows
        }
        db.session.remove()
    return result


def test_an_unsent_item_is_changed_under_the_same_uuid_and_the_server_gets_the_new_text(app, small_phone,
                                                                                          live_server):
    context, page = small_phone("anggota", live_server.url)
    context.set_offline(True)
    save_berita_offline(page, "Judul dengan salah ketik")
    item = mine(page, "Judul dengan salah ketik")
    item_uuid = item.get_attribute("data-uuid")

    item.get_by_role("button", name="Ubah").click()
    form = page.locator("form[data-kind=berita]")
    expect(form.locator("[data-editing]")).to_contain_text("Mengubah kiriman")
    expect(page.locator("#berita-judul")).to_have_value("Judul dengan salah ketik")
    page.fill("#berita-judul", "Judul yang sudah benar")
    form.get_by_role("button", name="Simpan perubahan").click()
    expect(form.locator("[data-saved]")).to_have_text("Perubahan tersimpan di HP")
    expect(mine(page, "Judul yang sudah benar")).to_have_attribute("data-uuid", item_uuid)
    expect(page.locator("#pending")).to_have_text("1 belum terkirim")

    context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(mine(page, "Judul yang sudah benar").locator("[data-state]")).to_have_attribute(
        "data-state", "menunggu", timeout=SLOW)
    assert server_items(app) == {item_uuid: ("Judul yang sudah benar", 0)}


def test_an_unsent_item_is_deleted_only_after_the_member_confirms(app, small_phone, live_server):
    context, page = small_phone("anggota", live_server.url)
    context.set_offline(True)
    save_berita_offline(page, "Berita yang batal")

    page.once("dialog", lambda dialog: dialog.dismiss())
    mine(page, "Berita yang batal").get_by_role("button", name="Hapus kiriman").click()
    expect(mine(page, "Berita yang batal")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    mine(page, "Berita yang batal").get_by_role("button", name="Hapus kiriman").click()
    expect(mine(page, "Berita yang batal")).to_have_count(0)
    expect(page.locator("#pending")).to_have_text("0 belum terkirim")
    page.reload()
    expect(page.locator("#who")).to_contain_text("Masuk sebagai")
    expect(mine(page, "Berita yang batal")).to_have_count(0)

    context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(page.locator("#sync-status")).not_to_contain_text("Belum tersambung", timeout=SLOW)
    assert server_items(app) == {}


def test_a_photo_removed_before_it_travels_never_reaches_the_server(app, small_phone, live_server, tmp_path):
    for name, colour in (("satu.jpg", 1), ("dua.jpg", 2)):
        (tmp_path / name).write_bytes(make_jpeg(300 + colour, 200))
    context, page = small_phone("anggota", live_server.url)
    context.set_offline(True)
    page.locator("summary", has_text="Kirim cerita foto").click()
    page.select_option("#foto-kategori", "budaya")
    page.set_input_files("#foto-galeri", [str(tmp_path / "satu.jpg"), str(tmp_path / "dua.jpg")])
    form = page.locator("form[data-kind=foto]")
    expect(form.locator("[data-thumbs] img")).to_have_count(2, timeout=SLOW)
    page.fill("#foto-keterangan", "Dua foto, satu dibuang")
    page.get_by_role("button", name="Simpan cerita foto").click()
    expect(form.locator("[data-saved]")).to_have_text("Tersimpan di HP")

    item = mine(page, "Dua foto, satu dibuang")
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Hapus foto 2").click()
    expect(item.locator("img")).to_have_count(1)
    # A photo story keeps its last photo.
    expect(item.get_by_role("button", name="Hapus foto 1")).to_have_count(0)

    context.set_offline(False)
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(item.locator("[data-state]")).to_have_attribute("data-state", "menunggu", timeout=SLOW)
    item_uuid = item.get_attribute("data-uuid")
    assert uuid.UUID(item_uuid)
    assert server_items(app) == {item_uuid: ("Dua foto, satu dibuang", 1)}
