"""Install and share in, and links that need the network: the install offer comes once, after the first saved item,
and can be dismissed; a photo shared into the app from the gallery opens a new photo story with it, offline too;
with no signal, "Lihat di portal" says it needs one. Real Chromium at 360×640."""
from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS as SLOW
from tests.browser.phone import capture_berita
from tests.conftest import make_jpeg

pytestmark = pytest.mark.browser


# What Chrome does when the app can be installed: the event, with the browser's own prompt behind it. Headless
# Chromium never fires it, so the test fires one the way the browser would and notes whether the app asked.
OFFER = """() => {
  const event = new Event('beforeinstallprompt', { cancelable: true });
  event.prompt = () => { window.promptShown = (window.promptShown || 0) + 1; };
  event.userChoice = Promise.resolve({ outcome: 'dismissed' });
  window.dispatchEvent(event);
}"""

# The phone's share sheet: a multipart POST to the manifest's share_target, which the service worker answers.
SHARE = """async ({ photo, text }) => {
  const form = new FormData();
  form.append('text', text);
  form.append('foto', new File([Uint8Array.from(atob(photo), (c) => c.charCodeAt(0))], 'dari-wa.jpg',
                               { type: 'image/jpeg' }));
  const answer = await fetch('/app/bagikan', { method: 'POST', body: form });
  return answer.url;
}"""


def save_berita(page, judul: str) -> None:
    capture_berita(page, judul, isi="Isi berita.")


def test_the_install_offer_comes_once_after_the_first_saved_item(small_phone, live_server, later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    page.evaluate(OFFER)
    offer = page.locator("#install")
    expect(offer).to_be_hidden()  # not before the member has done anything

    save_berita(page, "Berita pertama")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Pasang").click()
    expect(offer).to_be_hidden()
    assert page.evaluate("window.promptShown") == 1

    page.reload()
    page.evaluate(OFFER)
    save_berita(page, "Berita kedua")
    expect(page.locator("#mine li", has_text="Berita kedua")).to_be_visible()
    expect(offer).to_be_hidden()


def test_a_photo_shared_from_the_gallery_opens_a_new_photo_story_offline(small_phone, live_server):
    context, page = small_phone("anggota", live_server.url)
    manifest = page.evaluate("fetch('/manifest.webmanifest').then((answer) => answer.json())")
    assert manifest["share_target"]["action"] == "/app/bagikan"

    context.set_offline(True)
    landed = page.evaluate(SHARE, {"photo": base64.b64encode(make_jpeg(400, 300)).decode(),
                                   "text": "Gotong royong di balai desa"})
    assert landed.endswith("/app")
    page.reload()
    form = page.locator("form[data-kind=foto]")
    expect(form.locator("[data-thumbs] img")).to_have_count(1, timeout=SLOW)
    expect(page.locator("#foto-keterangan")).to_have_value("Gotong royong di balai desa")
    page.select_option("#foto-kategori", "budaya")
    page.get_by_role("button", name="Simpan cerita foto").click()
    expect(form.locator("[data-saved]")).to_have_text("Tersimpan di HP")
    expect(page.locator("#mine li", has_text="Gotong royong di balai desa")).to_be_visible()


def test_with_no_signal_a_portal_link_says_it_needs_one(small_phone, live_server, make_person, berita, send_item):
    member = make_person("anggota")
    item_id = send_item(member, berita(judul="Sudah tayang di portal"))
    assert make_person("moderator").decide(item_id, "setujui").status_code == 302

    context, page = small_phone("anggota", live_server.url)
    item = page.locator("#mine li[data-uuid]", has_text="Sudah tayang di portal")
    link = item.get_by_role("link", name="Lihat di portal")
    expect(link).to_be_visible(timeout=SLOW)
    context.set_offline(True)
    # The page hears of the lost signal by an event; then the link says so. Asked again of the list at each look: a
    # redraw replaces the list's nodes, and a node found a moment before may already be gone.
    page.wait_for_function("""() => [...document.querySelectorAll('#mine li[data-uuid] a[data-online]')]
        .some((link) => getComputedStyle(link, '::after').content.includes('perlu sinyal'))""")
    link.click()
    expect(page.locator("#no-signal")).to_contain_text("Halaman portal perlu sinyal.")
    expect(page.locator("#no-signal")).to_be_in_viewport()
    assert page.url.endswith("/app")
