"""Ctrl-C and ``kill`` wait while a rotated refresh token is in flight.

CreateToken with ``grantType=refresh_token`` rotates the refresh token: once Identity Center has
answered, the old one is spent, and presenting it again revokes the whole session (RFC 9700 4.14.2).
A process interrupted between sending CreateToken and saving its answer loses the session: the user
pressed Ctrl-C on a slow `aws s3 ls`, or a supervisor sent SIGTERM, and must now sign in again.

So, around the refresh (:func:`held_interrupts`), the first SIGINT, SIGTERM or SIGHUP is held: one
line on stderr says why, the call finishes (its timeouts bound the wait, ``REFRESH_WAIT_S``), the
token is saved, and then the signal takes effect as it would have (KeyboardInterrupt for SIGINT,
the previous handler or the default action for the others). A second one ends the process at once:
the user insisted. Only SIGKILL and a power cut remain, which no program can hold.

Python delivers signals to the main thread only; elsewhere (the credentials server's threads) this
does nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any, TextIO

REFRESH_WAIT_S = 20
"""About how long a held interrupt waits: botocore's connect and read timeouts (10 s each)."""

_HELD = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def held_interrupts(err: TextIO) -> Iterator[None]:
    """Hold the first interrupt until the block ends; a second one is let through at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [getattr(signal, name) for name in _HELD if hasattr(signal, name)]
    received: list[int] = []
    previous: dict[int, Any] = {}

    def let_through(signum: int) -> None:
        handler = previous.get(signum)
        restore()
        if signum == signal.SIGINT and handler is signal.default_int_handler:
            raise KeyboardInterrupt
        os.kill(os.getpid(), signum)  # the previous handler, or the default action, as if never held

    def hold(signum: int, _frame: object) -> None:
        if received:
            let_through(signum)
            return
        received.append(signum)
        with contextlib.suppress(OSError, ValueError):
            err.write(
                "idc: finishing the SSO token refresh so the new token is not lost "
                f"(at most about {REFRESH_WAIT_S} s); interrupt again to stop now.\n"
            )
            err.flush()

    def restore() -> None:
        while previous:
            number, handler = previous.popitem()
            signal.signal(number, signal.SIG_DFL if handler is None else handler)

    for number in numbers:
        previous[number] = signal.signal(number, hold)
    try:
        yield
    finally:
        restore()
        if received:
            let_through(received[0])
