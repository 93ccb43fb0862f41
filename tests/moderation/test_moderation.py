"""The Dinas desk: each moderator sees and acts on their own kabupaten only; every verdict is logged for good."""
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent
from tests.helpers import page_version


def sent_item(app, member, body) -> int:
    assert member.send(body).status_code == 201
    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))


def test_queue_lists_own_kabupaten_oldest_first(app, member, moderator, berita):
    first = sent_item(app, member, berita(judul="Pertama masuk"))
    sent_item(app, member, berita(judul="Kedua masuk"))
    page = moderator.get("/moderasi").get_data(as_text=True)
    assert page.index("Pertama masuk") < page.index("Kedua masuk")
    assert f"/moderasi/item/{first}" in page


def test_moderator_of_another_kabupaten_cannot_see_or_act(app, member, make_person, berita):
    item_id = sent_item(app, member, berita(judul="Berita Belu"))
    kupang = make_person("moderator.kupang")
    assert "Berita Belu" not in kupang.get("/moderasi").get_data(as_text=True)
    # Same answer as for an item that does not exist: nothing about other regions leaks.
    assert kupang.get(f"/moderasi/item/{item_id}").status_code == 404
    assert kupang.get("/moderasi/item/999999").status_code == 404
    token = kupang.form_token("/moderasi")
    response = kupang.client.post(f"/moderasi/item/{item_id}", data={"action": "setujui", "csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Item, item_id).status == "menunggu"


def test_admin_provinsi_sees_every_kabupaten(app, member, make_person, berita):
    sent_item(app, member, berita(judul="Berita untuk admin"))
    assert "Berita untuk admin" in make_person("admin").get("/moderasi").get_data(as_text=True)


def test_members_and_visitors_cannot_open_the_desk(app, member):
    assert member.get("/moderasi").status_code == 403
    anonymous = app.test_client().get("/moderasi")
    assert anonymous.status_code == 302
    assert "/masuk?next=/moderasi" in anonymous.headers["Location"]


def test_member_cannot_see_anothers_item_through_the_api(app, member, make_person, berita):
    body = berita()
    member.send(body)
    other = make_person("anggota2")
    assert other.get(f"/api/v1/items/{body['uuid']}").status_code == 404
    assert other.get("/api/v1/items").json["items"] == []


def test_moderators_do_not_send_items(moderator, berita, people):
    response = moderator.send(berita(author_id=people.moderator))
    assert response.status_code == 403


def test_approve_publishes_and_is_logged(app, member, moderator, berita, people):
    item_id = sent_item(app, member, berita(judul="Jembatan baru"))
    response = moderator.decide(item_id, "setujui")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.status == "disetujui"
        assert item.published_at is not None
        events = db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == item_id)).all()
        assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
            ("kirim", None, "menunggu", people.anggota),
            ("setujui", "menunggu", "disetujui", people.moderator),
        ]


def test_reject_needs_a_reason_and_reports_it(app, member, moderator, berita):
    item_id = sent_item(app, member, berita())
    refused = moderator.decide(item_id, "tolak", "   ")
    assert refused.status_code == 302
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "Tulis alasan penolakan." in page
    moderator.decide(item_id, "tolak", "Foto dan isi tidak sesuai.")
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.status, item.moderator_note) == ("ditolak", "Foto dan isi tidak sesuai.")


def test_preset_rejection_reason_is_enough(app, member, moderator, berita):
    item_id = sent_item(app, member, berita())
    token, version = page_version(moderator, item_id)
    moderator.client.post(
        f"/moderasi/item/{item_id}",
        data={"action": "tolak", "note": "", "alasan_preset": "Duplikat dari kiriman lain", "csrf_token": token,
              "version": version},
    )
    with app.app_context():
        assert db.session.get(Item, item_id).moderator_note == "Duplikat dari kiriman lain"


def test_second_verdict_on_a_decided_item_is_refused_not_overwritten(app, member, moderator, make_person, berita):
    item_id = sent_item(app, member, berita())
    admin = make_person("admin")
    token, version = page_version(admin, item_id)  # the admin opened the item before the moderator acted
    moderator.decide(item_id, "setujui")
    admin.client.post(f"/moderasi/item/{item_id}",
                      data={"action": "tolak", "note": "Tidak layak", "csrf_token": token, "version": version})
    page = admin.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "sudah diputuskan oleh moderator lain" in page
    with app.app_context():
        assert db.session.get(Item, item_id).status == "disetujui"


def test_decision_form_without_csrf_token_is_refused(app, member, moderator, berita):
    item_id = sent_item(app, member, berita())
    response = moderator.client.post(f"/moderasi/item/{item_id}", data={"action": "setujui"})
    assert response.status_code == 400
    assert "Token keamanan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, item_id).status == "menunggu"


def test_aduan_shows_the_complainant_to_the_moderator(app, member, moderator, aduan):
    item_id = sent_item(app, member, aduan())
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "Agustinus Seran" in page
    assert "0812 3456 7890" in page


@pytest.mark.parametrize("statement", ["UPDATE moderation_event SET note = 'diubah'", "DELETE FROM moderation_event"])
def test_audit_log_refuses_rewrites(app, member, berita, statement):
    sent_item(app, member, berita())
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(ItemEvent.note)) is None
