"""Signing in and out (pages), changing one's password, and `GET /api/v1/me` and `DELETE /api/v1/me/sessions` for
the phone. What a session is and how it ends: kim_app/accounts/session.py."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint as ApiBlueprint
from flask_wtf.csrf import generate_csrf

from kim_app.accounts import policy, services
from kim_app.accounts import session as sessions
from kim_app.accounts.forms import LoginForm, PasswordForm
from kim_app.accounts.schemas import EndedSessionsSchema, MeSchema
from kim_app.errors import PROBLEM, ProblemError
from kim_app.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__)
api_bp = ApiBlueprint("me", __name__, url_prefix="/api/v1", description="The signed-in account")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a login link must never bounce a member to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home_for(user) -> str:
    return url_for(policy.home_endpoint(user))


def _login_failed(response) -> bool:
    return response.status_code != 302


def _account_key() -> str:
    return "akun:" + (request.form.get("username") or "").strip().lower()


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    form = LoginForm()
    next_url = _safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or _home_for(current_user))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            if current_user.is_authenticated and current_user.id != user.id:
                # Another account on this browser (a shared phone): the one signed in is signed out first, as if it
                # had pressed "Keluar": its session ends, and its push subscriptions registered here are forgotten.
                logout_user()
                sessions.end_session()
            sessions.start_session(user)
            login_user(user)
            logger.info("Login by %s", user.username)
            return redirect(next_url or _home_for(user))
        # One message for an unknown account and a wrong password: no account enumeration.
        flash("Nama pengguna atau kata sandi salah.", "error")
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.route("/keluar", methods=["POST"])
def logout():
    # The phone's outbox is not the session's: signing out never touches items waiting on the phone.
    logout_user()  # first: who signs out, and what this session registered, are read from the session
    sessions.end_session()
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}
    return redirect(url_for("accounts.login"))


@bp.route("/keluar/semua", methods=["POST"])
@login_required
def logout_everywhere():
    """"Keluar dari semua perangkat" from a page: every session of the account ends, this one too."""
    services.end_sessions_everywhere(current_user)
    logout_user()
    session.clear()
    flash("Anda sudah keluar dari semua perangkat. Masuk lagi untuk melanjutkan.", "ok")
    return redirect(url_for("accounts.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """Changing one's password ends every session of the account — a phone left with someone else is signed out —
    and this device continues in a new one."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.new.data, form.repeat.data)
        except ProblemError as error:
            db.session.rollback()
            flash(error.detail, "error")
            return render_template("accounts/password.html", form=form), 422
        sessions.start_session(user)
        login_user(user)
        flash("Kata sandi diganti. Semua perangkat lain sudah keluar.", "ok")
        return redirect(_home_for(user))
    return render_template("accounts/password.html", form=form)


@api_bp.route("/me")
@api_bp.response(200, MeSchema)
@login_required
def me():
    """The signed-in account, its desa and KIM group, the desa it may file items into, and the CSRF token for
    state-changing requests."""
    return {"user": current_user, "csrf_token": generate_csrf()}


@api_bp.route("/me/sessions", methods=["DELETE"])
@api_bp.response(200, EndedSessionsSchema)
@api_bp.alt_response(401, description="Not signed in, or the session expired", **PROBLEM)
@api_bp.alt_response(400, description="Missing or stale X-CSRFToken (type csrf)", **PROBLEM)
@login_required
def end_my_sessions():
    """Sign out on every device ("keluar dari semua perangkat"), this one included; the phone's outbox stays"""
    ended = services.end_sessions_everywhere(current_user)
    logout_user()
    session.clear()
    return {"ended": ended}
