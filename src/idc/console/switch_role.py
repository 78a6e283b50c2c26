"""The console's switch-role page for a role (IAM User Guide, "Switch to an IAM role (console)": a link
``https://signin.aws.amazon.com/switchrole?account=...&roleName=...&displayName=...``, the role's path
included in ``roleName``), on the sign-in host of the role's partition."""

from __future__ import annotations

from urllib.parse import urlencode

from idc.console.partitions import partition_of
from idc.errors import ConfigError


def switch_role_url(role_arn: str, *, display_name: str, region: str) -> str:
    """The switch-role page that offers ``role_arn`` (shown as ``display_name``)."""
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        raise ConfigError(f"{role_arn} is not a role ARN, so the console cannot switch to it")
    query = urlencode(
        {"account": parts[4], "roleName": parts[5][len("role/") :], "displayName": display_name}
    )
    return f"https://{partition_of(region).signin_domain}/switchrole?{query}"
