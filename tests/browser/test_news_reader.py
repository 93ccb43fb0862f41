"""The newest published news of the member's area are kept on the phone by each sync and can be read with no signal
(docs/sync-protocol.md, "Berita for offline reading"); a later sync only revalidates them (304)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kim_app.demo import DEMO_NEWS, seed_demo
from kim_app.extensions import db
from tests.browser.phone import SLOW_MS, open_member_app

pytestmark = pytest.mark.browser


def test_news_of_the_members_area_are_kept_and_read_offline(app, browser, live_server):
    with app.app_context():
        seed_demo(with_news=True)
        db.session.commit()
        db.session.remove()
    _, _, judul, isi = DEMO_NEWS[0]
    context, page = open_member_app(browser, live_server.url)
    section = page.locator("#berita-daerah")
    expect(section).to_be_visible(timeout=SLOW_MS)
    expect(section.locator("#berita-list > li")).to_have_count(len(DEMO_NEWS))

    # No signal: the news are still there, to read in full.
    context.set_offline(True)
    page.reload()
    section.locator("summary", has_text="Berita terbaru di daerah Anda").click()
    story = section.locator("li", has_text=judul)
    story.locator("summary").click()
    expect(story).to_contain_text(isi)
    expect(story).to_contain_text("Desa Kabuna")
    expect(story).to_contain_text("WITA")

    # Back online: the next sync asks again and hears that nothing changed.
    answers: list[int] = []
    # One request for the desa's and the kabupaten's news (GET /api/v1/berita/daerah).
    context.on("response", lambda r: answers.append(r.status) if "/api/v1/berita/daerah?" in r.url else None)
    context.set_offline(False)
    page.evaluate("""() => new Promise((resolve) => {
        const channel = new BroadcastChannel('kim-sync');
        channel.onmessage = (event) => { if (event.data.type === 'done' && event.data.state === 'ok') resolve(); };
        document.getElementById('send-now').click();
    })""")
    assert answers == [304], answers
    expect(section.locator("#berita-list > li")).to_have_count(len(DEMO_NEWS))
    context.close()
