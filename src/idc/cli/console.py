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
    "--destination", metavar="URL", help="Land on this console URL (or a path such as /s3/buckets)."
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
    3 profile problem; 4 SSO session over; 6 federation endpoint error.
    """
    from idc.aws.clients import BotocoreClientFactory
    from idc.cli.credentials import obtain
    from idc.console.launcher import deliver_console_url
    from idc.console.partitions import partition_of
    from idc.console.signin_url import ConsoleTarget, console_signin_url
    from idc.signin.regions import answering_region, regions_of
    from idc.storage.locations import Locations

    if service and destination:
        raise click.UsageError("give --service or --destination, not both")
    role, sso = obtain(profile, auto_login, verify)
    console_region = region or sso.region or partition_of(sso.sso_region).default_region
    target = ConsoleTarget(region=console_region, service=service, destination=destination)
    trust = BotocoreClientFactory(profile=sso.profile_name, verify=verify).trust()
    locations = Locations.from_environ()
    regions = [subject.sso_region for subject in regions_of(sso, locations)]
    fallback = regions if len(regions) > 1 else []  # a session in several Regions fails over
    issuer = answering_region(sso, locations).start_url  # the portal that answers, during an outage
    url = console_signin_url(role, target, issuer=issuer, verify=trust, fallback_regions=fallback)
    deliver_console_url(url, print_only=print_only, out=sys.stdout, err=sys.stderr)
