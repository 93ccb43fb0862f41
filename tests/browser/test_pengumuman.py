"""A pengumuman from the desk reaches the member's phone with the ordinary sync, is read there with no signal (its PDF
too), counted as new until opened, reported as passed on while still offline — the report arrives once on reconnect
and the desk's coverage shows it —, and leaves the phone once the desk withdraws it (docs/sync-protocol.md,
"Pengumuman from the Dinas")."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.pengumuman import services
from kim_app.pengumuman.forms import Draft
from tests.browser.phone import PHONE, SLOW_MS, item_state, open_member_app, sign_in
from tests.helpers import make_pdf

pytestmark = pytest.mark.browser

JUDUL = "Vaksinasi ternak gratis di Kabuna"
ISI = "Bawa sapi dan babi ke balai desa hari Sabtu pukul 08.00."
CATATAN = "Dibacakan di pertemuan warga dusun Kabuna B"
PDF = make_pdf(padding=200 * 1024)


def sync_now(page) -> None:
    page.evaluate("""() => new Promise((resolve) => {
        const channel = new BroadcastChannel('kim-sync');
        channel.onmessage = (event) => { if (event.data.type === 'done' && event.data.state === 'ok') resolve(); };
        document.getElementById('send-now').click();
    })""")


def test_a_pengumuman_is_read_offline_reported_and_counted_and_leaves_when_withdrawn(app, browser, live_server):
    desk = browser.new_context().new_page()
    sign_in(desk, live_server.url, "moderator", "/moderasi/pengumuman/baru")
    desk.fill("#p-judul", JUDUL)
    desk.fill("#p-isi", ISI)
    desk.select_option("#p-desa", "53.04.05.2006")
    desk.set_input_files("#p-lampiran", files=[{"name": "materi.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    desk.get_by_role("button", name="Terbitkan").click()
    expect(desk.get_by_text("Pengumuman diterbitkan")).to_be_visible()
    expect(desk.locator("#daftar-pengumuman")).to_contain_text("Desa Kabuna")

    context, page = open_member_app(browser, live_server.url)
    sync_now(page)
    section = page.locator("#pengumuman")
    expect(section).to_contain_text(JUDUL, timeout=SLOW_MS)
    expect(page.locator("#pengumuman-baru")).to_have_text("1 pengumuman baru")
    # Its PDF is kept on the phone, and the app says how much room that takes.
    expect(page.locator("#pengumuman-ruang")).to_have_text("Lampiran tersimpan di HP: 0,2 MB dari batas 20 MB.",
                                                           timeout=SLOW_MS)

    # No signal: the app opens again from the phone and the pengumuman is there to read in full.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#pengumuman-baru")).to_have_text("1 pengumuman baru", timeout=SLOW_MS)
    entry = section.locator("li", has_text=JUDUL)
    entry.locator("summary").click()
    expect(entry).to_contain_text(ISI)
    expect(entry).to_contain_text("WITA")
    expect(page.locator("#pengumuman-baru")).to_be_hidden()
    with page.expect_download() as saved:
        entry.get_by_role("button", name="Unduh materi.pdf").click()
    assert saved.value.suggested_filename == "materi.pdf"
    assert Path(saved.value.path()).read_bytes() == PDF
    share = entry.get_by_role("link", name="Bagikan ke WhatsApp")
    if share.count():  # no Web Share in this browser: the WhatsApp link carries the title and the public link
        assert "wa.me" in share.get_attribute("href") and "%2Fpengumuman%2F" in share.get_attribute("href")
    # Still offline, the member reports having passed it on: the report waits in the outbox like any item.
    entry.get_by_role("button", name="Sudah disebarkan").click()
    report = page.locator("#lapor-diseminasi")
    expect(report).to_be_visible()
    expect(report.locator("[data-judul]")).to_have_text(JUDUL)
    page.select_option("#diseminasi-kategori", "pertemuan_warga")
    page.fill("#diseminasi-jangkauan", "85")
    page.fill("#diseminasi-keterangan", CATATAN)
    page.get_by_role("button", name="Simpan laporan").click()
    expect(item_state(page, CATATAN)).to_have_attribute("data-state", "tersimpan")

    # Back online: the report arrives once, and the desk's coverage shows it.
    context.set_offline(False)
    expect(item_state(page, CATATAN)).to_have_attribute("data-state", "tercatat", timeout=SLOW_MS)
    desk.goto(f"{live_server.url}/moderasi/pengumuman")
    desk.get_by_role("link", name="Cakupan").first.click()
    expect(desk.locator("#ringkasan")).to_contain_text("1 (100%)")
    expect(desk.locator("#ringkasan")).to_contain_text("85 orang")
    expect(desk.locator("#per-cara")).to_contain_text("Pertemuan warga: 1 laporan")
    with app.app_context():
        assert db.session.scalar(select(func.count(Item.id)).where(Item.kind == "diseminasi")) == 1

    # The desk withdraws it, and the next sync takes it off the phone.
    desk.goto(f"{live_server.url}/moderasi/pengumuman")
    desk.get_by_role("button", name="Tarik").click()
    expect(desk.locator(".flash-ok")).to_contain_text("Pengumuman ditarik")
    sync_now(page)
    expect(section).to_be_hidden(timeout=SLOW_MS)
    expect(page.locator("#pengumuman-list > li")).to_have_count(0)
    desk.context.close()
    context.close()


def test_the_upgrade_keeps_the_phones_data_and_brings_earlier_pengumuman(app, browser, live_server):
    """A phone with the previous app (IndexedDB version 2: an item of its outbox, a pull cursor) gets the new store,
    keeps its item, and pulls once without its cursor, which brings the pengumuman published before the upgrade."""
    with app.app_context():
        services.save(find_user("moderator"), Draft(judul=JUDUL, isi=ISI, areas={"kabupaten": ["53.04"]}),
                      publish=True)
        member_id = find_user("anggota").id
        db.session.commit()
        db.session.remove()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/bantuan")
    page.evaluate("""memberId => new Promise((resolve, reject) => {
        const request = indexedDB.open('kim', 2);
        request.onupgradeneeded = () => {
            const db = request.result;
            db.createObjectStore('items', { keyPath: 'uuid' }).createIndex('author_id', 'author_id');
            db.createObjectStore('meta');
            db.createObjectStore('photos', { keyPath: 'id' }).createIndex('item_uuid', 'item_uuid');
        };
        request.onsuccess = () => {
            const tx = request.result.transaction(['items', 'meta'], 'readwrite');
            tx.objectStore('items').put({ uuid: 'lama-1', author_id: 424242, kind: 'berita', state: 'tersimpan',
                                          judul: 'Kiriman lama', isi: 'Isi', captured_at: new Date().toISOString() });
            tx.objectStore('meta').put(new Date().toISOString(), `cursor:${memberId}`);
            tx.oncomplete = () => { request.result.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
        };
        request.onerror = () => reject(request.error);
    })""", member_id)
    pulls: list[str] = []
    context.on("request", lambda r: pulls.append(r.url) if "/api/v1/items" in r.url else None)
    sign_in(page, live_server.url, "anggota")
    expect(page.locator("#pengumuman")).to_contain_text(JUDUL, timeout=SLOW_MS)
    assert "since=" not in pulls[0], pulls
    stored = page.evaluate("""() => new Promise((resolve) => {
        const request = indexedDB.open('kim');
        request.onsuccess = () => {
            const db = request.result;
            db.transaction('items').objectStore('items').get('lama-1').onsuccess = (event) => resolve({
                version: db.version, stores: [...db.objectStoreNames].sort(), item: event.target.result });
        };
    })""")
    assert stored["version"] == 3
    assert stored["stores"] == ["items", "meta", "pengumuman", "photos"]
    assert stored["item"]["judul"] == "Kiriman lama"
    context.close()
