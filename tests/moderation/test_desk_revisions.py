"""Revisions (docs/sync-protocol.md, "Revisions" and "History"): an item sent back with "perlu revisi" comes back as
the same item in its next revision, idempotently; every revision is kept and the moderator sees what changed."""
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemRevision


def revision_body(people, **overrides):
    body = {"revision": 2, "author_id": people.anggota, "captured_at": "2026-11-29T03:10:00Z",
            "kategori": "pertanian", "judul": "Panen jagung di Kabuna", "isi": "Petani Desa Kabuna memanen jagung."}
    body.update(overrides)
    return body


def sent_back(member, moderator, send_item, body) -> int:
    item_id = send_item(member, body)
    assert moderator.decide(item_id, "revisi", "Tambahkan nama dusun.").status_code == 302
    return item_id


def post_revision(member, item_uuid, body):
    return member.post_json(f"/api/v1/items/{item_uuid}/revisions", body)


def test_revision_returns_the_item_to_the_queue_and_is_idempotent(app, member, moderator, send_item, berita, people):
    body = berita()
    item_id = sent_back(member, moderator, send_item, body)
    revision = revision_body(people, isi="Petani Dusun 2 Desa Kabuna memanen jagung.")
    first = post_revision(member, body["uuid"], revision)
    assert first.status_code == 201
    assert (first.json["status"], first.json["revision"], first.json["moderator_note"]) == ("menunggu", 2, None)
    again = post_revision(member, body["uuid"], revision)
    assert again.status_code == 200 and again.json["revision"] == 2
    different = post_revision(member, body["uuid"], {**revision, "isi": "Lain lagi."})
    assert different.status_code == 409 and different.json["type"].endswith(":conflict")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemRevision)) == 2
        assert db.session.get(Item, item_id).isi == "Petani Dusun 2 Desa Kabuna memanen jagung."
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "Yang berubah dari revisi 1" in page and "Petani<ins> Dusun 2</ins> Desa" in page


def test_revision_of_an_item_not_sent_back_is_a_revision_conflict(member, moderator, send_item, berita, people):
    body = berita()
    send_item(member, body)
    response = post_revision(member, body["uuid"], revision_body(people))
    assert response.status_code == 409
    assert response.json["type"].endswith(":revision-conflict")
    assert (response.json["revision"], response.json["item_status"]) == (1, "menunggu")


def test_revision_skipping_a_number_is_a_revision_conflict(member, moderator, send_item, berita, people):
    body = berita()
    sent_back(member, moderator, send_item, body)
    response = post_revision(member, body["uuid"], revision_body(people, revision=3))
    assert response.status_code == 409 and response.json["type"].endswith(":revision-conflict")


def test_revision_is_validated_for_the_items_kind(member, moderator, send_item, berita, people):
    body = berita()
    sent_back(member, moderator, send_item, body)
    response = post_revision(member, body["uuid"], revision_body(people, judul="", uraian="Bukan untuk berita"))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"judul", "uraian"}


def test_revision_of_someone_elses_item_looks_missing(make_person, member, moderator, send_item, berita, people):
    body = berita()
    sent_back(member, moderator, send_item, body)
    other = make_person("anggota2")
    response = post_revision(other, body["uuid"], revision_body(people, author_id=people.anggota_lain))
    assert response.status_code == 404
    assert post_revision(other, body["uuid"], revision_body(people)).status_code == 403  # wrong-author


def test_history_lists_the_moves_without_who_made_them(member, moderator, send_item, berita, people):
    body = berita()
    sent_back(member, moderator, send_item, body)
    post_revision(member, body["uuid"], revision_body(people))
    history = member.get(f"/api/v1/items/{body['uuid']}").json["history"]
    assert [(h["action"], h["status"], h["revision"]) for h in history] == [
        ("kirim", "menunggu", 1), ("revisi", "perlu_revisi", 1), ("kirim_revisi", "menunggu", 2)]
    assert history[1]["note"] == "Tambahkan nama dusun."
    assert all(set(h) == {"at", "action", "status", "revision", "note"} for h in history)
    assert "Maria Luruk" not in str(member.get("/api/v1/items").json)
