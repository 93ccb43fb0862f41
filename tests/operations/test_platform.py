"""What every answer carries: security headers, a health check, and an OpenAPI document true to the API; and how
production's gunicorn prepares its workers."""
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_a_strict_content_security_policy(app, member):
    for response in (app.test_client().get("/"), member.get("/app"), member.get("/sw.js")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_page_has_inline_script_or_style(app, member, moderator):
    pages = [app.test_client().get(p).get_data(as_text=True) for p in ("/", "/masuk", "/app")]
    pages.append(moderator.get("/moderasi").get_data(as_text=True))
    for page in pages:
        for tag in page.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            # A JSON data block (the registry of kinds in the app shell) is never run, so the CSP has no say in it.
            assert "src=" in opening or 'type="application/json"' in opening, "inline script: blocked by the CSP"
        assert "<style" not in page and " style=" not in page and " onclick=" not in page


def test_session_cookie_is_http_only_and_same_site(app, make_person):
    person = make_person("anggota")
    cookie = person.client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_health_check_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_openapi_document_describes_the_sync_api(app):
    spec = app.test_client().get("/api/openapi.json").json
    assert {"/api/v1/me", "/api/v1/items", "/api/v1/items/{item_uuid}"} <= set(spec["paths"])
    post = spec["paths"]["/api/v1/items"]["post"]
    assert {"200", "201", "401", "403", "409"} <= set(post["responses"])
    assert "application/problem+json" in post["responses"]["409"]["content"]
    assert spec["components"]["securitySchemes"]["csrf"] == {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    item = spec["components"]["schemas"]["ItemCreate"]
    assert {"uuid", "kind", "author_id", "captured_at", "kategori"} <= set(item["required"])


def test_migrations_build_the_schema_the_models_describe(app):
    # The suite's database is built by the migrations alone; a model change without its migration shows here.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kim_app.database import modelled
    from kim_app.extensions import db

    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # The expression index of dissemination reports is PostgreSQL's alone (ddl_if); SQLite cannot reflect one.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": modelled})
        assert compare_metadata(context, db.metadata) == []


def test_gunicorn_takes_the_apps_start_out_of_the_garbage_collectors_view_before_forking():
    """What the app built at its start is never garbage; left in view, a full collection walks it inside a request
    now and then (a 110 ms pause in one request of twenty on the national queue page). gunicorn runs `when_ready`
    in the master, after loading the app (preload_app) and before forking the first worker."""
    probe = ("import gc, runpy; conf = runpy.run_path('gunicorn.conf.py'); assert conf['preload_app'];"
             "from kim_app import create_app; create_app({'KIM_ENV': 'test'}); conf['when_ready'](None);"
             "print(gc.get_freeze_count())")
    frozen = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=True, env={**os.environ, "KIM_INSTANCE_PATH": tempfile.mkdtemp()})
    assert int(frozen.stdout.split()[-1]) > 100_000, frozen.stderr
