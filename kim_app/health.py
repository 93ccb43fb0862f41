"""Are the services KIM stands on answering: the database always, Redis when REDIS_URL is set, the bucket when
MEDIA_STORAGE=s3.

Two callers: `/healthz` for load balancers and monitoring (200, or 503 naming the part that failed), and the start
of the server (gunicorn.conf.py), which refuses to serve with a part that does not answer — an operator reads why
in the log at once, instead of a member meeting it at their first photo or sign-in.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kim_app.extensions import db, limiter
from kim_app.media.storage import StorageUnavailable, storage

logger = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def check_services(app: Flask) -> dict[str, str | None]:
    """Each service the configuration uses, with None when it answers or a sentence saying what is wrong."""
    found: dict[str, str | None] = {}
    try:
        db.session.execute(text("SELECT 1"))
        found["database"] = None
    except SQLAlchemyError as error:
        db.session.rollback()
        found["database"] = f"the database does not answer (DATABASE_URL): {error.__class__.__name__}"
    if app.config["REDIS_URL"]:
        # The limiter's own connection: the one sign-ins use.
        found["redis"] = None if limiter.storage.check() else "Redis does not answer at REDIS_URL"
    if app.config["MEDIA_STORAGE"] == "s3":
        try:
            storage().check()
            found["media"] = None
        except StorageUnavailable as error:
            found["media"] = str(error)
    return found


def require_services(app: Flask) -> None:
    """Raise RuntimeError naming every part that does not answer. Called once in the server's master process, so the
    connections it opened are closed again: none may be shared with the workers forked after it."""
    with app.app_context():
        try:
            failed = {name: problem for name, problem in check_services(app).items() if problem}
        finally:
            db.session.remove()
            db.engine.dispose()
    if failed:
        raise RuntimeError("KIM does not start: " + "; ".join(failed.values()))


@bp.route("/healthz")
def healthz():
    found = check_services(current_app)
    body = {name: "ok" if problem is None else "unreachable" for name, problem in found.items()}
    for name, problem in found.items():
        if problem:
            logger.error("Health check: %s: %s", name, problem)
    if any(found.values()):
        return {"status": "error", **body}, 503, {"Cache-Control": "no-store"}
    return {"status": "ok", **body}, 200, {"Cache-Control": "no-store"}
