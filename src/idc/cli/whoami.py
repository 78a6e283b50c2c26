"""``idc whoami``: who the profile's role credentials are, from STS GetCallerIdentity.

The check the AWS CLI suggests after ``configure sso`` (``aws sts get-caller-identity``), with the
credential expiry next to it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from idc.aws.sts import CredentialsRefused, caller_identity
from idc.cli.completion import profile_option
from idc.cli.tls import tls_options
from idc.errors import ServiceError, shell_word
from idc.storage.timestamps import format_timestamp


def _remaining(expiration: dt.datetime) -> str:
    seconds = int((expiration - dt.datetime.now(dt.timezone.utc)).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"


@click.command("whoami", short_help="Show the account, role and user behind a profile.")
@profile_option
@click.option(
    "--output",
    type=click.Choice(["table", "json", "text"]),
    default="table",
    show_default=True,
    help="table for people (as `idc list`; text is the same), json for scripts.",
)
@click.option("--auto-login", is_flag=True, help="Sign in when the SSO session is over.")
@tls_options
def whoami(profile: str | None, output: str, auto_login: bool, verify: bool | str | None) -> None:
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

    role, sso = obtain(profile, auto_login, verify)
    try:
        identity = caller_identity(role, sso.region or sso.sso_region, sso.profile_name, verify)
    except CredentialsRefused as refused:
        from idc.credentials.chain import ChainTarget
        from idc.credentials.role_credentials import forget_role_credentials
        from idc.storage.locations import Locations

        if isinstance(sso, ChainTarget):
            sso.forget(Locations.from_environ())
        else:
            forget_role_credentials(sso, locations=Locations.from_environ())
        name = shell_word(sso.profile_name)
        raise ServiceError(
            f"STS refused the role credentials of profile {sso.profile_name} ({refused.code}); "
            "they are removed from the cache.",
            hint=f"Run `idc credentials --profile {name} --refresh` (or this command again) for new ones.",
        ) from None
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
