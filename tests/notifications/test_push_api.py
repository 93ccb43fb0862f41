"""The phone's push API: the server's key, registering a browser (again: updated, not duplicated), removing it,
a shared phone moving to another account, sign-out forgetting the device — and bad input always a 4xx problem."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications import services
from kim_app.notifications.models import Delivery, PushSubscription
from kim_app.notifications.vapid import public_key_for

SUBSCRIPTIONS = "/api/v1/push/subscriptions"


def devices(app) -> list[tuple[str, str, str]]:
    """(username, endpoint, p256dh) of every stored subscription."""
    from kim_app.accounts.models import User

    with app.app_context():
        rows = db.session.execute(
            select(User.username, PushSubscription.endpoint, PushSubscription.p256dh)
            .join(User, User.id == PushSubscription.account_id).order_by(PushSubscription.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_the_key_is_the_public_half_of_the_servers_vapid_key(app):
    response = app.test_client().get("/api/v1/push/key")
    assert response.status_code == 200
    assert response.json == {"public_key": public_key_for(app.config["VAPID_PRIVATE_KEY"])}
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_member_registers_a_browser_and_the_same_one_again_updates_it(app, member, push_service, browser_keys):
    endpoint = push_service.endpoint("hp-yohanes")
    first = member.post_json(SUBSCRIPTIONS, browser_keys().subscription(endpoint))
    assert first.status_code == 201
    renewed = browser_keys().subscription(endpoint)
    again = member.post_json(SUBSCRIPTIONS, renewed)
    assert again.status_code == 200
    assert again.json == first.json
    assert devices(app) == [("anggota", endpoint, renewed["keys"]["p256dh"])]


def test_a_moderator_may_register_too(app, moderator, push_service, browser_keys):
    response = moderator.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("laptop")))
    assert response.status_code == 201
    assert devices(app)[0][0] == "moderator"


def test_shared_phone_the_endpoint_leaves_the_first_account(app, make_person, push_service, browser_keys, queue):
    """One phone, two members: once the second registers the phone's endpoint, nothing for the first reaches it —
    not even what was queued for the first before."""
    endpoint = push_service.endpoint("hp-keluarga")
    first = make_person("anggota")
    assert first.post_json(SUBSCRIPTIONS, browser_keys().subscription(endpoint)).status_code == 201
    with app.app_context():
        assert services.push_to_account(first.me["id"], "verdict", "Kiriman Anda disetujui", "Berita Anda.", "/app")
        db.session.commit()
        (queued_for_first,) = db.session.scalars(select(Delivery.id)).all()

    second = make_person("anggota2")
    assert second.post_json(SUBSCRIPTIONS, browser_keys().subscription(endpoint)).status_code == 201
    assert [who for who, *_ in devices(app)] == ["anggota2"]

    with app.app_context():
        assert delivery_queue.deliver(queued_for_first) == "cancelled"
        assert services.push_to_account(first.me["id"], "verdict", "Kiriman Anda ditolak", "Berita Anda.", "/app") == 0
        assert services.push_to_account(second.me["id"], "verdict", "Kiriman Anda disetujui", "Foto.", "/app") == 1
        db.session.commit()
        (for_second,) = db.session.scalars(select(Delivery.id).where(Delivery.state == "pending")).all()
        assert delivery_queue.deliver(for_second) == "sent"
    assert len(push_service.received) == 1  # the second member's message only


def test_removing_a_device_stops_its_pushes_and_only_its_owner_may(app, make_person, push_service, browser_keys):
    owner, other = make_person("anggota"), make_person("anggota2")
    created = owner.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("a")))
    path = f"{SUBSCRIPTIONS}/{created.json['id']}"

    refused = other.client.delete(path, headers={"X-CSRFToken": other.csrf})
    missing = other.client.delete(f"{SUBSCRIPTIONS}/999999", headers={"X-CSRFToken": other.csrf})
    beyond = other.client.delete(f"{SUBSCRIPTIONS}/{2**70}", headers={"X-CSRFToken": other.csrf})
    assert refused.status_code == missing.status_code == beyond.status_code == 404
    assert refused.json == missing.json
    assert refused.headers["Content-Type"] == "application/problem+json"

    assert owner.client.delete(path, headers={"X-CSRFToken": owner.csrf}).status_code == 204
    assert devices(app) == []
    assert owner.client.delete(path, headers={"X-CSRFToken": owner.csrf}).status_code == 404


def test_signing_out_forgets_the_device_registered_in_that_session(app, make_person, push_service, browser_keys):
    leaving, staying = make_person("anggota"), make_person("anggota2")
    leaving.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("hp-1")))
    staying.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("hp-2")))
    answer = leaving.client.post("/keluar", headers={"X-CSRFToken": leaving.csrf, "Accept": "application/json"})
    assert answer.status_code == 200
    assert [who for who, *_ in devices(app)] == ["anggota2"]


def test_registering_needs_a_session_and_the_csrf_token(app, make_person, push_service, browser_keys):
    body = browser_keys().subscription(push_service.endpoint("x"))
    anonymous = make_person()
    anonymous.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                               anonymous.get("/masuk").get_data(as_text=True)).group(1)
    assert anonymous.post_json(SUBSCRIPTIONS, body).status_code == 401
    member = make_person("anggota")
    without_token = member.client.post(SUBSCRIPTIONS, json=body)
    assert without_token.status_code == 400
    assert without_token.json["type"] == "urn:kim:problem:csrf"
    assert devices(app) == []


def good_body(push_service, browser_keys) -> dict:
    return browser_keys().subscription(push_service.endpoint("hp"))


@pytest.mark.parametrize("change, field", [
    (lambda b: b.update(endpoint="http://fcm.googleapis.com/fcm/send/abc"), "endpoint"),  # not https
    (lambda b: b.update(endpoint="https://10.0.0.5/push/abc"), "endpoint"),  # not a push service
    (lambda b: b.update(endpoint="https://fcm.googleapis.com.evil.example/x"), "endpoint"),
    (lambda b: b.update(endpoint="https://user:pw@fcm.googleapis.com/x"), "endpoint"),
    (lambda b: b.update(endpoint="https://fcm.googleapis.com:notaport/x"), "endpoint"),
    (lambda b: b.update(endpoint="https://fcm.googleapis.com/" + "a" * 1100), "endpoint"),
    (lambda b: b.update(endpoint=""), "endpoint"),
    (lambda b: b.update(endpoint=42), "endpoint"),
    (lambda b: b.pop("endpoint"), "endpoint"),
    (lambda b: b["keys"].update(p256dh="not base64!"), "keys"),
    (lambda b: b["keys"].update(p256dh="BAAA"), "keys"),  # too short
    (lambda b: b["keys"].update(p256dh="BA" + "A" * 85), "keys"),  # 65 bytes, but not a point on the curve
    (lambda b: b["keys"].update(auth="c2hvcnQ"), "keys"),  # 5 bytes
    (lambda b: b["keys"].update(auth=None), "keys"),
    (lambda b: b["keys"].pop("auth"), "keys"),
    (lambda b: b.pop("keys"), "keys"),
    (lambda b: b.update(keys="p256dh"), "keys"),
    (lambda b: b.update(owner="admin"), "owner"),  # unknown field
    (lambda b: b["keys"].update(extra="x"), "keys"),
])
def test_malformed_subscriptions_are_refused_with_the_field_named(app, member, push_service, browser_keys,
                                                                  change, field):
    body = good_body(push_service, browser_keys)
    change(body)
    response = member.post_json(SUBSCRIPTIONS, body)
    assert response.status_code == 422, response.json
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json["errors"]
    assert devices(app) == []


def test_a_huge_body_is_refused_before_it_is_read(app, member, push_service, browser_keys):
    body = good_body(push_service, browser_keys)
    body["endpoint"] += "x" * 100_000
    response = member.post_json(SUBSCRIPTIONS, body)
    assert response.status_code == 413
    assert response.json["type"] == "urn:kim:problem:too-large"


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'"text"', json.dumps({"endpoint": [1, 2]}).encode()])
def test_unreadable_bodies_get_a_4xx(member, raw):
    response = member.client.post(SUBSCRIPTIONS, data=raw, content_type="application/json",
                                  headers={"X-CSRFToken": member.csrf})
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"


def test_keys_are_stored_without_padding(app, member, push_service, browser_keys):
    body = good_body(push_service, browser_keys)
    body["keys"] = {name: value + "=" * (-len(value) % 4) for name, value in body["keys"].items()}
    assert member.post_json(SUBSCRIPTIONS, body).status_code == 201
    with app.app_context():
        stored = db.session.scalar(select(PushSubscription))
        assert "=" not in stored.p256dh + stored.auth
        assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 1


def test_openapi_document_describes_the_push_api(app):
    spec = app.test_client().get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/push/subscriptions"]["post"]
    assert {"200", "201", "401", "413", "422"} <= set(post["responses"])
    assert "application/problem+json" in post["responses"]["422"]["content"]
    assert spec["paths"]["/api/v1/push/key"]["get"]["security"] == []
    assert "204" in spec["paths"]["/api/v1/push/subscriptions/{subscription_id}"]["delete"]["responses"]
    schema = spec["components"]["schemas"]["PushSubscription"]
    assert {"endpoint", "keys"} <= set(schema["required"])


def test_the_admin_retries_only_what_failed(app, make_person):
    admin = make_person("admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/pengiriman").get_data(as_text=True))
    for delivery_id in (1, 2**70):
        answer = admin.client.post(f"/admin/pengiriman/{delivery_id}/ulang", data={"csrf_token": token.group(1)})
        assert answer.status_code == 404
