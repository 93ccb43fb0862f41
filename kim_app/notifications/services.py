"""Deliveries, as the rest of the app asks for them:

    from kim_app.notifications import messages, services as notifications

    notifications.push_to_account(item.author_id, **messages.verdict(item.client_uuid, "Berita", "disetujui"))
    notifications.email(["maria@belu.example"], "KIM: 3 kiriman baru", "…")

Both write their `Delivery` rows in the caller's transaction — they flush, never commit — and the rows are handed to
the queue right after that transaction commits (`database.after_commit`); a rollback sends nothing. queue.py tells
why that is enough for every message to arrive exactly once.

A push goes to every device the account has subscribed (one delivery each) and says only what a lock screen may
show to whoever holds the phone: no complainant, nothing a member or citizen typed (messages.py has the texts).

Also here: the member's devices (register, refresh, remove; the same endpoint from another account moves it), and the
admin's view of failed deliveries with a retry.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from flask import Flask, current_app, session
from flask_login import user_logged_out
from sqlalchemy import JSON, delete, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.accounts.session import all_sessions_ended
from kim_app.database import after_commit, insert_unless_exists
from kim_app.errors import Conflict, Invalid, NotFound
from kim_app.extensions import db
from kim_app.notifications.models import Delivery, PushSubscription
from kim_app.notifications.queue import DeliveryQueue, queue
from kim_app.notifications.senders import PUSH_KINDS
from kim_app.timeutil import UTCDateTime, utcnow

logger = logging.getLogger(__name__)

# The session remembers the subscriptions registered in it, so that signing out forgets this device on the server
# even if the phone's own DELETE never arrives.
SESSION_DEVICES = "push"
KIND_LABELS = {
    "verdict": "Putusan moderasi",
    "aduan_status": "Status aduan",
    "pengumuman": "Pengumuman",
    "antrean": "Antrean moderator",
    "email": "E-mail",
}
TITLE_MAX, BODY_MAX, URL_MAX, TAG_MAX = 80, 240, 300, 64
# Ids beyond a 32-bit INTEGER cannot exist, and the databases refuse even to compare with them.
ID_MAX = 2**31 - 1


# --- Sending: the API of the rest of the app --------------------------------------------------------------------

def _payload(kind: str, title: str, body: str, url: str, tag: str | None) -> dict:
    if kind not in PUSH_KINDS:
        raise ValueError(f"unknown kind of push {kind!r}; known: {', '.join(PUSH_KINDS)}")
    if not (0 < len(title) <= TITLE_MAX and len(body) <= BODY_MAX and len(tag or "") <= TAG_MAX):
        raise ValueError("a push has a title of 1-80 characters, a body of at most 240, a tag of at most 64")
    if not (url.startswith("/") and not url.startswith("//") and len(url) <= URL_MAX):
        raise ValueError("a push opens a path of this site, such as /app#item=<uuid>")
    return {"title": title, "body": body, "url": url, "tag": tag}


def push_to_account(account_id: int, kind: str, title: str, body: str, url: str, tag: str | None = None,
                    not_before: datetime | None = None) -> int:
    """Queue a notification to every device of the account (none for an account without one, or deactivated).
    `url` is a path of this site the notification opens (e.g. /app#item=<uuid>); `tag` names what it is about, so a
    newer notification about the same thing replaces the older one on the phone; `not_before` holds it back until
    then (a batch: `rewrite_waiting` may still change its text). Returns the number of devices."""
    payload = _payload(kind, title, body, url, tag)
    now = utcnow()
    due = max(now, not_before) if not_before else now
    # One statement: a delivery for each device of the account, if the account is active.
    devices = (
        select(literal("push"), literal(kind), PushSubscription.account_id, PushSubscription.id,
               literal(payload, JSON), literal("pending"), literal(0), literal(due, UTCDateTime),
               literal(now, UTCDateTime), literal(now, UTCDateTime))
        .join(User, User.id == PushSubscription.account_id)
        .where(PushSubscription.account_id == account_id, User.active)
    )
    columns = ["channel", "kind", "account_id", "subscription_id", "payload", "state", "attempts", "next_attempt_at",
               "created_at", "updated_at"]
    ids = db.session.scalars(insert(Delivery).from_select(columns, devices).returning(Delivery.id)).all()
    _enqueue_after_commit(ids, at=due if due > now else None)
    return len(ids)


def rewrite_waiting(account_id: int, kind: str, title: str, body: str, url: str, tag: str | None = None,
                    due_after: datetime | None = None) -> int:
    """New text for the account's pushes of this kind that are held back until after `due_after` and not yet taken
    by the worker (one held beyond the next moments cannot be: queue.claim takes a delivery only once it is due).
    Returns how many were rewritten."""
    payload = _payload(kind, title, body, url, tag)
    waiting = update(Delivery).where(
        Delivery.account_id == account_id, Delivery.channel == "push", Delivery.kind == kind,
        Delivery.state == "pending", Delivery.attempts == 0,
    )
    if due_after is not None:
        waiting = waiting.where(Delivery.next_attempt_at > due_after)
    return db.session.execute(
        waiting.values(payload=payload, updated_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def email(to: str | Iterable[str], subject: str, body: str, kind: str = "email") -> Delivery | None:
    """Queue one e-mail (plain text, From: SMTP_FROM). Nothing is queued while SMTP_HOST is not set."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients or any("@" not in address or "\n" in address for address in recipients):
        raise ValueError(f"e-mail needs recipient addresses, not {recipients!r}")
    if "\n" in subject or not subject.strip():
        raise ValueError("an e-mail subject is one non-empty line")
    if not current_app.config.get("SMTP_HOST"):
        logger.info("No SMTP_HOST: e-mail %r to %s not queued", subject, recipients)
        return None
    delivery = Delivery(channel="email", kind=kind[:24], payload={"to": recipients, "subject": subject, "body": body})
    _add([delivery])
    return delivery


def _add(deliveries: list[Delivery]) -> None:
    db.session.add_all(deliveries)
    db.session.flush()
    _enqueue_after_commit(d.id for d in deliveries)


def _enqueue_after_commit(delivery_ids: Iterable[int], at: datetime | None = None) -> None:
    """Enqueued once the transaction commits (never when it, or the savepoint that made them, is rolled back); `at`:
    to run then, not at once."""
    ids = sorted(set(delivery_ids))
    if ids:
        after_commit(partial(_enqueue, ids, at))


def _enqueue(delivery_ids: list[int], at: datetime | None) -> None:
    try:
        for delivery_id in delivery_ids:
            queue().enqueue(delivery_id, at=at)
    except Exception:  # the queue is unreachable: the rows are safe, and the sweep enqueues them within minutes
        logger.exception("Deliveries %s committed but not enqueued; the sweep will take them up", delivery_ids)


# --- The member's devices ----------------------------------------------------------------------------------------

def endpoint_problem(endpoint: str) -> str | None:
    """Why this push endpoint is refused, or None. The worker will POST to it: only the browsers' push services."""
    parts = urlsplit(endpoint)
    config = current_app.config
    try:
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 — a port that is not a number raises here
    except ValueError:
        return "Alamat langganan push tidak sah."
    if config["PUSH_ALLOW_LOCAL_ENDPOINTS"] and parts.scheme == "http" and host in ("127.0.0.1", "localhost"):
        return None
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return "Alamat langganan push harus alamat https dari layanan push peramban."
    services = [h.strip().lower() for h in config["PUSH_SERVICE_HOSTS"].split(",") if h.strip()]
    if not any(host == known or host.endswith("." + known) for known in services):
        return "Alamat langganan push bukan layanan push peramban yang dikenal."
    return None


def register_device(account: User, endpoint: str, p256dh: str, auth: str) -> tuple[PushSubscription, bool]:
    """Store this browser's subscription for the account; the same endpoint again updates it. An endpoint another
    account registered (the same phone, another member) leaves that account: its row and whatever was queued to it
    go, and a new row is made. Returns (subscription, created)."""
    problem = endpoint_problem(endpoint)
    if problem:
        raise Invalid(problem, errors={"endpoint": [problem]})
    existing = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if existing is not None and policy.owns_device(account, existing):
        existing.p256dh, existing.auth, existing.updated_at = p256dh, auth, utcnow()
        db.session.flush()
        _remember_in_session(existing.id)
        return existing, False
    if existing is not None:
        logger.info("Push endpoint of subscription %s moves from account %s to %s", existing.id,
                    existing.account_id, account.id)
        db.session.delete(existing)
        db.session.flush()
    now = utcnow()
    subscription = PushSubscription(account_id=account.id, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                    created_at=now, updated_at=now)
    if insert_unless_exists(subscription) is None:
        # Another request registered the same endpoint between our look-up and our insert.
        raise Conflict("Langganan ini sedang didaftarkan. Coba lagi.")
    _remember_in_session(subscription.id)
    return subscription, True


def _remember_in_session(subscription_id: int) -> None:
    known = [i for i in session.get(SESSION_DEVICES, []) if i != subscription_id]
    session[SESSION_DEVICES] = (known + [subscription_id])[-5:]


def remove_device(account: User, subscription_id: int) -> None:
    subscription = db.session.get(PushSubscription, subscription_id) if subscription_id <= ID_MAX else None
    # Someone else's subscription looks exactly like a missing one.
    if subscription is None or not policy.owns_device(account, subscription):
        raise NotFound("Langganan push tidak ditemukan.")
    db.session.delete(subscription)
    db.session.flush()


def _forget_devices_of_account(_app, account_id: int, **_extra) -> None:
    """Every session of the account ended (everywhere, deactivated, new password, the admin): none of its devices
    is signed in any more, so none keeps receiving its notifications. In the request's transaction."""
    db.session.execute(delete(PushSubscription).where(PushSubscription.account_id == account_id))


def _forget_devices_at_sign_out(_app, user, **_extra) -> None:
    """Signing out forgets the devices registered in this session: a shared phone must not keep receiving the
    verdicts of the member who left. The phone unsubscribes too (static/js/later/push.js); this holds if it could
    not."""
    registered = session.get(SESSION_DEVICES) or []
    if not registered or user is None or not getattr(user, "id", None):
        return
    try:
        db.session.execute(
            delete(PushSubscription).where(PushSubscription.id.in_(registered), PushSubscription.account_id == user.id)
        )
        db.session.commit()
    except Exception:  # signing out must work even when the database does not answer
        db.session.rollback()
        logger.exception("Could not forget push subscriptions %s at sign-out of account %s", registered, user.id)


# --- The admin's view ----------------------------------------------------------------------------------------------

def failed_deliveries(limit: int = 200) -> list[Delivery]:
    return list(db.session.scalars(
        select(Delivery).options(joinedload(Delivery.account)).where(Delivery.state == "failed")
        .order_by(Delivery.updated_at.desc(), Delivery.id.desc()).limit(limit)
    ))


def counts_by_state() -> dict[str, int]:
    return dict(db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())


def retry(delivery_id: int) -> Delivery:
    """A failed delivery goes back to the queue, with a fresh count of attempts; the caller commits."""
    delivery = db.session.get(Delivery, delivery_id) if delivery_id <= ID_MAX else None
    if delivery is None or delivery.state != "failed":
        raise NotFound("Pengiriman gagal itu tidak ada (mungkin sudah dikirim ulang).")
    if delivery.channel == "push" and delivery.subscription_id is None:
        raise Invalid("Perangkat itu sudah tidak berlangganan; pesan ini tidak bisa dikirim lagi.")
    now = utcnow()
    delivery.state, delivery.attempts, delivery.next_attempt_at, delivery.updated_at = "pending", 0, now, now
    db.session.flush()
    _enqueue_after_commit([delivery.id])
    return delivery


def describe(delivery: Delivery) -> dict:
    """What the admin's page shows of a delivery: what it was, to whom — never its body."""
    payload = delivery.payload or {}
    if delivery.channel == "email":
        to, subject = ", ".join(payload.get("to", [])), payload.get("subject", "")
    else:
        to = delivery.account.username if delivery.account else "?"
        subject = payload.get("title", "")
    return {"kind": KIND_LABELS.get(delivery.kind, delivery.kind), "to": to, "subject": subject}


# --- Wiring --------------------------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    app.extensions["kim_queue"] = DeliveryQueue(app, app.config["QUEUE_URL"])
    user_logged_out.connect(_forget_devices_at_sign_out, app)
    all_sessions_ended.connect(_forget_devices_of_account, app)
