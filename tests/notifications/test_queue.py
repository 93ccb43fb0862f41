"""The job queue with a real worker process (`flask kim worker`) and a real SMTP server of ours (aiosmtpd), on the
embedded SQLite queue and on Redis: a worker SIGKILLed mid-job still sends the message once; a failing mail server is
tried again with growing pauses and then reported on the admin's page, from where it is sent again; a message whose
enqueue was lost after the commit goes out all the same."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from kim_app.extensions import db
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications import services
from kim_app.notifications.models import Delivery
from kim_app.notifications.queue import DeliveryQueue
from kim_app.timeutil import utcnow
from tests.notifications.conftest import delivery_row, free_port, wait_until


def queue_email(app, subject: str = "KIM: 2 kiriman baru menunggu moderasi (Kabupaten Belu)") -> int:
    with app.app_context():
        delivery = services.email(["maria@belu.example", "admin@ntt.example"], subject, "Ada 2 kiriman baru.")
        db.session.commit()
        delivery_id = delivery.id
        db.session.remove()
    return delivery_id


def settled(app, queue: DeliveryQueue, delivery_id: int, state: str):
    """The delivery reached `state` and the queue holds nothing more for anyone: nothing can still be sent."""
    row = delivery_row(app, delivery_id)
    return row if row.state == state and queue.waiting() == 0 else None


def test_a_worker_sends_the_queued_email(app, mailbox, queue_backend, start_worker):
    start_worker(queue_backend, mailbox.env)
    delivery_id = queue_email(app)
    row = wait_until(lambda: settled(app, queue_backend, delivery_id, "sent"), what="the e-mail to be sent")
    ((to, message),) = mailbox.messages
    assert to == ["maria@belu.example", "admin@ntt.example"]
    assert message["Subject"] == "KIM: 2 kiriman baru menunggu moderasi (Kabupaten Belu)"
    assert message["From"] == "kim@kominfo.example"
    assert re.fullmatch(rf"<kim\.{delivery_id}\.\d+@kominfo\.example>", message["Message-ID"])
    assert (row.attempts, row.sent_at is not None) == (1, True)


def test_a_worker_killed_mid_job_leaves_the_message_to_be_sent_exactly_once(app, mailbox, queue_backend,
                                                                              start_worker):
    mailbox.stall_next = True
    first = start_worker(queue_backend, mailbox.env)
    delivery_id = queue_email(app)
    assert mailbox.stalled.wait(30), first.output()  # the worker is in the middle of the SMTP conversation

    first.kill()  # SIGKILL, by its own pid: no handler runs, nothing is cleaned up
    mailbox.release.set()
    killed = delivery_row(app, delivery_id)
    assert (killed.state, killed.attempts) == ("sending", 1)
    assert mailbox.messages == []

    start_worker(queue_backend, mailbox.env)  # takes the delivery up again once the dead worker's lease ran out
    row = wait_until(lambda: settled(app, queue_backend, delivery_id, "sent"), what="the e-mail to be sent")
    assert len(mailbox.messages) == 1
    assert row.attempts == 2


def test_a_failing_mail_server_is_retried_with_backoff_then_reported_and_retried_by_the_admin(
        app, mailbox, queue, start_worker, make_person):
    mailbox.refuse = "451 4.3.0 Sistem sibuk, coba lagi nanti"
    start_worker(queue, mailbox.env)
    delivery_id = queue_email(app, subject="KIM: kiriman menunggu")
    row = wait_until(lambda: settled(app, queue, delivery_id, "failed"), what="the delivery to fail")

    attempts = app.config["DELIVERY_MAX_ATTEMPTS"]
    assert row.attempts == attempts == len(mailbox.attempts)
    pauses = [later - earlier for earlier, later in zip(mailbox.attempts, mailbox.attempts[1:], strict=False)]
    first_pause = app.config["DELIVERY_RETRY_SECONDS"]
    assert pauses[0] >= first_pause and pauses[1] >= 4 * first_pause  # each pause four times the one before
    assert "451" in row.last_error and f"Percobaan ke-{attempts}" in row.last_error

    admin = make_person("admin")
    page = admin.get("/admin/pengiriman").get_data(as_text=True)
    assert "KIM: kiriman menunggu" in page and "maria@belu.example" in page
    assert "451 4.3.0 Sistem sibuk" in page and f"{attempts} kali dicoba" in page
    assert "Ada 2 kiriman baru" not in page  # what was sent is not shown, only what and to whom

    mailbox.refuse = None
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = admin.client.post(f"/admin/pengiriman/{delivery_id}/ulang", data={"csrf_token": token})
    assert answer.status_code == 302
    wait_until(lambda: settled(app, queue, delivery_id, "sent"), what="the retried e-mail to be sent")
    assert len(mailbox.messages) == 1
    assert "Tidak ada pengiriman yang gagal" in admin.get("/admin/pengiriman").get_data(as_text=True)


def test_a_mail_server_that_refuses_for_good_fails_at_once(app, mailbox, queue):
    mailbox.refuse = "550 5.1.1 Tidak ada kotak surat itu"
    delivery_id = queue_email(app)
    with app.app_context():
        assert delivery_queue.deliver(delivery_id) == "failed"
    assert delivery_row(app, delivery_id).attempts == 1


def test_a_second_message_for_a_first_attempt_does_not_bring_the_retry_forward(app, mailbox, queue):
    """A new delivery's first attempt can be asked twice (its enqueue after the commit, and a worker's start that
    finds it unfinished). When the first message's attempt fails, the second one must leave the retry to its pause —
    not try again a moment later, which a claim allowed to run a little early (EARLY) did."""
    mailbox.refuse = "451 4.3.0 Sistem sibuk, coba lagi nanti"
    delivery_id = queue_email(app)
    meant_for = utcnow()
    with app.app_context():
        assert delivery_queue.deliver(delivery_id, meant_for) == "retrying"
        assert delivery_queue.deliver(delivery_id, meant_for) == "not-claimed"
        retry_at = delivery_row(app, delivery_id).next_attempt_at
        assert delivery_queue.deliver(delivery_id, retry_at) == "retrying"  # the retry's own message, as scheduled
    assert len(mailbox.attempts) == 2


def test_a_message_whose_enqueue_was_lost_after_the_commit_still_goes_out(app, mailbox, queue, start_worker):
    """The process dies (here: the queue cannot be reached) between COMMIT and enqueue: the row is on disk, and a
    worker takes it up when it starts — or the minute's sweep, once the delivery is overdue."""
    unreachable = DeliveryQueue(app, f"redis://127.0.0.1:{free_port()}/0")
    app.extensions["kim_queue"] = unreachable
    try:
        first = queue_email(app)
        second = queue_email(app)
    finally:
        app.extensions["kim_queue"] = queue
    assert queue.waiting() == 0 and delivery_row(app, first).state == "pending"

    with app.app_context():  # the sweep ignores what is not yet overdue, and takes what is
        assert delivery_queue.sweep() == 0
        db.session.execute(update(Delivery).where(Delivery.id == second)
                           .values(next_attempt_at=utcnow() - 2 * delivery_queue.SWEEP_GRACE))
        db.session.commit()
        assert delivery_queue.sweep() == 1

    start_worker(queue, mailbox.env)
    for delivery_id in (first, second):
        wait_until(lambda d=delivery_id: settled(app, queue, d, "sent"), what="both e-mails to be sent")
    assert len(mailbox.messages) == 2


def test_no_email_is_queued_without_a_mail_server(app, queue, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    with app.app_context():
        assert services.email("maria@belu.example", "Subjek", "Isi") is None
        assert db.session.scalar(select(Delivery)) is None
    assert queue.waiting() == 0
