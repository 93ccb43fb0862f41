"""Accounts and their roles.

anggota: member of one KIM group (their desa is the group's desa); ketua KIM: an anggota who also manages the
members of their own group (the `ketua` flag — a ketua captures with the phone app like any member, so their role
stays `anggota` on the wire); moderator: works the queue of one kabupaten/kota; admin: Dinas Kominfo of the province,
sees everything and manages accounts and KIM groups. The database refuses a moderator without a kabupaten, a member
without a group, and a ketua who is not a member. What each of them may do lives in `policy.py`.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from kim_app.extensions import db
from kim_app.timeutil import UTCDateTime, utcnow
from kim_app.wilayah.models import Kabupaten, KimGroup

ROLES = ("anggota", "moderator", "admin")
ROLE_LABELS = {"anggota": "Anggota KIM", "moderator": "Moderator kabupaten/kota", "admin": "Admin provinsi"}
KETUA_LABEL = "Ketua KIM"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('anggota', 'moderator', 'admin')", name="role_known"),
        CheckConstraint("role <> 'moderator' OR kabupaten_kode IS NOT NULL", name="moderator_has_kabupaten"),
        CheckConstraint("role <> 'anggota' OR kim_id IS NOT NULL", name="anggota_has_kim"),
        CheckConstraint("NOT ketua OR role = 'anggota'", name="ketua_is_anggota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    nama: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    kabupaten_kode: Mapped[str | None] = mapped_column(ForeignKey("kabupaten.kode"), index=True)
    kim_id: Mapped[int | None] = mapped_column(ForeignKey("kim_group.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    ketua: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set when a ketua or the admin gave the account a temporary password: until its owner chooses a new one, every
    # page leads to "Buat kata sandi baru" and the API refuses with `password-change-required` (routes.py).
    harus_ganti_sandi: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kabupaten: Mapped[Kabupaten | None] = relationship()
    kim: Mapped[KimGroup | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    @property
    def role_label(self) -> str:
        return KETUA_LABEL if self.ketua else ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class AccountSession(db.Model):
    """One signed-in browser or phone. The cookie carries a random token; this row, found by the token's SHA-256, is
    what makes the cookie worth anything: a cookie copied off a phone stops working when its row is ended — at
    sign-out, "keluar dari semua perangkat", deactivation, a password change, or the admin's "akhiri semua sesi"
    (kim_app/accounts/session.py). Every app server reads the same rows, so an ended session is ended everywhere."""

    __tablename__ = "account_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_why: Mapped[str | None] = mapped_column(String(16))

    account: Mapped[User] = relationship()


# What happened to an account, as its page shows it to the admin.
EVENT_RESET = "reset_sandi"  # a ketua or the admin gave it a temporary password
EVENT_NEW_PASSWORD = "sandi_baru"  # its owner chose a new one (a name, not a password)  # nosec B105
EVENT_CHANGED = "ganti_sandi"  # its owner changed their password themselves
ACCOUNT_EVENTS = (EVENT_RESET, EVENT_NEW_PASSWORD, EVENT_CHANGED)
ACCOUNT_EVENT_LABELS = {
    EVENT_RESET: "Kata sandi direset (kata sandi sementara)",
    EVENT_NEW_PASSWORD: "Kata sandi baru dibuat setelah reset",
    EVENT_CHANGED: "Kata sandi diganti sendiri",
}


class AccountEvent(db.Model):
    """Who did what to whose account, and when. Append-only like the items' audit log: the database refuses to
    change or delete a row (migration 0017), so a reset cannot be made to look as if it never happened. A reset names
    the ketua or admin who did it (`actor_id`); the password itself is never recorded, not even hashed."""

    __tablename__ = "account_event"
    __table_args__ = (
        CheckConstraint("action IN ('reset_sandi', 'sandi_baru', 'ganti_sandi')", name="action_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[User] = relationship(foreign_keys=[account_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def label(self) -> str:
        return ACCOUNT_EVENT_LABELS[self.action]
