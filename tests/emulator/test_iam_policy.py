"""The local Identity Center's IAM policy evaluator, table by table: each row is one decision IAM makes."""

from __future__ import annotations

from typing import Any

import pytest

from idc.emulator.iam.policy import (
    PolicyError,
    Request,
    decide,
    is_allowed,
    managed_policy,
    parse_policy,
)

SSO_ROLES = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*"
ROLE = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"


def allow(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}


# (id, policy, request, expected decision)
DECISIONS = [
    ("star-allows-all", allow(Action="*", Resource="*"), Request("sts:AssumeRole"), "allow"),
    (
        "action-case-insensitive",
        allow(Action="STS:assumerole", Resource="*"),
        Request("sts:AssumeRole"),
        "allow",
    ),
    (
        "action-wildcard",
        allow(Action="sso:Describe*", Resource="*"),
        Request("sso:DescribeInstance"),
        "allow",
    ),
    (
        "action-wildcard-miss",
        allow(Action="sso:Describe*", Resource="*"),
        Request("sso:ListInstances"),
        "implicit",
    ),
    ("question-mark", allow(Action="sts:?ssumeRole", Resource="*"), Request("sts:AssumeRole"), "allow"),
    ("not-action", allow(NotAction="iam:*", Resource="*"), Request("iam:CreateRole"), "implicit"),
    ("not-action-other", allow(NotAction="iam:*", Resource="*"), Request("sts:AssumeRole"), "allow"),
    (
        "resource-case-sensitive",
        allow(Action="*", Resource="arn:aws:iam::1:role/Deployer"),
        Request("sts:AssumeRole", "arn:aws:iam::1:role/deployer"),
        "implicit",
    ),
    (
        "not-resource",
        allow(Action="*", NotResource="arn:aws:iam::1:role/BreakGlass"),
        Request("sts:AssumeRole", "arn:aws:iam::1:role/BreakGlass"),
        "implicit",
    ),
    (
        "explicit-deny-wins",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
            ],
        },
        Request("sts:AssumeRole"),
        "deny",
    ),
    (
        "principal-account-root",
        allow(Action="sts:AssumeRole", Principal={"AWS": "arn:aws:iam::111111111111:root"}),
        Request("sts:AssumeRole", principal=ROLE),
        "allow",
    ),
    (
        "principal-other-account",
        allow(Action="sts:AssumeRole", Principal={"AWS": "222222222222"}),
        Request("sts:AssumeRole", principal=ROLE),
        "implicit",
    ),
    (
        "principal-exact-arn",
        allow(Action="sts:AssumeRole", Principal={"AWS": [ROLE]}),
        Request("sts:AssumeRole", principal=ROLE),
        "allow",
    ),
    (
        "principal-service-is-not-a-role",
        allow(Action="sts:AssumeRole", Principal={"Service": "ec2.amazonaws.com"}),
        Request("sts:AssumeRole", principal=ROLE),
        "implicit",
    ),
    (
        "external-id-present",
        allow(Action="sts:AssumeRole", Principal="*", Condition={"StringEquals": {"sts:ExternalId": "v-42"}}),
        Request("sts:AssumeRole", principal=ROLE, context={"sts:ExternalId": "v-42"}),
        "allow",
    ),
    (
        "external-id-missing",
        allow(Action="sts:AssumeRole", Principal="*", Condition={"StringEquals": {"sts:ExternalId": "v-42"}}),
        Request("sts:AssumeRole", principal=ROLE),
        "implicit",
    ),
    (
        "principal-arn-like-sso-roles",
        allow(
            Action="sts:AssumeRole",
            Principal={"AWS": "111111111111"},
            Condition={"ArnLike": {"aws:PrincipalArn": SSO_ROLES}},
        ),
        Request(
            "sts:AssumeRole",
            principal=ROLE.replace("sso.amazonaws.com/", "sso.amazonaws.com/eu-west-1/"),
            context={"aws:PrincipalArn": ROLE.replace("sso.amazonaws.com/", "sso.amazonaws.com/eu-west-1/")},
        ),
        "allow",
    ),
    (
        "condition-key-case-insensitive",
        allow(Action="*", Resource="*", Condition={"StringEquals": {"AWS:PrincipalAccount": "1"}}),
        Request("sts:AssumeRole", context={"aws:principalaccount": "1"}),
        "allow",
    ),
    (
        "string-not-equals",
        allow(Action="*", Resource="*", Condition={"StringNotEquals": {"aws:PrincipalAccount": ["1", "2"]}}),
        Request("sts:AssumeRole", context={"aws:PrincipalAccount": "2"}),
        "implicit",
    ),
    (
        "if-exists-absent",
        allow(Action="*", Resource="*", Condition={"StringEqualsIfExists": {"sts:ExternalId": "x"}}),
        Request("sts:AssumeRole"),
        "allow",
    ),
    (
        "bool",
        allow(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": True}}),
        Request("sts:AssumeRole", context={"aws:MultiFactorAuthPresent": "true"}),
        "allow",
    ),
    (
        "numeric",
        allow(Action="*", Resource="*", Condition={"NumericLessThanEquals": {"sts:DurationSeconds": 3600}}),
        Request("sts:AssumeRole", context={"sts:DurationSeconds": "7200"}),
        "implicit",
    ),
    (
        "null-true-means-absent",
        allow(Action="*", Resource="*", Condition={"Null": {"sts:ExternalId": "true"}}),
        Request("sts:AssumeRole", context={"sts:ExternalId": "x"}),
        "implicit",
    ),
    (
        "for-all-values",
        allow(Action="*", Resource="*", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        Request("sso:TagResource", context={"aws:TagKeys": ["a", "c"]}),
        "implicit",
    ),
    (
        "for-any-value",
        allow(Action="*", Resource="*", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        Request("sso:TagResource", context={"aws:TagKeys": ["c", "a"]}),
        "allow",
    ),
]


@pytest.mark.parametrize(
    ("document", "request_", "expected"), [row[1:] for row in DECISIONS], ids=[row[0] for row in DECISIONS]
)
def test_decide(document: dict[str, Any], request_: Request, expected: str) -> None:
    assert decide([parse_policy(document)], request_) == expected


def test_session_policies_intersect_with_the_identity_policy() -> None:
    admin = managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None
    read_s3 = parse_policy(allow(Action="s3:Get*", Resource="*"))
    assert is_allowed([admin], Request("sts:AssumeRole"))
    assert is_allowed([admin], Request("s3:GetObject"), session=[read_s3])
    assert not is_allowed([admin], Request("sts:AssumeRole"), session=[read_s3])
    # A session policy cannot grant what the identity does not have.
    assert not is_allowed([read_s3], Request("iam:CreateRole"), session=[admin])
    # An explicit deny in a session policy wins.
    deny = parse_policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}
    )
    assert not is_allowed([admin], Request("s3:GetObject"), session=[admin, deny])


