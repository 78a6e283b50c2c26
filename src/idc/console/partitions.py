"""AWS partitions as the console needs them: the federation endpoint and the console host of a region.

Sources (AWS IAM User Guide, "Enable custom identity broker access to the AWS console", and botocore's
``data/partitions.json``): AWS names ``signin.aws.amazon.com`` the us-east-1 endpoint
and ``<region>.signin.aws.amazon.com`` the regional ones; granted and aws-sso-util drop the region prefix
for each partition's first region (us-east-1, cn-north-1, us-gov-west-1). The aws-eusc hosts come from
botocore's own endpoint rule set for the Signin service (``https://{Region}.signin.amazonaws-eusc.eu``);
its console host (``console.amazonaws-eusc.eu``) is aws-vault's and granted's, not verified against AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Partition:
    name: str
    region_prefix: str
    """Regions of this partition start with it (``""`` for the commercial partition: the fallback)."""
    default_region: str
    signin_domain: str
    console_domain: str
    bare_signin_region: str | None
    """The region whose federation endpoint has no region prefix (None: every region has one)."""
    regional_console: bool
    """Whether the console is served on ``<region>.<console_domain>`` (else on the bare domain)."""

    def federation_endpoint(self, region: str) -> str:
        """``https://[<region>.]signin.<domain>/federation`` for ``region``."""
        if region == self.bare_signin_region or not region:
            return f"https://{self.signin_domain}/federation"
        return f"https://{region}.{self.signin_domain}/federation"

    def regional_federation_endpoint(self, region: str) -> str:
        """``https://<region>.signin.<domain>/federation``: the Region's own sign-in host, also for
        the Region whose usual endpoint has no prefix (where the console fails over to)."""
        return f"https://{region}.{self.signin_domain}/federation"

    def console_origin(self, region: str) -> str:
        if self.regional_console and region:
            return f"https://{region}.{self.console_domain}"
        return f"https://{self.console_domain}"

    def is_console_host(self, host: str) -> bool:
        """Whether ``host`` (a parsed, lower-case host name) is this partition's console: the bare host,
        ``<region>.`` or a service's subdomain (``s3.console.aws.amazon.com``), DNS labels only."""
        if host == self.console_domain:
            return True
        suffix = "." + self.console_domain
        if not host.endswith(suffix):
            return False
        return all(_DNS_LABEL.fullmatch(label) for label in host[: -len(suffix)].split("."))

    def is_signin_host(self, host: str) -> bool:
        """Whether ``host`` is this partition's sign-in host (``signin.aws.amazon.com`` or its
        ``<region>.`` form), where the console's own switch-role page lives."""
        if host == self.signin_domain:
            return True
        prefix, _, rest = host.partition(".")
        return rest == self.signin_domain and _DNS_LABEL.fullmatch(prefix) is not None


AWS = Partition("aws", "", "us-east-1", "signin.aws.amazon.com", "console.aws.amazon.com", "us-east-1", True)
AWS_CN = Partition(
    "aws-cn", "cn-", "cn-north-1", "signin.amazonaws.cn", "console.amazonaws.cn", "cn-north-1", False
)
AWS_US_GOV = Partition(
    "aws-us-gov",
    "us-gov-",
    "us-gov-west-1",
    "signin.amazonaws-us-gov.com",
    "console.amazonaws-us-gov.com",
    "us-gov-west-1",
    False,
)
AWS_EUSC = Partition(
    "aws-eusc",
    "eusc-",
    "eusc-de-east-1",
    "signin.amazonaws-eusc.eu",
    "console.amazonaws-eusc.eu",
    None,
    False,
)

PARTITIONS: tuple[Partition, ...] = (AWS_CN, AWS_US_GOV, AWS_EUSC, AWS)
"""Most specific prefix first; the commercial partition matches everything else."""


def partition_of(region: str) -> Partition:
    """The partition ``region`` belongs to (``cn-north-1`` -> aws-cn; unknown prefixes -> aws)."""
    for partition in PARTITIONS:
        if region.startswith(partition.region_prefix):
            return partition
    return AWS
