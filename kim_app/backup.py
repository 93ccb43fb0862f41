"""Backup and restore: the database and the media in one archive, and back into an empty instance.

The archive is independent of the database engine — every table as JSON lines in foreign-key order, plus the media
under `media/`, each file named by its storage key — so a backup taken from SQLite restores into PostgreSQL, and one
taken with media in a bucket restores into a local folder, and every other way round. It records the schema revision
and refuses to restore into an instance at another one.
"""
from __future__ import annotations

import io
import json
import tarfile
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import func, insert, select

from kim_app.errors import ProblemError
from kim_app.extensions import db
from kim_app.items import counts as kept_counts
from kim_app.media.storage import KEY_PATTERN, LocalStorage, storage
from kim_app.timeutil import utcnow

FORMAT = "kim-backup/1"
BATCH = 1000


class BackupError(ProblemError):
    title = "Cadangan tidak dapat dipulihkan"


def _schema_revision() -> str | None:
    # The session's own connection: a second one would wait for the session's write lock on SQLite.
    return MigrationContext.configure(db.session.connection()).get_current_revision()


# Not data: the schema's version, the portal generation (a counter of changes, born with the schema; a restored
# instance starts its own, kim_app/publish/cache.py), and the counts kept as items change (kim_app/items/counts.py),
# which a restore counts again from the items it loaded.
NOT_BACKED_UP = ("alembic_version", "portal_generation", *kept_counts.KEPT_TABLES)


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in NOT_BACKED_UP]


def _encode(value):
    if isinstance(value, (datetime, date)):  # a day (an SK's date) as TTTT-BB-HH, a moment with its offset
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decoder(column):
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return lambda value: value
    if kind is datetime:
        return lambda value: None if value is None else datetime.fromisoformat(value)
    if kind is date:
        return lambda value: None if value is None else date.fromisoformat(value)
    if kind is uuid.UUID:
        return lambda value: None if value is None else uuid.UUID(value)
    return lambda value: value


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(target: Path) -> dict[str, int]:
    """Write the archive to `target` (a temporary file first, so a cut-short backup never looks complete)."""
    counts: dict[str, int] = {}
    media_root = Path(current_app.config["MEDIA_ROOT"])
    target = Path(target)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".kim-backup-", delete=False) as handle:
        partial = Path(handle.name)
    try:
        with tarfile.open(partial, "w:gz") as archive:
            for table in _tables():
                lines = []
                for row in db.session.execute(select(table)).mappings():
                    lines.append(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
                counts[table.name] = len(lines)
                _add_bytes(archive, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n").encode())
            store = storage()
            if isinstance(store, LocalStorage):
                if media_root.exists():
                    archive.add(media_root, arcname="media", recursive=True)
            else:
                for key in store.list_keys():
                    _add_bytes(archive, f"media/{key}", store.read(key))
            manifest = {
                "format": FORMAT,
                "schema_revision": _schema_revision(),
                "created_at": utcnow().isoformat(),
                "tables": counts,
            }
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def restore_backup(source: Path) -> dict[str, int]:
    """Load an archive into this instance, which must be migrated and empty."""
    with tarfile.open(source, "r:gz") as archive:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
        except KeyError:
            raise BackupError("Berkas ini bukan cadangan KIM (manifest.json tidak ada).") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Format cadangan {manifest.get('format')!r} tidak dikenal.")
        revision = _schema_revision()
        if manifest["schema_revision"] != revision:
            raise BackupError(
                f"Cadangan dibuat pada skema {manifest['schema_revision']}, instance ini pada {revision}. "
                "Samakan dulu (flask db upgrade)."
            )
        tables = _tables()
        for table in tables:
            if db.session.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"Instance tidak kosong (tabel {table.name} berisi data); pulihkan ke instance baru.")
        counts = {}
        for table in tables:
            member = f"tables/{table.name}.jsonl"
            try:
                raw = archive.extractfile(member).read().decode()
            except KeyError:
                counts[table.name] = 0
                continue
            decoders = {c.name: _decoder(c) for c in table.columns}
            rows = [
                {k: decoders[k](v) for k, v in json.loads(line).items() if k in decoders}
                for line in raw.splitlines()
                if line.strip()
            ]
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(table), rows[start : start + BATCH])
            counts[table.name] = len(rows)
        _reset_sequences(tables)
        kept_counts.recount()
        media = [m for m in archive.getmembers() if m.name == "media" or m.name.startswith("media/")]
        for member in media:
            member.name = member.name[len("media") :].lstrip("/")
        store = storage()
        if isinstance(store, LocalStorage):
            media_root = Path(current_app.config["MEDIA_ROOT"])
            media_root.mkdir(parents=True, exist_ok=True)
            # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
            archive.extractall(media_root, members=[m for m in media if m.name], filter="data")
        else:
            # Into the bucket go the storage's own keys; the pattern keeps out anything else a folder held.
            for member in media:
                if member.isfile() and KEY_PATTERN.match(member.name):
                    store.save(member.name, archive.extractfile(member).read())
    return counts


def _reset_sequences(tables) -> None:
    """PostgreSQL hands out ids from sequences that explicit inserts did not advance."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
            next_id = select(func.coalesce(func.max(pk[0]), 0) + 1).scalar_subquery()
            sequence = func.pg_get_serial_sequence(table.name, pk[0].name)
            db.session.execute(select(func.setval(sequence, next_id, False)))
