"""Cross-process locks: one process refreshes a token, logs in or fetches role credentials; the rest wait.

A ``ProcessLock`` holds ``flock(LOCK_EX)`` on a lock file under ``~/.aws/idc/locks`` (``msvcrt.locking``
on Windows). The kernel releases the lock when the holder exits for any reason, SIGKILL included, so the
next process gets it at once: there is no stale-lock guessing. Waiters poll with a short back-off up to
their timeout and then raise LockTimeout naming what is locked. Lock files are never deleted (deleting a
lock file while another process waits on its inode would let two processes hold "the" lock).

flock locks belong to an open file description, so two ``ProcessLock`` objects on the same path exclude
each other across threads of one process too. Not re-entrant.
"""

from __future__ import annotations

import os
import sys
import time

from idc.storage.fileio import ensure_private_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType

    from idc.storage.locations import Locations

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

_KIND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz-")


def lock_path_for(locations: Locations, kind: str, key: str) -> Path:
    """The lock file for one resource: ``<idc cache>/locks/<kind>-<sha1(key)>.lock``.

    ``kind`` names what is protected (token, login, role, registration, listing, config); ``key`` is any
    string (a session name, a cache key) and is hashed, so it never shapes the path.
    """
    if not kind or not set(kind) <= _KIND_CHARS:
        raise ValueError(f"a lock kind is a lower-case word, not {kind!r}")
    from hashlib import sha1

    digest = sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()
    return locations.idc_cache_dir / "locks" / f"{kind}-{digest}.lock"


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (11, 35):  # EAGAIN / EWOULDBLOCK spelled differently across platforms
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


class ProcessLock:
    """An exclusive lock shared by every idc process on this machine (context manager).

    ``timeout`` bounds only this process's wait (0 = try once). ``description`` names what is locked in
    the LockTimeout message ("the SSO token of session 'dev'"). ``clock``/``sleep`` are injectable.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float,
        description: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self.description = description or f"the lock file {self.path}"
        self._clock = clock
        self._sleep = sleep
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Wait up to ``timeout`` seconds for the lock; LockTimeout when another process keeps it."""
        if self._fd is not None:
            raise RuntimeError("ProcessLock is not re-entrant")
        ensure_private_dir(os.path.dirname(os.path.abspath(self.path)))
        fd = self._open()
        deadline = self._clock() + max(self.timeout, 0.0)
        delay = 0.005
        try:
            while not _try_lock(fd):
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise self._timeout_error(fd)
                self._sleep(min(delay, remaining))
                delay = min(delay * 2, 0.1)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._write_owner(fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | _O_CLOEXEC | _O_NOFOLLOW
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            from idc.errors import CacheError

            raise CacheError(f"Cannot open the lock file {self.path}: {exc.strerror}.") from None
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        return fd

    def _write_owner(self, fd: int) -> None:
        """Record the holder's pid in the file (for the waiters' message); the lock is the flock itself."""
        data = f"{os.getpid()}\n".encode()
        try:
            if sys.platform == "win32":
                return  # the locked byte range cannot be written on Windows
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        except OSError:
            pass

    def _timeout_error(self, fd: int) -> Exception:
        from idc.errors import LockTimeout

        holder = ""
        try:
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            if text.isdigit():
                holder = f" (held by process {text})"
        except (OSError, AttributeError):
            pass
        return LockTimeout(
            f"Timed out after {self.timeout:g} s waiting for another idc process to release "
            f"{self.description}{holder}.",
            hint="Wait for the other idc command to finish (or stop it) and run this command again.",
        )
