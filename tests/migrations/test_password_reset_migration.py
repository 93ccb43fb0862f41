"""Migration 0017 (temporary passwords and the account's history) on a database with an account: the account keeps
its password and is not asked for a new one, and the migration goes down to 0012 and up again."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from kim_app.extensions import db
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item


def shape(connection) -> tuple[bool, bool]:
    found = inspect(connection)
    columns = {column["name"] for column in found.get_columns("user_account")}
    return "harus_ganti_sandi" in columns, found.has_table("account_event")


def test_password_reset_migration_goes_down_and_up_keeping_accounts(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade()
        with db.engine.begin() as connection:
            assert shape(connection) == (True, True)
            assert connection.execute(text("SELECT harus_ganti_sandi FROM user_account WHERE id = 1")).scalar() in (
                False, 0)
            connection.execute(text("INSERT INTO account_event (account_id, actor_id, action, at) "
                                    "VALUES (1, 1, 'reset_sandi', :now)"), {"now": NOW})
        # The record of resets is append-only: neither rewritten nor erased.
        for statement in ("UPDATE account_event SET actor_id = NULL", "DELETE FROM account_event"):
            with pytest.raises(DatabaseError), db.engine.begin() as connection:
                connection.execute(text(statement))
        downgrade(revision="0012")
        with db.engine.begin() as connection:
            assert shape(connection) == (False, False)
            assert connection.execute(text("SELECT password_hash FROM user_account WHERE id = 1")).scalar() == "x"
            if db.engine.dialect.name == "sqlite":
                schema = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'user_account'")).scalar()
                assert "ck_user_account_ketua_is_anggota" in schema
        upgrade()
        with db.engine.begin() as connection:
            assert shape(connection) == (True, True)
            assert connection.execute(text("SELECT count(*) FROM account_event")).scalar() == 0
            assert connection.execute(text("SELECT harus_ganti_sandi FROM user_account WHERE id = 1")).scalar() in (
                False, 0)
