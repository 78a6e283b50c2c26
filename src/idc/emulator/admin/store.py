"""The one mutable state of the admin side: instance, users, groups, memberships, permission sets,
assignments and the requests in flight, kept in the emulator's state store (``--state``).

Everything the portal, the sign-in pages and STS serve is a view of it (:func:`idc.emulator.admin.seed.view`):
after each change the engine adopts a rebuilt :class:`~idc.emulator.directory.Directory`. The state is plain
JSON (one row of ``admin_state``), written after every change; a lock serialises changes.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from idc.emulator.directory import Directory
from idc.emulator.state_store import StateStore

_TABLE = "CREATE TABLE IF NOT EXISTS admin_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
State = dict[str, Any]


def new_user_id() -> str:
    return str(uuid.uuid4())


def new_permission_set_id() -> str:
    return "ps-" + secrets.token_hex(8)


def new_request_id() -> str:
    return str(uuid.uuid4())


class AdminStore:
    """The admin state, loaded from ``store`` (or seeded from ``directory``), with change notification."""

    def __init__(self, store: StateStore, directory: Directory, *, now: Callable[[], float]) -> None:
        from idc.emulator.admin import seed

        self._store = store
        self._base = directory
        self._lock = threading.RLock()
        self.on_change: Callable[[Directory], None] | None = None
        store.execute(_TABLE)
        row = store.one("SELECT value FROM admin_state WHERE key = 'state'")
        saved: State | None = json.loads(row["value"]) if row is not None else None
        origin = seed.fingerprint(directory)
        if saved is None or saved.get("seeded_from") != origin:
            # A new state, or the directory file changed since: the file is what the operator wants now.
            saved = seed.state_from(directory, now())
            saved["seeded_from"] = origin
            self.state = saved
            self._save()
        self.state = saved

    @property
    def base(self) -> Directory:
        return self._base

    def view(self) -> Directory:
        """The directory the portal serves, as of now."""
        from idc.emulator.admin import seed

        with self._lock:
            return seed.view(self.state, self._base)

    @contextmanager
    def reading(self) -> Iterator[State]:
        with self._lock:
            yield self.state

    @contextmanager
    def changing(self) -> Iterator[State]:
        """Change the state: on success it is saved and the engine adopts the new view; on an error
        nothing changed (the change works on a copy)."""
        with self._lock:
            draft = copy.deepcopy(self.state)
            yield draft
            self.state = draft
            self._save()
            if self.on_change is not None:
                self.on_change(self.view())

    def _save(self) -> None:
        self._store.execute(
            "INSERT OR REPLACE INTO admin_state (key, value) VALUES ('state', ?)",
            (json.dumps(self.state, separators=(",", ":")),),
        )
