"""Telling moderators that items wait for them: a count in the header of every page they see, and an e-mail when
an item enters their kabupaten's queue (only when SMTP is configured).

An item enters the queue in places owned by other domains — a new item without photos, the last photo of an item
arriving, a revision sent back — so this module listens to the ORM instead of being called from each: after a flush
it notes the items that may have entered the queue, after the commit it checks them on a worker thread and mails.
A new item is written with plain INSERTs (kim_app/sync/services.py) that the ORM does not see; the create notes it
itself (`note_queue_entry`).
The member's request never waits for the mail server and never fails because of it; a failed mail is logged.
Changes made with bulk UPDATE statements are not seen (none of those moves an item into the queue today).

Recipients come from the environment (NOTIFY_EMAILS), per kabupaten code, until accounts carry an e-mail address.
The mail names the kind, the desa and a link to the item — never the text a member typed or a complainant.
"""
from __future__ import annotations

import logging
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor, wait
from email.message import EmailMessage

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, func, inspect, select

from kim_app.accounts import policy
from kim_app.extensions import db

logger = logging.getLogger(__name__)

PENDING = "kim_notify_pending"


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

def waiting_count(user) -> int:
    """Items in this moderator's queue: waiting for a verdict, with every photo received."""
    from kim_app.media.models import photos_complete
    from kim_app.sync.models import Submission

    return db.session.scalar(
        select(func.count(Submission.id)).where(
            Submission.status == "menunggu",
            policy.moderation_scope(user, Submission.kabupaten_kode),
            photos_complete(Submission.id),
        )
    )


def queue_badge() -> dict:
    if current_user.is_authenticated and policy.can_moderate_at_all(current_user):
        return {"antrean_menunggu": waiting_count(current_user)}
    return {}


# --- E-mail ---------------------------------------------------------------------------------------------------------

def build_message(sender: str, to: list[str], kabupaten: str, items: list[dict]) -> EmailMessage:
    """items: dicts with kind, desa and url. Only names and links we chose; nothing a member typed."""
    message = EmailMessage()
    from kim_app.sync.models import KIND_LABELS

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
    from kim_app.media.models import photos_complete
    from kim_app.sync.models import Submission

    with app.app_context():
        try:
            items = db.session.scalars(
                select(Submission).where(
                    Submission.id.in_(item_ids), Submission.status == "menunggu", photos_complete(Submission.id)
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


def _note_queue_entries(session, flush_context) -> None:
    """After a flush: the items that may just have entered the queue (new, back to menunggu, a photo became siap
    or was withdrawn). Cheap; the real check happens after the commit."""
    from kim_app.media.models import Photo
    from kim_app.sync.models import Submission

    if not enabled(current_app):
        return
    pending = session.info.setdefault(PENDING, set())
    for obj in session.new:
        if isinstance(obj, Submission) and obj.status == "menunggu":
            pending.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Submission) and "menunggu" in inspect(obj).attrs.status.history.added:
            pending.add(obj.id)
        elif isinstance(obj, Photo) and "siap" in inspect(obj).attrs.state.history.added:
            pending.add(obj.submission_id)
    for obj in session.deleted:
        if isinstance(obj, Photo):
            pending.add(obj.submission_id)


def note_queue_entry(item_id: int) -> None:
    """An item written without the ORM may have entered the queue: checked and mailed after the commit."""
    if enabled(current_app):
        db.session().info.setdefault(PENDING, set()).add(item_id)


def _after_commit(session) -> None:
    if session.in_nested_transaction():
        # A savepoint was released (this event fires for those too): the outer transaction may still fail, and
        # until it commits the worker could not even see the item. Keep the notes for the real commit.
        return
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    app = current_app._get_current_object()
    base_url = app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "/")
    base_url = base_url.rstrip("/") + "/"
    app.extensions["kim_notify"].submit(app, sorted(pending), base_url)


def _after_rollback(session) -> None:
    # Whatever was noted did not happen (at worst a savepoint's rollback loses a mail; the count still shows it).
    session.info.pop(PENDING, None)


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
    for name, listener in (
        ("after_flush", _note_queue_entries),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
