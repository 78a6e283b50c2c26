"""Each partition's Identity Center endpoints: idc's clients call what botocore's endpoint rules say.

For every partition AWS CLI v2 signs in to (aws, aws-cn, aws-us-gov, aws-eusc), a Region of it must be
accepted as sso_region, its portal host must name it, and the sso-oidc (authorize, tokens) and sso
(portal) endpoints idc's clients reach must be the ones botocore's own resolver gives for that Region
(and the literal hosts below, so a botocore change is seen).
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from idc.aws.clients import BotocoreClientFactory
from idc.aws.oidc import OidcClient
from idc.config import region_problem
from idc.signin.start_url import is_aws_owned_host, region_of_host

# partition, Region, a portal host of that partition, sso-oidc endpoint, sso (portal) endpoint
PARTITIONS = [
    (
        "aws",
        "us-east-1",
        "ssoins-1.portal.us-east-1.app.aws",
        "https://oidc.us-east-1.amazonaws.com",
        "https://portal.sso.us-east-1.amazonaws.com",
    ),
    (
        "aws",
        "ap-southeast-7",
        "ssoins-1.ap-southeast-7.portal.amazonaws.com",
        "https://oidc.ap-southeast-7.amazonaws.com",
        "https://portal.sso.ap-southeast-7.amazonaws.com",
    ),
    (
        "aws-cn",
        "cn-north-1",
        "ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn",
        "https://oidc.cn-north-1.amazonaws.com.cn",
        "https://portal.sso.cn-north-1.amazonaws.com.cn",
    ),
    (
        "aws-cn",
        "cn-northwest-1",
        "ssoins-1.cn-northwest-1.portal.amazonaws.com.cn",
        "https://oidc.cn-northwest-1.amazonaws.com.cn",
        "https://portal.sso.cn-northwest-1.amazonaws.com.cn",
    ),
    (
        "aws-us-gov",
        "us-gov-west-1",
        "ssoins-1.portal.us-gov-west-1.app.aws",
        "https://oidc.us-gov-west-1.amazonaws.com",
        "https://portal.sso.us-gov-west-1.amazonaws.com",
    ),
    (
        "aws-us-gov",
        "us-gov-east-1",
        "ssoins-1.us-gov-east-1.portal.amazonaws.com",
        "https://oidc.us-gov-east-1.amazonaws.com",
        "https://portal.sso.us-gov-east-1.amazonaws.com",
    ),
    (
        "aws-eusc",
        "eusc-de-east-1",
        "ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu",
        "https://oidc.eusc-de-east-1.amazonaws.eu",
        "https://portal.sso.eusc-de-east-1.amazonaws.eu",
    ),
    (
        "aws-eusc",
        "eusc-de-east-1",
        "ssoins-1.eusc-de-east-1.portal.amazonaws.eu",
        "https://oidc.eusc-de-east-1.amazonaws.eu",
        "https://portal.sso.eusc-de-east-1.amazonaws.eu",
    ),
]


@pytest.fixture
def no_endpoint_overrides(aws_home: Any) -> None:
    """aws_home drops every AWS_ variable (AWS_ENDPOINT_URL_* included) and points at an empty config."""


@pytest.mark.parametrize(
    ("partition", "region", "portal_host", "oidc_endpoint", "portal_endpoint"),
    PARTITIONS,
    ids=[f"{p[0]}-{p[2].split('.', 1)[1]}" for p in PARTITIONS],
)
def test_partition_endpoints(
    no_endpoint_overrides: None,
    partition: str,
    region: str,
    portal_host: str,
    oidc_endpoint: str,
    portal_endpoint: str,
) -> None:
    session = botocore.session.get_session()
    assert region in session.get_available_regions("sso-oidc", partition)
    assert region in session.get_available_regions("sso", partition)
    assert region_problem(region) is None
    assert is_aws_owned_host(portal_host)
    assert region_of_host(portal_host) == region

    botocore_oidc = session.create_client("sso-oidc", region_name=region).meta.endpoint_url
    botocore_portal = session.create_client("sso", region_name=region).meta.endpoint_url
    assert (botocore_oidc, botocore_portal) == (oidc_endpoint, portal_endpoint)

    factory = BotocoreClientFactory()
    assert OidcClient(factory, region).authorize_base_url() == botocore_oidc
    assert factory("sso", region).meta.endpoint_url == botocore_portal
