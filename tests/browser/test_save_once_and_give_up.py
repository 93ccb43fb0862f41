"""The member app as a new user handles it (issue 10, findings 3 and 7): a double tap on "Simpan berita" stores one
item, on the phone and on the server; and an item the server breaks on is not retried forever — after a few attempts
it shows 'gagal' with a sentence and "Kirim ulang", while the rest of the outbox goes through.

Every wait is on a condition (Playwright's expect, or a promise inside the page), never on a clock.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item
from tests.browser.phone import SLOW_MS, open_member_app

pytestmark = pytest.mark.browser



def fill_berita(page, judul: str) -> None:
    page.select_option("#berita-kategori", "pertanian")
    page.fill("#berita-judul", judul)
    page.fill("#berita-isi", "Petani Desa Kabuna memanen jagung lebih awal tahun ini.")


def mine(page, judul: str):
    return page.locator("#mine li[data-uuid]", has_text=judul)


def until_server_failures(page, judul: str, count: int) -> None:
    """Until the phone's record of the item says the server broke on it `count` times (a promise in the page)."""
    page.evaluate(
        """([judul, count, timeout]) => new Promise((resolve, reject) => {
            const started = Date.now();
            const check = () => {
                const open = indexedDB.open('kim');
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {
                    const read = open.result.transaction('items').objectStore('items').getAll();
                    read.onsuccess = () => {
                        open.result.close();
                        const item = read.result.find((i) => i.judul === judul);
                        if (item && (item.server_failures || 0) >= count) resolve();
                        else if (Date.now() - started > timeout) reject(new Error(`never ${count} failures`));
                        else setTimeout(check, 50);
                    };
                };
            };
            check();
        })""",
        [judul, count, SLOW_MS],
    )


def stored_on_server(app, judul: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Item.id)).where(Item.judul == judul))
        db.session.remove()
        return count


def test_a_double_tap_on_simpan_berita_stores_one_item_on_the_phone_and_the_server(app, browser, live_server):
    judul = "Panen jagung, disimpan dengan dua ketukan"
    context, page = open_member_app(browser, live_server.url)
    context.set_offline(True)

    fill_berita(page, judul)
    page.get_by_role("button", name="Simpan berita").dblclick()
    expect(page.locator("form[data-kind=berita] [data-saved]")).to_have_text("Tersimpan di HP")
    # And the fastest finger of all: two clicks in the same task, before the first save has begun to wait.
    fill_berita(page, judul + " (2)")
    page.evaluate("""() => {
        const button = document.querySelector('form[data-kind=berita] button[type=submit]');
        button.click();
        button.click();
    }""")
    expect(mine(page, judul + " (2)")).to_have_count(1)
    expect(page.locator("#pending")).to_have_text("2 belum terkirim")
    expect(mine(page, judul)).to_have_count(2)  # the first and "(2)": one of each
    titles = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('kim');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const read = open.result.transaction('items').objectStore('items').getAll();
            read.onsuccess = () => {
                open.result.close();
                resolve(read.result.map((item) => item.judul));
            };
        };
    })""")
    assert sorted(titles) == sorted([judul, judul + " (2)"])

    context.set_offline(False)
    expect(mine(page, judul + " (2)").locator("[data-state]")).to_have_attribute("data-state", "menunggu",
                                                                               timeout=SLOW_MS)
    expect(page.locator("#pending")).to_have_text("0 belum terkirim", timeout=SLOW_MS)
    assert stored_on_server(app, judul) == 1
    assert stored_on_server(app, judul + " (2)") == 1
    context.close()


def test_an_item_the_server_breaks_on_shows_gagal_after_a_few_attempts_and_does_not_hold_back_the_rest(
    app, browser, live_server
):
    broken, fine = "Berita yang membuat server gagal", "Berita yang lewat"
    context, page = open_member_app(browser, live_server.url)
    context.set_offline(True)
    fill_berita(page, broken)
    page.get_by_role("button", name="Simpan berita").click()
    expect(mine(page, broken)).to_have_count(1)
    fill_berita(page, fine)
    page.get_by_role("button", name="Simpan berita").click()
    expect(mine(page, fine)).to_have_count(1)

    attempts = []

    def server_breaks_on_one_item(route):
        """A 500 for every request that carries the broken item: alone (counted as an attempt), or in a batch."""
        body = json.loads(route.request.post_data or "{}") if route.request.method == "POST" else {}
        alone = body.get("judul") == broken
        if alone or any(item.get("judul") == broken for item in body.get("items", [])):
            if alone:
                attempts.append(1)
            route.fulfill(status=500, json={"type": "urn:kim:problem:server-error", "status": 500,
                                            "title": "Terjadi kesalahan di server"},
                          headers={"Content-Type": "application/problem+json"})
        else:
            route.continue_()

    context.route("**/api/v1/items**", server_breaks_on_one_item)
    context.set_offline(False)
    # The other item goes through on the first run, although the broken one was saved first.
    expect(mine(page, fine).locator("[data-state]")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    state = mine(page, broken).locator("[data-state]")
    # "Kirim sekarang" skips the backoff: each press is one more attempt, until the phone gives up.
    for attempt in range(1, 6):
        if attempt > 1:
            page.get_by_role("button", name="Kirim sekarang").click()
        until_server_failures(page, broken, attempt)
    expect(state).to_have_attribute("data-state", "gagal", timeout=SLOW_MS)
    assert len(attempts) == 5
    expect(state).to_contain_text("Server gagal memproses kiriman ini 5 kali (kode 500)")

    # Fixed on the server: the member sends it again by hand.
    context.unroute("**/api/v1/items**", server_breaks_on_one_item)
    mine(page, broken).get_by_role("button", name="Kirim ulang").click()
    expect(state).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert stored_on_server(app, broken) == 1
    assert stored_on_server(app, fine) == 1
    context.close()
