"""Sending one message: a push to one browser (pywebpush, signed with py-vapid) or one e-mail (SMTP).

No database here: queue.py hands over plain values and decides, from the exception raised, what happens next —
`Temporary` (try again later), `Permanent` (it will never work as it is: report it), `Gone` (the push subscription no
longer exists: forget it).

Every push carries RFC 8030's headers: TTL (how long the push service keeps it for a phone that is off), Urgency
(whether it may wake a phone that saves battery) and Topic (a newer message with the same topic replaces one not yet
delivered). The notification's tag does the same on the phone itself: a message delivered twice shows once.
"""
from __future__ import annotations

import base64
import hashlib
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

# Each exchange with a push service or mail server gives up after this long; the lease (DELIVERY_LEASE_SECONDS) is
# far longer, so a live worker never loses its claim.
TIMEOUT_SECONDS = 10
# The JWT's lifetime: RFC 8292 allows at most 24 hours; a fresh one is signed for every request.
JWT_LIFETIME_SECONDS = 12 * 3600


class Temporary(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class Permanent(Exception):
    pass


class Gone(Exception):
    pass


@dataclass(frozen=True)
class PushKind:
    urgency: str  # RFC 8030: very-low, low, normal, high
    ttl: int  # seconds the push service keeps the message for a phone that is off


HOUR = 3600
DAY = 24 * HOUR
# What each kind of push is, and so how it travels. None is urgent to the minute ("high" would wake a dozing phone
# at once, at a cost in battery that cheap phones feel).
PUSH_KINDS = {
    # A moderator's verdict on the member's item: kept for two weeks, as long as a member stays signed in while idle,
    # for a phone that is out of signal in the village for days.
    "verdict": PushKind("normal", 14 * DAY),
    # A complaint the member recorded moved on (diverifikasi, diteruskan, …): the same.
    "aduan_status": PushKind("normal", 14 * DAY),
    # A new pengumuman: not worth waking anyone for ("low": when the phone is charging or on Wi-Fi); stale in days.
    "pengumuman": PushKind("low", 3 * DAY),
    # Moderators' "N new items in your queue": worthless after a working morning, and the newest replaces the
    # older through its Topic.
    "antrean": PushKind("normal", 4 * HOUR),
}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def topic_for(tag: str) -> str:
    """RFC 8030 allows 32 characters of the base64url alphabet; our tags (e.g. item-<uuid>) are longer."""
    return base64.urlsafe_b64encode(hashlib.sha256(tag.encode()).digest()).decode()[:32]


def send_push(config: dict, endpoint: str, p256dh: str, auth: str, payload: dict, kind: PushKind) -> None:
    signer = Vapid02.from_raw(config["VAPID_PRIVATE_KEY"].encode())
    # A new claims dict per request: the audience is the origin of this endpoint, whatever the previous one was.
    claims = {"sub": config["VAPID_SUBJECT"], "aud": origin(endpoint), "exp": int(time.time()) + JWT_LIFETIME_SECONDS}
    headers = {**signer.sign(claims), "Urgency": kind.urgency}
    if payload.get("tag"):
        headers["Topic"] = topic_for(payload["tag"])
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        response = WebPusher({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}).send(
            data, headers, ttl=kind.ttl, content_encoding="aes128gcm", timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise Temporary(f"Layanan push tidak terjangkau: {error}") from error
    except (WebPushException, ValueError) as error:
        raise Permanent(f"Langganan push tidak sah: {error}") from error
    status = response.status_code
    if status in (200, 201, 202):
        return
    answer = f"{status} {response.reason}: {response.text[:200]}".strip()
    if status in (404, 410):
        raise Gone(f"Langganan sudah tidak berlaku ({answer})")
    if status == 429 or status >= 500:
        raise Temporary(f"Layanan push sedang menolak ({answer})", retry_after=_retry_after(response))
    raise Permanent(f"Layanan push menolak pesan ({answer})")


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def build_email(config: dict, delivery_id: int, created_at: float, payload: dict) -> EmailMessage:
    message = EmailMessage()
    sender = config["SMTP_FROM"]
    message["From"] = sender
    message["To"] = ", ".join(payload["to"])
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(localtime=False)
    # The same Message-ID on every attempt: should a mail server take a message twice (it accepted, and the worker
    # died before it could note that), mail programs show it once.
    domain = sender.rpartition("@")[2] or "kim.local"
    message["Message-ID"] = f"<kim.{delivery_id}.{int(created_at)}@{domain}>"
    message.set_content(payload["body"])
    return message


def smtp_send(config: dict, message: EmailMessage) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=TIMEOUT_SECONDS) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def send_email(config: dict, message: EmailMessage) -> None:
    if not config.get("SMTP_HOST"):
        raise Permanent("SMTP_HOST tidak diatur: e-mail tidak dapat dikirim.")
    try:
        smtp_send(config, message)
    except smtplib.SMTPRecipientsRefused as error:
        refused = "; ".join(f"{to}: {code} {_text(answer)}" for to, (code, answer) in error.recipients.items())
        reason = f"Server surat menolak penerima ({refused})"
        permanent = all(code >= 500 for code, _ in error.recipients.values())
        raise (Permanent(reason) if permanent else Temporary(reason)) from error
    except smtplib.SMTPResponseException as error:
        reason = f"Server surat menjawab {error.smtp_code} {_text(error.smtp_error)}"
        raise (Permanent(reason) if error.smtp_code >= 500 else Temporary(reason)) from error
    except (smtplib.SMTPException, OSError) as error:
        raise Temporary(f"Server surat tidak terjangkau: {error}") from error


def _text(answer) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
