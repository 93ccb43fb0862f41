"""Where photo bytes live: finished derivatives, and the part files of uploads in progress.

`Storage` is the small interface the rest of the code uses; `LocalStorage` keeps files under MEDIA_ROOT. Keys are
chosen by the server (`photos/ab/<sha256>.jpg`, `incoming/<uuid>.part`) and checked against a pattern before they
touch the file system, and the resolved path must stay under the root: no name a phone sent ever becomes a path.

Durability: `save` writes a temporary file in the same folder, fsyncs it, renames it into place and fsyncs the
folder, so after a crash a key holds either nothing or the whole file — never half of it. `append_at` fsyncs each
chunk before returning, so an acknowledged chunk survives a power cut.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

KEY_PATTERN = re.compile(r"^(photos/[0-9a-f]{2}/[0-9a-f]{64}\.jpg|incoming/[0-9a-f]{32}\.part)$")


class UnsafeKey(ValueError):
    pass


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def read(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def size(self, key: str) -> int: ...
    def append_at(self, key: str, offset: int, data: bytes) -> None: ...
    def path(self, key: str) -> Path: ...


def derivative_key(digest: str) -> str:
    """Content-addressed: identical derivatives share one file, and a key never names two different contents."""
    return f"photos/{digest[:2]}/{digest}.jpg"


def incoming_key(photo_hex: str) -> str:
    return f"incoming/{photo_hex}.part"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise UnsafeKey(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise UnsafeKey(key)
        return path

    def _folder(self, key: str) -> Path:
        path = self.path(key)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(path.parent.parent)
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self._folder(key)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        path = self.path(key)
        if path.exists():
            path.unlink()
            _fsync_dir(path.parent)

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return 0

    def append_at(self, key: str, offset: int, data: bytes) -> None:
        """Write `data` at `offset` and cut the file there: bytes beyond it are from an attempt never acknowledged."""
        path = self._folder(key)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < offset:
                raise ValueError(f"{key} holds fewer than {offset} bytes")
            os.ftruncate(fd, offset)
            view = memoryview(data)
            position = offset
            while view:
                written = os.pwrite(fd, view, position)
                view = view[written:]
                position += written
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(path.parent)


def storage() -> Storage:
    return LocalStorage(current_app.config["MEDIA_ROOT"])
