"""Opening the user's browser, and knowing when there is none to open.

A :data:`BrowserOpener` takes a URL and returns True when it handed the URL to a browser. Login takes
one as ``opener=``: the real one is :class:`SystemBrowserOpener`; tests pass a page approver that walks
the approval pages over HTTP.

The URLs idc opens hold only public values (the authorize URL carries the client id, the state and
the PKCE *challenge*; the device URL carries the user code, which the user reads anyway), so they may
appear in a child's argv. The one exception is ``idc console``'s sign-in URL, a 15-minute secret that
reaches the browser the only way a browser takes a URL, as every peer's does (:mod:`idc.console.launcher`).

The browser runs detached: its own session, stdio on /dev/null, so it never holds our stdout open (a
``credential_process`` caller reads stdout until EOF) and never dies with our terminal.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

BrowserOpener = Callable[[str], bool]
"""Open ``url`` for the user; True when a browser was started (not a promise it displayed it)."""


def browser_unavailable_reason(
    environ: Mapping[str, str] | None = None,
    *,
    platform: str | None = None,
    root: Path = Path("/"),
) -> str | None:
    """Why a browser on this machine cannot complete a loopback sign-in, or None when it can.

    ``BROWSER`` in the environment means the user told us how to open one: it always wins. Otherwise:
    an SSH session (the browser, if any, runs on another machine, so its redirect to 127.0.0.1 cannot
    reach us), a container without a display, WSL without ``wslview``, or Linux/BSD without a display.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if env.get("BROWSER", "").strip():
        return None
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"):
        return "this is an SSH session"
    display = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    if _in_container(env, root) and not display:
        # toolbox and distrobox share the host's display and network: there a browser works
        return "this is a container without a display"
    if plat.startswith("linux") and _is_wsl(root):
        if shutil.which("wslview", path=env.get("PATH")) is None:
            return "this is WSL without wslview (install wslu)"
        return None
    if plat in ("darwin", "win32", "cygwin"):
        return None
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    return None


def _in_container(env: Mapping[str, str], root: Path) -> bool:
    if env.get("container"):  # systemd-nspawn, podman, flatpak set it
        return True
    return (root / ".dockerenv").exists() or (root / "run" / ".containerenv").exists()


def _is_wsl(root: Path) -> bool:
    try:
        version = (root / "proc" / "version").read_text(errors="replace")
    except OSError:
        return False
    return "microsoft" in version.lower()


class SystemBrowserOpener:
    """The user's browser: ``BROWSER`` first (as :mod:`webbrowser` reads it), then webbrowser's choice.

    ``BROWSER`` holds commands separated by ``os.pathsep``; ``%s`` in a command is replaced by the URL,
    otherwise the URL is appended. The first command that starts wins.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def __call__(self, url: str) -> bool:
        browser_var = self._environ.get("BROWSER", "").strip()
        if browser_var:
            for command in browser_var.split(os.pathsep):
                if command.strip() and self._spawn(_command_line(command, url)):
                    return True
            return False
        if sys.platform.startswith("linux") and _is_wsl(Path("/")):
            wslview = shutil.which("wslview", path=self._environ.get("PATH"))
            if wslview and self._spawn([wslview, url]):
                return True
        return self._webbrowser(url)

    def _spawn(self, argv: list[str]) -> bool:
        try:
            subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=True,
                env=dict(self._environ),
            )
        except OSError as error:
            log.debug("could not start browser %s: %s", argv[0], type(error).__name__)
            return False
        log.debug("started browser %s", argv[0])
        return True

    def _webbrowser(self, url: str) -> bool:
        import webbrowser

        try:
            controller = webbrowser.get()
        except webbrowser.Error:
            return False
        # Generic command-line browsers: start them ourselves, detached with stdio on /dev/null
        # (webbrowser would let them inherit our stdout).
        name = getattr(controller, "name", None)
        args = getattr(controller, "args", None)
        if isinstance(controller, webbrowser.GenericBrowser) and name and isinstance(args, list):
            return self._spawn([name, *(arg.replace("%s", url) for arg in args)])
        try:
            return bool(controller.open_new_tab(url))
        except Exception as error:  # a browser launcher failing must never fail the login
            log.debug("webbrowser failed: %s", type(error).__name__)
            return False


def _command_line(command: str, url: str) -> list[str]:
    parts = shlex.split(command)
    if any("%s" in part for part in parts):
        return [part.replace("%s", url) for part in parts]
    return [*parts, url]


def print_only_opener(url: str) -> bool:
    """The ``--no-browser`` opener: opens nothing (the flow prints the URL itself)."""
    return False
