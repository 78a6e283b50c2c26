"""Wrong user codes on the device verification page, rate limited (RFC 8628 section 5.1).

On the emulator's clock, so one visitor's guessing never locks out the others: a guesser (a signed-in
browser session) gets :data:`WRONG_USER_CODE_LIMIT` wrong codes per device-code lifetime, then
:class:`TooManyAttempts` until they age out; and an authorization that saw
:data:`WRONG_GUESSES_PER_AUTHORIZATION` wrong codes from anyone since it started is refused (its user
starts again, with a new code). Kept in memory: a restart of the emulator forgets the guesses.
"""

from __future__ import annotations

import threading
from collections import deque

from idc.emulator.service_errors import TooManyAttempts

WRONG_USER_CODE_LIMIT = 10
"""Wrong user codes one guesser (a signed-in browser session) may enter per device-code lifetime."""
WRONG_GUESSES_PER_AUTHORIZATION = 50
"""Wrong user codes, from anyone, after which a pending authorization is refused (RFC 8628 section 5.1:
its chance of being guessed stays below 50 / 20^8); the user starts again with a fresh code."""


class WrongUserCodes:
    """The wrong user codes seen, per guesser and the latest from anyone (on the emulator clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_guesser: dict[str, deque[float]] = {}
        self._recent: deque[float] = deque(maxlen=WRONG_GUESSES_PER_AUTHORIZATION)

    def check_guesser(self, guesser: str, now: float, window: float) -> None:
        """Raise :class:`TooManyAttempts` when ``guesser`` used up its wrong codes within ``window``."""
        with self._lock:
            mine = self._by_guesser.get(guesser)
            while mine and mine[0] <= now - window:
                mine.popleft()
            if mine is not None and not mine:
                del self._by_guesser[guesser]
            if mine and len(mine) >= WRONG_USER_CODE_LIMIT:
                raise TooManyAttempts("Too many wrong codes were entered. Wait a few minutes and try again.")

    def check_authorization(self, created_at: float) -> None:
        """Raise :class:`TooManyAttempts` when the authorization created then saw too many wrong codes."""
        recent = self._recent
        if len(recent) == recent.maxlen and recent[0] >= created_at:
            raise TooManyAttempts(
                "Too many wrong codes were entered since this code was issued. Start the sign-in again."
            )

    def wrong(self, guesser: str, now: float, window: float) -> None:
        """Count a wrong code from ``guesser``."""
        with self._lock:
            if len(self._by_guesser) > 10_000:  # bounded: drop guessers whose guesses aged out
                for key in [k for k, v in self._by_guesser.items() if not v or v[-1] <= now - window]:
                    del self._by_guesser[key]
            mine = self._by_guesser.setdefault(guesser, deque(maxlen=WRONG_USER_CODE_LIMIT))
            mine.append(now)
            self._recent.append(now)


__all__ = ["WRONG_GUESSES_PER_AUTHORIZATION", "WRONG_USER_CODE_LIMIT", "WrongUserCodes"]
