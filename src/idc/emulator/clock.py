"""The emulator's clock: wall time plus an offset that ``advance_clock`` moves forward.

Tests advance it instead of sleeping: an access token's hour passes in one admin call.
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
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._time_fn() + self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, for skew tests) by ``seconds``; return the new now().

        ValueError (nothing applied) unless ``seconds`` is a finite number that keeps the offset within
        ``MAX_OFFSET_S``: a NaN or 1e308 offset would break every later answer.
        """
        # Chained comparisons are False for NaN and safe for ints too large for a float.
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not -MAX_OFFSET_S <= seconds <= MAX_OFFSET_S
        ):
            raise ValueError(f"seconds must be a finite number from -{MAX_OFFSET_S} to {MAX_OFFSET_S}")
        with self._lock:
            offset = self._offset + float(seconds)
            if not -MAX_OFFSET_S <= offset <= MAX_OFFSET_S:
                raise ValueError(f"seconds must keep the clock within {MAX_OFFSET_S} s of the real time")
            self._offset = offset
        return self.now()
