"""The job queue that carries every e-mail and push, and why it is built the way it is.

The library is Huey (3.x): it has a SQLite storage, so the embedded default (`make run`) needs no server, and a Redis
storage for production (REDIS_URL); its consumer runs tasks on threads, schedules retries, and runs a periodic task.
RQ was the other candidate; it needs Redis always.

Neither library alone keeps a message whose worker is SIGKILLed mid-job. Huey's dequeue removes the message before
the task runs (SQLite: DELETE in the dequeue's transaction; Redis: BRPOP), so a killed worker takes the message with
it. RQ keeps the job in a "started" registry with a heartbeat and, once that expires, moves it to the failed registry
(or retries it). And no queue can be part of the app's database transaction: a process that dies between COMMIT and
enqueue loses the message, one that enqueues before COMMIT may send about a change that was rolled back.

So the queue is only the runner. The truth is a `Delivery` row (models.py), written by services.py in the same
transaction as the change that causes it — no commit, no message; a commit, the message is on disk. Then:

- after the COMMIT, the delivery's id is enqueued (services.py, through `database.after_commit`); if that fails,
  the sweep finds it;
- a task *claims* its delivery with one conditional UPDATE (pending and due, or sending with an expired lease) that
  sets a claim token and a lease, and commits — only one worker can win; a second message for the same delivery,
  or one for a delivery already sent, finds nothing to claim and ends;
- it sends, with no transaction open, and *marks* the outcome with an UPDATE that names its token: sent; failed for
  good (reported on /admin/pengiriman); cancelled (the push subscription went away); or pending again at a later time
  (4× longer after each attempt) and scheduled in the queue for then;
- the sweep, a periodic task every minute and once when a worker starts (`recover`), enqueues again every delivery
  that is pending and overdue, or sending with an expired lease: the work of a killed worker, an enqueue that never
  happened, a scheduled retry whose message was lost.

From the recipient's view each message arrives once. The claim makes sure no two workers send the same delivery, the
lease (longer than any one SMTP or push exchange) that a live worker never loses its claim. The one window left is a
worker killed after the mail server or push service accepted a message and before the mark: that message is sent
again, with the same Message-ID (mail programs show one) or the same push Topic and notification tag (the push
service and the phone replace the first with the second).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from huey import Huey, RedisHuey, crontab
from huey.consumer import Consumer
from huey.storage import SqliteStorage
from sqlalchemy import and_, delete, or_, select, update

from kim_app.extensions import db
from kim_app.notifications import senders
from kim_app.notifications.models import Delivery, PushSubscription
from kim_app.timeutil import as_utc, utcnow

logger = logging.getLogger(__name__)

QUEUE_NAME = "kim-deliveries"
# A pending delivery this late was not picked up from the queue: its message is lost, or was never enqueued.
SWEEP_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500
# A task may run a moment before the time its delivery is due (clocks, rounding of the schedule). Only a message
# meant for that attempt may: each carries the moment it was meant for (`due`), and a delivery is claimed early only
# up to it. A second message for an earlier moment — an enqueue and a worker's start both sending the new delivery's
# first attempt — would otherwise make the retry of a failed attempt at once instead of after its pause.
EARLY = timedelta(seconds=2)


class QueueFileStorage(SqliteStorage):
    """Huey's SQLite storage, committing without an fsync each time (WAL with synchronous=NORMAL, as the app's own
    database): a power cut may lose the last messages, never the file. Losing a message costs only time here — the
    delivery rows are the truth and the sweep enqueues them again — while an fsync per enqueue, dequeue and
    revoke-check made every delivery some 8 ms slower (benchmarks/deliveries.py)."""

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


def make_huey(url: str):
    """Redis (production, REDIS_URL) or a SQLite file (the embedded default)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    if url.startswith("sqlite:///"):
        return Huey(QUEUE_NAME, results=False, storage_class=QueueFileStorage, filename=url[len("sqlite:///"):])
    raise RuntimeError(f"The delivery queue needs a redis:// or sqlite:/// URL, not {url!r}")


