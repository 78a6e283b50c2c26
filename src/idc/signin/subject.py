"""What a sign-in is for and how it runs: the subject (a profile or an sso-session) and the options.

:class:`SignInSubject` is what every sign-in needs (:class:`idc.config.SsoProfile` fits it, and so does
:class:`SsoSessionTarget`, an ``[sso-session]`` or a bare start URL); :class:`SignInOptions` carries the
injected browser, transport, clocks and output. :func:`login_command` and :func:`configure_command` name
the commands that sign a subject in again or change its start URL, for the hints of errors.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from idc.aws.clients import ClientFactory
from idc.errors import shell_word
from idc.signin.browser import BrowserOpener
from idc.signin.loopback import DEFAULT_OVERALL_TIMEOUT
from idc.signin.remote_flow import PasteReader

LOCK_TIMEOUT = DEFAULT_OVERALL_TIMEOUT + 60.0
"""A waiter waits for the holder's whole sign-in (the user may take up to the overall timeout)."""

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SignInSubject(Protocol):
    """What a sign-in needs; :class:`idc.config.SsoProfile` and :class:`SsoSessionTarget` both fit."""

    @property
    def session_name(self) -> str | None: ...
    @property
    def start_url(self) -> str: ...
    @property
    def sso_region(self) -> str: ...
    @property
    def registration_scopes(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class SsoSessionTarget:
    """An ``[sso-session]`` (or a bare start URL, when ``session_name`` is None) to sign in to."""

    session_name: str | None
    start_url: str
    sso_region: str
    registration_scopes: tuple[str, ...] = ()
    token_storage: str = "file"


def login_command(sso: SignInSubject) -> str:
    """The command that signs this profile or session in again (for hints)."""
    profile = getattr(sso, "profile_name", None)
    if profile:
        return f"idc login --profile {shell_word(profile)}"
    if sso.session_name:
        return f"idc login --sso-session {shell_word(sso.session_name)}"
    return "idc login"


def configure_command(sso: SignInSubject) -> str:
    """The command that changes this session's (or legacy profile's) start URL and region (for hints)."""
    if sso.session_name:
        return f"idc configure sso-session --sso-session {shell_word(sso.session_name)}"
    profile = getattr(sso, "profile_name", None)
    return f"idc configure sso --profile {shell_word(profile)}" if profile else "idc configure sso"


@dataclass(frozen=True)
class SignInOptions:
    """How to sign in: the injected browser, transport, clocks and output."""

    client_factory: ClientFactory | None = None
    opener: BrowserOpener | None = None
    use_device_code: bool = False
    no_browser: bool = False
    remote: bool = False
    """PKCE with the browser elsewhere: print the URL, read back the address it lands on."""
    qr: bool = True
    """A QR code under the device flow's URL and code, when the output is a terminal (and not IDC_NO_QR)."""
    read_paste: PasteReader | None = None
    """Where ``remote`` reads the pasted address (default: standard input)."""
    clock: Clock = utc_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    timeout: float = DEFAULT_OVERALL_TIMEOUT
    lock_timeout: float = LOCK_TIMEOUT
    environ: Mapping[str, str] | None = None
    remote_command: str | None = None
    """The command that signs in with ``--remote``, for the hint where no browser can work here
    (default: ``idc login ... --remote``; configure names itself: its new session is not written yet)."""


__all__ = [
    "LOCK_TIMEOUT",
    "Clock",
    "SignInOptions",
    "SignInSubject",
    "SsoSessionTarget",
    "configure_command",
    "login_command",
    "utc_now",
]
