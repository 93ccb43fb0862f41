"""The moderation queue: filters with counts, keyset paging, claims with leases, version-checked actions, bulk
verdicts, and the moderator's edit before publishing."""
import re
from datetime import timedelta

from sqlalchemy import select, update

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent, ItemRevision
from kim_app.moderation import queue as desk
from kim_app.timeutil import utcnow
from tests.helpers import page_version


def queue_items(app, username, **filters):
    with app.app_context():
        found = desk.queue_page(find_user(username), desk.QueueFilter(**filters))
        return [item.judul or item.uraian for item in found.items], found.counts, found.total


def test_filters_narrow_the_queue_and_count_each_value(app, member, send_item, berita, aduan):
    send_item(member, berita(judul="Panen padi", kategori="pertanian"))
    send_item(member, berita(judul="Posyandu Sabtu", kategori="kesehatan"))
    send_item(member, aduan(uraian="Jalan berlubang di dusun 1"))
    titles, counts, total = queue_items(app, "moderator", kind="berita")
    assert (titles, total) == (["Panen padi", "Posyandu Sabtu"], 2)
    # Counts for "kind" ignore the kind filter itself: they say what choosing another kind would show.
    assert {value: n for value, _, n in counts["kind"]} == {"berita": 2, "aduan": 1}
    assert {value: n for value, _, n in counts["kategori"]} == {"pertanian": 1, "kesehatan": 1}
    assert queue_items(app, "moderator", q="POSYANDU")[0] == ["Posyandu Sabtu"]
    assert queue_items(app, "moderator", q="100%")[0] == []  # LIKE wildcards in the search are literal
    assert queue_items(app, "moderator", kecamatan="53.04.05")[2] == 3
    assert queue_items(app, "moderator", desa="53.04.05.2001")[2] == 0


def test_queue_page_filters_by_date_in_wita_and_is_shown(app, member, moderator, send_item, berita):
    send_item(member, berita(judul="Hari ini"))
    today = (utcnow() + timedelta(hours=8)).date().isoformat()
    page = moderator.get(f"/moderasi?jenis=berita&dari={today}&sampai={today}").get_data(as_text=True)
    assert "Hari ini" in page and "Berita (1)" in page
    assert "Hari ini" not in moderator.get("/moderasi?dari=2020-01-01&sampai=2020-01-02").get_data(as_text=True)


def test_keyset_pages_walk_every_item_once_oldest_first(app, member, send_item, berita):
    for n in range(7):
        send_item(member, berita(judul=f"Berita {n}"))
    seen, after = [], None
    with app.app_context():
        moderator = find_user("moderator")
        while True:
            found = desk.queue_page(moderator, desk.QueueFilter(), after=after, limit=3)
            seen += [item.judul for item in found.items]
            after = found.after
            if after is None:
                break
    assert seen == [f"Berita {n}" for n in range(7)]


def test_claim_next_gives_each_moderator_a_different_item_until_the_lease_ends(app, member, make_person, send_item,
                                                                            berita):
    first = send_item(member, berita(judul="Satu"))
    second = send_item(member, berita(judul="Dua"))
    moderator, admin = make_person("moderator"), make_person("admin")
    token = moderator.form_token("/moderasi")
    assert moderator.client.post("/moderasi/ambil", data={"csrf_token": token}).headers["Location"].endswith(
        f"/moderasi/item/{first}")
    token = admin.form_token("/moderasi")
    assert admin.client.post("/moderasi/ambil", data={"csrf_token": token}).headers["Location"].endswith(
        f"/moderasi/item/{second}")
    with app.app_context():
        # While both leases run, nothing is left for anyone: not even for the admin, who holds the other one.
        assert desk.claim_next(find_user("admin")) is None
        # Once the lease has run out, the item is free again.
        later = utcnow() + desk.LEASE + timedelta(seconds=1)
        assert desk.claim_next(find_user("moderator.kupang"), now=later) is None  # not in Kupang's scope
        assert desk.claim_next(find_user("admin"), now=later).id == first


