"""``idc credentials`` and ``idc exec``: the full path, for everything the hot path did not answer.

A cache hit never reaches this module (:mod:`idc.credentials.hotpath` answers it with the standard
library only). Here: resolve the profile,
:func:`idc.credentials.role_credentials.get_role_credentials` (token refresh, single flight,
GetRoleCredentials, cache write), then print or run. stdout carries only the credentials; sign-in
messages (``--auto-login``) go to stderr.
"""

from __future__ import annotations

import os
import sys

import click

from idc.cli.completion import profile_option
from idc.cli.narrowing import audit_log_option, narrowing_options
from idc.cli.tls import tls_options
from idc.credentials.export_formats import DEFAULT_FORMAT, FORMATS, render
from idc.storage.locations import Locations
from idc.storage.role_cache import RoleCredentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from idc.config import SsoProfile
    from idc.credentials.chain import Chain, ChainTarget
    from idc.credentials.narrowed import Narrowing

AUTO_LOGIN_KEY = "idc_auto_login"
"""Profile (or sso-session) key: ``idc_auto_login = true`` signs in when the session is over."""

AUTO_LOGIN_ENV = "IDC_AUTO_LOGIN"


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def resolve_profile(name: str | None, locations: Locations) -> tuple[SsoProfile, bool]:
    """The SSO profile ``name`` (None: AWS_PROFILE, AWS_DEFAULT_PROFILE, ``default``) and whether its
    configuration asks for auto-login."""
    from idc.config import load_config

    config = load_config(locations)
    sso = config.resolve_sso(name)
    auto = _truthy(os.environ.get(AUTO_LOGIN_ENV, ""))
    sections = [config.profile(sso.profile_name).values]
    if sso.session_name is not None:
        sections.append(config.sso_session(sso.session_name).values)
    for values in sections:
        if AUTO_LOGIN_KEY in values:
            auto = auto or _truthy(values[AUTO_LOGIN_KEY])
    return sso, auto


def role_chain(profile: str | None) -> Chain | None:
    """The role chain behind ``profile`` (None: AWS_PROFILE...), or None when it assumes no role."""
    from idc.config import load_config
    from idc.credentials.chain import is_role_profile, resolve_chain

    config = load_config(Locations.from_environ())
    name = profile or config.default_profile_name()
    if not is_role_profile(config.profiles.get(name, {})):
        return None
    return resolve_chain(config, name)


