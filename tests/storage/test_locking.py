"""idc.storage.locking: cross-process exclusion with real processes; a SIGKILLed holder frees the lock at once
(catalogue 3); a waiter's timeout bounds only its own wait."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from idc.errors import CacheError, ExitStatus, LockTimeout
from idc.storage.locations import Locations
from idc.storage.locking import ProcessLock, lock_path_for

HOLDER = """
import sys, time
from idc.storage.locking import ProcessLock
with ProcessLock(sys.argv[1], timeout=5):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", flush=True)
"""


def start_holder(path: Path, hold: float) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(hold)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "locked\n"
    return child


def test_sigkilled_holder_frees_the_lock_at_once(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "token-x.lock"
    child = start_holder(path, 60)
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            ProcessLock(path, timeout=0.3, description="the SSO token of session 'dev'").acquire()
        waited = time.monotonic() - started
        assert 0.3 <= waited < 2.0  # the timeout bounds the wait
        assert "the SSO token of session 'dev'" in info.value.message
        assert f"held by process {child.pid}" in info.value.message
        assert info.value.exit_status == ExitStatus.LOCK_TIMEOUT
        assert info.value.hint

        child.send_signal(signal.SIGKILL)
        child.wait()
        started = time.monotonic()
        with ProcessLock(path, timeout=10) as lock:
            assert lock.held
            assert time.monotonic() - started < 0.5  # at once: no stale-lock timeout to sit out
    finally:
        child.kill()
        child.wait()


def test_waiter_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    path = tmp_path / "l.lock"
    child = start_holder(path, 0.5)
    try:
        started = time.monotonic()
        with ProcessLock(path, timeout=10):
            waited = time.monotonic() - started
        assert 0.2 < waited < 5
    finally:
        child.wait()


def test_exclusion_across_threads_and_processes(tmp_path: Path) -> None:
    """Eight workers increment a counter file under the lock; lost updates would show."""
    path = tmp_path / "counter.lock"
    counter = tmp_path / "counter"
    counter.write_text("0")
    script = """
import sys
from pathlib import Path
from idc.storage.locking import ProcessLock
for _ in range(25):
    with ProcessLock(sys.argv[1], timeout=30):
        c = Path(sys.argv[2])
        c.write_text(str(int(c.read_text()) + 1))
"""
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(counter)]) for _ in range(4)]

    def bump() -> None:
        for _ in range(25):
            with ProcessLock(path, timeout=30):
                counter.write_text(str(int(counter.read_text()) + 1))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(timeout=60) == 0 for p in procs)
    assert counter.read_text() == str(8 * 25)


def test_zero_timeout_tries_once(tmp_path: Path) -> None:
    path = tmp_path / "l.lock"
    with ProcessLock(path, timeout=0), pytest.raises(LockTimeout, match="Timed out after 0 s"):
        ProcessLock(path, timeout=0).acquire()
    with ProcessLock(path, timeout=0):
        pass


def test_not_reentrant_and_release_is_idempotent(tmp_path: Path) -> None:
    lock = ProcessLock(tmp_path / "l.lock", timeout=1)
    lock.acquire()
    with pytest.raises(RuntimeError):
        lock.acquire()
    lock.release()
    lock.release()
    assert not lock.held


def test_injected_clock_bounds_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "l.lock"
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with ProcessLock(path, timeout=0), pytest.raises(LockTimeout):
        ProcessLock(path, timeout=2.5, clock=lambda: now[0], sleep=sleep).acquire()
    assert sum(sleeps) == pytest.approx(2.5)
    assert max(sleeps) <= 0.1


def test_lock_path_for_and_private_dir(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        locations = Locations.from_environ({"HOME": str(tmp_path)})
        path = lock_path_for(locations, "token", "session name with / and ..")
        assert path.parent == tmp_path / ".aws" / "idc" / "locks"
        digest = hashlib.sha1(b"session name with / and ..").hexdigest()
        assert path.name == f"token-{digest}.lock"
        with ProcessLock(path, timeout=1):
            pass
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert lock_path_for(locations, "role", "a") != lock_path_for(locations, "token", "a")
        for bad in ("../x", "", "Token", "a/b"):
            with pytest.raises(ValueError):
                lock_path_for(locations, bad, "a")
    finally:
        os.umask(old)


def test_symlink_at_lock_path_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "l.lock"
    link.symlink_to(victim)
    with pytest.raises(CacheError, match="lock file"):
        ProcessLock(link, timeout=0).acquire()
    assert victim.read_text() == "precious"
