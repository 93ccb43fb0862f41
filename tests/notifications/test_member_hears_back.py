"""The member hears back: a moderator's verdict on their item, and a complaint of theirs moving on, reach their
subscribed phone as a push — decrypted here by our own push service with the phone's keys — saying no more than a
lock screen may show."""
from __future__ import annotations

import json

from sqlalchemy import select, update

from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications.models import Delivery

SUBSCRIPTIONS = "/api/v1/push/subscriptions"




def pushes_received(app, push_service, phone) -> list[dict]:
    """Run what is queued, as the worker does, and read what the phone would show."""
    with app.app_context():
        due = db.session.scalars(select(Delivery.id).where(Delivery.state == "pending")).all()
        db.session.rollback()
        for delivery_id in due:
            assert delivery_queue.deliver(delivery_id) == "sent"
    return [json.loads(phone.decrypt(request.body)) for request in push_service.wait_for(len(due))]


def test_a_verdict_reaches_the_authors_phone(app, member, moderator, send_item, berita, phone, push_service):
    body = berita(judul="Judul yang tidak boleh tampil di layar kunci")
    item_id = send_item(member, body)
    assert moderator.decide(item_id, "tolak", "Foto tidak jelas").status_code == 302
    (shown,) = pushes_received(app, push_service, phone)
    assert shown["title"] == "Kiriman Anda ditolak"
    assert shown["url"] == f"/app#item={body['uuid']}"
    assert "Judul yang tidak boleh" not in json.dumps(shown) and "Foto tidak jelas" not in json.dumps(shown)


def test_a_complaint_moving_on_is_told_with_its_code(app, member, moderator, send_item, aduan, phone, push_service):
    body = aduan(pelapor_nama="Nama Rahasia", pelapor_telepon="0813 9999 1111", uraian="Got mampet depan rumah Bu Ani",
                 lokasi="Dusun Sembunyi")
    item_id = send_item(member, body)
    code = member.get(f"/api/v1/items/{body['uuid']}").json["tracking_code"]
    assert moderator.decide(item_id, "setujui").status_code == 302
    (shown,) = pushes_received(app, push_service, phone)
    assert shown["body"] == f"Aduan {code}: Diverifikasi."
    for private in ("Nama Rahasia", "9999", "Got mampet", "Bu Ani", "Dusun Sembunyi"):
        assert private not in json.dumps(shown)


def test_a_bulk_verdict_with_one_refused_item_still_tells_the_others_at_once(
        app, member, moderator, send_item, berita, phone, push_service, queue):
    """Each item of a bulk verdict is decided in its own savepoint; the one refused (changed since the page was drawn)
    rolls back its own savepoint only — the pushes of the verdicts before it are handed to the queue at the commit,
    not left for the sweep minutes later."""
    ids = [send_item(member, berita(judul=f"Berita {n}")) for n in range(3)]
    with app.app_context():
        db.session.execute(update(Item).where(Item.id == ids[2]).values(version=5))
        db.session.commit()
    token = moderator.form_token("/moderasi")
    moderator.client.post("/moderasi/massal", data={"csrf_token": token, "action": "setujui",
                                                    "pilih": [f"{item_id}:1" for item_id in ids]})
    assert queue.waiting() == 2
    assert [shown["title"] for shown in pushes_received(app, push_service, phone)] == ["Kiriman Anda disetujui"] * 2
