"""The request's one transaction, and making SQLite fit for several writers (the embedded default).

- One transaction per request, begun by its first statement and ended in `init_app`'s hook: committed when the
  answer is a success, rolled back when it is an error. Services flush; they never commit. Slow work that must not
  hold a transaction open (decoding a photo) is fenced off in one place, `outside_transaction`.
- SQLite in WAL mode, so readers never wait for a writer; a busy timeout, so a writer waits its turn instead of
  failing; foreign keys on (SQLite has them off by default).
- We issue BEGIN ourselves: the sqlite3 module's own transaction handling breaks SAVEPOINTs, which bulk verdicts rely
  on. Requests that may write (anything but GET/HEAD/OPTIONS) and CLI work take the write lock at BEGIN
  (IMMEDIATE): a deferred transaction that reads first and writes later can fail with SQLITE_BUSY at once, without
  waiting, when another writer got in between. PostgreSQL needs nothing special.
- Writers queue on a lock file before BEGIN IMMEDIATE (`WriterTurnConnection`). SQLite's own busy handler polls
  with sleeps that grow to 100 ms, so under steady writes from several gunicorn workers an unlucky writer waited
  half a second while others kept getting in; the lock file is polled every half millisecond instead, which lets
  the next writer in as soon as the last one commits (measured: docs/benchmarks.md, "SQLite writers").
"""
from __future__ import annotations

import fcntl
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect

from kim_app.errors import KEEP_CHANGES
from kim_app.extensions import db

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0
_POLL_S = 0.0005


