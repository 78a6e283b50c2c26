"""Where the emulator keeps what it handed out: client registrations, sign-in sessions, device
authorizations, authorization codes, tokens and role credentials.

SQLite: in memory by default, or a file (``idc emulator --state FILE``) that survives restarts. Bearer
secrets (client secrets, access and refresh tokens, device codes, authorization codes, session cookies)
are stored as SHA-256 digests only, so a leaked state file hands out nothing; role credentials keep their
secret key because STS must recompute SigV4 signatures with it. One lock serialises access: every query is
an indexed lookup, so the lock is held for microseconds.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT NOT NULL, scopes TEXT NOT NULL,
    grant_types TEXT NOT NULL, redirect_uris TEXT NOT NULL, issued_at REAL NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username);
CREATE TABLE IF NOT EXISTS device_auths (
    device_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    scopes TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL, interval REAL NOT NULL,
    last_poll REAL, status TEXT NOT NULL, session_hash TEXT
);
CREATE TABLE IF NOT EXISTS device_requests (request_ref TEXT PRIMARY KEY, user_code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    challenge TEXT NOT NULL, scopes TEXT NOT NULL, session_hash TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0, family TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL, session_hash TEXT NOT NULL,
    family TEXT NOT NULL, scopes TEXT NOT NULL, expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_by_session ON tokens (session_hash);
CREATE INDEX IF NOT EXISTS tokens_by_family ON tokens (family);
CREATE TABLE IF NOT EXISTS role_credentials (
    access_key_id TEXT PRIMARY KEY, secret_access_key TEXT NOT NULL, session_token_hash TEXT NOT NULL,
    username TEXT NOT NULL, account_id TEXT NOT NULL, role_name TEXT NOT NULL, expires_at REAL NOT NULL
);
"""


def digest(secret: str) -> str:
    """The stored form of a bearer secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class StateStore:
    """A SQLite database (``path`` None: in memory) with a lock around every statement."""

    def __init__(self, path: Path | str | None = None, *, lock: threading.RLock | None = None) -> None:
        """``lock``: share one lock with other stores (several Regions replicate into each other's
        stores inside a transaction; one lock makes that reentrant instead of a lock-order deadlock)."""
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # The file holds live role credentials: private from the first byte.
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        target = str(self.path) if self.path is not None else ":memory:"
        try:
            self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
            if self.path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        except sqlite3.DatabaseError as error:
            from idc.errors import ConfigError

            raise ConfigError(
                f"the state file {self.path} is not an emulator state database ({error})",
                hint="Pass a new file to --state, or delete this one.",
            ) from None
        self._db.row_factory = sqlite3.Row
        self._lock = lock if lock is not None else threading.RLock()

    @contextmanager
    def transaction(self, *, keep_on: tuple[type[BaseException], ...] = ()) -> Iterator[sqlite3.Connection]:
        """Run several statements atomically (BEGIN IMMEDIATE ... COMMIT).

        An exception rolls back, except those in ``keep_on``: a protocol answer such as ``slow_down`` or a
        reuse-triggered revocation is decided, and what led to it must stick.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except keep_on:
                self._db.execute("COMMIT")
                raise
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
