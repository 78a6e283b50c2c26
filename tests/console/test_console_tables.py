"""Partitions, federation endpoints, console destinations and service shortcuts: literal tables."""

from __future__ import annotations

import pytest

from idc.console import ConsoleTarget, destination_url, federation_endpoint, partition_of, service_path
from idc.console.signin_url import check_console_region
from idc.errors import ConfigError

ENDPOINTS = {
    "us-east-1": "https://signin.aws.amazon.com/federation",
    "eu-west-1": "https://eu-west-1.signin.aws.amazon.com/federation",
    "ap-southeast-2": "https://ap-southeast-2.signin.aws.amazon.com/federation",
    "cn-north-1": "https://signin.amazonaws.cn/federation",
    "cn-northwest-1": "https://cn-northwest-1.signin.amazonaws.cn/federation",
    "us-gov-west-1": "https://signin.amazonaws-us-gov.com/federation",
    "us-gov-east-1": "https://us-gov-east-1.signin.amazonaws-us-gov.com/federation",
    "eusc-de-east-1": "https://eusc-de-east-1.signin.amazonaws-eusc.eu/federation",
}


@pytest.mark.parametrize(("region", "endpoint"), ENDPOINTS.items(), ids=list(ENDPOINTS))
def test_federation_endpoint_per_region(region: str, endpoint: str) -> None:
    assert federation_endpoint(region, environ={}) == endpoint


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("me-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert partition_of(region).name == partition


def test_signin_endpoint_env_replaces_the_origin_unless_configured_endpoints_are_ignored() -> None:
    env = {"AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:4000/"}
    assert federation_endpoint("eu-west-1", env) == "http://127.0.0.1:4000/federation"
    env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    assert federation_endpoint("eu-west-1", env) == ENDPOINTS["eu-west-1"]


SHORTCUTS = {
    "s3": "s3",
    "ec2": "ec2/v2",
    "iam": "iamv2",
    "lambda": "lambda",
    "l": "lambda",
    "ddb": "dynamodbv2",
    "cfn": "cloudformation",
    "sm": "secretsmanager",
    "ssm": "systems-manager",
    "param": "systems-manager/parameters",
    "r53": "route53/v2",
    "orgs": "organizations/v2",
    "sfn": "states",
    "cloudshell": "cloudshell",  # not a shortcut: taken as a path
}


@pytest.mark.parametrize(("name", "path"), SHORTCUTS.items(), ids=list(SHORTCUTS))
def test_service_shortcuts(name: str, path: str) -> None:
    assert service_path(name) == path


@pytest.mark.parametrize("name", ["../etc", "s3?x=1", "https://evil.example", ""])
def test_service_names_that_are_not_paths_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        service_path(name)
    with pytest.raises(ConfigError):
        destination_url(ConsoleTarget("eu-west-1", service=name or " "))


DESTINATIONS = [
    ("default", ConsoleTarget("eu-west-1"), "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
    ("s3", ConsoleTarget("eu-west-1", service="s3"), "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"),
    ("ec2-cn", ConsoleTarget("cn-north-1", service="ec2"), "https://console.amazonaws.cn/ec2/v2/home?region=cn-north-1"),
    ("iam-gov", ConsoleTarget("us-gov-west-1", service="iam"), "https://console.amazonaws-us-gov.com/iamv2/home?region=us-gov-west-1"),
    ("global", ConsoleTarget("us-east-1", service="ga"), "https://us-east-1.console.aws.amazon.com/globalaccelerator/home"),
    ("path", ConsoleTarget("eu-west-1", destination="/s3/buckets"), "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1"),
    ("path-with-region", ConsoleTarget("eu-west-1", destination="s3/buckets?region=us-east-2"), "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=us-east-2"),
    ("url", ConsoleTarget("eu-west-1", destination="https://console.aws.amazon.com/billing/home"), "https://console.aws.amazon.com/billing/home"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "url"), [d[1:] for d in DESTINATIONS], ids=[d[0] for d in DESTINATIONS])
def test_destinations(target: ConsoleTarget, url: str) -> None:
    assert destination_url(target) == url


def test_a_plain_http_destination_is_refused() -> None:
    with pytest.raises(ConfigError, match="https://"):
        destination_url(ConsoleTarget("eu-west-1", destination="http://console.aws.amazon.com/"))


HOSTILE_DESTINATIONS = {
    "other-host": "https://evil.example/",
    "console-host-as-prefix": "https://console.aws.amazon.com.evil.example/",
    "user-info": "https://console.aws.amazon.com@evil.example/",
    "user-info-with-port": "https://console.aws.amazon.com:443@evil.example/",
    "user-info-on-the-console": "https://user@console.aws.amazon.com/",
    "other-port": "https://console.aws.amazon.com:8443/",
    "empty-port": "https://console.aws.amazon.com:/",
    "backslash-authority": "https://evil.example\\@console.aws.amazon.com/",
    "backslash-path": "https://console.aws.amazon.com\\evil.example/",
    "backslash-only-path": "/\\evil.example/",
    "scheme-relative": "//evil.example/",
    "suffix-without-dot": "https://evilconsole.aws.amazon.com/",
    "other-partition": "https://console.amazonaws.cn/",
    "fragment-host": "https://evil.example#@console.aws.amazon.com/",
    "percent-encoded-dot": "https://console.aws.amazon.com%2eevil.example/",
    "trailing-dot": "https://console.aws.amazon.com./",
    "empty-label": "https://a..console.aws.amazon.com/",
    "javascript": "javascript:alert(1)//console.aws.amazon.com/",
    "data": "data:text/html,<script>alert(1)</script>",
    "newline": "https://console.aws.amazon.com/\nhttps://evil.example/",
    "tab-in-host": "https://console.aws.amazon.com\t.evil.example/",
    "space": "https://console.aws.amazon.com /",
    "no-host": "https:///console.aws.amazon.com/",
    "signin-host-not-switchrole": "https://signin.aws.amazon.com/federation?Action=login",
    "signin-host-as-prefix": "https://signin.aws.amazon.com.evil.example/switchrole",
    "signin-two-labels": "https://a.b.signin.aws.amazon.com/switchrole",
}


@pytest.mark.parametrize("destination", HOSTILE_DESTINATIONS.values(), ids=list(HOSTILE_DESTINATIONS))
def test_hostile_destinations_are_refused(destination: str) -> None:
    with pytest.raises(ConfigError, match="--destination") as refused:
        destination_url(ConsoleTarget("eu-west-1", destination=destination))
    assert "\n" not in refused.value.message


CONSOLE_DESTINATIONS = {
    "bare": ("eu-west-1", "https://console.aws.amazon.com/"),
    "regional": ("eu-west-1", "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"),
    "service-subdomain": ("us-east-1", "https://s3.console.aws.amazon.com/s3/buckets"),
    "upper-case-host": ("us-east-1", "https://S3.Console.AWS.Amazon.com/s3/buckets"),
    "china": ("cn-north-1", "https://console.amazonaws.cn/ec2/v2/home"),
    "gov-cloud": ("us-gov-west-1", "https://console.amazonaws-us-gov.com/iamv2/home"),
    "switch-role-page": ("us-east-1", "https://signin.aws.amazon.com/switchrole?account=1&roleName=R"),
    "regional-switch-role-page": ("eu-west-1", "https://eu-west-1.signin.aws.amazon.com/switchrole?a=1"),
}


@pytest.mark.parametrize(
    ("region", "destination"), CONSOLE_DESTINATIONS.values(), ids=list(CONSOLE_DESTINATIONS)
)
def test_console_urls_of_the_partition_are_taken_as_given(region: str, destination: str) -> None:
    assert destination_url(ConsoleTarget(region, destination=destination)) == destination


@pytest.mark.parametrize(
    ("region", "close"), [("eu-wset-1", "eu-west-1"), ("ap-northest-1", "ap-northeast-1")]
)
def test_a_mistyped_region_is_refused_with_the_closest_one(region: str, close: str) -> None:
    with pytest.raises(ConfigError, match=f"did you mean {close}"):
        check_console_region(region)


def test_known_and_plausible_new_regions_are_accepted() -> None:
    assert check_console_region("eu-west-1") is None
    warning = check_console_region("eu-west-9")
    assert warning is not None and "not one botocore" in warning
