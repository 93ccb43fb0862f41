"""The item and what belongs to it: the member's revisions, its photos, and the append-only audit log of its moves.

An item is one berita, aduan or foto story captured on a phone (the kinds: kim_app/items/kinds.py). `client_uuid` is
the identity the phone gave it when it was first saved; its unique constraint is what makes creation idempotent
(docs/sync-protocol.md). `content_hash` lets a repeated create tell "the same item again" from "a different item under
a UUID we already have"; it stays the hash of what was first received.

`revision` counts the member's versions of the item (each kept in `ItemRevision`); `version` counts every change of
the row by anyone — verdicts, edits, revisions — so a move prepared on an old copy is refused instead of overwriting
(kim_app/items/services.py, `move`). `claimed_by`/`claim_expires_at` are a moderator's lease on the item
(kim_app/moderation/queue.py). A complaint carries its public `tracking_code` and its own lifecycle `aduan_status`.

The tables keep the names of the first schema (`submission`, `submission_revision`, `moderation_event`, and their
`submission_id` columns): in code the thing is an item, and renaming tables full of live rows would buy nothing.

The audit log (`ItemEvent`) is append-only: the code only ever inserts, and database triggers refuse UPDATE and
DELETE (migration 0003), so not even a mistaken script can rewrite history. `details` carries what a note cannot:
the fields a moderator edited (before and after), the unit a complaint was forwarded to, the photo withdrawn.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    exists,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items import kinds, waits
from kim_app.items.statuses import AduanStatus, PhotoState, Status, sql_in
from kim_app.timeutil import UTCDateTime, utcnow
from kim_app.wilayah.models import Desa, Kabupaten, KimGroup

# The fields kept in columns; a kind's other fields live in `rincian` (kim_app/items/kinds.py).
COLUMN_FIELDS = ("judul", "isi", "uraian", "lokasi", "keterangan", "pelapor_nama", "pelapor_telepon")
TRACKED_KINDS = tuple(name for name, kind in kinds.KINDS.items() if kind.tracked)
PHOTO_MIMES = ("image/jpeg", "image/png", "image/webp")


def _complete_constraints() -> list[CheckConstraint]:
    """Per kind, its required fields that are columns may not be empty (the database's half of kinds.errors_for)."""
    found = []
    for name, kind in kinds.KINDS.items():
        columns = [f for f in kind.required if f in COLUMN_FIELDS]
        if columns:
            condition = " AND ".join(f"{column} IS NOT NULL" for column in columns)
            found.append(CheckConstraint(f"kind <> '{name}' OR ({condition})", name=f"{name}_complete"))
    return found


# Published: approved, of a public kind — the only items that get a `published_at` (services.move).
_PUBLISHED = "status = 'disetujui' AND published_at IS NOT NULL"
_AWAITING_VERIFICATION = "status = 'menunggu' AND aduan_status = 'diterima'"


class Content:
    """What a member writes, the same on the item and on each of its revisions: the category, the fields that have
    columns, and `rincian` for a kind's other fields (kim_app/items/kinds.py)."""

    kategori: Mapped[str] = mapped_column(String(32))
    judul: Mapped[str | None] = mapped_column(String(200))
    isi: Mapped[str | None] = mapped_column(Text)
    uraian: Mapped[str | None] = mapped_column(Text)
    lokasi: Mapped[str | None] = mapped_column(String(300))
    keterangan: Mapped[str | None] = mapped_column(Text)
    # The citizen who complained: shown to moderators only, never in public pages or the public API.
    pelapor_nama: Mapped[str | None] = mapped_column(String(120))
    pelapor_telepon: Mapped[str | None] = mapped_column(String(20))
    rincian: Mapped[dict | None] = mapped_column(JSON)

    def value(self, name: str):
        """A content field, wherever it is kept."""
        if name in COLUMN_FIELDS or name == "kategori":
            return getattr(self, name)
        return (self.rincian or {}).get(name)


class Item(Content, db.Model):
    __tablename__ = "submission"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(kinds.KINDS)}", name="kind_known"),
        CheckConstraint(f"status IN {sql_in(Status)}", name="status_known"),
        *_complete_constraints(),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"aduan_status IS NULL OR aduan_status IN {sql_in(AduanStatus)}", name="aduan_status_known"),
        CheckConstraint(
            f"(kind IN {sql_in(TRACKED_KINDS)}) = (tracking_code IS NOT NULL AND aduan_status IS NOT NULL)",
            name="aduan_tracked",
        ),
        CheckConstraint("(claimed_by IS NULL) = (claim_expires_at IS NULL)", name="claim_has_lease"),
        # The moderation queue: one kabupaten's pending items, oldest first, paged by (received_at, id).
        Index("ix_submission_queue", "kabupaten_kode", "status", "received_at", "id"),
        # The admin's queue: every kabupaten's.
        Index("ix_submission_queue_all", "status", "received_at", "id"),
        # Complaints awaiting verification, oldest first per kabupaten: the dashboard's overdue ones (migration 0022).
        Index("ix_submission_aduan_waiting", "kabupaten_kode", "received_at", "id", "kim_id",
              postgresql_where=text(_AWAITING_VERIFICATION), sqlite_where=text(_AWAITING_VERIFICATION)),
        # … and of every kabupaten at once, for the admin's list of the oldest (migration 0024).
        Index("ix_submission_aduan_waiting_oldest", "received_at", "id",
              postgresql_where=text(_AWAITING_VERIFICATION), sqlite_where=text(_AWAITING_VERIFICATION)),
        # The delta pull: one author's items changed since a time.
        Index("ix_submission_author_updated", "author_id", "updated_at"),
        # The queue's counts per filter: read from the index alone, in group order (moderation/queue.py, counts).
        Index("ix_submission_facets", "status", "kabupaten_kode", "kind", "desa_kode", "kim_id", "kategori",
              "received_at", "id"),
        # The public portal: approved news, newest first.
        Index("ix_submission_published", "kind", "status", "published_at"),
        # Its lists everywhere, per kabupaten and per desa, read from the newest end (migration 0012).
        # Dissemination reports by the pengumuman they name, for its coverage (migration 0019; PostgreSQL only: the
        # embedded SQLite reads its few reports without it). Written as kim_app/pengumuman/coverage.py queries it.
        Index("ix_submission_diseminasi_pengumuman", text("(rincian ->> 'pengumuman')"), "kim_id",
              postgresql_where=text("kind = 'diseminasi'")).ddl_if(dialect="postgresql"),
        *(Index(f"ix_submission_public_{name}", *columns, "published_at", "id",
                postgresql_where=text(_PUBLISHED), sqlite_where=text(_PUBLISHED))
          for name, columns in (("latest", ()), ("kabupaten", ("kabupaten_kode",)), ("desa", ("desa_kode",)))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kim_id: Mapped[int | None] = mapped_column(ForeignKey("kim_group.id"), index=True)
    desa_kode: Mapped[str] = mapped_column(ForeignKey("desa.kode"), index=True)
    kabupaten_kode: Mapped[str] = mapped_column(ForeignKey("kabupaten.kode"))

    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first verdict (setujui, tolak or revisi), as its audit entry says: the dashboard's time to moderate reads it
    # with the item instead of looking for the entry of every item of a period (migration 0021c).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The session (device) whose request created the item: its own pulls need not bring it back while it is unchanged
    # (kim_app/sync/services.py, `changes_since`; migration 0023). None: made another way.
    created_session: Mapped[str | None] = mapped_column(String(16))

    status: Mapped[str] = mapped_column(String(16), default=Status.MENUNGGU)
    revision: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    moderator_note: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    # Indexed: claiming the next item first ends the moderator's earlier lease, found by this column.
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Complaints only: the code the complainant checks the status with, and where the complaint stands.
    tracking_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    aduan_status: Mapped[str | None] = mapped_column(String(16))
    opd: Mapped[str | None] = mapped_column(String(200))
    tanggapan: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    claimer: Mapped[User | None] = relationship(foreign_keys=[claimed_by])
    kim: Mapped[KimGroup | None] = relationship()
    desa: Mapped[Desa] = relationship()
    kabupaten: Mapped[Kabupaten] = relationship()
    # selectin: item answers and pages list the photos of many items; one query for all of them, not one per item.
    photos: Mapped[list[Photo]] = relationship(back_populates="item", order_by="Photo.position", lazy="selectin")
    events: Mapped[list[ItemEvent]] = relationship(order_by="ItemEvent.id", viewonly=True)
    revisions: Mapped[list[ItemRevision]] = relationship(order_by="ItemRevision.revision", viewonly=True)

    @property
    def spec(self) -> kinds.Kind:
        return kinds.KINDS[self.kind]

    @property
    def is_public(self) -> bool:
        return self.spec.public and self.status == Status.DISETUJUI

    @property
    def shown_publicly(self) -> bool:
        """Shown to anyone somewhere: published on the portal, or approved and listed on its KIM's profile (a
        kegiatan) — its photos then are public too."""
        return (self.spec.public or self.spec.on_profile) and self.status == Status.DISETUJUI

    @property
    def headline(self) -> str:
        """What lists, page titles and notifications show: the berita's title, the photo story's caption, the
        complaint itself."""
        return self.value(self.spec.headline) or ""

    @property
    def body(self) -> str:
        """The text the portal shows under the headline."""
        return (self.value(self.spec.body) if self.spec.body else None) or ""

    @property
    def photos_complete(self) -> bool:
        return all(photo.state == PhotoState.SIAP for photo in self.photos)

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.kind} {self.status}>"