class DeliveryQueue:
    """One Huey instance per app, with its two tasks; the worker process builds the same from the same settings."""

    def __init__(self, app: Flask, url: str):
        self.app = app
        self.url = url
        self.huey = make_huey(url)
        self._deliver = self.huey.task(name="deliver")(self._run_deliver)
        self.huey.periodic_task(crontab(minute="*"), name="sweep")(self._run_sweep)

    def _run_deliver(self, delivery_id: int, due: datetime | None = None) -> None:
        with self.app.app_context():
            deliver(delivery_id, due)

    def _run_sweep(self) -> None:
        with self.app.app_context():
            sweep()

    def enqueue(self, delivery_id: int, at: datetime | None = None) -> None:
        now = utcnow()
        due = max(as_utc(at), now) if at else now
        delay = (due - now).total_seconds()
        if delay > 0:
            self._deliver.schedule(args=(delivery_id, due), delay=delay)
        else:
            self._deliver(delivery_id, due)

    def waiting(self) -> int:
        """Messages in the queue and its schedule (tests wait for this to be 0)."""
        return self.huey.pending_count() + self.huey.scheduled_count()

    def flush(self) -> None:
        self.huey.flush()

    def run_worker(self, threads: int) -> None:
        """Blocks until SIGTERM/SIGINT. Takes up, first, whatever killed or stopped workers left behind."""
        with self.app.app_context():
            recover()
        # An idle SQLite queue is polled at most a second apart (Redis blocks on the list instead).
        consumer = Consumer(self.huey, workers=threads, worker_type="thread", periodic=True, max_delay=1.0,
                            graceful_signal="TERM")
        consumer.run()


def queue() -> DeliveryQueue:
    return current_app.extensions["kim_queue"]


@dataclass(frozen=True)
class Job:
    """A claimed delivery, as plain values: nothing of it is read from the database while sending."""

    id: int
    token: str
    channel: str
    kind: str
    payload: dict
    attempts: int
    created_at: datetime
    subscription_id: int | None
    endpoint: str | None
    p256dh: str | None
    auth: str | None


def claim(delivery_id: int, due: datetime | None = None) -> Job | None:
    """`due`: the moment the message was meant for (see EARLY); None for a direct call, which claims what is due."""
    now = utcnow()
    earliest_due = now + EARLY if due is None else min(now + EARLY, as_utc(due))
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["DELIVERY_LEASE_SECONDS"])
    claimed = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            or_(
                and_(Delivery.state == "pending", Delivery.next_attempt_at <= earliest_due),
                and_(Delivery.state == "sending", Delivery.lease_until < now),
            ),
        )
        .values(state="sending", claim=token, lease_until=now + lease, attempts=Delivery.attempts + 1,
                updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    row = db.session.execute(
        select(Delivery.channel, Delivery.kind, Delivery.payload, Delivery.attempts, Delivery.created_at,
               Delivery.subscription_id, PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth)
        .outerjoin(PushSubscription, PushSubscription.id == Delivery.subscription_id)
        .where(Delivery.id == delivery_id)
    ).one()
    db.session.commit()
    return Job(delivery_id, token, *row)


def finish(job: Job, state: str, error: str | None = None, retry_at: datetime | None = None) -> bool:
    """Mark the outcome, if the claim is still ours (it always is, unless the lease ran out mid-send)."""
    now = utcnow()
    values = {"state": state, "claim": None, "lease_until": None, "updated_at": now}
    if error is not None:
        values["last_error"] = error[:2000]
    if state == "sent":
        values["sent_at"] = now
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    marked = db.session.execute(
        update(Delivery).where(Delivery.id == job.id, Delivery.claim == job.token).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if marked != 1:
        logger.warning("Delivery %s: the claim ran out before it was marked %s", job.id, state)
    return marked == 1


def backoff(attempts: int, config: dict) -> float:
    return min(config["DELIVERY_RETRY_SECONDS"] * 4 ** (attempts - 1), config["DELIVERY_RETRY_MAX_SECONDS"])


def deliver(delivery_id: int, due: datetime | None = None) -> str:
    """Claim, send, mark. Returns what became of it (for the log and the tests). `due`: see `claim`."""
    config = current_app.config
    job = claim(delivery_id, due)
    if job is None:
        return "not-claimed"
    if job.attempts > config["DELIVERY_MAX_ATTEMPTS"]:
        # Claimed again and again by workers that died while sending it: stop before it takes down another.
        finish(job, "failed", job_error(job, "Pekerja berhenti di tengah pengiriman berulang kali."))
        return "failed"
    try:
        if job.channel == "push":
            if job.subscription_id is None:
                finish(job, "cancelled", "Perangkat sudah tidak berlangganan (keluar, atau dipakai akun lain).")
                return "cancelled"
            senders.send_push(config, job.endpoint, job.p256dh, job.auth, job.payload,
                               senders.PUSH_KINDS[job.kind])
        else:
            message = senders.build_email(config, job.id, job.created_at.timestamp(), job.payload)
            senders.send_email(config, message)
    except senders.Gone as error:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id == job.subscription_id))
        finish(job, "cancelled", str(error))
        logger.info("Delivery %s: push subscription %s is gone, forgotten", job.id, job.subscription_id)
        return "cancelled"
    except senders.Permanent as error:
        finish(job, "failed", str(error))
        logger.warning("Delivery %s failed for good: %s", job.id, error)
        return "failed"
    except Exception as error:  # Temporary, and anything unforeseen: try again later, report when it keeps failing
        if not isinstance(error, senders.Temporary):
            logger.exception("Delivery %s: unexpected error", job.id)
        return retry_or_fail(job, error, config)
    finish(job, "sent")
    logger.info("Delivery %s (%s %s) sent", job.id, job.channel, job.kind)
    return "sent"


