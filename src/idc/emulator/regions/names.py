"""The Regions of a replicated Identity Center instance: their names and their access portal URLs.

An additional Region has its own AWS access portal, whose URL always differs from the primary's, for
example ``https://ssoins-111111h2222j33pp.eu-west-1.portal.amazonaws.com`` (IAM Identity Center user
guide, "Workforce access through an additional Region"); it is the start URL the CLI is authorized with
in that Region. The primary keeps the directory's start URL.
"""

from __future__ import annotations

import hashlib
import re

from idc.errors import ConfigError

_REGION = re.compile(r"^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-\d$")
MAX_REGIONS = 8


def parse_regions(text: str) -> tuple[str, ...]:
    """``us-east-1,eu-west-1`` -> the Regions, the primary first; a ConfigError names a bad one."""
    regions = tuple(part.strip() for part in text.split(",") if part.strip())
    if not regions:
        raise ConfigError("--regions names no Region", hint="Pass e.g. --regions us-east-1,eu-west-1.")
    for region in regions:
        if not _REGION.match(region):
            raise ConfigError(
                f"--regions: {region!r} is not an AWS Region name",
                hint="Pass Region names like us-east-1,eu-west-1 (the primary first).",
            )
    if len(set(regions)) != len(regions):
        raise ConfigError("--regions names a Region twice", hint="Name each Region once, the primary first.")
    if len(regions) > MAX_REGIONS:
        raise ConfigError(f"--regions names more than {MAX_REGIONS} Regions", hint="Name fewer Regions.")
    return regions


def instance_id(primary_start_url: str) -> str:
    """The instance's id (``ssoins-`` and 16 characters), stable for a start URL across restarts."""
    return "ssoins-" + hashlib.sha256(primary_start_url.encode()).hexdigest()[:16]


def additional_portal_url(primary_start_url: str, region: str) -> str:
    """The access portal (start) URL of additional Region ``region``."""
    return f"https://{instance_id(primary_start_url)}.{region}.portal.amazonaws.com"