def test_managed_policies() -> None:
    read_only = managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert read_only is not None
    assert decide([read_only], Request("sso:ListInstances")) == "allow"
    assert decide([read_only], Request("sso:CreatePermissionSet")) == "implicit"
    job = managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    assert job is not None and decide([job], Request("identitystore:DescribeUser")) == "allow"
    assert managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
    assert managed_policy("arn:aws:iam::111111111111:policy/Mine") is None


MALFORMED = [
    ("not-json", "{", "Syntax errors"),
    ("no-statement", {"Version": "2012-10-17"}, "at least one Statement"),
    ("bad-version", {"Version": "2020-01-01", "Statement": []}, "valid version"),
    ("bad-effect", {"Statement": [{"Effect": "Maybe", "Action": "*"}]}, "Effect"),
    ("no-action", {"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Action or NotAction"),
    (
        "both-actions",
        {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]},
        "Action or NotAction",
    ),
    (
        "unknown-element",
        {"Statement": [{"Effect": "Allow", "Action": "*", "Actions": "*"}]},
        "unknown element",
    ),
    ("unknown-operator", allow(Action="*", Condition={"StringSorta": {"a": "b"}}), "Invalid Condition type"),
    ("bad-principal", allow(Action="*", Principal={"Robot": "x"}), "Invalid principal"),
    ("deep-json", "[" * 100000 + "]" * 100000, "Syntax errors"),
]


@pytest.mark.parametrize(
    ("document", "fragment"), [row[1:] for row in MALFORMED], ids=[row[0] for row in MALFORMED]
)
def test_malformed_policies_are_refused_in_one_line(document: Any, fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment) as caught:
        parse_policy(document)
    assert "\n" not in str(caught.value)
