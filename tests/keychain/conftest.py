"""A real Secret Service for the keychain tests: gnome-keyring on a private D-Bus session bus.

``dbus-run-session`` starts a session bus for one shell; in it ``gnome-keyring-daemon --unlock
--components=secrets`` creates and unlocks a login keyring in a throwaway HOME (the password on
stdin), then the shell prints the bus address and sleeps until the test ends. idc's subprocesses get
``DBUS_SESSION_BUS_ADDRESS`` and find keyring's SecretService backend, as on a desktop. Each test gets
its own bus and keyring. Without Debian's gnome-keyring and dbus-daemon (``.ci/run`` installs them) the
tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from story.helpers import s3_server

__all__ = ["SecretService", "s3_server", "secret_service"]

_DAEMON = (
    'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
    ' && echo "BUS=$DBUS_SESSION_BUS_ADDRESS" && exec sleep 3600'
)


class SecretService:
    """A running session bus with an unlocked keyring; ``env`` reaches it."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.env = {"DBUS_SESSION_BUS_ADDRESS": address}

    @contextmanager
    def in_process(self) -> Iterator[None]:
        """keyring in this process talks to this Secret Service (for reading what idc stored)."""
        import keyring
        from keyring.backends import SecretService as backend

        previous_address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        previous = keyring.get_keyring()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.address
        keyring.set_keyring(backend.Keyring())
        try:
            yield
        finally:
            keyring.set_keyring(previous)
            if previous_address is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous_address

    def lock(self) -> None:
        """Lock the login keyring, as a screen lock or a timeout does."""
        import secretstorage

        with self.in_process():
            connection = secretstorage.dbus_init()
            try:
                secretstorage.get_default_collection(connection).lock()
            finally:
                connection.close()


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[SecretService]:
    missing = [name for name in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(name)]
    if missing:
        pytest.skip(
            f"no Secret Service here: {', '.join(missing)} not installed "
            "(apt-get install gnome-keyring dbus-daemon dbus-x11; .ci/run does it)"
        )
    home = tmp_path / "keyring-home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "KEYRING_PASSWORD": "throwaway",
    }
    process = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", _DAEMON],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("BUS="):
            pytest.fail(f"gnome-keyring did not start on a private D-Bus session (got {line!r})")
        yield SecretService(line[len("BUS=") :])
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
