"""Ten moderators press "Ambil berikutnya" at the same moment: each gets a different item, none is claimed twice —
on PostgreSQL through FOR UPDATE SKIP LOCKED, on SQLite through the IMMEDIATE write transaction."""
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from kim_app.accounts.services import create_user
from kim_app.extensions import db
from kim_app.items.models import Item
from tests.helpers import PASSWORD

MODERATORS = 10


def test_ten_moderators_claim_at_once_and_no_item_is_claimed_twice(app, member, make_person, send_item, berita):
    item_ids = [send_item(member, berita(judul=f"Antre {n}")) for n in range(MODERATORS + 2)]
    with app.app_context():
        for n in range(MODERATORS):
            create_user(f"mod{n}", PASSWORD, "moderator", f"Moderator {n}", kabupaten_kode="53.04")
        db.session.commit()
    desks = [make_person(f"mod{n}") for n in range(MODERATORS)]
    tokens = [desk.form_token("/moderasi") for desk in desks]
    start = threading.Barrier(MODERATORS)

    def claim(n):
        start.wait()
        return desks[n].client.post("/moderasi/ambil", data={"csrf_token": tokens[n]})

    with ThreadPoolExecutor(MODERATORS) as pool:
        responses = list(pool.map(claim, range(MODERATORS)))

    claimed = [int(r.headers["Location"].rsplit("/", 1)[1]) for r in responses]
    assert len(set(claimed)) == MODERATORS
    assert set(claimed) <= set(item_ids)
    with app.app_context():
        holders = db.session.scalar(select(func.count(func.distinct(Item.claimed_by))))
        assert holders == MODERATORS
        assert db.session.scalar(select(func.count()).where(Item.claimed_by.is_not(None))) == MODERATORS
