"""``idc configure sso`` and ``idc configure sso-session``: flags in, :mod:`idc.configure` does the rest."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TextIO

import click

from idc.cli.completion import complete_profiles
from idc.cli.login import REMOTE_HELP, check_remote
from idc.cli.tls import tls_options
from idc.configure import (
    Answers,
    Prompter,
    ScriptedPrompter,
    TerminalPrompter,
    configure_sso,
    configure_sso_session,
)
from idc.signin.subject import SignInOptions
from idc.storage.locations import Locations


def _session_options(function: Callable[..., Any], *, legacy: bool = True) -> Callable[..., Any]:
    session_help = "SSO session name ('' for the legacy format)." if legacy else "SSO session name."
    for option in reversed(
        [
            click.option("--sso-session", metavar="NAME", help=session_help),
            click.option("--start-url", metavar="URL", help="SSO start URL (https://....awsapps.com/start)."),
            click.option("--sso-region", metavar="REGION", help="Region of the Identity Center instance."),
            click.option(
                "--scopes", metavar="LIST", help="Registration scopes (default sso:account:access)."
            ),
            click.option(
                "--token-storage",
                type=click.Choice(["file", "keychain"]),
                help="Keep the session's sign-in in ~/.aws/sso/cache (file, the default) or in the OS "
                "keychain; switching moves it (no new sign-in).",
            ),
        ]
    ):
        function = option(function)
    return function


def _login_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--use-device-code", is_flag=True, help="Sign in with the device code flow instead of PKCE."
    )(function)
    function = click.option(
        "--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser."
    )(function)
    function = click.option("--remote", is_flag=True, help=REMOTE_HELP)(function)
    function = click.option(
        "--force-login",
        is_flag=True,
        help="Sign in again even when the SSO session has a valid cached token.",
    )(function)
    return function


def _sign_in_options(
    *, no_browser: bool, use_device_code: bool, remote: bool, verify: bool | str | None, profile: str | None
) -> SignInOptions:
    from idc.aws.clients import BotocoreClientFactory

    check_remote(remote, use_device_code=use_device_code, no_browser=no_browser)
    return SignInOptions(
        client_factory=BotocoreClientFactory(verify=verify, profile=profile),
        no_browser=no_browser,
        use_device_code=use_device_code,
        remote=remote,
    )


def _credential_command() -> str:
    """How a keychain session's profiles run ``idc credentials`` (as ``populate`` writes it)."""
    import os

    from idc.credentials.invocation import credential_command

    return credential_command(argv0=sys.argv[0], executable=sys.executable, environ=os.environ)


def _prompter() -> Prompter:
    """Ask when someone can answer (stdin is a terminal, even with stdout piped to a log)."""
    if sys.stdin.isatty():
        return TerminalPrompter()
    return ScriptedPrompter()


def _sign_in_out(prompter: Prompter) -> TextIO:
    """Where the sign-in's URL and code go: with the questions on a terminal; without one (a script
    whose output may be captured), on stderr, where whoever runs it still sees them."""
    return prompter.out if prompter.interactive else sys.stderr


@click.group(short_help="Create or update SSO profiles and sso-sessions in ~/.aws/config.")
def configure() -> None:
    """Configure profiles and SSO sessions in ~/.aws/config (AWS_CONFIG_FILE).

    \b
    Examples:
      idc configure sso
      idc configure sso --sso-session my-sso --account-id 123456789012 \\
          --role-name AdministratorAccess --profile admin
      idc configure sso-session --sso-session my-sso --sso-region us-east-1 \\
          --start-url https://d-1234567890.awsapps.com/start
    """


@configure.command("sso", short_help="Create or update an SSO profile, as `aws configure sso` does.")
@_session_options
@click.option("--account-id", metavar="ID", help="AWS account id (12 digits).")
@click.option("--role-name", metavar="ROLE", help="Role (permission set) name.")
@click.option("--region", metavar="REGION", help="Default client region of the profile.")
@click.option(
    "--output", metavar="FORMAT", help="Default output format (json, text, table, yaml, yaml-stream)."
)
@click.option("--profile", metavar="NAME", help="Profile to create or update.")
@_login_options
@tls_options
def sso(
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    scopes: str | None,
    token_storage: str | None,
    account_id: str | None,
    role_name: str | None,
    region: str | None,
    output: str | None,
    profile: str | None,
    no_browser: bool,
    remote: bool,
    use_device_code: bool,
    force_login: bool,
    verify: bool | str | None,
) -> None:
    """Create or update a profile that gets credentials from IAM Identity Center.

    Asks what `aws configure sso` asks, in the same order, with the values already configured as
    defaults; every question also has a flag. Without a terminal every missing answer that has no
    default is an error naming its flag, and the sign-in's URL and code go to stderr.

    An SSO session still signed in (its cached token valid for 15 minutes more) is used as it is,
    said in one line; --force-login signs in again anyway.

    \b
    Examples:
      idc configure sso
      idc configure sso --sso-session my-sso --sso-region us-east-1 \\
          --start-url https://d-1234567890.awsapps.com/start \\
          --account-id 123456789012 --role-name AdministratorAccess \\
          --region eu-west-1 --output json --profile AdministratorAccess
      idc configure sso --sso-session my-sso --account-id 123456789012 \\
          --role-name AdministratorAccess --profile admin </dev/null
    """
    answers = Answers(
        sso_session=sso_session,
        start_url=start_url,
        sso_region=sso_region,
        scopes=scopes,
        account_id=account_id,
        role_name=role_name,
        region=region,
        output=output,
        profile=profile,
        token_storage=token_storage,
    )
    prompter = _prompter()
    configure_sso(
        answers,
        locations=Locations.from_environ(),
        prompter=prompter,
        sign_in=_sign_in_options(
            no_browser=no_browser, use_device_code=use_device_code, remote=remote, verify=verify, profile=None
        ),
        sign_in_out=_sign_in_out(prompter),
        force_login=force_login,
        credential_command=_credential_command(),
    )


