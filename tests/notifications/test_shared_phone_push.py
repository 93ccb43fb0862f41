"""A shared phone: when another account signs in on the browser, the account that was signed in there is signed out
first, and the push subscriptions it registered there are forgotten — nothing queued for it afterwards can reach the
phone the next member holds. The same account signing in again keeps its device."""
from __future__ import annotations

from sqlalchemy import select

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.notifications import messages, services
from kim_app.notifications.models import PushSubscription
from tests.conftest import PASSWORD

SUBSCRIPTIONS = "/api/v1/push/subscriptions"


def sign_in_on(person, username: str):
    # Signed in, /masuk answers a GET with a redirect; the session's CSRF token is the form's.
    token = person.csrf
    answer = person.client.post("/masuk", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302
    person.me = person.client.get("/api/v1/me").json
    person.csrf = person.me["csrf_token"]


def owners(app) -> list[str]:
    with app.app_context():
        found = db.session.scalars(
            select(User.username).join(PushSubscription, PushSubscription.account_id == User.id)
        ).all()
        db.session.remove()
    return list(found)


def test_another_account_signing_in_forgets_the_first_accounts_device(app, member, push_service, browser_keys,
                                                                      people):
    assert member.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("hp"))).status_code == 201
    assert owners(app) == ["anggota"]

    sign_in_on(member, "anggota2")  # the same browser: the second member signs in without the first signing out
    assert member.me["username"] == "anggota2"
    assert owners(app) == []
    with app.app_context():
        assert services.push_to_account(people.anggota, **messages.verdict("x", "Berita", "disetujui")) == 0
        db.session.rollback()


def test_the_same_account_signing_in_again_keeps_its_device(app, member, push_service, browser_keys):
    assert member.post_json(SUBSCRIPTIONS, browser_keys().subscription(push_service.endpoint("hp"))).status_code == 201
    sign_in_on(member, "anggota")
    assert owners(app) == ["anggota"]
