"""Who may do what — the one place where access rules live.

Views and services ask these functions; nothing else compares roles. A signed-in user without the right gets 403;
a moderator asking for an item outside their kabupaten gets the same 404 as for an item that does not exist, so the
answer never reveals other regions' items.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, true

from kim_app.accounts.models import User

MODERATOR_ROLES = ("moderator", "admin")


def can_capture(user: User) -> bool:
    return user.role == "anggota"


def can_moderate_at_all(user: User) -> bool:
    return user.role in MODERATOR_ROLES


def moderation_scope(user: User, kabupaten_column) -> ColumnElement[bool]:
    """A SQL condition selecting the items this user may moderate."""
    if user.role == "admin":
        return true()
    if user.role == "moderator":
        return kabupaten_column == user.kabupaten_kode
    return false()


def can_moderate(user: User, submission) -> bool:
    if user.role == "admin":
        return True
    return user.role == "moderator" and submission.kabupaten_kode == user.kabupaten_kode


def owns(user: User, submission) -> bool:
    return submission.author_id == user.id


def roles_required(*roles: str):
    """Page decorator: login first (flask-login redirects to /masuk), then the role, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from kim_app.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
