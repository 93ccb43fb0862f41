"""Accounts: creating them, checking passwords, and managing them (a ketua for their group, the admin for all)."""
from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kim_app.accounts import policy
from kim_app.accounts import session as sessions
from kim_app.accounts.models import EVENT_CHANGED, EVENT_NEW_PASSWORD, EVENT_RESET, ROLES, AccountEvent, User
from kim_app.errors import Forbidden, Invalid, NotFound
from kim_app.extensions import db
from kim_app.wilayah.models import Kabupaten, KimGroup

logger = logging.getLogger(__name__)

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


MIN_PASSWORD = 8


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Kata sandi paling sedikit {MIN_PASSWORD} karakter.")


def create_user(
    username: str,
    password: str,
    role: str,
    nama: str,
    kabupaten_kode: str | None = None,
    kim_id: int | None = None,
    ketua: bool = False,
) -> User:
    """Create an account after checking what a person would get wrong; the caller commits."""
    username = username.strip().lower()
    if role not in ROLES:
        raise Invalid(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if not username or len(username) > 64:
        raise Invalid("Nama pengguna wajib diisi (paling banyak 64 karakter).")
    _check_new_password(password)
    if find_user(username) is not None:
        raise Invalid(f"Nama pengguna {username!r} sudah dipakai.")
    scope = policy.scope_of_role(role)
    if scope == "kabupaten" and db.session.get(Kabupaten, kabupaten_kode or "") is None:
        raise Invalid("Moderator harus terikat pada kabupaten/kota yang ada (kode seperti 53.04).")
    if scope == "kim" and db.session.get(KimGroup, kim_id or 0) is None:
        raise Invalid("Anggota harus terdaftar di kelompok KIM yang ada.")
    if ketua and scope != "kim":
        raise Invalid("Ketua KIM harus anggota sebuah kelompok KIM.")
    if not (nama or "").strip() or len(nama) > 120:
        raise Invalid("Nama lengkap wajib diisi (paling banyak 120 karakter).")
    user = User(
        username=username,
        nama=nama.strip(),
        role=role,
        kabupaten_kode=kabupaten_kode if scope == "kabupaten" else None,
        kim_id=kim_id if scope == "kim" else None,
        ketua=ketua,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


# --- Managing accounts: the ketua for their group, the admin for everyone (rules in policy.py) -----------------------

def members_of(group_id: int) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.kim_id == group_id).order_by(User.active.desc(), User.nama))
    )


def add_member(ketua: User, username: str, nama: str, password: str) -> User:
    """A ketua adds a member to their own group; the caller commits."""
    return create_user(username, password, "anggota", nama, kim_id=ketua.kim_id)


def member_for(manager: User, user_id: int) -> User:
    """An account the manager may manage; any other looks exactly like a missing one."""
    member = db.session.get(User, user_id)
    if member is None or not (policy.can_administer(manager) or policy.can_manage_member(manager, member)):
        raise NotFound("Akun tidak ditemukan.")
    return member


