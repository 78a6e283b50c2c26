"""The emulator's two clocks: the time of what it issued, and the time it shows its clients.

``now()`` (wall time plus an offset that ``advance_clock`` moves) is the clock of the issued things:
tokens, role credentials, sign-in sessions, codes and registrations expire on it, so tests move it
instead of sleeping and an access token's hour passes in one admin call. ``service_now()`` (wall time
plus an explicit skew, 0 unless the ``clock_skew`` fault sets it) is the clock the service shows its
clients: the HTTP ``Date`` header and the SigV4 15-minute window. Clients sign with their real clock,
so advancing the issued things' time never turns their requests into SignatureDoesNotMatch; only a
skew does, as a machine whose clock is off does against AWS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_OFFSET_S = 100 * 365 * 86400
"""How far the clock may be moved from wall time (a century): beyond, datetimes and JSON break."""


class EmulatorClock:
    """``now()`` in epoch seconds = ``time_fn()`` + the accumulated offset."""

    def __init__(self, time_fn: Callable[[], float] = time.time, *, offset: float = 0.0) -> None:
        self._time_fn = time_fn
        self._offset = offset
        self._skew = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """The issued things' time: wall time plus what :meth:`advance` added."""
        return self._time_fn() + self._offset

    def service_now(self) -> float:
        """The time the service shows (``Date``) and checks signatures on: wall time plus the skew."""
        return self._time_fn() + self._skew

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def skew(self) -> float:
        return self._skew

    def set_skew(self, seconds: float) -> float:
        """Set the service clock's skew from wall time (a fault: 0 is none); ValueError like advance."""
        _check_seconds(seconds)
        with self._lock:
            self._skew = float(seconds)
        return self._skew

    def advance(self, seconds: float) -> float:
        """Let ``seconds`` pass for the issued things (negative: back); return the new now().

        ValueError (nothing applied) unless ``seconds`` is a finite number that keeps the offset within
        ``MAX_OFFSET_S``: a NaN or 1e308 offset would break every later answer.
        """
        _check_seconds(seconds)
        with self._lock:
            offset = self._offset + float(seconds)
            if not -MAX_OFFSET_S <= offset <= MAX_OFFSET_S:
                raise ValueError(f"seconds must keep the clock within {MAX_OFFSET_S} s of the real time")
            self._offset = offset
        return self.now()


def _check_seconds(seconds: object) -> None:
    # Chained comparisons are False for NaN and safe for ints too large for a float.
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not -MAX_OFFSET_S <= seconds <= MAX_OFFSET_S
    ):
        raise ValueError(f"seconds must be a finite number from -{MAX_OFFSET_S} to {MAX_OFFSET_S}")
