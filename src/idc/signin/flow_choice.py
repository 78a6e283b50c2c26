"""Which flow signs in, and running it: PKCE in a browser, PKCE with the address pasted back, device code.

PKCE (AWS CLI v2's default) for sso-session profiles, the device code flow for legacy profiles, with
``use_device_code``, or where a browser cannot work here (SSH, containers, WSL without wslview, no
display: said in one line). The device flow draws a QR code only on a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Literal, TextIO

from idc.aws.oidc import DEFAULT_PKCE_SCOPE, OidcClient, RegisteredClient, TokenGrant
from idc.signin.browser import BrowserOpener, SystemBrowserOpener, browser_unavailable_reason
from idc.signin.device_flow import DeviceFlow
from idc.signin.pkce_flow import PkceFlow
from idc.signin.remote_flow import FileLineReader, RemotePkceFlow
from idc.signin.subject import SignInOptions, SignInSubject, login_command
from idc.signin.vanity_step import portal_url_of

Flow = Literal["pkce", "remote", "device"]


def choose_flow(sso: SignInSubject, options: SignInOptions, out: TextIO) -> tuple[Flow, BrowserOpener | None]:
    """(the flow, the opener or None to print only), saying in one line when a browser cannot work here.

    PKCE for sso-session profiles unless told otherwise; the device flow for legacy profiles. An
    injected opener is trusted; the system browser is not tried where it cannot reach our loopback
    listener (SSH, containers, WSL without wslview, no display), and a printed authorize URL would not
    come back from another machine either: there the device flow runs, and the message names
    ``--remote`` (PKCE with the address pasted back) as the other way.
    """
    use_pkce = sso.session_name is not None and not options.use_device_code
    if options.remote:
        if use_pkce:
            return "remote", None
        out.write(
            "This profile has no sso-session: using the device code flow, which works from any device.\n"
        )
        return "device", None
    flow: Flow = "pkce" if use_pkce else "device"
    if options.opener is not None and not options.no_browser:
        return flow, options.opener
    environ = os.environ if options.environ is None else options.environ
    reason = browser_unavailable_reason(environ)
    if reason is None:
        return flow, None if options.no_browser else SystemBrowserOpener(environ)
    if use_pkce:
        remote = options.remote_command or f"{login_command(sso)} --remote"
        out.write(
            f"Not opening a browser: {reason}. Using the device code flow instead "
            f"(or run `{remote}` and paste back the address your browser lands on).\n"
        )
    elif not (options.no_browser or options.use_device_code):  # asked for the device code: no news
        out.write(f"Not opening a browser: {reason}.\n")
    return "device", None


def run_flow(
    oidc: OidcClient,
    registration: RegisteredClient,
    sso: SignInSubject,
    options: SignInOptions,
    opener: BrowserOpener | None,
    out: TextIO,
    *,
    flow: Flow,
) -> TokenGrant:
    """Run the chosen flow with this registration to its token grant."""
    scopes = tuple(sso.registration_scopes) or (DEFAULT_PKCE_SCOPE,)
    if flow == "remote":
        return RemotePkceFlow(
            oidc,
            registration,
            scopes=scopes,
            out=out,
            read_paste=options.read_paste or FileLineReader(sys.stdin.fileno()),
            timeout=options.timeout,
            monotonic=options.monotonic,
        ).run()
    if flow == "pkce":
        return PkceFlow(
            oidc, registration, scopes=scopes, out=out, opener=opener, timeout=options.timeout
        ).run()
    return DeviceFlow(
        oidc,
        registration,
        portal_url_of(sso),
        out=out,
        opener=opener,
        monotonic=options.monotonic,
        sleep=options.sleep,
        qr_columns=qr_columns(options, out),
    ).run()


def qr_columns(options: SignInOptions, out: TextIO) -> int | None:
    """The terminal's width when the device flow should draw a QR code, else None.

    Only on a terminal (a pipe or a file gets none: a QR code there helps nobody), unless turned off
    with ``qr=False`` (``--no-qr``) or IDC_NO_QR=1.
    """
    environ = os.environ if options.environ is None else options.environ
    if not options.qr or environ.get("IDC_NO_QR", "").strip() not in ("", "0"):
        return None
    try:
        if not out.isatty():
            return None
    except (AttributeError, ValueError):  # closed or not a real stream
        return None
    return shutil.get_terminal_size().columns


__all__ = ["Flow", "choose_flow", "qr_columns", "run_flow"]
