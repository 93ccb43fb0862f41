"""Telling moderators that items wait for them: a count in the header of every page they see, and an e-mail when
an item enters their kabupaten's queue (only when SMTP is configured).

An item enters the queue where the item core says so — a new item with all its photos, the last photo arriving or
being withdrawn, a revision sent back — and the core raises one event for all of them
(kim_app/items/events.py, `entered_queue`). This module listens to it and queues the e-mail in the same transaction
(kim_app/notifications: a delivery row, sent by the worker after the commit, retried, and reported on /admin when it
keeps failing); the member's request never waits for the mail server and never fails because of it.

Recipients come from the environment (NOTIFY_EMAILS), per kabupaten code, until accounts carry an e-mail address.
The mail names the kind, the desa and a link to the item — never the text a member typed or a complainant.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from kim_app.accounts import policy
from kim_app.extensions import db
from kim_app.items import events
from kim_app.items.kinds import KIND_LABELS
from kim_app.links import absolute
from kim_app.moderation import queue
from kim_app.notifications import services as notifications
from kim_app.wilayah.models import Desa, Kabupaten


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


def init_app(app: Flask) -> None:
    app.context_processor(queue_badge)
    events.entered_queue.connect(_on_entered_queue)
