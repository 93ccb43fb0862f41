"""Accounts: creating them and checking passwords."""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kim_app.accounts.models import ROLES, User
from kim_app.errors import Invalid
from kim_app.extensions import db
from kim_app.wilayah.models import Kabupaten, KimGroup

# Checked against when the username is unknown, so that a wrong username costs as much time as a wrong password
# and login timing does not reveal which accounts exist.
_dummy_hash: str | None = None


def _spend_a_password_check(password: str) -> None:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_hex(16), method=current_app.config["PASSWORD_HASH_METHOD"])
    check_password_hash(_dummy_hash, password)


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None:
        _spend_a_password_check(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def create_user(
    username: str,
    password: str,
    role: str,
    nama: str,
    kabupaten_kode: str | None = None,
    kim_id: int | None = None,
) -> User:
    """Create an account after checking what a person would get wrong; the caller commits."""
    username = username.strip().lower()
    if role not in ROLES:
        raise Invalid(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if not username or len(username) > 64:
        raise Invalid("Nama pengguna wajib diisi (paling banyak 64 karakter).")
    if len(password) < 8:
        raise Invalid("Kata sandi paling sedikit 8 karakter.")
    if find_user(username) is not None:
        raise Invalid(f"Nama pengguna {username!r} sudah dipakai.")
    if role == "moderator" and db.session.get(Kabupaten, kabupaten_kode or "") is None:
        raise Invalid("Moderator harus terikat pada kabupaten/kota yang ada (kode seperti 53.04).")
    if role == "anggota" and db.session.get(KimGroup, kim_id or 0) is None:
        raise Invalid("Anggota harus terdaftar di kelompok KIM yang ada.")
    user = User(
        username=username,
        nama=nama,
        role=role,
        kabupaten_kode=kabupaten_kode if role == "moderator" else None,
        kim_id=kim_id if role == "anggota" else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
