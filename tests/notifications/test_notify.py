"""Moderators hear of new items: a waiting count in the header of their pages, and an e-mail per kabupaten when
SMTP is configured — queued with the member's change and sent by the delivery queue, never failing the member's
request. A tiny SMTP server on 127.0.0.1 records what arrives; the queued deliveries are run here, in the test's own
process, through the same code the worker runs (kim_app/notifications/queue.py, `deliver`)."""
import socket
import socketserver
import threading
from email import message_from_bytes
from email.message import Message

import pytest
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.moderation import notify
from kim_app.notifications.models import Delivery
from kim_app.notifications.queue import deliver
from tests.helpers import make_jpeg


class FakeSMTP(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT. Messages land in `messages`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.messages: list[tuple[list[str], Message]] = []
        self.arrived = threading.Event()


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 fake ESMTP")
        recipients = []
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 fake")
            elif command.startswith("RCPT TO:"):
                recipients.append(line.decode().strip()[8:].strip("<> "))
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 end with .")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append((recipients, message_from_bytes(data)))
                self.server.arrived.set()
                recipients = []
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp(app, monkeypatch):
    server = FakeSMTP()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for key, value in {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.server_address[1], "SMTP_STARTTLS": False,
        "SMTP_FROM": "kim@kominfo.example", "NOTIFY_EMAILS": "53.04=maria@belu.example; *=admin@ntt.example",
        "PUBLIC_URL": "https://kim.example",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.shutdown()
    server.server_close()


def drain(app) -> list[str]:
    """Send every delivery that is due, as the worker would; returns what became of each."""
    with app.app_context():
        due = db.session.scalars(select(Delivery.id).where(Delivery.state == "pending")).all()
        db.session.rollback()
        return [deliver(delivery_id) for delivery_id in due]


def test_new_item_mails_the_kabupaten_moderators_without_its_text(app, member, smtp, aduan):
    response = member.send(aduan(uraian="Jembatan putus di dusun 4", pelapor_nama="Nama Rahasia"))
    assert response.status_code == 201
    drain(app)
    ((to, message),) = smtp.messages
    assert to == ["maria@belu.example", "admin@ntt.example"]
    assert message["Subject"] == "KIM: 1 kiriman baru menunggu moderasi (Kabupaten Belu)"
    body = message.get_payload(decode=True).decode()
    assert "Aduan dari Desa Kabuna: https://kim.example/moderasi/item/" in body
    assert "Jembatan" not in body and "Nama Rahasia" not in body


def test_item_with_photos_is_announced_when_its_last_photo_arrives(app, member, smtp, foto, upload):
    first, second = make_jpeg(80, 60), make_jpeg(60, 80)
    body, declared = foto(first, second)
    member.send(body)
    upload(member, declared[0]["id"], first)
    drain(app)
    assert smtp.messages == []
    upload(member, declared[1]["id"], second)
    drain(app)
    ((_, message),) = smtp.messages
    assert "Cerita foto dari Desa Kabuna" in message.get_payload(decode=True).decode()


def test_kabupaten_without_recipients_gets_no_mail(app, member, smtp, berita, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_EMAILS", "53.01=kupang@example")
    member.send(berita())
    drain(app)
    assert smtp.messages == []


def test_a_dead_mail_server_never_fails_the_member(app, member, berita, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False,
                       "NOTIFY_EMAILS": "53.04=maria@belu.example"}.items():
        monkeypatch.setitem(app.config, key, value)
    assert member.send(berita()).status_code == 201
    assert drain(app) == ["retrying"]
    with app.app_context():
        (delivery,) = db.session.scalars(select(Delivery)).all()
        assert delivery.state == "pending" and "Server surat tidak terjangkau" in delivery.last_error
    assert member.get("/api/v1/items").status_code == 200


def test_no_mail_and_no_work_when_smtp_is_not_configured(app, member, berita):
    assert not notify.enabled(app)
    assert member.send(berita()).status_code == 201


def test_header_shows_the_moderators_waiting_count(app, member, member_in, make_person, berita):
    moderator = make_person("moderator")
    assert 'class="badge"' not in moderator.get("/moderasi/dasbor").get_data(as_text=True)
    member.send(berita())
    member.send(berita())
    elsewhere = member_in("53.01.04.2003")  # another kabupaten's queue
    elsewhere.send(elsewhere.berita())
    for path in ("/moderasi", "/moderasi/dasbor", "/"):
        page = moderator.get(path).get_data(as_text=True)
        assert '<span class="badge" aria-label="2 menunggu">2</span>' in page, path
    admin = make_person("admin").get("/moderasi").get_data(as_text=True)
    assert '<span class="badge" aria-label="3 menunggu">3</span>' in admin
    assert 'class="badge"' not in member.get("/").get_data(as_text=True)


def test_recipients_setting_is_read_per_kabupaten():
    table = notify.parse_recipients(" 53.04 = a@x, b@y ;53.01=c@z; *=admin@x;rusak")
    assert table == {"53.04": ["a@x", "b@y"], "53.01": ["c@z"], "*": ["admin@x"]}


def test_a_revision_back_in_the_queue_is_mailed_too(app, member, moderator, smtp, berita, send_item):
    """A revision puts the item back in the queue with an UPDATE of many columns at once; the moderators hear of it
    like of a new item."""
    body = berita()
    item_id = send_item(member, body)
    drain(app)
    assert moderator.decide(item_id, "revisi", "Tambahkan nama kelompok tani.").status_code == 302
    revision = {key: body[key] for key in ("author_id", "kategori", "judul")}
    revision.update(revision=2, captured_at="2026-11-29T03:00:00Z", isi="Kelompok tani Sejahtera memanen jagung.")
    assert member.post_json(f"/api/v1/items/{body['uuid']}/revisions", revision).status_code == 201
    drain(app)
    assert len(smtp.messages) == 2
    assert f"https://kim.example/moderasi/item/{item_id}" in smtp.messages[1][1].get_payload(decode=True).decode()
