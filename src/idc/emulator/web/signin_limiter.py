"""Rate limiting of failed sign-ins (password guessing), keyed on the browser and slowed per user.

Every visitor of the emulator comes from 127.0.0.1, so an address is no identity: limits that count
per address, or that lock a user name out, let one guesser lock everyone out. Instead, on the
emulator's clock:

- a browser (its anonymous cookie, which the sign-in form's CSRF token is bound to) may fail
  ``per_browser`` times within ``window_s`` seconds; past that, that browser alone is refused until
  the oldest failure leaves the window;
- a user name is never locked: after ``free_failures`` wrong passwords in a row, each further attempt
  for it (from any browser) must wait a delay that doubles with every failure, from 1 s up to
  ``max_delay_s`` (60 s). A guesser who drops cookies gets a few guesses a minute; the user, at worst,
  waits a minute. A success clears the user name's record.

Attempts made during a wait are refused (429 with Retry-After) without being counted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


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


@dataclass
class _Streak:
    """A user name's wrong passwords in a row, and when the last one was."""

    failures: int
    last: float


class SignInLimiter:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_browser: int = 10,
        window_s: float = 300.0,
        free_failures: int = 3,
        max_delay_s: float = 60.0,
    ) -> None:
        self._clock = clock
        self._browsers = _Window(per_browser, window_s)
        self._streaks: dict[str, _Streak] = {}
        self._window_s = window_s
        self._free = free_failures
        self._max_delay = max_delay_s
        self._lock = threading.Lock()

    def delay_after(self, failures: int) -> float:
        """The wait before the next attempt after ``failures`` wrong passwords in a row."""
        if failures < self._free:
            return 0.0
        return float(min(self._max_delay, 2 ** (failures - self._free)))

    def retry_after(self, username: str, browser: str) -> float:
        """Seconds until this browser may try this user name again; 0 when it may now."""
        now = self._clock()
        with self._lock:
            streak = self._streak(username.lower(), now)
            user_wait = streak.last + self.delay_after(streak.failures) - now if streak else 0.0
            return max(self._browsers.wait(browser, now), user_wait, 0.0)

    def failed(self, username: str, browser: str) -> None:
        now = self._clock()
        with self._lock:
            self._browsers.add(browser, now)
            key = username.lower()
            streak = self._streak(key, now)
            if len(self._streaks) > 10_000:  # bounded: forget streaks that ended long ago
                for stale in [k for k, v in self._streaks.items() if v.last + self._window_s <= now]:
                    del self._streaks[stale]
            self._streaks[key] = _Streak((streak.failures if streak else 0) + 1, now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._streaks.pop(username.lower(), None)

    def _streak(self, key: str, now: float) -> _Streak | None:
        """The user name's current streak; one whose last failure left the window is over."""
        streak = self._streaks.get(key)
        if streak is not None and streak.last + self._window_s <= now:
            del self._streaks[key]
            return None
        return streak
