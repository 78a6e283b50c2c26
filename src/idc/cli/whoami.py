"""``idc whoami``: who the profile's role credentials are, from STS GetCallerIdentity.

The check the AWS CLI suggests after ``configure sso`` (``aws sts get-caller-identity``), with the
credential expiry next to it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from idc.aws.sts import caller_identity
from idc.cli.completion import complete_profiles
from idc.storage.timestamps import format_timestamp


def _remaining(expiration: dt.datetime) -> str:
    seconds = int((expiration - dt.datetime.now(dt.timezone.utc)).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"


@click.command("whoami", short_help="Show the account, role and user behind a profile.")
@click.option(
    "--profile",
    metavar="PROFILE",
    shell_complete=complete_profiles,
    help="Profile in ~/.aws/config (default: AWS_PROFILE).",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@click.option("--auto-login", is_flag=True, help="Sign in when the SSO session is over.")
def whoami(profile: str | None, output: str, auto_login: bool) -> None:
    """Show the account, role ARN and user behind a profile (STS GetCallerIdentity).

    \b
    Examples:
      idc whoami --profile AdministratorAccess
      idc whoami --profile AdministratorAccess --output json

    \b
    Exit codes: 0 shown; 3 profile problem; 4 SSO session over (run the
    `idc login --profile P` it names); 6 Identity Center or STS error.
    """
    from idc.cli.credentials import obtain

    role, sso = obtain(profile, auto_login)
    identity = caller_identity(role, sso.region or sso.sso_region, sso.profile_name)
    expiration = format_timestamp(role.expiration)
    if output == "json":
        document = {"Profile": sso.profile_name, **identity, "Expiration": expiration}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    rows = [
        ("Profile", sso.profile_name),
        ("Account", identity["Account"]),
        ("ARN", identity["Arn"]),
        ("User ID", identity["UserId"]),
        ("Expires", f"{expiration} ({_remaining(role.expiration)})"),
    ]
    width = max(len(label) for label, _ in rows)
    sys.stdout.write("".join(f"{label:<{width}}  {value}\n" for label, value in rows))