class ItemRevision(Content, db.Model):
    """What the member sent in each revision of an item, as received: revision 1 is the first create. A moderator's
    edit changes the item, never these rows, so the member's own words are always kept."""

    __tablename__ = "submission_revision"
    __table_args__ = (UniqueConstraint("submission_id", "revision", name="uq_submission_revision_submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column("submission_id", ForeignKey("submission.id"))
    revision: Mapped[int]
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))


class ItemEvent(db.Model):
    """One move of an item (kim_app/items/statuses.py, MOVES): who made it, when, from which status to which, and
    why. Append-only."""

    __tablename__ = "moderation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column("submission_id", ForeignKey("submission.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()


class Photo(db.Model):
    """One photo a phone declared with an item (docs/sync-protocol.md, "Photos").

    The row is created when the item's text arrives, before any byte of the photo; `received` counts the bytes held
    in the incoming part file. The database refuses a `siap` photo without both derivatives and a `gagal` one without
    a reason, so a half-processed photo can never be served or counted as complete."""

    __tablename__ = "photo"
    __table_args__ = (
        UniqueConstraint("submission_id", "position", name="uq_photo_submission_position"),
        CheckConstraint(f"state IN {sql_in(PhotoState)}", name="state_known"),
        CheckConstraint(f"mime IN {sql_in(PHOTO_MIMES)}", name="mime_known"),
        CheckConstraint(f"position >= 0 AND position < {kinds.MAX_PHOTOS}", name="position_in_range"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("received >= 0 AND received <= size", name="received_in_range"),
        CheckConstraint(
            "state <> 'siap' OR (display_key IS NOT NULL AND thumb_key IS NOT NULL AND width IS NOT NULL "
            "AND height IS NOT NULL AND completed_at IS NOT NULL)",
            name="siap_has_derivatives",
        ),
        CheckConstraint("state <> 'gagal' OR error IS NOT NULL", name="gagal_has_error"),
        # Content-addressed reuse looks for the author's delivered photo with the same hash.
        Index("ix_photo_sha256", "sha256"),
    )

    # The phone's UUID for the photo: the upload URLs name it, so it is the identity on both sides.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    item_id: Mapped[int] = mapped_column("submission_id", ForeignKey("submission.id"))
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(16))
    received: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(8), default=PhotoState.MENUNGGU)
    error: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None]
    height: Mapped[int | None]
    # Storage keys chosen by the server (content-addressed); never derived from anything the phone sent.
    display_key: Mapped[str | None] = mapped_column(String(100))
    thumb_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship(back_populates="photos")

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.state} {self.received}/{self.size}>"


