"""Operator commands: loading region codes, accounts, demo data (never in production)."""
from sqlalchemy import func, select

from kim_app import create_app
from kim_app.extensions import db
from kim_app.wilayah.models import Desa, Kabupaten, Kecamatan


def test_import_wilayah_by_province_code_is_repeatable(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["kim", "import-wilayah", "53"])
    again = runner.invoke(args=["kim", "import-wilayah", "53"])
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0
    assert "22 kabupaten/kota, 315 kecamatan, 3442 desa/kelurahan" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Kabupaten)) == 22
        assert db.session.scalar(select(func.count()).select_from(Kecamatan)) == 315
        assert db.session.scalar(select(func.count()).select_from(Desa)) == 3442
        assert db.session.get(Desa, "53.04.05.2006").nama == "Kabuna"


def test_import_wilayah_from_a_folder_with_a_province_filter(app, tmp_path):
    (tmp_path / "provinces.csv").write_text("code,name\n53,Nusa Tenggara Timur\n52,Nusa Tenggara Barat\n")
    (tmp_path / "regencies.csv").write_text("code,province_code,name\n52.01,52,Kabupaten Lombok Barat\n")
    (tmp_path / "districts.csv").write_text("code,regency_code,name\n52.01.01,52.01,Gerung\n")
    (tmp_path / "villages.csv").write_text("code,district_code,name\n52.01.01.2001,52.01.01,Dasan Geria\n")
    result = app.test_cli_runner().invoke(args=["kim", "import-wilayah", str(tmp_path), "--provinsi", "52"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Desa, "52.01.01.2001").nama == "Dasan Geria"


def test_import_wilayah_explains_a_bad_source(app):
    result = app.test_cli_runner().invoke(args=["kim", "import-wilayah", "bukan-folder"])
    assert result.exit_code != 0
    assert "bukan folder data wilayah" in result.output


def test_create_user_checks_scope(app):
    runner = app.test_cli_runner()
    bad = runner.invoke(
        args=["kim", "create-user", "mod.x", "--role", "moderator", "--nama", "X", "--kabupaten", "99.99",
              "--password", "rahasia123"]
    )
    assert bad.exit_code != 0 and "kabupaten/kota yang ada" in bad.output
    good = runner.invoke(
        args=["kim", "create-user", "mod.sikka", "--role", "moderator", "--nama", "Moderator Sikka",
              "--kabupaten", "53.07", "--password", "rahasia123"]
    )
    assert good.exit_code == 0, good.output
    client = app.test_client()
    assert client.get("/masuk").status_code == 200


def test_seed_demo_prints_accounts_and_is_repeatable(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["kim", "seed-demo"])
    result = runner.invoke(args=["kim", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo12345" in result.output
    for username in ("anggota", "moderator", "admin"):
        assert username in result.output
    assert app.test_client().get("/").get_data(as_text=True).count("Kabuna") >= 2


def test_seed_demo_is_refused_in_production(app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("PUBLIC_URL", "https://kim.example")
    for name in ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"):
        monkeypatch.setenv(name, app.config[name])
    production = create_app({"KIM_ENV": "production"})
    result = production.test_cli_runner().invoke(args=["kim", "seed-demo"])
    with production.app_context():
        db.engine.dispose()
    assert result.exit_code != 0
    assert "KIM_ENV=production" in result.output


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import pytest

    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app({"KIM_ENV": "production"})
