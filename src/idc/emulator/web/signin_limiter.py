"""Rate limiting of failed sign-ins (credential guessing), per user name and per client address.

A window of ``window_s`` seconds on the emulator's clock allows ``max_failures`` failures for a key;
past that, sign-ins for the key are refused until the oldest failure leaves the window. A success clears
the user name's record. Uses the engine clock so tests move past the window with ``advance_clock``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class SignInLimiter:
    def __init__(self, clock: Callable[[], float], *, max_failures: int = 5, window_s: float = 300.0) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again; 0 when none is locked out."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                record = self._prune(key, now)
                if record is not None and len(record) >= self._max:
                    wait = max(wait, record[0] + self._window - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
                self._prune(key, now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str, now: float) -> deque[float] | None:
        record = self._failures.get(key)
        if record is None:
            return None
        while record and record[0] + self._window <= now:
            record.popleft()
        if not record:
            del self._failures[key]
            return None
        return record
