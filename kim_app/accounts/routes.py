"""Signing in and out (pages), changing one's password, choosing a new one after a reset, and `GET /api/v1/me` and
`DELETE /api/v1/me/sessions` for the phone. What a session is and how it ends: kim_app/accounts/session.py.

An account signed in with a temporary password (a ketua's or the admin's reset, kim_app/accounts/manage.py) may
only choose a new one and sign out: every other page leads to "Buat kata sandi baru", and the API answers 403 with
the problem type `password-change-required`, which the phone shows as a banner linking to that page while its
outbox waits (`_only_new_password`)."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint as ApiBlueprint
from flask_wtf.csrf import generate_csrf

from kim_app.accounts import policy, services
from kim_app.accounts import session as sessions
from kim_app.accounts.forms import LoginForm, NewPasswordForm, PasswordForm
from kim_app.accounts.schemas import EndedSessionsSchema, MeSchema
from kim_app.errors import PROBLEM, ProblemError, wants_json
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


class PasswordChangeRequired(ProblemError):
    """The phone recognises this type and shows "Buat kata sandi baru" instead of sending; its outbox waits."""

    status, slug, title = 403, "password-change-required", "Perlu kata sandi baru"


NEW_PASSWORD_DETAIL = (  # a message, not a password  # nosec B105
    "Kata sandi akun ini baru direset. Buat kata sandi baru dulu di /akun/sandi-baru; kiriman di "
    "HP tetap tersimpan dan terkirim setelah itu.")

# What an account with a temporary password may still reach: choosing the new password, signing in and out, and what
# belongs to nobody (the app shell and its files, which draw the phone's banner; public news, feeds and photos, whose
# answers must not turn private because a cookie came along; health; the API's description).
OPEN_WITH_TEMPORARY_PASSWORD = frozenset({
    "accounts.new_password", "accounts.login", "accounts.logout", "accounts.logout_everywhere",
    "me.end_my_sessions", "push.Subscription", "push.PushKey",
    "static", "app_shell.shell", "app_shell.service_worker", "app_shell.web_manifest", "app_shell.versioned_module",
    "app_shell.help_page", "app_shell.share_target", "health.healthz", "api-docs.openapi_json",
    "berita.Berita", "publish.feed", "publish.kabupaten_feed", "media.photo_file",
})


@bp.before_app_request
def _only_new_password():
    # The open endpoints are decided before current_user is looked at: loading the account marks the answer private,
    # and the shell's files must stay cacheable.
    if request.endpoint is None or request.endpoint in OPEN_WITH_TEMPORARY_PASSWORD or not sessions.carries_session():
        return None
    if not policy.must_choose_password(current_user):
        return None
    if wants_json():
        # /api/v1/me also hands over the CSRF token, so that the phone can still sign out.
        token = generate_csrf() if request.endpoint == "me.me" else None
        raise PasswordChangeRequired(NEW_PASSWORD_DETAIL, csrf_token=token)
    return redirect(url_for("accounts.new_password", next=_safe_next(request.full_path.rstrip("?"))))


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
            if policy.must_choose_password(user):
                return redirect(url_for("accounts.new_password", next=next_url))
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


@bp.route("/akun/sandi-baru", methods=["GET", "POST"])
@login_required
def new_password():
    """"Buat kata sandi baru": the first page after signing in with a temporary password, and the only one open
    until a new password is chosen. Every session of the account ends; this device continues in a new one."""
    user = current_user._get_current_object()
    next_url = _safe_next(request.values.get("next"))
    if not policy.must_choose_password(user):
        return redirect(next_url or _home_for(user))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.choose_new_password(user, form.new.data, form.repeat.data)
        except ProblemError as error:
            db.session.rollback()
            flash(error.detail, "error")
            return render_template("accounts/new_password.html", form=form, next_url=next_url), 422
        sessions.start_session(user)
        login_user(user)
        flash("Kata sandi baru tersimpan. Selamat datang kembali.", "ok")
        return redirect(next_url or _home_for(user))
    return render_template("accounts/new_password.html", form=form, next_url=next_url)


@api_bp.route("/me")
@api_bp.response(200, MeSchema)
@api_bp.alt_response(401, description="Not signed in, or the session expired", **PROBLEM)
@api_bp.alt_response(
    403,
    description="The account signed in with a temporary password and must choose a new one at /akun/sandi-baru "
    "first (type urn:kim:problem:password-change-required; every member endpoint answers the same). This answer "
    "also carries csrf_token, so the phone can still sign out.",
    **PROBLEM,
)
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
