"""The demo's throwaway HOME: the environment that points at it, and the signals that must not strand it.

:func:`demo_environment` points this process and its children at the throwaway HOME and the local
server (no ``AWS_*`` variable of the user's leaks in) and restores the environment after;
:class:`Signals` makes SIGTERM and SIGHUP end the demo as Ctrl-C does, so the HOME, which holds tokens,
is removed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Signals:
    """SIGTERM and SIGHUP end the demo like Ctrl-C does: its ``finally`` removes the throwaway HOME.

    Their default action kills the process on the spot, leaving a HOME with tokens in the temp folder.
    The handler raises SystemExit(128 + signal number), the conventional status. Python runs a handler
    wherever the main thread is, a garbage collector's finalizer included, and an exception raised there
    is printed and dropped; so the signal is also remembered, each step checks it, and :meth:`__exit__`
    ends the process with that status even when the first SystemExit was lost.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def _end(self, signum: int, _frame: object) -> None:
        self.received = signum
        raise SystemExit(128 + signum)

    def check(self) -> None:
        """Raise the SystemExit a finalizer swallowed, at the next step boundary."""
        if self.received is not None:
            raise SystemExit(128 + self.received)

    def __enter__(self) -> Signals:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
            self._previous = {signum: signal.signal(signum, self._end) for signum in wanted}
        return self

    def __exit__(self, *_exc: object) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self.check()


@contextlib.contextmanager
def demo_environment(home: Path, endpoints: dict[str, str]) -> Iterator[dict[str, str]]:
    """Point this process (and its children) at ``home`` and the local server; restore on exit."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                del os.environ[name]
        os.environ.update(
            HOME=str(home),
            AWS_CONFIG_FILE=str(home / ".aws" / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            **endpoints,
        )
        yield dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


__all__ = ["Signals", "demo_environment"]
