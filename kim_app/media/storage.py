"""Where photo bytes live: finished derivatives, and the part files of uploads in progress.

`Storage` is the small interface the rest of the code uses. Which one serves is configuration (MEDIA_STORAGE):
`LocalStorage` keeps files under MEDIA_ROOT (the embedded default); `S3Storage` keeps them in a bucket of any
S3-compatible service, so that several app servers share them without a shared disk. Keys are chosen by the server
(`photos/ab/<sha256>.jpg`, `incoming/<uuid>.part`) and checked against a pattern before they touch a file system or
a bucket: no name a phone sent ever becomes a path or an object name. A key is the same in both storages, so media
move between them (`flask kim media-to-s3`, backup and restore) without a row changing.

Durability, locally: `save` writes a temporary file in the same folder, fsyncs it, renames it into place and fsyncs
the folder, so after a crash a key holds either nothing or the whole file — never half of it. `append_at` fsyncs each
chunk before returning, so an acknowledged chunk survives a power cut. In a bucket, a PUT is atomic and durable once
answered, which gives the same two promises.
"""
from __future__ import annotations

import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

logger = logging.getLogger(__name__)

KEY_PATTERN = re.compile(
    r"^(photos/[0-9a-f]{2}/[0-9a-f]{64}\.jpg|documents/[0-9a-f]{2}/[0-9a-f]{64}\.pdf|incoming/[0-9a-f]{32}\.part)$"
)


class UnsafeKey(ValueError):
    pass


class StorageUnavailable(RuntimeError):
    """The storage cannot be used as configured: said in a sentence an operator can act on."""


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def read(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def size(self, key: str) -> int: ...
    def append_at(self, key: str, offset: int, data: bytes) -> None: ...
    def list_keys(self) -> Iterator[str]: ...
    def check(self) -> None: ...


def derivative_key(digest: str) -> str:
    """Content-addressed: identical derivatives share one file, and a key never names two different contents."""
    return f"photos/{digest[:2]}/{digest}.jpg"


def document_key(digest: str) -> str:
    """A PDF attachment of a pengumuman, content-addressed like the photos' derivatives."""
    return f"documents/{digest[:2]}/{digest}.pdf"


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

    def list_keys(self) -> Iterator[str]:
        """Every key held, in no particular order (temporary files and anything else in the folder are not keys)."""
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if KEY_PATTERN.match(key) and path.is_file():
                yield key

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"MEDIA_ROOT {self.root} is not a folder this process can write to")




# --- S3-compatible object storage ------------------------------------------------------------------------------------

