"""KIM — Kelompok Informasi Masyarakat. `create_app` wires config, extensions, blueprints, CLI and error handlers."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kim_app import cli, compression, database, health, inputs, security
from kim_app import config as kim_config
from kim_app.accounts import policy
from kim_app.accounts import session as account_session
from kim_app.accounts.manage import bp as manage
from kim_app.accounts.routes import api_bp as me_api
from kim_app.accounts.routes import bp as accounts
from kim_app.extensions import api, csrf, db, limiter, login_manager, migrate
from kim_app.items import counts as kept_counts
from kim_app.items import kinds
from kim_app.items.statuses import status_label
from kim_app.media.routes import api_bp as photos_api
from kim_app.media.routes import bp as media
from kim_app.moderation import notify
from kim_app.moderation.dashboard import bp as dashboard
from kim_app.moderation.registri import bp as registri
from kim_app.moderation.routes import bp as moderation
from kim_app.notifications import listeners as member_notifications
from kim_app.notifications import services as notifications
from kim_app.notifications.routes import api_bp as push_api
from kim_app.notifications.routes import bp as deliveries
from kim_app.pengumuman.coverage_routes import bp as cakupan
from kim_app.pengumuman.routes import bp as pengumuman
from kim_app.publish import cache as portal_cache
from kim_app.publish.api import bp as berita_api
from kim_app.publish.complaints import bp as complaints
from kim_app.publish.pengumuman import bp as pengumuman_publik
from kim_app.publish.routes import bp as publish
from kim_app.sync import shell
from kim_app.sync.routes import bp as items_api
from kim_app.sync.shell import bp as app_shell
from kim_app.timeutil import format_day, format_wita

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    instance_path = os.environ.get("KIM_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    env = (overrides or {}).get("KIM_ENV") or os.environ.get("KIM_ENV", "development")
    app.config.from_mapping(kim_config.settings_for(env, Path(app.instance_path)))
    app.config.from_mapping(overrides or {})
    kim_config.check_settings(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    Path(app.config["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    configure_logging(app)
    # First: the path converters must be in place before any route is added, and the JSON check before any view.
    inputs.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    notify.init_app(app)
    notifications.init_app(app)
    member_notifications.init_app(app)
    portal_cache.init_app(app)
    security.init_app(app)
    app.session_interface = shell.SharedShellSessions()
    # Last: its hook runs first, before the security headers' and Flask-Compress's (kim_app/compression.py).
    compression.compress_once(app, shell.SAME_FOR_EVERYONE)
    return app


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    kept_counts.init_app()
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    api.spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"})
    login_manager.init_app(app)
    compression.init_app(app)
    account_session.init_login(login_manager)


def register_blueprints(app: Flask) -> None:
    for blueprint in (accounts, moderation, dashboard, publish, app_shell, media, health.bp, cli.bp, manage,
                      complaints, deliveries, registri, pengumuman, cakupan, pengumuman_publik):
        app.register_blueprint(blueprint)
    for blueprint in (me_api, items_api, photos_api, berita_api, push_api):
        api.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(format_wita, "wita")
    app.add_template_filter(lambda value: format_wita(value, with_time=False), "tanggal")
    app.add_template_filter(format_day, "tanggal_hari")
    app.add_template_global(kinds.kategori_label, "kategori_label")
    app.add_template_global(kinds.field_label, "field_label")
    app.add_template_global(status_label, "status_label")
    # The menu asks the same rules the routes ask (accounts/policy.py), so it never offers a page that answers 403.
    app.add_template_global(policy, "policy")