def job_error(job: Job, reason: str) -> str:
    return f"Percobaan ke-{job.attempts}: {reason}"


def retry_or_fail(job: Job, error: Exception, config: dict) -> str:
    reason = job_error(job, str(error) or type(error).__name__)
    if job.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        finish(job, "failed", reason)
        logger.warning("Delivery %s failed after %d attempts: %s", job.id, job.attempts, error)
        return "failed"
    delay = max(backoff(job.attempts, config), getattr(error, "retry_after", None) or 0)
    retry_at = utcnow() + timedelta(seconds=delay)
    if finish(job, "pending", reason, retry_at=retry_at):
        queue().enqueue(job.id, at=retry_at)
    logger.info("Delivery %s: attempt %d failed (%s), again in %.1f s", job.id, job.attempts, error, delay)
    return "retrying"


def unfinished(overdue_only: bool) -> list[tuple[int, datetime]]:
    """(id, when it may run) of deliveries that need a queue message: all unfinished ones, or only those whose
    message must have been lost."""
    now = utcnow()
    condition = Delivery.state.in_(("pending", "sending"))
    if overdue_only:
        condition = or_(
            and_(Delivery.state == "pending", Delivery.next_attempt_at <= now - SWEEP_GRACE),
            and_(Delivery.state == "sending", Delivery.lease_until <= now),
        )
    rows = db.session.execute(
        select(Delivery.id, Delivery.state, Delivery.next_attempt_at, Delivery.lease_until)
        .where(condition)
        .order_by(Delivery.next_attempt_at)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.rollback()  # a look-up only: the transaction ends here, not at the next write
    return [(id_, lease_until if state == "sending" else next_at) for id_, state, next_at, lease_until in rows]


def sweep() -> int:
    """Every minute: enqueue again what a killed worker, a lost enqueue or a lost retry left behind."""
    found = unfinished(overdue_only=True)
    for delivery_id, _ in found:
        queue().enqueue(delivery_id)
    if found:
        logger.info("Sweep: %d delivery(ies) enqueued again", len(found))
    return len(found)


def recover() -> int:
    """When a worker starts: every unfinished delivery gets a message for the moment it may run (a killed worker's
    claim, when its lease runs out)."""
    found = unfinished(overdue_only=False)
    for delivery_id, at in found:
        queue().enqueue(delivery_id, at=at)
    if found:
        logger.info("Worker start: %d unfinished delivery(ies) enqueued", len(found))
    return len(found)