class WriterTurnConnection(sqlite3.Connection):
    """A sqlite3 connection that holds an exclusive lock on `<database>.writer` from BEGIN IMMEDIATE until its
    transaction ends, so writers of every process take turns without SQLite's sleeping busy handler."""

    _turn_fd: int | None = None
    _holding = False

    def open_turn_file(self, path: str) -> None:
        self._turn_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def take_turn(self) -> None:
        if self._turn_fd is None or self._holding:
            return
        give_up = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                fcntl.flock(self._turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._holding = True
                return
            except BlockingIOError:
                if time.monotonic() > give_up:
                    raise sqlite3.OperationalError("database is locked (waited for the writer's turn)") from None
                time.sleep(_POLL_S)

    def end_turn(self) -> None:
        if self._holding:
            self._holding = False
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self._turn_fd is not None:
                os.close(self._turn_fd)
                self._turn_fd = None


def engine_options(uri: str, options: dict) -> dict:
    """The engine options for this database: SQLite files connect through WriterTurnConnection, and without the
    pre-ping, which guards against a database server that went away; a file does not (one query less per request)."""
    if not uri.startswith("sqlite"):
        return options
    options = {key: value for key, value in options.items() if key != "pool_pre_ping"}
    if ":memory:" in uri:
        return options
    connect_args = {**options.get("connect_args", {}), "factory": WriterTurnConnection}
    return {**options, "connect_args": connect_args}


def configure_sqlite(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if isinstance(dbapi_connection, WriterTurnConnection) and database:
            dbapi_connection.open_turn_file(f"{database}.writer")

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if not request_may_write():
            connection.exec_driver_sql("BEGIN")
            return
        raw = connection.connection.dbapi_connection
        turn = raw if isinstance(raw, WriterTurnConnection) else None  # not for an in-memory database
        if turn:
            turn.take_turn()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            if turn:
                turn.end_turn()
            raise


def request_may_write() -> bool:
    """Anything but a request that only reads (GET, HEAD, OPTIONS) may write; work outside a request (CLI) too."""
    return not (has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"))


# --- One transaction per request -------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """The request's transaction begins with its first statement and ends here, once: committed when the answer is a
    success, or an error that keeps its changes (kim_app/errors.py, `ProblemError.keeps_changes`), rolled back
    otherwise. Services flush; they never commit."""
    configure_sqlite(app)

    @app.after_request
    def end_transaction(response: Response) -> Response:
        if response.status_code < 400 or g.get(KEEP_CHANGES):
            db.session.commit()
        else:
            db.session.rollback()
        return response

    for name, listener in (("after_commit", _run_after_commit), ("after_soft_rollback", _forget_after_commit),
                           ("after_commit", _forget_once_asked), ("after_soft_rollback", _forget_once_asked)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


AFTER_COMMIT = "kim_after_commit"


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction is committed, and never if it is rolled back: for what happens
    outside the database (deleting a file, handing a mail over) and must not happen for a change that did not.

    Inside a savepoint the action belongs to that savepoint: rolled back, it takes its own actions with it and
    leaves those of the work before it (a bulk verdict whose one refused item must not cancel the others' pushes)."""
    session = db.session()
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(AFTER_COMMIT, []).append((owner, action))


def _run_after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still fail
    for _owner, action in session.info.pop(AFTER_COMMIT, ()):
        try:
            action()
        except Exception:  # the change is committed; a failed side effect is logged, never turned into an error
            logger.exception("After-commit action %r failed", action)


def _forget_after_commit(session, rolled_back) -> None:
    """After any rollback, of the whole transaction or of a savepoint: forget the actions registered inside what was
    rolled back — in it, or in a savepoint within it (released or not, its work is undone with it)."""
    pending = session.info.get(AFTER_COMMIT)
    if not pending:
        return

    def undone(owner) -> bool:
        if owner is None:  # registered before the transaction began: the whole transaction's
            return rolled_back.parent is None
        while owner is not None:
            if owner is rolled_back:
                return True
            owner = owner.parent
        return False

    kept = [(owner, action) for owner, action in pending if not undone(owner)]
    if kept:
        session.info[AFTER_COMMIT] = kept
    else:
        session.info.pop(AFTER_COMMIT, None)


ONCE_ASKED = "kim_once_per_transaction"


def once_per_transaction(key, ask: Callable[[], object]):
    """`ask()`, asked once per transaction for each key: for what cannot change until the transaction ends — rows
    it has locked — so that the items of a batch do not each ask it again. Forgotten when the transaction ends, and
    when a savepoint is rolled back (what was locked inside it is free again)."""
    asked = db.session().info.setdefault(ONCE_ASKED, {})
    if key not in asked:
        asked[key] = ask()
    return asked[key]


def _forget_once_asked(session, *_transaction) -> None:
    if session.in_nested_transaction() and not _transaction:
        return  # a savepoint was released: what it locked stays locked until the real COMMIT
    session.info.pop(ONCE_ASKED, None)


@contextmanager
def outside_transaction() -> Iterator[None]:
    """Slow work of a request (decoding and resizing a photo, waiting for the next piece of a streamed photo from a
    phone's link) runs with no transaction open: on SQLite an open write transaction is the database's one writer
    lock, and on PostgreSQL it would hold the photo's row lock. What the request has written so far is committed
    first — it stands on its own (the bytes of the last chunk or piece) — and whatever the request does afterwards
    begins a new transaction, which ends with the request as usual. The one place where a request commits before its
    end."""
    db.session.commit()
    yield


def _row(obj) -> dict:
    """The column values set on a mapped object, by column name."""
    state = inspect(obj)
    values = state.dict
    return {column: values[attribute] for attribute, column in _columns(state.mapper) if attribute in values}


@functools.cache
def _columns(mapper) -> tuple[tuple[str, str], ...]:
    # (attribute, column) of each mapped column, asked once per class rather than for every row written.
    return tuple((attr.key, attr.columns[0].key) for attr in mapper.column_attrs)


@functools.cache
def _insert_ignoring_conflicts(table: Table, dialect_name: str):
    # Built once per table: one statement with bound parameters, compiled once and cached by the engine.
    dialect = postgresql if dialect_name == "postgresql" else sqlite_dialect
    (key,) = table.primary_key.columns
    return dialect.insert(table).on_conflict_do_nothing().returning(key)


def insert_unless_exists(obj):
    """INSERT the row of a new (transient) object, or nothing when a unique constraint already holds its values
    (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike). Returns the new row's primary key, set on the object
    too, or None. One statement and no savepoint: an idempotent create needs nothing more in its write transaction.

    The object stays outside the session: it describes what was written, and serves to build the answer."""
    mapper = inspect(obj).mapper
    connection = db.session.connection()
    statement = _insert_ignoring_conflicts(mapper.local_table, connection.dialect.name)
    primary_key = connection.execute(statement, _row(obj)).scalar()
    if primary_key is not None:
        (attr,) = mapper.primary_key
        setattr(obj, mapper.get_property_by_column(attr).key, primary_key)
    return primary_key


@functools.cache
def _insert_ignoring_conflicts_naming(table: Table, dialect_name: str, key: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite_dialect
    (primary,) = table.primary_key.columns
    return dialect.insert(table).on_conflict_do_nothing().returning(primary, table.c[key])


def insert_together(objects, key: str) -> dict:
    """INSERT the rows of new (transient) objects of one table with as few statements as the database allows (one
    multi-row INSERT … ON CONFLICT DO NOTHING RETURNING per set of columns given), skipping each row whose values a
    unique constraint already holds. Returns {value of the unique column `key`: new primary key} for the rows
    written; the primary keys are not set on the objects. What `insert_unless_exists` does for one object, for many
    at the cost of one."""
    if not objects:
        return {}
    mapper = inspect(objects[0]).mapper
    table = mapper.local_table
    connection = db.session.connection()
    statement = _insert_ignoring_conflicts_naming(table, connection.dialect.name, key)
    # executemany needs the same columns in every row: an item with a complaint's code and one without are two sets.
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for obj in objects:
        row = _row(obj)
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    written = {}
    for rows in by_columns.values():
        for primary_key, value in connection.execute(statement, rows):
            written[value] = primary_key
    return written


def insert_rows(objects) -> None:
    """INSERT the rows of new (transient) objects with plain statements, one executemany per table (and set of
    columns), without the unit of work; the objects stay outside the session. Generated primary keys are not read
    back."""
    # One executemany per table and set of columns: rows of one table may set different columns (a declared photo
    # the author already delivered arrives complete, with its sizes and keys; a new one without them).
    by_table: dict[tuple[Table, tuple[str, ...]], list[dict]] = {}
    for obj in objects:
        row = _row(obj)
        by_table.setdefault((inspect(obj).mapper.local_table, tuple(row)), []).append(row)
    connection = db.session.connection()
    for (table, _columns), rows in by_table.items():
        connection.execute(table.insert(), rows)


# --- What the migrations make that no model describes --------------------------------------------------------------

# Made by the migrations for one database alone, described by no model: the portal's full-text index (migration 0020)
# — on SQLite the FTS5 table `submission_fts` and the tables FTS5 keeps behind it, on PostgreSQL the generated column
# `search_vector` and its GIN index.
MIGRATION_ONLY = {"table": ("submission_fts",), "column": ("search_vector",), "index": ("ix_submission_search",)}


def modelled(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: leave out MIGRATION_ONLY, so that autogenerate never proposes to drop it."""
    return not (name and name.startswith(MIGRATION_ONLY.get(type_, ())))