def test_action_on_an_item_leased_to_another_moderator_is_refused(app, member, make_person, send_item, berita):
    item_id = send_item(member, berita())
    moderator, admin = make_person("moderator"), make_person("admin")
    moderator.client.post("/moderasi/ambil", data={"csrf_token": moderator.form_token("/moderasi")})
    admin.decide(item_id, "setujui")
    assert "sedang ditangani Maria Luruk" in admin.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    moderator.decide(item_id, "setujui")
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.status, item.claimed_by, item.version) == ("disetujui", None, 2)


def test_stale_version_is_refused_with_a_clear_message(app, member, moderator, send_item, berita):
    item_id = send_item(member, berita(judul="Judul salh ketik"))
    token, version = page_version(moderator, item_id)
    moderator.client.post(f"/moderasi/item/{item_id}/sunting",
                          data={"csrf_token": token, "version": version, "judul": "Judul salah ketik"})
    response = moderator.client.post(f"/moderasi/item/{item_id}",
                                     data={"csrf_token": token, "version": version, "action": "setujui"})
    assert response.status_code == 302
    assert "sudah diubah sejak Anda membukanya" in moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, item_id).status == "menunggu"


def test_action_without_a_version_is_refused(app, member, moderator, send_item, berita):
    item_id = send_item(member, berita())
    token = moderator.form_token(f"/moderasi/item/{item_id}")
    moderator.client.post(f"/moderasi/item/{item_id}", data={"csrf_token": token, "action": "setujui"})
    with app.app_context():
        assert db.session.get(Item, item_id).status == "menunggu"


def test_edit_keeps_the_members_original_and_logs_the_diff(app, member, moderator, send_item, berita):
    item_id = send_item(member, berita(judul="Panen jagng", isi="Petani memanen jagung."))
    token, version = page_version(moderator, item_id)
    moderator.client.post(f"/moderasi/item/{item_id}/sunting",
                          data={"csrf_token": token, "version": version, "judul": "Panen jagung",
                                "isi": "Petani memanen jagung."})
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.judul, item.version) == ("Panen jagung", 2)
        original = db.session.scalar(select(ItemRevision).where(ItemRevision.item_id == item_id))
        assert original.judul == "Panen jagng"
        event = db.session.scalars(select(ItemEvent).where(ItemEvent.action == "sunting")).one()
        assert event.details == {"fields": {"judul": {"sebelum": "Panen jagng", "sesudah": "Panen jagung"}}}
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "<del>jagng</del><ins>jagung</ins>" in page


def test_bulk_approve_checks_each_version_and_logs_each(app, member, moderator, send_item, berita, people):
    ids = [send_item(member, berita(judul=f"Massal {n}")) for n in range(3)]
    token = moderator.form_token("/moderasi")
    with app.app_context():  # the third one changed after the moderator's page was drawn
        db.session.execute(update(Item).where(Item.id == ids[2]).values(version=5))
        db.session.commit()
    moderator.client.post("/moderasi/massal", data={"csrf_token": token, "action": "setujui",
                                                    "pilih": [f"{item_id}:1" for item_id in ids]})
    with app.app_context():
        statuses = [db.session.get(Item, item_id).status for item_id in ids]
        assert statuses == ["disetujui", "disetujui", "menunggu"]
        logged = db.session.scalars(select(ItemEvent.item_id).where(ItemEvent.action == "setujui"))
        assert sorted(logged) == ids[:2]


def test_bulk_reject_needs_a_reason(app, member, moderator, send_item, berita):
    item_id = send_item(member, berita())
    token = moderator.form_token("/moderasi")
    moderator.client.post("/moderasi/massal", data={"csrf_token": token, "action": "tolak", "pilih": f"{item_id}:1"})
    assert "Tulis alasan penolakan" in moderator.get("/moderasi").get_data(as_text=True)
    moderator.client.post("/moderasi/massal", data={"csrf_token": token, "action": "tolak", "pilih": f"{item_id}:1",
                                                    "alasan_preset": "Foto tidak jelas"})
    with app.app_context():
        assert db.session.get(Item, item_id).moderator_note == "Foto tidak jelas"


