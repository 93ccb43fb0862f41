"""The counts kept as items change (kim_app/items/counts.py) always equal a fresh count of the rows: after any sequence
of creates (alone and in batches, with a refused item), photos arriving and withdrawn, verdicts (alone and in bulk,
with a refused one), revisions that change the kategori and complaints' follow-up — and the pages that read them
show what counting the rows shows; each item's `decided_at` is its first verdict's audit entry. Concurrent verdicts
and creates lose no count (PostgreSQL's row locks; SQLite takes writers one at a time)."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.items import counts
from kim_app.items.models import Item, ItemEvent
from kim_app.items.statuses import VERDICTS
from kim_app.moderation import queue as desk
from kim_app.publish import services as portal
from kim_app.wilayah.models import Desa
from tests.helpers import PASSWORD, make_jpeg, photo_declaration

KATEGORI = ("pertanian", "kesehatan", "pendidikan")
JPEG = make_jpeg(64, 48)


@dataclass
class Sent:
    uuid: str
    kind: str
    pending_photos: list[str] = field(default_factory=list)


def item_of(app, sent: Sent) -> Item:
    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.client_uuid == uuid.UUID(sent.uuid)))
        db.session.expunge_all()
        return item


def assert_counts_are_the_rows(app):
    with app.app_context():
        assert counts.drift() == []
        for username in ("moderator", "admin"):
            user = find_user(username)
            # Read from the kept counts, and — with a date filter that takes every item — counted from the rows.
            kept = desk.queue_page(user, desk.QueueFilter())
            rows = desk.queue_page(user, desk.QueueFilter(dari=date(2000, 1, 1)))
            assert (kept.counts, kept.total) == (rows.counts, rows.total)
            assert desk.waiting_count(user) == rows.total
        # What the kabupaten page counted before the counts were kept.
        published = dict(db.session.execute(
            portal.published(portal.Filter(kabupaten_kode="53.04"))
            .with_only_columns(Desa.kecamatan_kode, func.count(Item.id))
            .join(Desa, Desa.kode == Item.desa_kode).group_by(Desa.kecamatan_kode)
        ).all())
        assert {kecamatan.kode: n for kecamatan, n in portal.kecamatan_counts("53.04")} == published
        # The first verdict's moment each item keeps for the dashboard is its first verdict's audit entry.
        first = dict(db.session.execute(select(ItemEvent.item_id, func.min(ItemEvent.created_at))
                                        .where(ItemEvent.action.in_(VERDICTS)).group_by(ItemEvent.item_id)).all())
        assert dict(db.session.execute(select(Item.id, Item.decided_at).where(Item.decided_at.is_not(None)))
                    .all()) == first
        db.session.rollback()


STEPS = st.one_of(
    st.tuples(st.just("berita"), st.sampled_from(KATEGORI)),
    st.tuples(st.just("aduan")),
    st.tuples(st.just("foto"), st.integers(1, 2)),
    st.tuples(st.just("batch"), st.lists(st.sampled_from(KATEGORI), min_size=1, max_size=3)),
    st.tuples(st.just("upload"), st.integers(0, 50)),
    st.tuples(st.just("withdraw"), st.integers(0, 50)),
    st.tuples(st.just("decide"), st.integers(0, 50), st.sampled_from(("setujui", "tolak", "revisi"))),
    st.tuples(st.just("bulk"), st.lists(st.integers(0, 50), min_size=1, max_size=3), st.sampled_from(("setujui",
                                                                                                       "tolak"))),
    st.tuples(st.just("revise"), st.integers(0, 50), st.sampled_from(KATEGORI)),
    st.tuples(st.just("follow_up"), st.integers(0, 50)),
)


# The database carries over from one example to the next: the counts must hold whatever came before. No shrinking:
# each step is a request, and the failing sequence is printed as found.
@settings(max_examples=12, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=12))
def test_kept_counts_equal_the_rows_after_any_sequence_of_changes(app, member, moderator, berita, aduan, foto,
                                                                   upload, people, steps):
    sent: list[Sent] = []

    def pick(index: int) -> Sent | None:
        return sent[index % len(sent)] if sent else None

    for step in steps:
        name, *args = step
        if name == "berita":
            body = berita(kategori=args[0])
            assert member.send(body).status_code == 201
            sent.append(Sent(body["uuid"], "berita"))
        elif name == "aduan":
            body = aduan()
            assert member.send(body).status_code == 201
            sent.append(Sent(body["uuid"], "aduan"))
        elif name == "foto":
            body, declarations = foto(*[make_jpeg(40 + n, 30) for n in range(args[0])])
            assert member.send(body).status_code == 201
            sent.append(Sent(body["uuid"], "foto", [d["id"] for d in declarations]))
        elif name == "batch":
            bodies = [berita(kategori=kategori) for kategori in args[0]]
            refused = berita(kategori="bukan-kategori")  # refused in its own savepoint; the others stand
            answer = member.post_json("/api/v1/items/batch", {"items": [*bodies, refused]})
            assert answer.status_code == 200, answer.get_data(as_text=True)
            sent += [Sent(body["uuid"], "berita") for body in bodies]
        elif name in ("upload", "withdraw") and (found := pick(args[0])) and found.pending_photos:
            photo_id = found.pending_photos.pop(0)
            if name == "upload":
                # The bytes the photo was declared with are not kept: upload what a twin would be, or refuse it.
                item = item_of(app, found)
                declared = next(p for p in item.photos if str(p.id) == photo_id)
                data = next(make_jpeg(40 + n, 30) for n in range(2)
                            if photo_declaration(make_jpeg(40 + n, 30))["sha256"] == declared.sha256)
                assert upload(member, photo_id, data).status_code == 200
            else:
                answer = member.client.delete(f"/api/v1/photos/{photo_id}", headers={"X-CSRFToken": member.csrf})
                assert answer.status_code in (204, 409)  # 409: the last photo of a photo story stays
                if answer.status_code == 409:
                    found.pending_photos.insert(0, photo_id)
        elif name == "decide" and (found := pick(args[0])):
            answer = moderator.decide(item_of(app, found).id, args[1], "Catatan moderator.")
            assert answer.status_code in (302, 409, 404), answer.status_code
        elif name == "bulk" and sent:
            token = moderator.form_token("/moderasi")
            chosen = {item_of(app, pick(index)).id: item_of(app, pick(index)).version for index in args[0]}
            stale = next(iter(chosen))
            chosen[stale] += 1  # one refused by its version: its savepoint is rolled back, the others stand
            moderator.client.post("/moderasi/massal", data={
                "csrf_token": token, "action": args[1], "note": "Duplikat",
                "pilih": [f"{item_id}:{version}" for item_id, version in chosen.items()]})
        elif name == "revise" and (found := pick(args[0])) and found.kind == "berita":
            item = item_of(app, found)
            if item.status == "perlu_revisi":
                body = {"revision": item.revision + 1, "author_id": people.anggota,
                        "captured_at": "2026-11-29T03:10:00Z", "kategori": args[1], "judul": "Panen, diperbaiki",
                        "isi": "Petani Dusun 2 memanen jagung."}
                assert member.post_json(f"/api/v1/items/{found.uuid}/revisions", body).status_code == 201
        elif name == "follow_up" and (found := pick(args[0])) and found.kind == "aduan":
            item = item_of(app, found)
            token = moderator.form_token(f"/moderasi/item/{item.id}")
            moderator.client.post(f"/moderasi/item/{item.id}/aduan", data={
                "csrf_token": token, "action": "teruskan", "version": item.version, "text": "Dinas PUPR"})
    assert_counts_are_the_rows(app)


def test_recount_rebuilds_counts_that_drifted_and_is_idempotent(app, member, moderator, send_item, berita):
    approved = send_item(member, berita(kategori="kesehatan"))
    send_item(member, berita())
    assert moderator.decide(approved, "setujui").status_code == 302
    with app.app_context():
        db.session.execute(text("UPDATE queue_count SET n = n + 5"))
        db.session.execute(text("DELETE FROM published_count"))
        db.session.commit()
        assert counts.drift() != []
        wrong = counts.recount()
        db.session.commit()
        assert {found.table for found in wrong} == {"queue_count", "published_count"}
        assert counts.recount() == [] and counts.drift() == []
        db.session.commit()
    assert_counts_are_the_rows(app)


def test_recount_command_says_what_it_corrected(app, member, send_item, berita):
    send_item(member, berita())
    runner = app.test_cli_runner()
    assert "sudah sesuai" in runner.invoke(args=["kim", "recount"]).output
    with app.app_context():
        db.session.execute(text("DELETE FROM queue_count"))
        db.session.commit()
    output = runner.invoke(args=["kim", "recount"]).output
    assert "1 baris berbeda" in output and "queue_count 53.04/berita/53.04.05.2006" in output
    assert_counts_are_the_rows(app)


def test_the_pages_show_the_kept_counts(app, member, moderator, make_person, member_in, send_item, berita):
    for kategori in ("pertanian", "pertanian", "kesehatan"):
        send_item(member, berita(kategori=kategori))
    elsewhere = member_in("53.04.05.2001")
    published = send_item(elsewhere, elsewhere.berita(judul="Pasar desa"))
    assert moderator.decide(published, "setujui").status_code == 302
    queue_page = moderator.get("/moderasi").get_data(as_text=True)
    assert "3 menunggu" in queue_page and "Berita (3)" in queue_page
    assert "Perikanan (2)" in queue_page and "Kesehatan (1)" in queue_page
    kabupaten = app.test_client().get("/kabupaten/53.04").get_data(as_text=True)
    assert 'Kec. Kakuluk Mesak</a> <span class="meta">(1)</span>' in kabupaten
    kecamatan = app.test_client().get("/kecamatan/53.04.05").get_data(as_text=True)
    assert 'Desa Fatuketi</a> <span class="meta">(1)</span>' in kecamatan
    assert "Desa Kabuna</a>" not in kecamatan  # Kabuna's news wait in the queue
    assert_counts_are_the_rows(app)


def test_concurrent_verdicts_and_creates_lose_no_count(app, member, make_person, send_item, berita):
    moderators = 4
    item_ids = [send_item(member, berita(kategori=KATEGORI[n % 3])) for n in range(moderators * 3)]
    with app.app_context():
        for n in range(moderators):
            create_user(f"hakim{n}", PASSWORD, "moderator", f"Moderator {n}", kabupaten_kode="53.04")
        db.session.commit()
    desks = [make_person(f"hakim{n}") for n in range(moderators)]
    senders = [make_person("anggota") for _ in range(moderators)]
    start = threading.Barrier(moderators * 2)

    tokens = [desk.form_token("/moderasi") for desk in desks]

    def verdicts(n):
        start.wait()
        # Bulk verdicts (which lease nothing), each moderator's three kategori in another order: counts taken in
        # opposite orders by concurrent transactions.
        chosen = [f"{item_id}:1" for item_id in item_ids[n * 3:(n + 1) * 3][::(1 if n % 2 else -1)]]
        answer = desks[n].client.post("/moderasi/massal", data={
            "csrf_token": tokens[n], "action": "setujui" if n % 2 else "tolak", "note": "Duplikat", "pilih": chosen})
        assert answer.status_code == 302

    def creates(n):
        start.wait()
        bodies = [berita(kategori=kategori) for kategori in KATEGORI[::(1 if n % 2 else -1)]]
        assert senders[n].post_json("/api/v1/items/batch", {"items": bodies}).status_code == 200

    with ThreadPoolExecutor(moderators * 2) as pool:
        for done in [pool.submit(verdicts, n) for n in range(moderators)] + \
                    [pool.submit(creates, n) for n in range(moderators)]:
            done.result()
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Item.status == "menunggu")) == moderators * 3
    assert_counts_are_the_rows(app)
