"""The same item sent many times at once (a retry racing a slow first attempt, the page and the service worker
together) still becomes exactly one row — on SQLite and on PostgreSQL."""
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent

SENDERS = 8


def test_same_create_sent_concurrently_leaves_one_row(app, make_person, berita):
    phones = [make_person("anggota") for _ in range(SENDERS)]
    body = berita()
    start = threading.Barrier(SENDERS)

    def send(phone):
        start.wait()
        return phone.send(body)

    with ThreadPoolExecutor(SENDERS) as pool:
        responses = list(pool.map(send, phones))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (SENDERS - 1) + [201]
    assert len({r.json["uuid"] for r in responses}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 1
        assert db.session.scalar(select(func.count()).select_from(ItemEvent)) == 1


def test_different_items_sent_concurrently_all_arrive(app, make_person, berita):
    phones = [make_person("anggota") for _ in range(SENDERS)]
    bodies = [berita(judul=f"Berita nomor {n}") for n in range(SENDERS)]
    start = threading.Barrier(SENDERS)

    def send(pair):
        phone, body = pair
        start.wait()
        return phone.send(body)

    with ThreadPoolExecutor(SENDERS) as pool:
        responses = list(pool.map(send, zip(phones, bodies, strict=True)))

    assert [r.status_code for r in responses] == [201] * SENDERS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == SENDERS