@configure.command("sso-session", short_help="Create or update an [sso-session], signing in first.")
@functools.partial(_session_options, legacy=False)
@_login_options
@click.option("--no-login", is_flag=True, help="Write the session without signing in.")
@click.option(
    "--failover-region",
    "failover_regions",
    multiple=True,
    metavar="REGION=PORTAL_URL",
    help="An additional Region of a replicated instance and its access portal URL (repeatable); "
    "idc uses it when the primary Region does not answer.",
)
@tls_options
def sso_session_command(
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    scopes: str | None,
    token_storage: str | None,
    no_browser: bool,
    remote: bool,
    use_device_code: bool,
    force_login: bool,
    no_login: bool,
    failover_regions: tuple[str, ...],
    verify: bool | str | None,
) -> None:
    """Create or update an [sso-session] section, then sign in to it.

    Signing in proves the start URL and region work before anything is written (a valid cached
    token for them is proof enough, unless --force-login); --no-login writes the section without
    signing in (then run `idc login --sso-session NAME`).

    \b
    Examples:
      idc configure sso-session
      idc configure sso-session --sso-session my-sso --sso-region us-east-1 \\
          --start-url https://d-1234567890.awsapps.com/start --no-login
      idc configure sso-session --sso-session my-sso --token-storage keychain
      idc configure sso-session --sso-session my-sso --failover-region \\
          eu-west-1=https://ssoins-1111111111111111.eu-west-1.portal.amazonaws.com
    """
    answers = Answers(
        sso_session=sso_session,
        start_url=start_url,
        sso_region=sso_region,
        scopes=scopes,
        token_storage=token_storage,
    )
    if force_login and no_login:
        raise click.UsageError("Give --force-login or --no-login, not both.")
    prompter = _prompter()
    configure_sso_session(
        answers,
        locations=Locations.from_environ(),
        prompter=prompter,
        sign_in=_sign_in_options(
            no_browser=no_browser, use_device_code=use_device_code, remote=remote, verify=verify, profile=None
        ),
        login=not no_login,
        sign_in_out=_sign_in_out(prompter),
        force_login=force_login,
        credential_command=_credential_command(),
        failover_regions=failover_regions,
    )


@configure.command("role", short_help="Create or update a profile that assumes a role from another profile.")
@click.option("--profile", "name", required=True, metavar="NAME", help="Profile to create or update.")
@click.option("--role-arn", required=True, metavar="ARN", help="The role to assume.")
@click.option(
    "--source-profile",
    required=True,
    metavar="PROFILE",
    shell_complete=complete_profiles,
    help="Whose credentials assume it: an SSO profile, another role profile, or static keys.",
)
@click.option("--role-session-name", metavar="NAME", help="Session name (default: botocore-session-<time>).")
@click.option("--external-id", metavar="ID", help="The external id the role's trust policy asks for.")
@click.option("--mfa-serial", metavar="ARN", help="MFA device whose code is asked for on each new session.")
@click.option(
    "--duration-seconds",
    type=click.IntRange(900, 43200),
    metavar="SECONDS",
    help="Session length (at most 3600 when the source holds role credentials).",
)
@click.option("--region", metavar="REGION", help="Default client Region of the profile.")
def role_command(
    name: str,
    role_arn: str,
    source_profile: str,
    role_session_name: str | None,
    external_id: str | None,
    mfa_serial: str | None,
    duration_seconds: int | None,
    region: str | None,
) -> None:
    """Write a profile with role_arn and source_profile, as the AWS CLI and SDKs read it.

    Checks before writing: the role ARN's shape, that the source profile exists, and that the chain
    it makes works as botocore resolves it (no loop, a source with credentials, at most 3600 seconds
    when the source holds role credentials). Only this profile's lines change.

    \b
    Examples:
      idc configure role --profile deployer --source-profile AdministratorAccess \\
          --role-arn arn:aws:iam::210987654321:role/Deployer --region eu-west-1
      idc configure role --profile vendor --source-profile deployer \\
          --role-arn arn:aws:iam::111122223333:role/Vendor --external-id vendor-42
    """
    from idc.credentials.role_profile import write_role_profile

    write_role_profile(
        Locations.from_environ(),
        name,
        role_arn=role_arn,
        source_profile=source_profile,
        role_session_name=role_session_name,
        external_id=external_id,
        mfa_serial=mfa_serial,
        duration_seconds=duration_seconds,
        region=region,
    )
    click.echo(f"Wrote [profile {name}]: {role_arn} from profile {source_profile}.", err=True)
    click.echo(f"Try it: idc whoami --profile {name}", err=True)