def photos_complete(item_id_column):
    """A SQL condition: the item with this id has no photo that is not yet `siap` (items without photos pass). Cheap:
    the unique index on (submission_id, position) finds an item's (at most five) photos directly."""
    return ~exists(select(Photo.id).where(Photo.item_id == item_id_column, Photo.state != PhotoState.SIAP))


# --- Counts kept as items change (kim_app/items/counts.py) ----------------------------------------------------------

class QueueCount(db.Model):
    """How many items wait in the moderators' queue — pending, every photo in (moderation/queue.py, `in_queue`) — per
    kabupaten and every value its filters count: kind, desa (which holds its kecamatan), KIM group, kategori. `kim_id`
    is 0 for an item of no KIM group: a primary key cannot hold NULL. Derived from the items, never edited by hand:
    `flask kim recount` rebuilds it."""

    __tablename__ = "queue_count"

    kabupaten_kode: Mapped[str] = mapped_column(String(5), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    desa_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    kim_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kategori: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int]


class PublishedCount(db.Model):
    """How many items are published on the portal per desa (kim_app/publish/services.py, `_published`), for the
    kabupaten and kecamatan pages' lists of places. Derived, like QueueCount."""

    __tablename__ = "published_count"

    desa_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    kabupaten_kode: Mapped[str] = mapped_column(String(5), index=True)
    n: Mapped[int]