def test_queue_offers_the_preset_reasons(moderator, member, send_item, berita):
    send_item(member, berita())
    page = moderator.get("/moderasi").get_data(as_text=True)
    for reason in ("Bukan berita", "Foto tidak jelas", "Data pribadi", "Duplikat", "SARA atau hoaks"):
        assert re.search(reason, page)


def test_each_count_leaves_out_only_its_own_filter(app, member, make_person, send_item, berita, aduan, people):
    tetangga = make_person("anggota2")  # KIM Maudemu, in Desa Fatuketi of the same kecamatan
    send_item(member, berita(judul="Panen jagung", kategori="pertanian"))
    send_item(member, berita(judul="Posyandu", kategori="kesehatan"))
    send_item(member, aduan(uraian="Lampu jalan mati"))
    send_item(tetangga, berita(judul="Panen padi", kategori="pertanian", author_id=people.anggota_lain))
    titles, counts, total = queue_items(app, "admin", kind="berita", kategori="pertanian", kabupaten="53.04")
    assert (sorted(titles), total) == (["Panen jagung", "Panen padi"], 2)
    as_dict = {facet: {label: n for _, label, n in rows} for facet, rows in counts.items()}
    assert as_dict["kind"] == {"Berita": 2}  # the aduan is not pertanian
    assert as_dict["kategori"] == {"Pertanian, Peternakan & Perikanan": 2, "Kesehatan": 1}
    assert as_dict["desa"] == {"Fatuketi": 1, "Kabuna": 1}
    assert as_dict["kabupaten"] == {"Kabupaten Belu": 2}
    assert as_dict["kim"] == {"KIM Kabuna": 1, "KIM Maudemu": 1}


def test_places_below_the_kabupaten_are_listed_once_the_kabupaten_is_known(app, member, make_person, send_item,
                                                                          berita):
    """A province's desa and KIM groups are thousands: the admin picks a kabupaten first; a kabupaten's moderator
    sees their own kabupaten's places at once. A desa chosen through a link stays chosen for the next filtering."""
    send_item(member, berita(judul="Panen jagung"))
    _, counts, total = queue_items(app, "admin")
    assert set(counts) == {"kind", "kabupaten", "kategori"} and total == 1
    _, counts, _ = queue_items(app, "admin", kabupaten="53.04")
    assert {value: n for value, _, n in counts["desa"]} == {"53.04.05.2006": 1}
    assert set(counts) == {"kind", "kabupaten", "kecamatan", "desa", "kim", "kategori"}
    _, counts, _ = queue_items(app, "moderator")
    assert set(counts) == {"kind", "kecamatan", "desa", "kim", "kategori"}
    admin = make_person("admin")
    page = admin.get("/moderasi?desa=53.04.05.2006").get_data(as_text=True)
    assert 'id="f-desa"' not in page
    assert '<input type="hidden" name="desa" value="53.04.05.2006">' in page
    assert "Panen jagung" in page


def test_the_queue_page_asks_the_database_the_same_number_of_times_for_2_or_20_items(
        app, member, make_person, moderator, send_item, berita, people):
    from sqlalchemy import event

    def statements_for_queue_page() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert moderator.get("/moderasi").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    for n in range(2):
        send_item(member, berita(judul=f"Berita {n}"))
    few = statements_for_queue_page()
    tetangga = make_person("anggota2")  # another author, KIM and desa: more names to show
    for n in range(2, 20):
        send_item(tetangga, berita(judul=f"Berita {n}", kategori=("pertanian", "kesehatan", "sosial")[n % 3],
                                   author_id=people.anggota_lain))
    assert statements_for_queue_page() == few
