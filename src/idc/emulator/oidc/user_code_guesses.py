"""Wrong user codes on the device verification page, rate limited (RFC 8628 section 5.1).

On the emulator's clock, and keyed on who guesses, never on everyone: every visitor of the emulator is
127.0.0.1, so one visitor's guessing must not lock out the others. A guesser (a signed-in browser
session) gets :data:`WRONG_USER_CODE_LIMIT` wrong codes per device-code lifetime, and a user (all their
sessions together: signing in again does not reset it) :data:`WRONG_USER_CODES_PER_USER`; past that,
:class:`TooManyAttempts` for that session or user until the guesses age out. A pending authorization
is never refused because of someone else's guessing: guessing it needs a signed-in user, each user
gets at most :data:`WRONG_USER_CODES_PER_USER` guesses per lifetime, so its chance of being guessed
stays below (users x 30) / 20^8. Kept in memory: a restart of the emulator forgets the guesses.
"""

from __future__ import annotations

import threading
from collections import deque

from idc.emulator.service_errors import TooManyAttempts

WRONG_USER_CODE_LIMIT = 10
"""Wrong user codes one guesser (a signed-in browser session) may enter per device-code lifetime."""
WRONG_USER_CODES_PER_USER = 30
"""Wrong user codes one user, over all their sign-in sessions, may enter per device-code lifetime."""
_MAX_KEYS = 10_000


class _Recent:
    """Times of wrong codes per key, at most ``limit`` kept per key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.times: dict[str, deque[float]] = {}

    def full(self, key: str, now: float, window: float) -> bool:
        mine = self.times.get(key)
        while mine and mine[0] <= now - window:
            mine.popleft()
        if mine is not None and not mine:
            del self.times[key]
        return mine is not None and len(mine) >= self.limit

    def add(self, key: str, now: float, window: float) -> None:
        if len(self.times) > _MAX_KEYS:  # bounded: drop keys whose guesses aged out
            for stale in [k for k, v in self.times.items() if not v or v[-1] <= now - window]:
                del self.times[stale]
        self.times.setdefault(key, deque(maxlen=self.limit)).append(now)


class WrongUserCodes:
    """The wrong user codes seen, per guesser (browser session) and per user (on the emulator clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_guesser = _Recent(WRONG_USER_CODE_LIMIT)
        self._by_user = _Recent(WRONG_USER_CODES_PER_USER)

    def check(self, guesser: str, user: str, now: float, window: float) -> None:
        """Raise :class:`TooManyAttempts` when ``guesser`` or ``user`` used up its wrong codes."""
        with self._lock:
            if self._by_guesser.full(guesser, now, window):
                raise TooManyAttempts("Too many wrong codes were entered. Wait a few minutes and try again.")
            if user and self._by_user.full(user, now, window):
                raise TooManyAttempts(
                    "Too many wrong codes were entered for this user. Wait a few minutes and try again."
                )

    def wrong(self, guesser: str, user: str, now: float, window: float) -> None:
        """Count a wrong code from ``guesser`` (signed in as ``user``, "" when unknown)."""
        with self._lock:
            self._by_guesser.add(guesser, now, window)
            if user:
                self._by_user.add(user, now, window)


__all__ = ["WRONG_USER_CODES_PER_USER", "WRONG_USER_CODE_LIMIT", "WrongUserCodes"]
