"""Rate limiting of failed sign-ins (password guessing), per user name and per client address.

Within ``window_s`` seconds of the emulator's clock, a user name may fail ``per_user`` times and an
address ``per_address`` times (higher: everyone on this machine shares 127.0.0.1); past that, sign-ins
for it are refused until the oldest failure leaves the window, even with the right password. A success
clears the user name's record. The engine clock lets tests move past the window with ``advance_clock``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class _Window:
    """Failure times per key, at most ``limit`` in any ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self.failures: dict[str, deque[float]] = {}

    def wait(self, key: str, now: float) -> float:
        record = self._prune(key, now)
        if record is None or len(record) < self.limit:
            return 0.0
        return record[0] + self.window_s - now

    def add(self, key: str, now: float) -> None:
        self.failures.setdefault(key, deque()).append(now)
        self._prune(key, now)

    def _prune(self, key: str, now: float) -> deque[float] | None:
        record = self.failures.get(key)
        if record is None:
            return None
        while record and record[0] + self.window_s <= now:
            record.popleft()
        while len(record) > self.limit:
            record.popleft()
        if not record:
            del self.failures[key]
            return None
        return record


class SignInLimiter:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_user: int = 5,
        per_address: int = 20,
        window_s: float = 300.0,
    ) -> None:
        self._clock = clock
        self._users = _Window(per_user, window_s)
        self._addresses = _Window(per_address, window_s)
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this user name from this address may try again; 0 when it may now."""
        now = self._clock()
        with self._lock:
            return max(self._users.wait(username.lower(), now), self._addresses.wait(address, now))

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._users.add(username.lower(), now)
            self._addresses.add(address, now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._users.failures.pop(username.lower(), None)
