"""STS AssumeRole at the local Identity Center: trust policies, role chaining, session policies, through
boto3's own sts client signed with credentials the emulator issued."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from emulator_clients import Clients, make_clients

ACCOUNT = "123456789012"
OTHER = "210987654321"
SSO_ROLE_PATTERN = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*"


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

DIRECTORY: dict[str, Any] = {
    "users": [{"username": "demo", "password": "demo"}],
    "accounts": [{"id": ACCOUNT, "name": "sandbox"}, {"id": OTHER, "name": "workload"}],
    "permission_sets": [{"name": "AdministratorAccess"}, {"name": "ReadOnlyAccess"}],
    "assignments": [
        {"account": ACCOUNT, "permission_set": "AdministratorAccess", "user": "demo"},
        {"account": ACCOUNT, "permission_set": "ReadOnlyAccess", "user": "demo"},
    ],
    "roles": [
        {
            "account": OTHER,
            "name": "Deployer",
            "path": "/ci/",
            "max_session_duration": 7200,
            "trust_policy": _trust(
                {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                {"ArnLike": {"aws:PrincipalArn": SSO_ROLE_PATTERN}},
            ),
            "policy": ALLOW_ALL,
        },
        {
            "account": OTHER,
            "name": "Auditor",
            "trust_policy": _trust({"AWS": f"arn:aws:iam::{OTHER}:role/ci/Deployer"}),
        },
        {
            "account": OTHER,
            "name": "Vendor",
            "trust_policy": _trust({"AWS": ACCOUNT}, {"StringEquals": {"sts:ExternalId": "vendor-42"}}),
        },
    ],
}


@pytest.fixture
def org(emulator_factory: Any) -> Clients:
    return make_clients(emulator_factory(DIRECTORY))


def _sso(aws: Clients, role: str = "AdministratorAccess") -> Any:
    _, token = aws.device_login()
    credentials = aws.sso.get_role_credentials(
        accessToken=token["accessToken"], accountId=ACCOUNT, roleName=role
    )
    return aws.sts(credentials["roleCredentials"])


def _sts(aws: Clients, response: dict[str, Any]) -> Any:
    c = response["Credentials"]
    return aws.sts(
        {
            "accessKeyId": c["AccessKeyId"],
            "secretAccessKey": c["SecretAccessKey"],
            "sessionToken": c["SessionToken"],
        }
    )


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(Exception) as failure:
        call()
    error = failure.value.response["Error"]  # type: ignore[attr-defined]
    return str(error["Code"]), str(error["Message"])


def test_sso_role_assumes_a_role_and_the_session_verifies(org: Clients) -> None:
    answer = _sso(org).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer", RoleSessionName="alice")
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/Deployer/alice"
    assert re.fullmatch(r"AROA[0-9A-F]{17}:alice", answer["AssumedRoleUser"]["AssumedRoleId"])
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    identity = _sts(org, answer).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/Deployer/alice"
    assert identity["Account"] == OTHER
    assert org.emulator.stats()["AssumeRole"] == 1


def test_two_hops_and_the_trust_of_the_second(org: Clients) -> None:
    first = _sso(org).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer", RoleSessionName="hop1")
    second = _sts(org, first).assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/Auditor", RoleSessionName="hop2"
    )
    assert _sts(org, second).get_caller_identity()["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/Auditor/hop2"
    # Auditor trusts only Deployer: the SSO role itself may not assume it
    code, message = _error(
        lambda: _sso(org).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/Auditor", RoleSessionName="x1")
    )
    assert code == "AccessDenied"
    assert re.fullmatch(
        rf"User: arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{{16}}/demo"
        rf" is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{OTHER}:role/Auditor",
        message,
    )
    # Auditor has no permissions: no further hop from it
    code, _ = _error(
        lambda: _sts(org, second).assume_role(
            RoleArn=f"arn:aws:iam::{OTHER}:role/Auditor", RoleSessionName="x2"
        )
    )
    assert code == "AccessDenied"


def test_the_principal_arn_condition_and_the_permission_set_permissions(org: Clients) -> None:
    # ReadOnlyAccess's permissions do not include sts:AssumeRole
    code, _ = _error(
        lambda: _sso(org, "ReadOnlyAccess").assume_role(
            RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer", RoleSessionName="ro"
        )
    )
    assert code == "AccessDenied"
    code, _ = _error(
        lambda: _sso(org).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/Nothing", RoleSessionName="no")
    )
    assert code == "AccessDenied"


def test_external_id(org: Clients) -> None:
    sts = _sso(org)
    vendor = f"arn:aws:iam::{OTHER}:role/Vendor"
    assert _error(lambda: sts.assume_role(RoleArn=vendor, RoleSessionName="vv"))[0] == "AccessDenied"
    assert (
        _error(lambda: sts.assume_role(RoleArn=vendor, RoleSessionName="vv", ExternalId="wrong"))[0]
        == "AccessDenied"
    )
    assert sts.assume_role(RoleArn=vendor, RoleSessionName="vv", ExternalId="vendor-42")["AssumedRoleUser"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            {"DurationSeconds": 7200},
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role"
            " chaining.",
        ),
        ({"RoleSessionName": "bad name"}, "ValidationError", "roleSessionName"),
        ({"Policy": "{not json"}, "MalformedPolicyDocument", "Syntax errors in policy."),
        (
            {"PolicyArns": [{"arn": "arn:aws:iam::aws:policy/NoSuchPolicy"}]},
            "ValidationError",
            "does not exist",
        ),
    ],
)
def test_what_sts_refuses(org: Clients, args: dict[str, Any], code: str, message: str) -> None:
    request = {"RoleArn": f"arn:aws:iam::{OTHER}:role/ci/Deployer", "RoleSessionName": "ok", **args}
    got_code, got_message = _error(lambda: _sso(org).assume_role(**request))
    assert got_code == code
    assert message in got_message


def test_a_session_policy_stays_with_the_session(org: Clients) -> None:
    deny_hop = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    narrowed = _sso(org).assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer",
        RoleSessionName="narrow",
        Policy=json.dumps(deny_hop),
    )
    assert 1 <= narrowed["PackedPolicySize"] <= 100
    code, _ = _error(
        lambda: _sts(org, narrowed).assume_role(
            RoleArn=f"arn:aws:iam::{OTHER}:role/Auditor", RoleSessionName="hop2"
        )
    )
    assert code == "AccessDenied"
    managed = _sso(org).assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer",
        RoleSessionName="managed",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
    )
    hop = _sts(org, managed).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/Auditor", RoleSessionName="hop2")
    assert hop["AssumedRoleUser"]["Arn"].endswith("/Auditor/hop2")


def test_a_forged_or_expired_session_is_refused(org: Clients) -> None:
    answer = _sso(org).assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/ci/Deployer", RoleSessionName="s1")
    forged = dict(answer, Credentials={**answer["Credentials"], "SecretAccessKey": "x" * 40})
    assert _error(lambda: _sts(org, forged).get_caller_identity())[0] == "SignatureDoesNotMatch"
    org.emulator.admin("expire", {"what": "credentials"})
    assert _error(lambda: _sts(org, answer).get_caller_identity())[0] == "ExpiredToken"


def test_the_built_in_directory_has_a_role_the_demo_user_may_assume(aws: Clients) -> None:
    answer = _sso(aws).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Deployer", RoleSessionName="demo")
    assert (
        _sts(aws, answer).get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/demo"
    )