class VerdictCount(db.Model):
    """How many verdicts (statuses.VERDICTS) were given per kabupaten, WITA day, KIM group (0: none) and action: the
    dashboard's approved and rejected per period (kim_app/moderation/dashboard.py), as the audit log holds them.
    Derived, like QueueCount; only ever added to, as the log is."""

    __tablename__ = "verdict_count"

    kabupaten_kode: Mapped[str] = mapped_column(String(5), primary_key=True)
    hari: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    kim_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    action: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]


# The counts a day's row and a week's share: arrivals, approvals, rejections, the histogram of waits.
TALLY_COUNTS = ("diterima", "disetujui", "ditolak", *waits.COLUMNS)


def _tally_counts() -> list[Column]:
    """TALLY_COUNTS as columns. Their default is the server's (an upsert names only the counts it changes,
    kim_app/items/counts.py)."""
    return [Column(name, Integer, nullable=False, server_default="0") for name in TALLY_COUNTS]


class DayCount(db.Model):
    """Per kabupaten and WITA day, what the dashboard counts of the whole of a kabupaten: the items that arrived for
    the desk to judge (`diterima`, the moderated kinds, on their day of arrival), the approvals and rejections given
    (`disetujui`, `ditolak`, on the day they were given), how long the items that arrived that day waited for their
    first verdict, as a histogram (kim_app/items/waits.py: `w00` … `w46`), and the complaints that arrived that day
    and still wait in the queue for verification (`aduan_menunggu`: the overdue ones are those of the days before
    the deadline's). A nation's eight weeks are 514 kabupaten × 56 days of rows, whatever the number of items.
    Derived, like QueueCount; the kabupaten is the item's as it is now."""

    __table__ = db.Table(
        "day_count",
        Column("kabupaten_kode", String(5), primary_key=True),
        Column("hari", Date, primary_key=True, index=True),
        *_tally_counts(),
        Column("aduan_menunggu", Integer, nullable=False, server_default="0"),
        # The days that hold waiting complaints, a few of all: the dashboard sums those before a deadline from the
        # index alone.
        Index("ix_day_count_aduan_menunggu", "hari", "kabupaten_kode", "aduan_menunggu",
              postgresql_where=text("aduan_menunggu <> 0"), sqlite_where=text("aduan_menunggu <> 0")),
    )


class WeekCount(db.Model):
    """DayCount's numbers (but the waiting complaints) per kabupaten and week, named by its Monday (WITA): a period's
    whole weeks are read here, its days at either end from DayCount — a nation's eight weeks are 4,000 rows instead
    of 28,000. Derived, like DayCount, and changed with it (kim_app/items/counts.py)."""

    __table__ = db.Table(
        "week_count",
        Column("kabupaten_kode", String(5), primary_key=True),
        Column("senin", Date, primary_key=True, index=True),
        *_tally_counts(),
    )
