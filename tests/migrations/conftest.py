"""A database of its own for each migration test, on the suite's engine (a new PostgreSQL database, or a SQLite
file), so that migrations can run down and up without touching the suite's schema."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kim_app import create_app
from kim_app.extensions import db


@pytest.fixture
def migrating_app(app, tmp_path):
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source.get_backend_name() == "postgresql":
        name = f"{source.database}_migration"
        admin = create_engine(source, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = source.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migrating.sqlite3'}"
    migrating = create_app({"KIM_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(tmp_path / "media")})
    yield migrating
    with migrating.app_context():
        db.session.remove()
        db.engine.dispose()
