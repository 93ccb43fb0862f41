"""flask-login wiring: loading the signed-in account, and what "not signed in" looks like.

The API answers 401 with a problem document (the phone then shows "Masuk lagi untuk mengirim" and keeps its outbox);
pages redirect to /masuk and come back afterwards.
"""
from __future__ import annotations

from flask import redirect, request, url_for

from kim_app.errors import ProblemError, wants_json
from kim_app.extensions import db


class Unauthenticated(ProblemError):
    status, slug, title = 401, "unauthenticated", "Belum masuk"


def init_login(login_manager) -> None:
    from kim_app.accounts.models import User

    login_manager.login_view = "accounts.login"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            # Raised, not returned: it must not pass through the view's response schema.
            raise Unauthenticated("Sesi Anda sudah berakhir. Masuk lagi untuk mengirim.")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
