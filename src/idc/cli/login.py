"""``idc login`` and ``idc logout``: resolve the profile or session, then call the library."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from idc.cli.completion import complete_profiles, complete_sso_sessions
from idc.cli.tls import tls_options
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.signin.subject import SignInSubject


def _target(profile: str | None, sso_session: str | None, locations: Locations) -> SignInSubject:
    """The profile (default: AWS_PROFILE, then ``default``) or sso-session to sign in to.

    Without either, when the environment names no profile and there is no ``[default]``: the only
    ``[sso-session]`` of the config (as ``idc list`` does), else a line naming what can be passed.
    """
    from idc.config import load_config
    from idc.errors import ConfigError

    if profile and sso_session:
        raise click.UsageError("Give --profile or --sso-session, not both.")
    config = load_config(locations)
    if sso_session:
        return config.sso_session(sso_session)
    if profile is None and not config.has_profile(config.default_profile_name()):
        name = config.default_profile_name()
        sessions = config.sso_session_names()
        if name == "default" and len(sessions) == 1:
            return config.sso_session(sessions[0])
        if name == "default":
            names = config.profile_names()
            profiles = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "") or "none yet"
            raise ConfigError(
                f"No --profile or --sso-session given and there is no default profile "
                f"(profiles: {profiles}; sso-sessions: {', '.join(sessions) or 'none yet'}).",
                hint="Run `idc login --profile NAME` (or `idc configure sso` to create one).",
            )
    return config.sign_in_subject(profile)  # like `aws sso login`: no account or role needed


REMOTE_HELP = "Sign in with a browser on another device: print the URL, paste back the address it lands on."


def check_remote(remote: bool, *, use_device_code: bool, no_browser: bool) -> None:
    """--remote is its own way to sign in: it excludes the other two flow flags."""
    if remote and (use_device_code or no_browser):
        raise click.UsageError(
            "--remote prints the URL itself; give it without --use-device-code or --no-browser."
        )


@click.command("login", short_help="Sign in; cache the token for the AWS CLI and SDKs.")
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete_profiles,
    help="Profile to sign in for (default: AWS_PROFILE, then default, then the only sso-session).",
)
@click.option(
    "--sso-session",
    metavar="NAME",
    shell_complete=complete_sso_sessions,
    help="Sign in to this [sso-session] directly.",
)
@click.option(
    "--no-browser", is_flag=True, help="Print the sign-in URL (and code) instead of opening a browser."
)
@click.option("--use-device-code", is_flag=True, help="Use the device code flow instead of PKCE.")
@click.option("--remote", is_flag=True, help=REMOTE_HELP)
@click.option(
    "--no-qr", is_flag=True, help="No QR code under the device code (also: IDC_NO_QR=1). Terminals only."
)
@click.option(
    "--force",
    is_flag=True,
    help="End the current session on the server first, so the sign-in starts a new one (new "
    "permissions, a new session length) even when the session is valid.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="Give up waiting for the browser's redirect (or the pasted address) after this long (PKCE).",
)
@tls_options
def login(
    profile: str | None,
    sso_session: str | None,
    no_browser: bool,
    use_device_code: bool,
    remote: bool,
    no_qr: bool,
    force: bool,
    timeout: float,
    verify: bool | str | None,
) -> None:
    """Sign in to IAM Identity Center and cache the token where the AWS CLI and SDKs read it.

    Uses the authorization code flow with PKCE for sso-session profiles, and the device code flow for
    legacy profiles, with --use-device-code, or where no browser can work (SSH, containers, WSL without
    wslview, no display). The BROWSER variable names the browser to open. Parallel logins for one
    session share one sign-in. A session with additional Regions (idc_failover_sessions) is signed
    in to in each of them: one approval per Region, the password only once.

    On a terminal the device code comes with a QR code for a phone (--no-qr or IDC_NO_QR=1: none).
    --remote signs in from anywhere without the device code: open the printed URL in any browser,
    approve, and paste back the address the browser was sent to (it does not load; that is expected).

    \b
    Examples:
      idc login --profile AdministratorAccess
      idc login --sso-session my-sso --use-device-code   # approve elsewhere
      idc login --profile dev --ca-bundle corporate-ca.pem   # behind a TLS-inspecting proxy
      idc login --profile AdministratorAccess --remote   # over SSH: paste the address back
      idc login --profile AdministratorAccess --force   # a new session: new permission sets

    \b
    Exit codes: 0 signed in; 3 profile or session problem; 5 sign-in failed
    (denied, code expired, timed out); 6 Identity Center unreachable; 130 Ctrl-C.
    """
    from idc.aws.clients import BotocoreClientFactory
    from idc.signin.region_login import login_everywhere as sign_in

    check_remote(remote, use_device_code=use_device_code, no_browser=no_browser)
    locations = Locations.from_environ()
    target = _target(profile, sso_session, locations)
    sign_in(
        target,
        locations=locations,
        client_factory=BotocoreClientFactory(verify=verify, profile=getattr(target, "profile_name", None)),
        no_browser=no_browser,
        use_device_code=use_device_code,
        remote=remote,
        qr=not no_qr,
        out=sys.stdout,
        timeout=timeout,
        lock_timeout=timeout + 60,
        force=force,
    )


@click.command("logout", short_help="Sign out: end the sessions, remove cached tokens.")
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete_profiles,
    help="Sign out of this profile's SSO session only.",
)
@click.option(
    "--sso-session",
    metavar="NAME",
    shell_complete=complete_sso_sessions,
    help="Sign out of this sso-session only.",
)
@click.option("--all", "everything", is_flag=True, help="Sign out of every cached session (the default).")
@tls_options
def logout(profile: str | None, sso_session: str | None, everything: bool, verify: bool | str | None) -> None:
    """Sign out: end the SSO sessions on the server, remove cached tokens and SSO role credentials.

    Like `aws sso logout`, signs out of every cached session unless --profile or --sso-session names one.
    Client registrations are kept.

    \b
    Examples:
      idc logout
      idc logout --sso-session my-sso

    \b
    Exit codes: 0 signed out (also when nothing was signed in); 3 profile or
    session problem; 7 a cache file could not be removed.
    """
    from idc.aws.clients import BotocoreClientFactory
    from idc.signin.region_login import logout_everywhere as sign_out

    if everything and (profile or sso_session):
        raise click.UsageError("Give --all, or --profile/--sso-session, not both.")
    locations = Locations.from_environ()
    target = _target(profile, sso_session, locations) if (profile or sso_session) else None
    report = sign_out(locations, target, client_factory=BotocoreClientFactory(verify=verify, profile=profile))
    from idc.cli.listing import counted

    click.echo(
        f"Signed out of {counted(report.sessions, 'SSO session')}; removed the cached credentials of "
        f"{counted(report.role_credentials, 'role')}."
    )
    if report.unreachable:
        click.echo(
            f"idc: warning: IAM Identity Center could not be reached to end {report.unreachable} "
            "of them on the server; they stay valid there until they expire. The local tokens are "
            "removed.",
            err=True,
        )