PART_DIGITS = 10  # offsets in part names, zero-padded so that the bucket lists them in order (8 MB needs 7)


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """Derivatives are objects named by their key. An upload in progress is one object per chunk, named by its
    offset (`incoming/<uuid>.part/0000065536`): an object cannot be appended to, and chunks written by any app server
    make one part that every other server reads, so an upload cut on one server resumes on another.

    The part's bytes are its chunks in order from offset 0, as far as they follow on without a gap. `append_at`
    writes its chunk and removes every chunk beyond it (from attempts that were never acknowledged), which is the
    local file's "write at offset, cut there" — one listing and one PUT per chunk.
    """

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_config(cls, config) -> S3Storage:
        missing = [name for name in ("S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if not config[name]]
        if missing:
            raise StorageUnavailable(f"the bucket needs {', '.join(missing)} in the environment")
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config["S3_ENDPOINT_URL"] or None,
            region_name=config["S3_REGION"] or "us-east-1",
            aws_access_key_id=config["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=config["AWS_SECRET_ACCESS_KEY"],
            config=BotoConfig(
                connect_timeout=3,
                read_timeout=20,
                retries={"max_attempts": 3, "mode": "standard"},
                # MinIO and most other providers are reached by path, not by a bucket-named host.
                s3={"addressing_style": "path" if config["S3_ENDPOINT_URL"] else "auto"},
                # Checksums only where S3 demands them: several S3-compatible services refuse the newer defaults.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                max_pool_connections=20,
            ),
        )
        return cls(client, config["S3_BUCKET"])

    @staticmethod
    def _checked(key: str) -> str:
        if not KEY_PATTERN.match(key):
            raise UnsafeKey(key)
        return key

    @staticmethod
    def _is_part(key: str) -> bool:
        return key.startswith("incoming/")

    # Parts of an upload in progress

    def _chunks(self, key: str) -> list[tuple[int, str, int]]:
        """(offset, object name, size) of every chunk object of a part, by offset."""
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=key + "/")
        for page in pages:
            for entry in page.get("Contents", []):
                offset = entry["Key"].rsplit("/", 1)[1]
                if offset.isdigit():
                    found.append((int(offset), entry["Key"], entry["Size"]))
        return sorted(found)

    @staticmethod
    def _contiguous(chunks: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
        run, end = [], 0
        for chunk in chunks:
            if chunk[0] != end:
                break
            run.append(chunk)
            end += chunk[2]
        return run

    def _delete_objects(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = [{"Key": name} for name in names[start:start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def _get(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(name) from None
            raise

    # The interface

    def save(self, key: str, data: bytes) -> None:
        if self._is_part(self._checked(key)):
            self.delete(key)
            self.append_at(key, 0, data)
            return
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg")

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.read(key))

    def read(self, key: str) -> bytes:
        if self._is_part(self._checked(key)):
            chunks = self._contiguous(self._chunks(key))
            if not chunks:
                raise FileNotFoundError(key)
            # Fetched side by side: one after the other, a 8 MB photo's 128 round trips would hold the request.
            with ThreadPoolExecutor(max_workers=8) as pool:
                return b"".join(pool.map(self._get, [name for _, name, _ in chunks]))
        return self._get(key)

    def exists(self, key: str) -> bool:
        if self._is_part(self._checked(key)):
            return bool(self._chunks(key))
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        if self._is_part(self._checked(key)):
            self._delete_objects([name for _, name, _ in self._chunks(key)])
        else:
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def size(self, key: str) -> int:
        if self._is_part(self._checked(key)):
            return sum(size for _, _, size in self._contiguous(self._chunks(key)))
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if _missing(error):
                return 0
            raise

    def append_at(self, key: str, offset: int, data: bytes) -> None:
        """Write `data` at `offset` and cut the part there: chunks beyond it are from attempts never acknowledged."""
        if not self._is_part(self._checked(key)):
            raise UnsafeKey(f"{key} is not the part of an upload")
        chunks = self._chunks(key)
        if sum(size for _, _, size in self._contiguous(chunks)) < offset:
            raise ValueError(f"{key} holds fewer than {offset} bytes")
        name = f"{key}/{offset:0{PART_DIGITS}d}"
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data)
        self._delete_objects([other for start, other, _ in chunks if start > offset])

    def list_keys(self) -> Iterator[str]:
        seen_parts = set()
        for prefix in ("photos/", "documents/", "incoming/"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    key = entry["Key"].rsplit("/", 1)[0] if prefix == "incoming/" else entry["Key"]
                    if KEY_PATTERN.match(key) and key not in seen_parts:
                        seen_parts.add(key)
                        yield key

    def check(self) -> None:
        """Raise StorageUnavailable, with what to do, unless the bucket answers to our credentials."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise StorageUnavailable(f"the bucket {self.bucket!r} does not exist (S3_BUCKET)") from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise StorageUnavailable(
                    f"the bucket {self.bucket!r} refuses these credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
                ) from None
            raise StorageUnavailable(f"the bucket {self.bucket!r} answered {code}") from None
        except BotoCoreError as error:
            # No such host, connection refused, timeout: botocore's own sentence says which.
            raise StorageUnavailable(f"the bucket {self.bucket!r} cannot be reached: {error}") from None


def copy_key(source: Storage, target: Storage, key: str) -> int:
    """Copy one key between storages, a part of an upload in progress as well as a derivative; returns its size."""
    data = source.read(key)
    target.save(key, data)
    return len(data)


@dataclass
class Moved:
    copied: int = 0
    already_there: int = 0
    bytes_copied: int = 0
    deleted: int = 0


def move_to_bucket(source: LocalStorage, target: S3Storage, delete_source: bool = False) -> Moved:
    """Copy every key from the folder into the bucket, under the same key (`flask kim media-to-s3`).

    Safe to run again, and while the app still serves from the folder: a derivative already in the bucket is the same
    file (its key is its hash) and is skipped; the part of an upload in progress is copied again when it has grown.
    With `delete_source`, a file is removed from the folder only after the bucket holds all of its bytes.
    """
    moved = Moved()
    for key in sorted(source.list_keys()):
        size = source.size(key)
        if target.size(key) == size:
            moved.already_there += 1
        else:
            moved.bytes_copied += copy_key(source, target, key)
            moved.copied += 1
            if target.size(key) != size:
                raise StorageUnavailable(f"the bucket holds {target.size(key)} of the {size} bytes of {key}")
        if delete_source:
            source.delete(key)
            moved.deleted += 1
    return moved


def storage() -> Storage:
    """The app's storage. The S3 client is made once per process (it holds a connection pool, which must not be
    shared across gunicorn's fork) and kept on the app."""
    app = current_app._get_current_object()
    if app.config["MEDIA_STORAGE"] != "s3":
        return LocalStorage(app.config["MEDIA_ROOT"])
    held = app.extensions.get("kim_s3_storage")
    if held is None or held[0] != os.getpid():
        held = (os.getpid(), S3Storage.from_config(app.config))
        app.extensions["kim_s3_storage"] = held
    return held[1]
