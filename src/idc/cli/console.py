"""``idc console``: open the AWS Management Console as a profile's role."""

from __future__ import annotations

import sys

import click

from idc.cli.completion import profile_option
from idc.cli.credentials import role_chain
from idc.cli.tls import tls_options
from idc.storage.timestamps import format_timestamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from idc.config import SsoProfile
    from idc.credentials.chain import Chain, ChainTarget
    from idc.storage.role_cache import RoleCredentials


@click.command("console")
@profile_option
@click.option(
    "--service", "-s", metavar="S", help="Land on this service: s3, ec2, iam, lambda, ddb, cfn, sm, ssm..."
)
@click.option(
    "--destination",
    metavar="URL",
    help="Land on this path (/s3/buckets) or https URL on the console's host.",
)
@click.option("--region", metavar="R", help="Console region (default: the profile's region).")
@click.option("--print", "print_only", is_flag=True, help="Write the sign-in URL to stdout; open nothing.")
@click.option("--auto-login", is_flag=True, help="Sign in when the SSO session is over.")
@click.option(
    "--switch-role",
    is_flag=True,
    help="On a profile that assumes a role from an SSO profile: sign in as the SSO role and land on the "
    "console's switch-role page for the profile's role (the console session then lasts as long as the "
    "SSO role's, and the switch renews in the browser).",
)
@tls_options
def console(
    profile: str | None,
    service: str | None,
    destination: str | None,
    region: str | None,
    print_only: bool,
    auto_login: bool,
    switch_role: bool,
    verify: bool | str | None,
) -> None:
    """Open the AWS Management Console signed in as the profile's role.

    The role credentials come from the same cache as `idc credentials`; the browser is the one login
    uses (BROWSER honoured). Where no browser can be opened the sign-in URL is printed. The URL signs
    anyone in for 15 minutes: treat it as a password. AWS_ENDPOINT_URL_SIGNIN replaces the federation
    endpoint (the local Identity Center serves one).

    \b
    Examples:
      idc console --profile AdministratorAccess
      idc console --profile AdministratorAccess --service s3 --region eu-west-1
      idc console --profile AdministratorAccess --print | xclip

    \b
    Exit codes: 0 opened or printed; 2 --service and --destination together;
    3 profile problem, a --region that is not one, a --destination off the console;
    4 SSO session over; 6 federation endpoint error.
    """
    from idc.aws.clients import BotocoreClientFactory
    from idc.cli.credentials import obtain, resolve_profile
    from idc.config import SsoProfile
    from idc.console.launcher import deliver_console_url
    from idc.console.partitions import partition_of
    from idc.console.signin_url import (
        ConsoleTarget,
        check_console_region,
        console_signin_url,
        destination_url,
    )
    from idc.signin.regions import answering_region, regions_of
    from idc.storage.locations import Locations

    if service and destination:
        raise click.UsageError("give --service or --destination, not both")
    if switch_role and (service or destination):
        raise click.UsageError("--switch-role lands on the switch-role page: no --service or --destination")
    if region is not None:
        warning = check_console_region(region)
        if warning:
            click.echo(f"idc: warning: {warning}", err=True)
    chain = role_chain(profile)
    note = None
    if switch_role:
        role, sso, destination, note = _switch_role(chain, profile, region, auto_login, verify)
    else:
        # A --destination off the console or a bad --service: refused before any call.
        early: str | None
        if chain is None:
            known, _ = resolve_profile(profile, Locations.from_environ())
            early = region or known.region or partition_of(known.sso_region).default_region
        else:
            early = region or chain.region
        if early is not None:
            destination_url(ConsoleTarget(region=early, service=service, destination=destination))
        # A role chain's session is assumed afresh: the console session ends with it, and the federation
        # endpoint refuses SessionDuration for chained credentials (idc never sends it).
        role, sso = obtain(profile, auto_login, verify, refresh=chain is not None)
        if chain is not None:
            note = (
                "idc: the console session ends with this role session, at "
                f"{format_timestamp(role.expiration)} (role chaining: at most an hour); --switch-role "
                "signs in for as long as the SSO role's."
            )
    console_region = region or sso.region or partition_of(sso.sso_region).default_region
    target = ConsoleTarget(region=console_region, service=service, destination=destination)
    destination_url(target)  # checked again in the profile's own region
    trust = BotocoreClientFactory(profile=sso.profile_name, verify=verify).trust()
    issuer = sso.start_url or "idc"
    fallback: list[str] = []
    if isinstance(sso, SsoProfile):
        locations = Locations.from_environ()
        regions = [subject.sso_region for subject in regions_of(sso, locations)]
        fallback = regions if len(regions) > 1 else []  # a session in several Regions fails over
        issuer = answering_region(sso, locations).start_url  # the portal that answers, during an outage
    url = console_signin_url(role, target, issuer=issuer, verify=trust, fallback_regions=fallback)
    deliver_console_url(url, print_only=print_only, out=sys.stdout, err=sys.stderr)
    if note:
        click.echo(note, err=True)


def _switch_role(
    chain: Chain | None, profile: str | None, region: str | None, auto_login: bool, verify: bool | str | None
) -> tuple[RoleCredentials, SsoProfile | ChainTarget, str, str]:
    """The SSO role's credentials, its profile, the switch-role page of the chain's role, and a note."""
    from idc.cli.credentials import obtain
    from idc.console.partitions import partition_of
    from idc.console.switch_role import switch_role_url
    from idc.errors import ConfigError

    if chain is None or len(chain.hops) != 1 or chain.base_kind != "sso" or chain.base_profile is None:
        raise ConfigError(
            f"--switch-role needs a profile that assumes one role from an SSO profile, and profile "
            f"{profile or 'default'} is not one.",
            hint="Drop --switch-role, or name such a profile.",
        )
    role, sso = obtain(chain.base_profile, auto_login, verify)
    console_region = region or chain.region or sso.region or partition_of(sso.sso_region).default_region
    hop = chain.hops[0]
    page = switch_role_url(hop.role_arn, display_name=chain.profile, region=console_region)
    note = (
        f"idc: signed in as profile {chain.base_profile}'s role; the console offers to switch to "
        f"{hop.role_arn} (the switch lasts at most an hour and renews in the browser)."
    )
    return role, sso, page, note
