"""The VAPID key pair and the queue's storage, as the settings give them: made once into instance/ while developing,
required from the environment in production (and checked there), and the queue on Redis when REDIS_URL is set."""
from __future__ import annotations

import os

import pytest

from kim_app import create_app
from kim_app.extensions import db
from kim_app.notifications.vapid import generate_private_key, public_key_for
from tests.notifications.conftest import TEST_REDIS_URL


@pytest.fixture
def production_env(app, monkeypatch):
    private = generate_private_key()
    values = {
        "SECRET_KEY": "x" * 64, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public_key_for(private),
        "VAPID_SUBJECT": "mailto:kominfo@nttprov.example", "REDIS_URL": TEST_REDIS_URL,
        "PUBLIC_URL": "https://kim.nttprov.example",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def start_production():
    production = create_app({"KIM_ENV": "production"})
    with production.app_context():
        db.engine.dispose()
    return production


@pytest.mark.parametrize("name", ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"])
def test_production_refuses_to_start_without_each_vapid_setting(production_env, monkeypatch, name):
    monkeypatch.delenv(name)
    with pytest.raises(RuntimeError, match=f"KIM_ENV=production needs {name} in the environment"):
        start_production()


def test_production_names_the_command_that_makes_a_key_pair(production_env, monkeypatch):
    monkeypatch.delenv("VAPID_PUBLIC_KEY")
    monkeypatch.delenv("VAPID_PRIVATE_KEY")
    with pytest.raises(RuntimeError, match=r"python -m kim_app\.notifications\.vapid"):
        start_production()


@pytest.mark.parametrize("name, value, message", [
    ("VAPID_PUBLIC_KEY", public_key_for(generate_private_key()), "not the public half"),
    ("VAPID_PRIVATE_KEY", "kunci-rahasia", "not a P-256 private key"),
    ("VAPID_SUBJECT", "kominfo@nttprov.example", "mailto:"),
])
def test_production_refuses_a_vapid_setting_that_cannot_work(production_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        start_production()


def test_production_serves_the_configured_key_and_queues_on_redis(production_env):
    production = start_production()
    answer = production.test_client().get("/api/v1/push/key", base_url=production_env["PUBLIC_URL"])
    assert answer.json == {"public_key": production_env["VAPID_PUBLIC_KEY"]}
    queue = production.extensions["kim_queue"]
    assert queue.url == TEST_REDIS_URL
    assert queue.huey.storage.__class__.__name__ == "RedisStorage"


def test_development_makes_the_key_once_and_keeps_it_private(tmp_path, monkeypatch):
    for name in ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIM_INSTANCE_PATH", str(tmp_path))
    first = create_app({"KIM_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    again = create_app({"KIM_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = tmp_path / "vapid_private_key"
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    assert first.config["VAPID_PUBLIC_KEY"] == again.config["VAPID_PUBLIC_KEY"] == public_key_for(key_file.read_text())
    assert first.config["QUEUE_URL"] == f"sqlite:///{tmp_path / 'queue.sqlite3'}"
