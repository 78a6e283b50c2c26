"""``idc console``: open the AWS Management Console as a profile's role."""

from __future__ import annotations

import sys

import click

from idc.cli.completion import profile_option
from idc.cli.tls import tls_options


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
@tls_options
def console(
    profile: str | None,
    service: str | None,
    destination: str | None,
    region: str | None,
    print_only: bool,
    auto_login: bool,
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
    from idc.console.launcher import deliver_console_url
    from idc.console.partitions import partition_of
    from idc.console.signin_url import (
        ConsoleTarget,
        check_console_region,
        console_signin_url,
        destination_url,
    )
    from idc.storage.locations import Locations

    if service and destination:
        raise click.UsageError("give --service or --destination, not both")
    if region is not None:
        warning = check_console_region(region)
        if warning:
            click.echo(f"idc: warning: {warning}", err=True)
    sso, _ = resolve_profile(profile, Locations.from_environ())
    console_region = region or sso.region or partition_of(sso.sso_region).default_region
    target = ConsoleTarget(region=console_region, service=service, destination=destination)
    destination_url(target)  # a --destination off the console or a bad --service: refused before any call
    role, sso = obtain(profile, auto_login, verify)
    trust = BotocoreClientFactory(profile=sso.profile_name, verify=verify).trust()
    url = console_signin_url(role, target, issuer=sso.start_url, verify=trust)
    deliver_console_url(url, print_only=print_only, out=sys.stdout, err=sys.stderr)
