"""The emulator's clock: wall time plus an offset that ``advance_clock`` moves forward.

Tests advance it instead of sleeping: an access token's hour passes in one admin call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
        """Move the clock forward (or back, for skew tests) by ``seconds``; return the new now()."""
        with self._lock:
            self._offset += seconds
        return self.now()
