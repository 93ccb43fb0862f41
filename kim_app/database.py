"""Making SQLite fit for several writers (the embedded default); PostgreSQL needs nothing special.

- WAL, so readers never wait for a writer; a busy timeout, so a writer waits its turn instead of failing.
- Foreign keys on (SQLite has them off by default).
- We issue BEGIN ourselves: the sqlite3 module's own transaction handling breaks SAVEPOINTs, which the idempotent
  create relies on. Requests that may write (anything but GET/HEAD) and CLI work take the write lock at BEGIN
  (IMMEDIATE): a deferred transaction that reads first and writes later can fail with SQLITE_BUSY at once, without
  waiting, when another writer got in between.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event


def configure_sqlite(app: Flask) -> None:
    from kim_app.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        read_only = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
