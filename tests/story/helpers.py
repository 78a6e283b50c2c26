"""Helpers and fixtures of the end-to-end story: the ``idc`` and ``aws`` commands of this environment,
a browser hook that hands sign-in URLs to the test, real Chromium walking the emulator's pages, and
moto's S3 server.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
EXPIRED = (
    "The SSO session associated with this profile has expired or is otherwise invalid. "
    "To refresh this SSO session run aws sso login with the corresponding profile."
)


VENV_IDC = BIN / "idc"  # the idc script of the environment running the tests


def path_without_idc(env: dict[str, str]) -> str:
    """The PATH of a shell where idc is not installed (no virtualenv active either)."""
    return os.pathsep.join(
        e for e in env.get("PATH", "").split(os.pathsep) if e and not (Path(e) / "idc").exists()
    )


def installed_env(env: dict[str, str], home: Path) -> dict[str, str]:
    """PATH and VIRTUAL_ENV as after `uv tool install`: an idc in ~/.local/bin linking to the tool's env."""
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "idc").symlink_to(VENV_IDC)
    return {"PATH": os.pathsep.join([str(bin_dir), path_without_idc(env)]), "VIRTUAL_ENV": ""}


def uv_run_env(env: dict[str, str]) -> dict[str, str]:
    """PATH and VIRTUAL_ENV as under `uv run idc` from a clone: its .venv/bin on PATH for this shell only."""
    path = os.pathsep.join([str(VENV_IDC.parent), path_without_idc(env)])
    return {"VIRTUAL_ENV": str(VENV_IDC.parent.parent), "PATH": path}


def command(name: str) -> str:
    """A console script of this environment (``idc``, ``aws``), found next to the interpreter."""
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        assert found, f"{name} is not installed in this environment"
        return found
    return str(path)


class BrowserHook:
    """A ``BROWSER`` command that records the URLs idc asks it to open, for the test to visit."""

    def __init__(self, directory: Path) -> None:
        self.log = directory / "opened-urls.txt"
        self.script = directory / "browser-hook.sh"
        self.script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{self.log}"\n')
        self.script.chmod(self.script.stat().st_mode | stat.S_IXUSR)
        self._seen = 0

    @property
    def env(self) -> dict[str, str]:
        return {"BROWSER": str(self.script)}

    def next_url(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log.read_text().splitlines() if self.log.exists() else []
            if len(lines) > self._seen:
                self._seen += 1
                return lines[self._seen - 1]
            time.sleep(0.05)
        raise AssertionError("idc did not open a browser")


@pytest.fixture
def browser_hook(tmp_path: Path) -> BrowserHook:
    return BrowserHook(tmp_path)


def approve_in_chromium(
    chromium: Any, url: str, shots: Path, *, username: str = "demo", password: str = "demo"
) -> str:
    """Walk the approval pages in a fresh Chromium context as a person would; return the last page's text."""
    shots.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        for step in range(8):
            page.screenshot(path=str(shots / f"{step:02d}.png"))
            if page.get_by_label("Username").count():
                page.get_by_label("Username").fill(username)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
            elif page.get_by_role("button", name="Confirm and continue").count():
                page.get_by_role("button", name="Confirm and continue").click()
            elif page.get_by_role("button", name="Allow").count():
                page.get_by_role("button", name="Allow").click()
            else:
                break
            page.wait_for_load_state()
        text: str = page.inner_text("body")
        return text
    finally:
        context.close()


@pytest.fixture
def s3_server() -> Iterator[str]:
    """moto's S3 (and everything else) on 127.0.0.1, an ephemeral port; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def make_bucket(s3_url: str, name: str) -> None:
    """Create a bucket in moto (moto takes any credentials; these are not the ones under test)."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name="us-east-1",
        aws_access_key_id="moto",
        aws_secret_access_key="moto",
    )
    client.create_bucket(Bucket=name)


def child_env(base: dict[str, str], *extra: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    for more in extra:
        env.update(more)
    env.setdefault("PATH", os.environ.get("PATH", ""))
    env["PYTHONUNBUFFERED"] = "1"
    return env
