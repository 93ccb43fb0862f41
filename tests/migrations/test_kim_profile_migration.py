"""Migration 0014 (the KIM profile) on a database holding a KIM group, its member and an item: the group keeps
everything and starts with an empty, unverified profile; pengurus rows go with their group; down and up again."""
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kim_app.extensions import db
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item


def test_kim_profile_migration_keeps_groups_and_goes_down_and_up(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0012")
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            row = connection.execute(text(
                "SELECT nama, sk_nomor, diverifikasi_at, profil_diubah_at FROM kim_group WHERE id = 1")).one()
            assert tuple(row) == ("KIM Kabuna", None, None, None)
            connection.execute(text(
                "UPDATE kim_group SET sk_nomor = '1/SK/2021', sk_tanggal = :day, profil_diubah_at = :now WHERE id = 1"
            ), {"day": date(2021, 3, 15), "now": NOW})
            connection.execute(text(
                "INSERT INTO kim_pengurus (kim_id, jabatan, nama, user_id, urutan) VALUES (1, 'ketua', 'Yohanes', 1, 0)"
            ))
            refused = connection.begin_nested()
            with pytest.raises(IntegrityError, match="bidang_named"):
                connection.execute(text(
                    "INSERT INTO kim_pengurus (kim_id, jabatan, nama, urutan) VALUES (1, 'bidang', 'Tanpa nama', 1)"))
            refused.rollback()
            if db.engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        downgrade(revision="0012")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT nama FROM kim_group WHERE id = 1")).scalar() == "KIM Kabuna"
            assert connection.execute(text("SELECT count(*) FROM submission")).scalar() == 1
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM kim_pengurus")).scalar() == 0
            assert connection.execute(text("SELECT sk_nomor FROM kim_group WHERE id = 1")).scalar() is None
