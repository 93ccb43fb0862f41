"""Sync under fire: a real Chromium sends through our fault-injecting proxy (tests/chaos/proxy.py) to the app under
gunicorn, and every test ends by comparing the server's rows one by one with the phone's IndexedDB
(tests/chaos/ledger.py): nothing lost, nothing duplicated, nothing different, and the phone knows.

Faults are drawn per request from the seed printed at the start of each test (CHAOS_SEED=N replays it).
"""
from __future__ import annotations

import io
import random
import threading

import pytest
from PIL import Image

from tests.chaos.ledger import assert_all_arrived_once

from .ledger import server_rows
from .phone import item_specs, photo_spec

pytestmark = [pytest.mark.chaos, pytest.mark.browser]

FAULT_RATE = 0.3



def test_two_hundred_items_under_random_faults_arrive_once_each(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")

    proxy.fault_rate = FAULT_RATE
    by_hand = [
        ("berita", {"kategori": "pertanian", "judul": "Panen jagung di tengah hujan", "isi": "Ditulis dengan tangan."}),
        ("aduan", {"kategori": "air", "uraian": "Sumur umum kering sejak Juli", "lokasi": "Dusun 2"}),
        ("berita", {"kategori": "sosial", "judul": "Posyandu bulan ini", "isi": "Balita ditimbang di balai desa."}),
        ("aduan", {"kategori": "listrik", "uraian": "Lampu jalan padam", "lokasi": "Jalan ke sekolah"}),
    ]
    for kind, values in by_hand:
        phone.capture_by_hand(kind, values)
    phone.capture(item_specs(200, rng))

    rounds = phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    print(f"{rounds} rounds of 'Kirim sekarang', {phone.offline_flips} times offline mid-run")
    assert sum(proxy.faults.values()) > 0
    assert_all_arrived_once(app, phone, proxy, server, expected=204)


def is_item_post(request) -> bool:
    """A request that sends new items: a batch (what the phone sends), or one item alone."""
    return request.method == "POST" and request.path in ("/api/v1/items", "/api/v1/items/batch")


def uuids_sent(request) -> list[str]:
    body = request.json()
    return [item["uuid"] for item in body["items"]] if "items" in body else [body["uuid"]]


def test_tab_closed_while_an_item_is_in_flight_goes_on_in_a_new_tab(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.capture(item_specs(40, rng))

    # The answer to the first batch that reaches the server is kept back until the tab is gone: the server has its
    # items, the phone never hears.
    hold = proxy.hold(is_item_post)
    proxy.fault_rate = FAULT_RATE
    phone.press_send()
    for _ in range(20):  # faults may end runs before the batch goes: press again until it is in flight
        if hold.reached.wait(timeout=3):
            break
        phone.press_send()
    assert hold.reached.is_set(), proxy.summary()
    phone.close_tab()
    hold.release()

    phone.open_app()
    held = set(uuids_sent(hold.request))
    phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    assert_all_arrived_once(app, phone, proxy, server, expected=40)
    if hold.request.status == 200:  # stored (not a fault of its own): the new tab learned it all the same —
        # by sending its items again and hearing them recognised, or from a pull that brought them back (when a fault
        # ended the resend first, a pull comes before the next try).
        later = [r for r in proxy.requests if r.number > hold.request.number and r.status == 200]
        resent = [r for r in later if is_item_post(r) and held & set(uuids_sent(r))]
        pulled = [r for r in later if r.method == "GET" and r.path.startswith("/api/v1/items")]
        assert resent or pulled, "the items whose answer was lost were neither sent again nor pulled"


def test_workers_killed_in_the_middle_of_requests(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.capture(item_specs(60, rng))

    # Every worker is SIGKILLed a random moment (0–250 ms: a batch is longer work than one item) after the 1st, 2nd
    # and 3rd batch reached the server: before the commit, or after it and before the answer. Each leaves items
    # waiting, so the next batch comes.
    kill_at = {1, 2, 3}
    posts = iter(range(1, 10_000))
    timers = []

    def kill_sometimes(request):
        if is_item_post(request) and next(posts) in kill_at:
            timers.append(threading.Timer(rng.uniform(0, 0.25), server.kill_workers))
            timers[-1].start()

    proxy.on_forwarded = kill_sometimes
    proxy.fault_rate = FAULT_RATE / 2
    phone.send_until_delivered(proxy, rng)
    # The last batch may have been answered before its kill came due: wait for every kill that was set, and for
    # the workers that replace them, before counting.
    for timer in timers:
        timer.join()
    server.wait_until_ready()
    # At least one worker died at each of the moments (a worker still being replaced after the last kill cannot be
    # killed again, so on a busy machine fewer than all of them may be).
    assert server.workers_killed >= len(kill_at), server.workers_killed
    assert_all_arrived_once(app, phone, proxy, server, expected=60)


def test_server_crash_and_restart_in_the_middle_of_sending(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.capture(item_specs(40, rng))

    crashed = threading.Event()
    posts = iter(range(1, 10_000))

    def crash_once(request):
        if is_item_post(request) and next(posts) == 1:  # the one batch that carries all 40
            server.crash()
            crashed.set()

    proxy.on_forwarded = crash_once
    proxy.fault_rate = FAULT_RATE / 2
    for _ in range(30):
        phone.send_now()
        if crashed.is_set():
            break
    assert crashed.is_set(), proxy.summary()
    proxy.on_forwarded = None
    down = phone.send_now()  # the server is gone: the phone keeps everything and says it is offline
    assert down["state"] == "offline" and down["waiting"] > 0, down

    server.restart()
    phone.send_until_delivered(proxy, rng)
    assert_all_arrived_once(app, phone, proxy, server, expected=40)


def test_expired_session_touches_nothing_and_sending_resumes_after_login(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    phone.capture(item_specs(30, rng))
    before, _ = phone.outbox()

    phone.context.clear_cookies()
    proxy.fault_rate = FAULT_RATE
    for _ in range(30):
        if phone.send_now()["state"] == "login-needed":
            break
    phone.page.locator("#login-needed").wait_for(state="visible")
    after, _ = phone.outbox()
    assert sorted(after, key=lambda i: i["uuid"]) == sorted(before, key=lambda i: i["uuid"])
    assert server_rows(app) == []

    with proxy.calm():
        phone.page.locator("#login-needed").get_by_role("link", name="Masuk").click()
        phone.page.fill("#username", "anggota")
        phone.page.fill("#password", "demo12345")
        phone.page.get_by_role("button", name="Masuk").click()
        phone.page.wait_for_url("**/app")
    phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    assert_all_arrived_once(app, phone, proxy, server, expected=30)


def test_two_members_on_one_phone_each_item_arrives_under_its_author(app, people, make_phone, proxy, server,
                                                                     chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    yohanes = phone.capture(item_specs(30, rng, tag="Y"))

    # Yohanes's phone sends part of his items, under faults, then his relative takes the phone.
    proxy.fault_rate = FAULT_RATE
    for _ in range(3):
        phone.send_now()
    with proxy.calm():
        phone.sign_out()
        phone.sign_in("anggota2")
    fransiska = phone.capture(item_specs(30, rng, tag="F"))
    phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    authors = {row["uuid"]: row["author_id"] for row in server_rows(app)}
    assert {uuid for uuid, author in authors.items() if author == people.anggota_lain} == {
        item["uuid"] for item in fransiska}

    with proxy.calm():
        phone.sign_out()
        phone.sign_in("anggota")
    phone.send_until_delivered(proxy, rng, offline_rate=0.1)
    assert {item["author_id"] for item in yohanes} == {people.anggota}
    assert {item["author_id"] for item in fransiska} == {people.anggota_lain}
    assert_all_arrived_once(app, phone, proxy, server, expected=60)
    assert 403 not in proxy.upstream_statuses(), "an item was offered to the server under the wrong account"


def camera_photo(number: int) -> bytes:
    """A noisy JPEG of about 250 kB (four 64 KiB chunks), different for every number."""
    image = Image.merge("RGB", [Image.effect_noise((900, 600), 40 + number) for _ in range(3)])
    image.paste((number * 40 % 256, 90, 160), (0, 0, 60 + number, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def is_chunk(request) -> bool:
    """Photo bytes: a streamed PATCH (the app) or a 64 KiB PUT (older versions)."""
    return request.method in ("PATCH", "PUT") and request.path.endswith("/content")


def test_workers_killed_in_the_middle_of_a_photo_upload(app, make_phone, proxy, server, chaos_seed):
    rng = random.Random(chaos_seed)
    phone = make_phone()
    with proxy.calm():
        phone.sign_in("anggota")
    photos = [photo_spec(camera_photo(n)) for n in range(4)]
    with_photos = [
        {"kind": "berita", "values": {"kategori": "budaya", "judul": "Likurai di Kabuna", "isi": "Foto tarian."},
         "photos": photos[:1]},
        {"kind": "aduan", "values": {"kategori": "infrastruktur", "uraian": "Jembatan retak", "lokasi": "Kali Talau"},
         "photos": photos[1:2]},
        {"kind": "foto", "values": {"kategori": "pertanian", "keterangan": "Panen padi sawah Weliman"},
         "photos": photos[2:]},
    ]
    phone.capture(with_photos + item_specs(6, rng))
    sizes = {}
    for item in phone.outbox()[0]:
        sizes.update({photo["id"]: photo["size"] for photo in item["photos"]})

    # Every worker is killed while the bytes of the second upload are being written, and again while another
    # photo's last bytes are being verified and processed (a few hundred ms of Pillow work).
    chunks = iter(range(1, 10_000))
    kills = []
    timers = []

    def kill_in_photos(request):
        if not is_chunk(request):
            return
        number = next(chunks)
        offset = int(request.header("Upload-Offset"))
        last = offset + len(request.body) == sizes[request.path.split("/")[-2]]
        if number == 2 or (last and len(kills) == 1):
            kills.append(request.path)
            timers.append(threading.Timer(rng.uniform(0, 0.05 if not last else 0.3), server.kill_workers))
            timers[-1].start()

    proxy.on_forwarded = kill_in_photos
    proxy.fault_rate = FAULT_RATE / 2
    phone.send_until_delivered(proxy, rng)
    for timer in timers:  # a kill still due must not land in the checks below (or the next test)
        timer.join()
    server.wait_until_ready()
    assert len(kills) == 2, kills
    assert_all_arrived_once(app, phone, proxy, server, expected=9)

    # The photos are whole on the server: the author is served both derivatives of each.
    with proxy.calm():
        for declared in photos:
            photo_id = next(pid for pid, size in sizes.items() if size == declared["size"])
            for name in ("thumb.jpg", "display.jpg"):
                answer = phone.page.evaluate(
                    "url => fetch(url).then(r => [r.status, r.headers.get('Content-Type')])",
                    f"/media/{photo_id}/{name}")
                assert answer == [200, "image/jpeg"], (photo_id, name, answer)