def obtain(
    profile: str | None,
    auto_login: bool,
    verify: bool | str | None = None,
    *,
    refresh: bool = False,
    narrowing: Narrowing | None = None,
) -> tuple[RoleCredentials, SsoProfile | ChainTarget]:
    """Role credentials for the profile, the way ``idc credentials`` gets them on a cache miss: an SSO
    profile's role credentials, or the session of a role chain (``role_arn`` + ``source_profile``)."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.config import load_config
    from idc.credentials.chain import ChainTarget, chained_credentials, is_role_profile, resolve_chain
    from idc.credentials.role_credentials import get_role_credentials

    locations = Locations.from_environ()
    config = load_config(locations)
    name = profile or config.default_profile_name()
    if narrowing is not None:
        from idc.credentials.narrowed import narrowed_credentials

        role, _ = narrowed_credentials(
            name, narrowing, config=config, locations=locations, verify=verify, auto_login=auto_login
        )
        return role, ChainTarget(resolve_chain(config, name), config)
    if is_role_profile(config.profiles.get(name, {})):
        chain = resolve_chain(config, name)
        auto = auto_login
        if chain.base_kind == "sso" and chain.base_profile is not None:
            auto = auto or resolve_profile(chain.base_profile, locations)[1]
        role = chained_credentials(
            chain, config=config, locations=locations, verify=verify, auto_login=auto, refresh=refresh
        )
        return role, ChainTarget(chain, config)
    sso, configured_auto = resolve_profile(profile, locations)
    credentials = get_role_credentials(
        sso,
        locations=locations,
        client_factory=BotocoreClientFactory(profile=sso.profile_name, verify=verify),
        auto_login=auto_login or configured_auto,
        out=sys.stderr,
        refresh=refresh,
    )
    return credentials, sso


@click.command("credentials")
@profile_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=DEFAULT_FORMAT,
    show_default=True,
    help="Output format, as `aws configure export-credentials --format`.",
)
@click.option(
    "--auto-login",
    is_flag=True,
    help=f"Sign in (browser or device code, on stderr) when the SSO session is over; "
    f"also `{AUTO_LOGIN_KEY} = true` in the profile or {AUTO_LOGIN_ENV}=1.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Get new role credentials even if the cached ones look valid (AWS refuses them).",
)
@narrowing_options
@tls_options
def credentials(
    profile: str | None,
    fmt: str,
    auto_login: bool,
    refresh: bool,
    verify: bool | str | None,
    narrowing: Narrowing | None,
) -> None:
    """Print the role credentials of an SSO profile.

    The default format is credential_process JSON, so other tools and SDKs can use idc:

    \b
      [profile app]
      credential_process = idc credentials --profile AdministratorAccess

    \b
    Examples:
      idc credentials --profile AdministratorAccess
      eval "$(idc credentials --profile AdministratorAccess --format env)"
      idc credentials --profile AdministratorAccess --refresh

    \b
    Exit codes: 0 printed; 3 profile problem; 4 SSO session over (run the
    `idc login --profile P` it names); 6 Identity Center error or unreachable.
    Only credentials go to stdout; messages go to stderr. All codes: `idc --help`.
    """
    role, _ = obtain(profile, auto_login, verify, refresh=refresh, narrowing=narrowing)
    text = render(
        fmt,
        access_key_id=role.access_key_id,
        secret_access_key=role.secret_access_key,
        session_token=role.session_token,
        expiration=role.expiration,
    )
    sys.stdout.write(text)
    sys.stdout.flush()


@click.command(
    "exec",
    short_help="Run a command with a profile's role credentials.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@profile_option
@click.option("--auto-login", is_flag=True, help="Sign in when the SSO session is over.")
@click.option(
    "--server",
    is_flag=True,
    help="Serve credentials that refresh themselves (a container credentials endpoint on 127.0.0.1) "
    "instead of putting keys that expire into COMMAND's environment.",
)
@audit_log_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@narrowing_options
@tls_options
def exec_command(
    profile: str | None,
    auto_login: bool,
    server: bool,
    audit_log: str | None,
    command: tuple[str, ...],
    verify: bool | str | None,
    narrowing: Narrowing | None,
) -> int:
    """Run COMMAND with the profile's role credentials in its environment.

    Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION and
    the profile's region (AWS_REGION, AWS_DEFAULT_REGION); removes AWS_PROFILE so SDKs use exactly
    these. Exits with COMMAND's exit status.

    With --server, for commands that outlive an hour (terraform, dev servers): idc serves the
    credentials on 127.0.0.1 (a random port and a random 256-bit token) while COMMAND runs and sets
    AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN instead of keys; SDKs
    fetch fresh credentials before theirs expire. It removes inherited AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_DEFAULT_PROFILE,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and web identity
    variables, which SDKs would prefer to the endpoint (a [default] profile with credentials of its
    own would too). SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 reach COMMAND; Ctrl-C reaches it from the
    terminal.

    \b
    Examples:
      idc exec --profile AdministratorAccess -- aws s3 ls
      idc exec --profile AdministratorAccess --server -- terraform apply

    \b
    Exit codes: COMMAND's own once it runs (128+N when signal N ended it); before
    that idc's: 3 profile problem, 4 SSO session over, 6 Identity Center error,
    126 not executable, 127 not found.
    """
    if server:
        return _exec_with_server(profile, auto_login, list(command), verify, narrowing, audit_log)
    if audit_log is not None:
        raise click.UsageError("--audit-log records the answers of --server: add --server")
    from idc.credentials.hotpath import CachedCredentials, child_environment, run_program

    role, sso = obtain(profile, auto_login, verify, narrowing=narrowing)
    cached = CachedCredentials(
        role.access_key_id, role.secret_access_key, role.session_token, role.expiration, sso.region
    )
    return run_program(list(command), child_environment(os.environ, cached))


def _exec_with_server(
    profile: str | None,
    auto_login: bool,
    command: list[str],
    verify: bool | str | None,
    narrowing: Narrowing | None,
    audit_log: str | None,
) -> int:
    from idc.credentials.child_process import run_child, server_child_environment
    from idc.credentials.endpoint_setup import endpoint_for

    if narrowing is None:
        _, sso = obtain(profile, auto_login, verify)  # a login problem shows now, before COMMAND starts
        name, region = sso.profile_name, sso.region
    else:
        from idc.credentials.narrowed import narrowed_target

        name, region = narrowed_target(profile)
    from idc.credentials.endpoint_setup import mfa_notes

    for note in mfa_notes([name]):
        sys.stderr.write(note + "\n")
    endpoint, audit = endpoint_for([name], verify=verify, narrowing=narrowing, audit_log=audit_log)
    endpoint.start()
    try:
        endpoint.prime(name)  # the narrowed session (or a login problem) before COMMAND starts
        env = server_child_environment(os.environ, endpoint.environment(name), region)
        return run_child(command, env)
    finally:
        endpoint.stop()
        if audit is not None:
            audit.close()
