"""Telling moderators that items wait for them: a count in the header of every page they see, and an e-mail when
an item enters their kabupaten's queue (only when SMTP is configured).

An item enters the queue where the item core says so — a new item with all its photos, the last photo arriving or
being withdrawn, a revision sent back — and the core raises one event for all of them
(kim_app/items/events.py, `entered_queue`). This module listens to it and, once the transaction is committed, hands
the item to a worker thread that mails; the member's request never waits for the mail server and never fails because
of it; a failed mail is logged.

Recipients come from the environment (NOTIFY_EMAILS), per kabupaten code, until accounts carry an e-mail address.
The mail names the kind, the desa and a link to the item — never the text a member typed or a complainant.
"""
from __future__ import annotations

import logging
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor, wait
from email.message import EmailMessage
from functools import partial

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from kim_app.accounts import policy
from kim_app.database import after_commit
from kim_app.extensions import db
from kim_app.items import events
from kim_app.items.kinds import KIND_LABELS
from kim_app.items.models import Item, photos_complete
from kim_app.items.statuses import Status
from kim_app.moderation import queue

logger = logging.getLogger(__name__)


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

def build_message(sender: str, to: list[str], kabupaten: str, items: list[dict]) -> EmailMessage:
    """items: dicts with kind, desa and url. Only names and links we chose; nothing a member typed."""
    message = EmailMessage()
    count = len(items)
    message["Subject"] = f"KIM: {count} kiriman baru menunggu moderasi ({kabupaten})"
    message["From"] = sender
    message["To"] = ", ".join(to)
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
    message.set_content("\n".join(lines))
    return message


def send(config: dict, message: EmailMessage) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def _deliver(app: Flask, item_ids: list[int], base_url: str) -> None:
    """On the worker: mail about the items that are in the queue now (checked after the commit, on fresh data)."""
    with app.app_context():
        try:
            items = db.session.scalars(
                select(Item).where(
                    Item.id.in_(item_ids), Item.status == Status.MENUNGGU, photos_complete(Item.id)
                )
            ).all()
            per_kabupaten: dict[str, list] = {}
            for item in items:
                per_kabupaten.setdefault(item.kabupaten_kode, []).append(item)
            for kode, found in per_kabupaten.items():
                to = recipients_for(app, kode)
                if not to:
                    continue
                lines = [
                    {"kind": item.kind, "desa": item.desa.nama, "url": f"{base_url}moderasi/item/{item.id}"}
                    for item in found
                ]
                message = build_message(app.config["SMTP_FROM"], to, found[0].kabupaten.nama, lines)
                send(app.config, message)
                logger.info("Notified %d moderator address(es) of %d item(s) in %s", len(to), len(found), kode)
        except Exception:  # a mail problem must never reach the member; the log tells the operator
            logger.exception("Notification e-mail about items %s failed", item_ids)
        finally:
            db.session.remove()


def _on_entered_queue(item) -> None:
    """The item core says the item now waits for the moderators: mailed once the change is committed."""
    if enabled(current_app):
        after_commit(partial(_hand_over, item.id))


def _hand_over(item_id: int) -> None:
    app = current_app._get_current_object()
    base_url = app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "/")
    app.extensions["kim_notify"].submit(app, [item_id], base_url.rstrip("/") + "/")


class Notifier:
    """One worker thread per process: mails go out one after another, in the background."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kim-notify")
        self.futures: list[Future] = []

    def submit(self, app: Flask, item_ids: list[int], base_url: str) -> None:
        self.futures = [f for f in self.futures if not f.done()]
        self.futures.append(self.executor.submit(_deliver, app, item_ids, base_url))

    def drain(self, timeout: float = 10) -> None:
        """Wait for the mails already handed over (tests, and a clean shutdown)."""
        wait(self.futures, timeout=timeout)


def init_app(app: Flask) -> None:
    app.extensions["kim_notify"] = Notifier()
    app.context_processor(queue_badge)
    events.entered_queue.connect(_on_entered_queue)
