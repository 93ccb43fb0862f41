"""Telling moderators that items wait for them: a count in the header of every page they see, an e-mail when
an item enters their kabupaten's queue (only when SMTP is configured), and — for a moderator who asked on the desk —
a push, batched: at most one per QUEUE_PUSH_EVERY_SECONDS, saying how many items came ("5 kiriman baru menunggu
moderasi"; the count only, nothing of the items).

The batch: the first item after a quiet spell is told at once, and opens a window; every item in the window raises
the count of one push held back until the window ends (`push_to_account(not_before=…)`), whose text is rewritten
each time (`rewrite_waiting`). The held push is a delivery row like any other — it survives a restart, and the
worker sends it when it is due. The moderator's row (models.QueueAlert) is locked while it changes, so two items
entering at once make one batch.

An item enters the queue where the item core says so — a new item with all its photos, the last photo arriving or
being withdrawn, a revision sent back — and the core raises one event for all of them
(kim_app/items/events.py, `entered_queue`). This module listens to it and queues the e-mail in the same transaction
(kim_app/notifications: a delivery row, sent by the worker after the commit, retried, and reported on /admin when it
keeps failing); the member's request never waits for the mail server and never fails because of it.

Recipients come from the environment (NOTIFY_EMAILS), per kabupaten code, until accounts carry an e-mail address.
The mail names the kind, the desa and a link to the item — never the text a member typed or a complainant.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import bindparam, select

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.database import once_per_transaction
from kim_app.extensions import db
from kim_app.items import events
from kim_app.items.kinds import KIND_LABELS
from kim_app.links import absolute
from kim_app.moderation import queue
from kim_app.moderation.models import QueueAlert
from kim_app.notifications import messages
from kim_app.notifications import services as notifications
from kim_app.timeutil import utcnow
from kim_app.wilayah.models import Desa, Kabupaten

# A held push due this soon may already be with the worker (queue.claim takes it a moment early): start a new batch.
CLAIM_MARGIN = timedelta(seconds=5)


def parse_recipients(setting: str) -> dict[str, list[str]]:
    """'53.04=a@x,b@y; 53.01=c@z; *=admin@x' -> {'53.04': [...], '53.01': [...], '*': [...]}; '*' gets every one."""
    found: dict[str, list[str]] = {}
    for part in (setting or "").split(";"):
        if "=" not in part:
            continue
        kode, addresses = part.split("=", 1)
        found.setdefault(kode.strip(), []).extend(a.strip() for a in addresses.split(",") if a.strip())
    return found


def recipients_for(app: Flask, kabupaten_kode: str) -> list[str]:
    table = parse_recipients(app.config.get("NOTIFY_EMAILS", ""))
    return list(dict.fromkeys(table.get(kabupaten_kode, []) + table.get("*", [])))


def enabled(app: Flask) -> bool:
    return bool(app.config.get("SMTP_HOST") and app.config.get("NOTIFY_EMAILS"))


# --- In-app count --------------------------------------------------------------------------------------------------

def queue_badge() -> dict:
    if current_user.is_authenticated and policy.can_moderate_at_all(current_user):
        return {"antrean_menunggu": queue.waiting_count(current_user)}
    return {}


# --- E-mail ---------------------------------------------------------------------------------------------------------

def compose(kabupaten: str, items: list[dict]) -> tuple[str, str]:
    """(subject, body). items: dicts with kind, desa and url. Only names and links we chose; nothing a member
    typed."""
    count = len(items)
    subject = f"KIM: {count} kiriman baru menunggu moderasi ({kabupaten})"
    lines = [
        "Yth. moderator Dinas Kominfo,",
        "",
        f"Ada {count} kiriman baru dari anggota KIM di {kabupaten} yang menunggu moderasi:",
        "",
        *[f"- {KIND_LABELS.get(item['kind'], item['kind'])} dari Desa {item['desa']}: {item['url']}" for item in items],
        "",
        "Aduan perlu ditanggapi dalam 3 hari kerja.",
        "",
        "Pesan ini dikirim otomatis oleh KIM; tidak perlu dibalas.",
    ]
    return subject, "\n".join(lines)


def _on_entered_queue(item) -> None:
    """The item core says the item now waits for the moderators: the mail is queued in the same transaction, so it
    goes out once the change is committed, and never for a change that was rolled back (kim_app/notifications)."""
    if not enabled(current_app):
        return
    to = recipients_for(current_app, item.kabupaten_kode)
    if not to:
        return
    desa = db.session.get(Desa, item.desa_kode)
    kabupaten = db.session.get(Kabupaten, item.kabupaten_kode)
    url = absolute(f"/moderasi/item/{item.id}")
    subject, body = compose(kabupaten.nama, [{"kind": item.kind, "desa": desa.nama, "url": url}])
    notifications.email(to, subject, body, kind="antrean")


# --- Push, batched ---------------------------------------------------------------------------------------------

def alerts_on(user: User) -> bool:
    return db.session.get(QueueAlert, user.id) is not None


def set_alerts(user: User, on: bool) -> None:
    """The desk's setting; the caller commits. The browser subscribes itself (static/site/alerts.js)."""
    alert = db.session.get(QueueAlert, user.id)
    if on and alert is None:
        db.session.add(QueueAlert(account_id=user.id, count=0))
    elif not on and alert is not None:
        db.session.delete(alert)
    db.session.flush()


# Built once with its kabupaten bound: every item that enters the queue asks it (a batch of fifty, fifty times).
_ALERTS_OF_KABUPATEN = (
    select(QueueAlert).join(User, User.id == QueueAlert.account_id)
    .where(User.active, policy.moderators_of(bindparam("kabupaten_kode")))
    .order_by(QueueAlert.account_id).with_for_update(of=QueueAlert)
)


def _push_to_moderators(item) -> None:
    """An item entered the queue: each moderator of its kabupaten who asked hears of it, in this window's batch."""
    now = utcnow()
    every = timedelta(seconds=current_app.config["QUEUE_PUSH_EVERY_SECONDS"])
    # Locked until the transaction ends, so asked once per transaction and kabupaten: the fifty items of a batch
    # count on the rows the first one locked. (An alert a moderator turns on meanwhile counts from the next request.)
    alerts = once_per_transaction(("queue-alerts", item.kabupaten_kode), lambda: db.session.scalars(
        _ALERTS_OF_KABUPATEN, {"kabupaten_kode": item.kabupaten_kode}).all())
    for alert in alerts:
        if alert.due_at is not None and alert.due_at > now + CLAIM_MARGIN:
            alert.count += 1
            notifications.rewrite_waiting(alert.account_id, **messages.antrean(alert.count),
                                          due_after=now + CLAIM_MARGIN)
        else:
            alert.count = 1
            alert.due_at = now if alert.due_at is None else max(now, alert.due_at + every)
            notifications.push_to_account(alert.account_id, **messages.antrean(1), not_before=alert.due_at)
    db.session.flush()


def init_app(app: Flask) -> None:
    app.context_processor(queue_badge)
    events.entered_queue.connect(_on_entered_queue)
    events.entered_queue.connect(_push_to_moderators)
