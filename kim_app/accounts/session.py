"""flask-login wiring: loading the signed-in account, revocable sessions, timeouts, and what "not signed in" looks like.

A session is a row of `account_session` (accounts/models.py) as well as a signed cookie. The cookie holds a random
token; the row, looked up by the token's SHA-256 on every request (pages and API alike, together with the account in
one query), decides whether the cookie still counts. Ending the row ends the session on every app server at once:
sign-out (`POST /keluar`), "keluar dari semua perangkat", deactivation, a password change and the admin's "akhiri
semua sesi akun ini" all end rows. A cookie copied off a shared phone is then worth nothing, whatever its signature.
flask-login's remember cookie cannot bring an account back either: it carries no token, so nothing it loads counts.

Sessions end after a period of inactivity and, whatever happens, after an absolute lifetime — both per role: a
member's phone may sit in a village without signal for a week and must still be signed in when it comes back,
while a moderator's laptop at the Dinas should not stay open overnight. The last-seen mark stays in the cookie (a
read must not write to the database); the absolute end is also the row's `expires_at`. An ended session only ends
the session: the phone's outbox is untouched, and sending resumes after the next sign-in.

The API answers 401 with a problem document (the phone then shows "Masuk lagi untuk mengirim" and keeps its outbox);
pages redirect to /masuk and come back afterwards.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from blinker import Namespace
from flask import current_app, has_request_context, redirect, request, session, url_for
from flask_login import user_logged_in
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import joinedload

from kim_app.accounts.models import AccountSession, User
from kim_app.errors import ProblemError, wants_json
from kim_app.extensions import db
from kim_app.security import depends_on_account
from kim_app.timeutil import utcnow
from kim_app.wilayah.models import KimGroup

# The cookie's key holding the session's token.
TOKEN_KEY = "sid"  # nosec B105: a cookie key, not a secret

# Why a session ended, as the row keeps it.
ENDED_LOGOUT = "keluar"
ENDED_EVERYWHERE = "semua"
ENDED_DEACTIVATED = "nonaktif"
ENDED_PASSWORD = "sandi"  # nosec B105: a reason, not a password
ENDED_BY_ADMIN = "admin"


# Sent when every session of an account ended (not at a plain sign-out): whoever keeps state for the account's devices
# lets it go — push subscriptions (kim_app/notifications) — so a phone that was signed out hears nothing more.
signals = Namespace()
all_sessions_ended = signals.signal("all-sessions-ended")


class Unauthenticated(ProblemError):
    status, slug, title = 401, "unauthenticated", "Belum masuk"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _no_identifier_hash(_app, **_extra) -> None:
    session.pop("_id", None)


# The session's row with its account, and the member's KIM and its desa, in one query: a create needs them. Built once
# with a bound parameter, as every request asks it: no expression to build and no cache key to compute per request.
SESSION_WITH_ACCOUNT = (
    select(AccountSession)
    .where(AccountSession.id == bindparam("digest"))
    .options(joinedload(AccountSession.account).joinedload(User.kim).joinedload(KimGroup.desa))
)


def carries_session() -> bool:
    """Does the request carry a cookie that could sign someone in? Without one, nobody is (flask-login loads an
    account from these two cookies only): the portal serves it the page everyone gets, and the checks of who is
    signed in are skipped."""
    cookies = request.cookies
    return (current_app.config["SESSION_COOKIE_NAME"] in cookies
            or current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies)


def init_login(login_manager) -> None:
    login_manager.login_view = "accounts.login"
    # flask-login's session protection keeps a 128-character hash of the address and browser in every cookie, ~90
    # bytes more on every request a phone sends over 2G; it protects nothing the session's row does not (a copied
    # cookie dies with its row), and on a phone the address changes with every cell. Off, and the hash left out.
    login_manager.session_protection = None
    user_logged_in.connect(_no_identifier_hash)

    @login_manager.user_loader
    def load_user(user_id: str):
        # Whatever comes of it, the answer now depends on this cookie: no shared cache may keep it.
        depends_on_account()
        token = session.get(TOKEN_KEY)
        record = None
        if isinstance(token, str) and token:
            record = db.session.execute(SESSION_WITH_ACCOUNT, {"digest": _digest(token)}).scalar()
        user = record.account if record is not None else None
        # A deactivated account is signed out at its next request, not only refused at its next sign-in.
        if (
            user is None
            or str(user.id) != user_id
            or record.ended_at is not None
            or record.expires_at <= utcnow()
            or not user.active
            or session_expired(user.role)
        ):
            session.clear()
            return None
        mark_seen()
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            # Raised, not returned: it must not pass through the view's response schema.
            raise Unauthenticated("Sesi Anda sudah berakhir. Masuk lagi untuk mengirim.")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


# Writing the cookie on every request would cost bytes on 2G; a fresher mark than this adds nothing.
SEEN_RESOLUTION_SECONDS = 300


def start_session(user: User) -> None:
    """Called at sign-in, before login_user: a fresh cookie (nothing of an earlier one carries over) with a new token,
    its row, and the clocks of the timeouts. The account's rows that ended or expired are cleared away here, so
    the table holds about one row per signed-in device."""
    session.clear()
    now = utcnow()
    db.session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == user.id,
            or_(AccountSession.ended_at.is_not(None), AccountSession.expires_at <= now),
        )
    )
    token = secrets.token_urlsafe(32)
    lifetime = current_app.config["SESSION_ABSOLUTE_SECONDS"][user.role]
    db.session.add(AccountSession(id=_digest(token), account_id=user.id, created_at=now,
                                  expires_at=now + timedelta(seconds=lifetime)))
    db.session.flush()
    clock = int(time.time())
    session.permanent = True
    session[TOKEN_KEY] = token
    session["signed_in_at"] = clock
    session["seen_at"] = clock


# How much of a session's digest names it on the items it sent: 64 bits tell one account's devices apart.
SESSION_KEY_LENGTH = 16


def current_session_key() -> str | None:
    """This request's session (a device signed in), as the items it creates remember it (`Item.created_session`);
    None outside a signed-in request."""
    token = session.get(TOKEN_KEY) if has_request_context() else None
    return _digest(token)[:SESSION_KEY_LENGTH] if isinstance(token, str) and token else None


def end_session() -> None:
    """Sign-out on this device: its row is ended, whoever holds a copy of the cookie."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str) and token:
        db.session.execute(
            update(AccountSession)
            .where(AccountSession.id == _digest(token), AccountSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_why=ENDED_LOGOUT)
        )
    session.clear()


def end_all_sessions(account_id: int, why: str) -> int:
    """End every session of the account, on every device and app server. Returns how many were open."""
    result = db.session.execute(
        update(AccountSession)
        .where(AccountSession.account_id == account_id, AccountSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_why=why)
    )
    all_sessions_ended.send(current_app._get_current_object(), account_id=account_id)
    return result.rowcount


def session_expired(role: str) -> bool:
    now = time.time()
    idle = current_app.config["SESSION_IDLE_SECONDS"][role]
    absolute = current_app.config["SESSION_ABSOLUTE_SECONDS"][role]
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    return now - seen_at > idle or now - signed_in_at > absolute


def mark_seen() -> None:
    now = int(time.time())
    if now - session.get("seen_at", 0) > SEEN_RESOLUTION_SECONDS:
        session["seen_at"] = now
