"""A push, from `push_to_account` to what the phone decrypts: our push service (tests/notifications/pushservice.py)
takes pywebpush's real request, checks its VAPID signature and headers, and decrypts it with the browser's keys.
The worker's code (`queue.deliver`) runs here in the test's process; test_queue.py runs it in a worker process."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.notifications import messages, services
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications.models import Delivery, PushSubscription
from kim_app.notifications.senders import PUSH_KINDS, topic_for
from tests.notifications.conftest import delivery_row
from tests.notifications.pushservice import check_vapid

SUBSCRIPTIONS = "/api/v1/push/subscriptions"




def push(app, account_id: int, **message) -> list[int]:
    """Queue a push in a transaction of its own; the ids of the deliveries made."""
    with app.app_context():
        services.push_to_account(account_id, **message)
        db.session.commit()
        ids = db.session.scalars(select(Delivery.id).where(Delivery.state == "pending")).all()
        db.session.remove()
    return ids


def deliver(app, delivery_id: int) -> str:
    with app.app_context():
        return delivery_queue.deliver(delivery_id)


def test_a_verdict_reaches_the_phone_encrypted_signed_and_without_complainant_data(app, people, phone, push_service):
    item = uuid.uuid4()
    (delivery_id,) = push(app, people.anggota, **messages.verdict(item, "Aduan", "perlu_revisi"))
    assert deliver(app, delivery_id) == "sent"

    (request,) = push_service.wait_for(1)
    check_vapid(request, app.config["VAPID_PUBLIC_KEY"], audience=push_service.origin,
                subject=app.config["VAPID_SUBJECT"])
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == str(14 * 24 * 3600)
    assert request.headers["urgency"] == "normal"
    assert request.headers["topic"] == topic_for(f"item-{item}")
    assert len(request.headers["topic"]) <= 32

    payload = json.loads(phone.decrypt(request.body))
    assert payload == {
        "title": "Kiriman Anda perlu diperbaiki",
        "body": "Moderator meminta perbaikan aduan Anda. Buka aplikasi untuk melihat catatannya.",
        "url": f"/app#item={item}",
        "tag": f"item-{item}",
    }
    row = delivery_row(app, delivery_id)
    assert (row.state, row.attempts, row.claim) == ("sent", 1, None)


@pytest.mark.parametrize("message, urgency, ttl", [
    (messages.aduan_status(uuid.uuid4(), "K7QX2M", "Diteruskan ke OPD"), "normal", 14 * 24 * 3600),
    (messages.pengumuman("Pelatihan jurnalisme warga di Atambua", "/"), "low", 3 * 24 * 3600),
    (messages.antrean(5), "normal", 4 * 3600),
])
def test_each_kind_travels_with_its_own_urgency_and_lifetime(app, people, phone, push_service, message, urgency,
                                                             ttl):
    (delivery_id,) = push(app, people.anggota, **message)
    assert deliver(app, delivery_id) == "sent"
    (request,) = push_service.wait_for(1)
    assert (request.headers["urgency"], int(request.headers["ttl"])) == (urgency, ttl)
    assert PUSH_KINDS[message["kind"]].urgency == urgency
    assert json.loads(phone.decrypt(request.body))["title"] == message["title"]


def test_every_device_of_the_account_gets_its_own_delivery(app, people, member, push_service, browser_keys):
    phones = [browser_keys() for _ in range(2)]
    for number, keys in enumerate(phones):
        member.post_json(SUBSCRIPTIONS, keys.subscription(push_service.endpoint(f"hp-{number}")))
    ids = push(app, people.anggota, **messages.antrean(2))
    assert len(ids) == 2
    for delivery_id in ids:
        assert deliver(app, delivery_id) == "sent"
    received = {request.path: request for request in push_service.wait_for(2)}
    for number, keys in enumerate(phones):
        assert json.loads(keys.decrypt(received[f"/push/hp-{number}"].body))["body"].startswith("2 kiriman baru")


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_dropped(app, people, phone, push_service, status):
    push_service.answers[f"/push/{phone.endpoint.rsplit('/', 1)[1]}"] = status
    (delivery_id,) = push(app, people.anggota, **messages.antrean(1))
    assert deliver(app, delivery_id) == "cancelled"
    row = delivery_row(app, delivery_id)
    assert row.state == "cancelled" and str(status) in row.last_error
    with app.app_context():
        assert db.session.scalar(select(PushSubscription)) is None
        assert services.push_to_account(people.anggota, **messages.antrean(1)) == 0


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_push_service_in_trouble_is_tried_again_later(app, people, phone, push_service, queue, status):
    push_service.answers[f"/push/{phone.endpoint.rsplit('/', 1)[1]}"] = status
    (delivery_id,) = push(app, people.anggota, **messages.antrean(1))
    assert deliver(app, delivery_id) == "retrying"
    row = delivery_row(app, delivery_id)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > row.updated_at
    # The next attempt is in the queue, for the time it is due (the consumer keeps it in its schedule until then).
    # The message carries the moment it is meant for: the retry's, no earlier.
    assert [task.args for task in queue.huey.pending() if task.eta] == [(delivery_id, row.next_attempt_at)]


def test_a_push_the_service_refuses_outright_is_reported_as_failed(app, people, phone, push_service):
    push_service.answers[f"/push/{phone.endpoint.rsplit('/', 1)[1]}"] = 400
    (delivery_id,) = push(app, people.anggota, **messages.antrean(1))
    assert deliver(app, delivery_id) == "failed"
    assert "400" in delivery_row(app, delivery_id).last_error


def test_the_same_delivery_is_sent_once_however_often_it_is_run(app, people, phone, push_service):
    (delivery_id,) = push(app, people.anggota, **messages.antrean(3))
    assert [deliver(app, delivery_id) for _ in range(3)] == ["sent", "not-claimed", "not-claimed"]
    assert len(push_service.received) == 1


def test_nothing_is_queued_for_an_account_without_devices_or_deactivated(app, people, phone):
    with app.app_context():
        assert services.push_to_account(people.anggota_lain, **messages.antrean(1)) == 0
        from kim_app.accounts.models import User

        db.session.get(User, people.anggota).active = False
        assert services.push_to_account(people.anggota, **messages.antrean(1)) == 0
        db.session.rollback()


@pytest.mark.parametrize("change", [
    {"kind": "gosip"}, {"title": ""}, {"title": "x" * 81}, {"body": "x" * 241}, {"url": "https://evil.example/"},
    {"url": "//evil.example/"}, {"url": "app"}, {"tag": "t" * 65},
])
def test_push_to_account_refuses_what_it_must_not_send(app, people, change):
    message = {**messages.antrean(1), **change}
    with app.app_context(), pytest.raises(ValueError):
        services.push_to_account(people.anggota, **message)


def test_a_rolled_back_change_pushes_nothing(app, people, phone, queue):
    with app.app_context():
        assert services.push_to_account(people.anggota, **messages.antrean(1)) == 1
        db.session.rollback()
        assert db.session.scalar(select(Delivery)) is None
    assert queue.waiting() == 0


def test_a_committed_push_is_in_the_queue_at_once(app, people, phone, queue):
    ids = push(app, people.anggota, **messages.antrean(1))
    assert len(ids) == 1
    assert queue.huey.pending_count() == 1


def test_the_lock_screen_texts_name_no_person_and_quote_nothing_typed():
    """The builders take codes and labels only; none of them has a parameter for text a person typed, except the
    Dinas' own pengumuman title."""
    texts = [messages.verdict(uuid.uuid4(), "Aduan", status) for status in messages.VERDICTS]
    texts.append(messages.aduan_status(uuid.uuid4(), "K7QX2M", "Selesai"))
    for message in texts:
        assert set(message) == {"kind", "title", "body", "url", "tag"}
        assert message["url"].startswith("/app#item=")
