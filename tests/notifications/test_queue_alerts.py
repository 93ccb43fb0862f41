"""A moderator who asked for it on the desk hears of new items in their kabupaten's queue by push — batched: the
first item after a quiet spell at once, then at most one push per QUEUE_PUSH_EVERY_SECONDS saying how many came
("4 kiriman baru menunggu moderasi"), held back as a delivery row and sent by the worker when due. Received and
decrypted by our own push service (pushservice.py). Nothing of the items travels, nobody else hears."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kim_app.extensions import db
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications.models import Delivery
from kim_app.timeutil import utcnow

SUBSCRIPTIONS = "/api/v1/push/subscriptions"


def subscribe(person, push_service, browser_keys):
    keys = browser_keys()
    keys.endpoint = push_service.endpoint(f"{person.me['username']}-{uuid.uuid4().hex[:6]}")
    assert person.post_json(SUBSCRIPTIONS, keys.subscription(keys.endpoint)).status_code == 201
    return keys


def set_alerts(person, on: bool):
    return person.client.post("/moderasi/pemberitahuan",
                              data={"on": "1" if on else "0", "csrf_token": person.form_token("/moderasi")})


@pytest.fixture
def desk_browser(moderator, push_service, browser_keys):
    """The Belu moderator's browser, subscribed, with the setting on."""
    keys = subscribe(moderator, push_service, browser_keys)
    assert set_alerts(moderator, True).status_code == 302
    return keys


def antrean_deliveries(app) -> list[Delivery]:
    with app.app_context():
        rows = db.session.scalars(select(Delivery).where(Delivery.kind == "antrean").order_by(Delivery.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def deliver(app, delivery_id: int) -> str:
    with app.app_context():
        return delivery_queue.deliver(delivery_id)


def shown(push_service, keys, count: int) -> dict:
    request = push_service.wait_for(count)[count - 1]
    return json.loads(keys.decrypt(request.body))


def test_the_first_new_item_is_told_at_once_then_one_push_per_window_says_how_many(
        app, member, berita, send_item, desk_browser, push_service, queue):
    send_item(member, berita(judul="Judul yang tidak boleh tampil"))
    (first,) = antrean_deliveries(app)
    assert deliver(app, first.id) == "sent"
    assert shown(push_service, desk_browser, 1) == {
        "title": "Antrean moderasi", "body": "1 kiriman baru menunggu moderasi.", "url": "/moderasi", "tag": "antrean",
    }

    for number in range(4):
        send_item(member, berita(judul=f"Berita ke-{number}"))
    _, batch = antrean_deliveries(app)  # four items, one push
    window = timedelta(seconds=app.config["QUEUE_PUSH_EVERY_SECONDS"])
    assert abs(batch.next_attempt_at - (first.next_attempt_at + window)) < timedelta(seconds=1)
    assert batch.payload["body"] == "4 kiriman baru menunggu moderasi."
    # Held back until its time: the worker does not take it early, and the queue keeps it scheduled for then.
    assert deliver(app, batch.id) == "not-claimed"
    assert any(task.args == (batch.id, batch.next_attempt_at) and task.eta for task in queue.huey.pending())

    with app.app_context():  # the window ends
        db.session.execute(update(Delivery).where(Delivery.id == batch.id).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert deliver(app, batch.id) == "sent"
    assert shown(push_service, desk_browser, 2)["body"] == "4 kiriman baru menunggu moderasi."
    assert len(push_service.received) == 2


def test_the_push_names_no_item_and_no_complainant(app, member, aduan, send_item, desk_browser, push_service):
    send_item(member, aduan(uraian="Jalan rusak di depan rumah Bapak Yosef", pelapor_nama="Agustinus Seran",
                            pelapor_telepon="0812 3456 7890"))
    (delivery,) = antrean_deliveries(app)
    assert deliver(app, delivery.id) == "sent"
    text = json.dumps(shown(push_service, desk_browser, 1))
    for private in ("Jalan rusak", "Yosef", "Agustinus", "0812", "Aduan", "Kabuna"):
        assert private not in text


def test_only_moderators_who_asked_and_whose_kabupaten_it_is_hear(
        app, member, berita, send_item, moderator, make_person, push_service, browser_keys, people):
    subscribe(moderator, push_service, browser_keys)  # subscribed, but never asked for queue pushes
    kupang = make_person("moderator.kupang")
    subscribe(kupang, push_service, browser_keys)
    assert set_alerts(kupang, True).status_code == 302
    admin = make_person("admin")  # the province's admin works every kabupaten's queue
    subscribe(admin, push_service, browser_keys)
    assert set_alerts(admin, True).status_code == 302

    send_item(member, berita())
    assert [d.account_id for d in antrean_deliveries(app)] == [people.admin]


def test_turned_off_nothing_more_is_pushed(app, member, berita, send_item, moderator, desk_browser):
    assert set_alerts(moderator, False).status_code == 302
    send_item(member, berita())
    assert antrean_deliveries(app) == []


def test_the_desk_offers_the_setting_and_shows_it(moderator):
    page = moderator.get("/moderasi").get_data(as_text=True)
    assert "Beri tahu saya di peramban ini saat ada kiriman baru" in page and "site/alerts.js" in page
    assert set_alerts(moderator, True).status_code == 302
    page = moderator.get("/moderasi").get_data(as_text=True)
    assert "Matikan pemberitahuan kiriman baru" in page and "Pemberitahuan kiriman baru menyala" in page


def test_members_cannot_turn_it_on(app, member, make_person):
    answer = member.client.post("/moderasi/pemberitahuan", data={"on": "1"}, headers={"X-CSRFToken": member.csrf})
    assert answer.status_code == 403
    anonymous = make_person().client.post("/moderasi/pemberitahuan", data={"on": "1"})
    assert anonymous.status_code in (302, 400)


def test_a_batch_counts_each_of_its_items(app, member, berita, send_item, desk_browser):
    """The items of one batch share one transaction, and the moderator's alert row is asked once in it: each item still
    counts."""
    send_item(member, berita())
    (first,) = antrean_deliveries(app)
    answer = member.post_json("/api/v1/items/batch", {"items": [berita() for _ in range(3)]})
    assert [result["status"] for result in answer.json["results"]] == [201] * 3
    _, held = antrean_deliveries(app)
    assert held.payload["body"] == "3 kiriman baru menunggu moderasi."
