"""``idc whoami``: who the profile's role credentials are, from STS GetCallerIdentity.

The check the AWS CLI suggests after ``configure sso`` (``aws sts get-caller-identity``), with the
credential expiry next to it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from idc.storage.role_cache import RoleCredentials
from idc.storage.timestamps import format_timestamp


def caller_identity(credentials: RoleCredentials, region: str, profile: str | None = None) -> dict[str, str]:
    """STS GetCallerIdentity (awsquery ``Action=GetCallerIdentity``, SigV4) with ``credentials``.

    The client is botocore's, signed with the role credentials (a ClientFactory makes unsigned or
    default-credential clients, so this one is made here), honouring AWS_ENDPOINT_URL_STS.
    """
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from idc.aws.retry import call_with_retry
    from idc.errors import ServiceError

    session = botocore.session.get_session()
    if profile is not None:  # its [services] endpoints apply; a stray AWS_PROFILE does not
        session.set_config_variable("profile", profile)
    client = session.create_client(
        "sts",
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, user_agent_extra="idc"),
    )
    try:
        response: dict[str, Any] = call_with_retry(client.get_caller_identity)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        raise ServiceError(
            f"STS refused GetCallerIdentity ({code or 'error'}).",
            hint="Run `idc credentials` with --debug for details.",
        ) from None
    except BotoCoreError as error:
        raise ServiceError(
            f"Could not reach STS in {region} ({type(error).__name__}).",
            hint="Check the network (and AWS_ENDPOINT_URL_STS if set) and try again.",
        ) from None
    return {"Account": response["Account"], "Arn": response["Arn"], "UserId": response["UserId"]}


def _remaining(expiration: dt.datetime) -> str:
    seconds = int((expiration - dt.datetime.now(dt.timezone.utc)).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(seconds // 60, 60)
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"


@click.command("whoami", short_help="Show the account, role and user behind a profile.")
@click.option("--profile", metavar="PROFILE", help="Profile in ~/.aws/config (default: AWS_PROFILE).")
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