def set_active(manager: User, user_id: int, active: bool) -> User:
    member = member_for(manager, user_id)
    if member.id == manager.id:
        raise Invalid("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    member.active = active
    if not active:
        sessions.end_all_sessions(member.id, sessions.ENDED_DEACTIVATED)
    logger.info("Account %s %s by %s", member.username, "activated" if active else "deactivated", manager.username)
    return member


def end_sessions_of(manager: User, user_id: int) -> User:
    """The admin's "akhiri semua sesi akun ini" (a ketua's for a member of their group): a lost phone, a shared one
    that was not signed out. The account stays active; whoever has it signs in again."""
    member = member_for(manager, user_id)
    ended = sessions.end_all_sessions(member.id, sessions.ENDED_BY_ADMIN)
    logger.info("%d session(s) of %s ended by %s", ended, member.username, manager.username)
    return member


def end_sessions_everywhere(user: User) -> int:
    """"Keluar dari semua perangkat": every session of the account ends, the one asking included."""
    ended = sessions.end_all_sessions(user.id, sessions.ENDED_EVERYWHERE)
    logger.info("%s signed out on %d device(s)", user.username, ended)
    return ended


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """A new password for one's own account; every session of the account ends (the caller starts a new one for
    the device that asked)."""
    if not user.check_password(current):
        raise Invalid("Kata sandi sekarang salah.")
    if new != repeat:
        raise Invalid("Kata sandi baru dan ulangannya tidak sama.")
    _check_new_password(new)
    if user.harus_ganti_sandi and user.check_password(new):
        raise Invalid(_SAME_AS_TEMPORARY)
    user.set_password(new)
    sessions.end_all_sessions(user.id, sessions.ENDED_PASSWORD)
    _record(user, EVENT_NEW_PASSWORD if user.harus_ganti_sandi else EVENT_CHANGED, actor=user)
    user.harus_ganti_sandi = False
    logger.info("Password of %s changed", user.username)


def set_password(user: User, password: str) -> None:
    """The operator sets a password (`flask kim set-password`): the account's sessions end as with a change."""
    _check_new_password(password)
    user.set_password(password)
    sessions.end_all_sessions(user.id, sessions.ENDED_PASSWORD)


# --- Temporary passwords: a ketua for a member of their group, the admin for anyone (policy.can_reset_password) ------

# Short, common Indonesian words without letters that sound alike when read aloud over a bad line (no f/v, no q/x/z),
# so a ketua can dictate a temporary password over the phone: two words and four digits, "jagungpasir4821".
TEMPORARY_WORDS = (
    "air", "api", "ayam", "bambu", "batu", "bawang", "bintang", "bulan", "bunga", "buku", "cabai", "daun", "delima",
    "domba", "durian", "gajah", "garam", "gula", "gunung", "hujan", "ikan", "jagung", "jalan", "jeruk", "kabut",
    "kain", "kambing", "kapal", "kelapa", "kopi", "kuda", "kunci", "laut", "lilin", "mangga", "madu", "meja",
    "merah", "nanas", "nasi", "padi", "pagi", "pantai", "pasir", "payung", "pisang", "pohon", "rumah", "rusa",
    "sagu", "sapi", "sawah", "sungai", "tanah", "teh", "telur", "tikar", "timur", "ubi", "udang", "umbi", "walet",
)
TEMPORARY_DIGITS = 4
_SAME_AS_TEMPORARY = "Kata sandi baru harus berbeda dari kata sandi sementara."


def temporary_password() -> str:
    """A password to read aloud: two words and four digits, at least 10 characters, from the system's CSPRNG. It is
    good for one purpose only — signing in to choose another — and the sign-in's rate limit guards it meanwhile."""
    words = "".join(secrets.choice(TEMPORARY_WORDS) for _ in range(2))
    digits = "".join(secrets.choice("0123456789") for _ in range(TEMPORARY_DIGITS))
    return words + digits


def _record(account: User, action: str, actor: User | None) -> None:
    db.session.add(AccountEvent(account_id=account.id, actor_id=actor.id if actor else None, action=action))


def account_for_reset(manager: User, user_id: int) -> User:
    """The account whose password `manager` would reset. One the manager may not even see looks missing; one they
    see but may not reset (another ketua, their own) is refused with why."""
    account = member_for(manager, user_id)
    if account.id == manager.id:
        raise Invalid("Kata sandi Anda sendiri diganti di halaman Ganti kata sandi, bukan direset di sini.")
    if not policy.can_reset_password(manager, account):
        raise Forbidden("Kata sandi akun ini hanya dapat direset oleh admin provinsi.")
    return account


def reset_password(manager: User, user_id: int, typed: str = "") -> tuple[User, str]:
    """A ketua (for a member of their group) or the admin gives an account a temporary password — the one they typed,
    or a generated one — which its owner must replace at the next sign-in. Every session of the account ends, and
    the reset is recorded. Returns the account and the password, to be shown once and never stored in the clear."""
    account = account_for_reset(manager, user_id)
    password = (typed or "").strip() or temporary_password()
    _check_new_password(password)
    account.set_password(password)
    account.harus_ganti_sandi = True
    sessions.end_all_sessions(account.id, sessions.ENDED_PASSWORD)
    _record(account, EVENT_RESET, actor=manager)
    logger.info("Password of %s reset by %s", account.username, manager.username)
    return account, password


def choose_new_password(user: User, new: str, repeat: str) -> None:
    """After a reset: the owner chooses a new password (not the temporary one), and may use KIM again. Every session
    of the account ends (the caller starts a new one for the device that asked), as with any change."""
    if new != repeat:
        raise Invalid("Kata sandi baru dan ulangannya tidak sama.")
    _check_new_password(new)
    if user.check_password(new):
        raise Invalid(_SAME_AS_TEMPORARY)
    user.set_password(new)
    user.harus_ganti_sandi = False
    sessions.end_all_sessions(user.id, sessions.ENDED_PASSWORD)
    _record(user, EVENT_NEW_PASSWORD, actor=user)
    logger.info("%s chose a new password after a reset", user.username)


def events_of(account_id: int) -> list[AccountEvent]:
    """The account's history, newest first, with who did each thing."""
    return list(db.session.scalars(
        select(AccountEvent).where(AccountEvent.account_id == account_id)
        .order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
    ))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def all_groups() -> list[KimGroup]:
    return list(db.session.scalars(select(KimGroup).order_by(KimGroup.desa_kode, KimGroup.nama)))
