"""flask-login wiring: loading the signed-in account, session timeouts, and what "not signed in" looks like.

Sessions end after a period of inactivity and, whatever happens, after an absolute lifetime — both per role: a
member's phone may sit in a village without signal for a week and must still be signed in when it comes back,
while a moderator's laptop at the Dinas should not stay open overnight. An ended session only ends the session:
the phone's outbox is untouched, and sending resumes after the next sign-in.

The API answers 401 with a problem document (the phone then shows "Masuk lagi untuk mengirim" and keeps its outbox);
pages redirect to /masuk and come back afterwards.
"""
from __future__ import annotations

import time

from flask import current_app, redirect, request, session, url_for
from sqlalchemy.orm import joinedload

from kim_app.accounts.models import User
from kim_app.errors import ProblemError, wants_json
from kim_app.extensions import db
from kim_app.wilayah.models import KimGroup


class Unauthenticated(ProblemError):
    status, slug, title = 401, "unauthenticated", "Belum masuk"


def init_login(login_manager) -> None:
    # The member's KIM and its desa come with the account, in the same query: a create needs them (the item's desa).
    with_kim = (joinedload(User.kim).joinedload(KimGroup.desa),)

    login_manager.login_view = "accounts.login"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id), options=with_kim) if user_id.isdigit() else None
        # A deactivated account is signed out at its next request, not only refused at its next sign-in.
        if user is None or not user.active or session_expired(user.role):
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


def start_session() -> None:
    """Called at sign-in (after session.clear()): the clocks of the timeouts start here."""
    now = int(time.time())
    session.permanent = True
    session["signed_in_at"] = now
    session["seen_at"] = now


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
