"""Browser detection and the system opener (catalogue item 20, 22)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from idc.signin.browser import SystemBrowserOpener, browser_unavailable_reason

DESKTOP = {"DISPLAY": ":0", "PATH": "/usr/bin:/bin"}


@pytest.fixture
def bare_root(tmp_path: Path) -> Path:
    """A filesystem root with no container markers and a non-WSL kernel."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "version").write_text("Linux version 6.1.0-18-amd64 (debian-kernel)\n")
    return tmp_path


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        pytest.param(DESKTOP, "linux", None, id="linux-desktop"),
        pytest.param({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None, id="linux-wayland"),
        pytest.param({}, "linux", "no display", id="linux-headless"),
        pytest.param({**DESKTOP, "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}, "linux", "SSH", id="ssh"),
        pytest.param({**DESKTOP, "SSH_TTY": "/dev/pts/3"}, "linux", "SSH", id="ssh-tty"),
        pytest.param({"SSH_CLIENT": "10.0.0.2 50000 22"}, "darwin", "SSH", id="ssh-mac"),
        # toolbox, distrobox: a container sharing the host's display (and network) opens its browser
        pytest.param({**DESKTOP, "container": "podman"}, "linux", None, id="container-with-display"),
        pytest.param({"container": "podman"}, "linux", "container", id="container-env"),
        pytest.param({}, "darwin", None, id="mac"),
        pytest.param({}, "win32", None, id="windows"),
        pytest.param({"BROWSER": "lynx", "SSH_TTY": "/dev/pts/1"}, "linux", None, id="BROWSER-wins"),
    ],
)
def test_detection(environ: dict[str, str], platform: str, expected: str | None, bare_root: Path) -> None:
    reason = browser_unavailable_reason(environ, platform=platform, root=bare_root)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_docker_marker(bare_root: Path) -> None:
    (bare_root / ".dockerenv").write_text("")
    assert "container" in (browser_unavailable_reason({}, platform="linux", root=bare_root) or "")
    assert browser_unavailable_reason(DESKTOP, platform="linux", root=bare_root) is None


def test_wsl_needs_wslview(bare_root: Path, tmp_path: Path) -> None:
    (bare_root / "proc" / "version").write_text("Linux version 5.15.153.1-microsoft-standard-WSL2\n")
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    reason = browser_unavailable_reason({"PATH": str(empty_bin)}, platform="linux", root=bare_root)
    assert reason is not None and "wslview" in reason
    wslview = empty_bin / "wslview"
    wslview.write_text("#!/bin/sh\n")
    wslview.chmod(0o755)
    assert browser_unavailable_reason({"PATH": str(empty_bin)}, platform="linux", root=bare_root) is None


def _wait_for(path: Path, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path.name} was not written")


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-browser"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return script


def test_BROWSER_command_gets_the_url_detached(tmp_path: Path) -> None:
    record = tmp_path / "record"
    script = _script(
        tmp_path,
        "import os, sys\n"
        f"open({str(record)!r}, 'w').write(repr((sys.argv[1:], os.getsid(0) == os.getpid(), "
        "os.readlink('/proc/self/fd/1'))) + '\\n')\n",
    )
    url = "http://127.0.0.1:1/authorize?state=s&code_challenge=c"
    assert SystemBrowserOpener({**os.environ, "BROWSER": str(script)})(url) is True
    argv, own_session, stdout = eval(_wait_for(record))
    assert argv == [url]
    assert own_session  # detached: its own session, not killed with our terminal
    assert stdout == "/dev/null"  # never holds a credential_process caller's stdout open


def test_BROWSER_with_placeholder_and_fallback_list(tmp_path: Path) -> None:
    record = tmp_path / "record"
    script = _script(tmp_path, f"import sys\nopen({str(record)!r}, 'w').write(repr(sys.argv[1:]) + '\\n')\n")
    browser = os.pathsep.join([str(tmp_path / "missing-browser"), f"{script} --new-tab %s"])
    assert SystemBrowserOpener({**os.environ, "BROWSER": browser})("http://x.test/a b") is True
    assert eval(_wait_for(record)) == ["--new-tab", "http://x.test/a b"]


def test_BROWSER_that_cannot_start_reports_false(tmp_path: Path) -> None:
    assert SystemBrowserOpener({"BROWSER": str(tmp_path / "nothing-here")})("http://x.test/") is False
