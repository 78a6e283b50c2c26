"""Role chains whose first hop is an IAM user's static keys (the directory's ``iam_users``): the keys
sign (SigV4) at the local Identity Center, AssumeRole trusts the user by its ARN or its account root,
GetCallerIdentity answers the user, and idc and the real AWS CLI share one AssumeRole through
``~/.aws/cli/cache``. Such a first hop is no role chaining: it may ask for 12 hours (the role's
MaxSessionDuration allowing), while a chain from SSO role credentials stays within one hour."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from credential_helpers import ACCOUNT, run_idc, write_config

WORKLOAD = "210987654321"
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
OTHER_KEY_ID, OTHER_SECRET = "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SSO_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*"
MAY_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


def _role(name: str, principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {
        "account": WORKLOAD,
        "name": name,
        "trust_policy": {"Version": "2012-10-17", "Statement": [statement]},
        "max_session_duration": 43200,
        "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    }


DIRECTORY: dict[str, Any] = {
    "users": [{"username": "demo", "password": "demo"}],
    "accounts": [{"id": ACCOUNT, "name": "sandbox"}, {"id": WORKLOAD, "name": "workload"}],
    "permission_sets": [{"name": "AdministratorAccess"}],
    "assignments": [{"account": ACCOUNT, "permission_set": "AdministratorAccess", "user": "demo"}],
    "iam_users": [
        {
            "account": ACCOUNT,
            "name": "ci",
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
            "policy": MAY_ASSUME,
        },
        {
            "account": ACCOUNT,
            "name": "intern",
            "access_key_id": OTHER_KEY_ID,
            "secret_access_key": OTHER_SECRET,
            "policy": MAY_ASSUME,
        },
    ],
    "roles": [
        _role("Deployer", f"arn:aws:iam::{ACCOUNT}:user/ci"),
        _role("Builder", f"arn:aws:iam::{ACCOUNT}:root"),
        _role("SsoDeployer", f"arn:aws:iam::{ACCOUNT}:root", {"ArnLike": {"aws:PrincipalArn": SSO_ROLES}}),
    ],
}

PROFILES = f"""
[profile keys]
region = eu-west-1
aws_access_key_id = {KEY_ID}
aws_secret_access_key = {SECRET}

[profile intern-keys]
region = eu-west-1
aws_access_key_id = {OTHER_KEY_ID}
aws_secret_access_key = {OTHER_SECRET}

[profile chained-from-keys]
region = eu-west-1
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = keys
duration_seconds = 43200

[profile intern-deployer]
region = eu-west-1
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = intern-keys

[profile from-env]
region = eu-west-1
role_arn = arn:aws:iam::{WORKLOAD}:role/Builder
credential_source = Environment

[profile sso-long]
region = eu-west-1
role_arn = arn:aws:iam::{WORKLOAD}:role/SsoDeployer
source_profile = dev
duration_seconds = 7200
"""


@pytest.fixture
def emulator(emulator_factory: Any) -> Any:
    return emulator_factory(DIRECTORY)


@pytest.fixture
def chains(signed_in: Any, emulator: Any) -> Any:
    write_config(signed_in.config_file, emulator.start_url, emulator.region, extra=PROFILES)
    return signed_in


def _aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    aws = str(Path(sys.executable).with_name("aws"))
    return subprocess.run([aws, *args], env=env, capture_output=True, text=True, timeout=120)


def _identity(env: dict[str, str], profile: str) -> dict[str, str]:
    aws = _aws(env, "sts", "get-caller-identity", "--profile", profile, "--output", "json")
    assert aws.returncode == 0, aws.stderr
    answer: dict[str, str] = json.loads(aws.stdout)
    return answer


def test_the_static_keys_are_the_iam_user(chains: Any) -> None:
    identity = _identity(chains.env, "keys")
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ci"
    assert identity["Account"] == ACCOUNT
    assert identity["UserId"].startswith("AIDA")


def test_a_twelve_hour_session_from_static_keys_shared_with_the_aws_cli(chains: Any, emulator: Any) -> None:
    result = run_idc(["credentials", "--profile", "chained-from-keys"], chains.env)
    assert result.returncode == 0, result.stderr
    handed = json.loads(result.stdout)
    expires = datetime.strptime(handed["Expiration"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    assert expires > datetime.now(timezone.utc) + timedelta(hours=11)
    assert emulator.stats().get("AssumeRole") == 1
    # the AWS CLI finds idc's session in ~/.aws/cli/cache: no second AssumeRole
    identity = _identity(chains.env, "chained-from-keys")
    assert identity["Arn"].startswith(f"arn:aws:sts::{WORKLOAD}:assumed-role/Deployer/")
    assert emulator.stats().get("AssumeRole") == 1
    whoami = run_idc(["whoami", "--profile", "chained-from-keys", "--output", "json"], chains.env)
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["Arn"] == identity["Arn"]


def test_a_user_the_trust_policy_does_not_name_is_refused(chains: Any, emulator: Any) -> None:
    result = run_idc(["credentials", "--profile", "intern-deployer"], chains.env)
    assert result.returncode == 6
    assert f"User: arn:aws:iam::{ACCOUNT}:user/intern is not authorized to perform: sts:AssumeRole" in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_more_than_an_hour_on_a_chain_from_sso_is_refused_before_sts(chains: Any, emulator: Any) -> None:
    result = run_idc(["credentials", "--profile", "sso-long"], chains.env)
    assert result.returncode == 3
    assert "duration_seconds = 7200 in profile sso-long is over the 1 hour limit of role chaining" in (
        result.stderr
    )
    assert emulator.stats().get("AssumeRole") is None


def test_credential_source_environment_with_the_users_keys(chains: Any, emulator: Any) -> None:
    env = dict(chains.env, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET)
    result = run_idc(["whoami", "--profile", "from-env", "--output", "json"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].startswith(f"arn:aws:sts::{WORKLOAD}:assumed-role/Builder/")
    assert _identity(env, "from-env")["Arn"] == json.loads(result.stdout)["Arn"]
    assert emulator.stats().get("AssumeRole") == 1
    wrong = dict(env, AWS_SECRET_ACCESS_KEY="x" * 40)
    for cached in Path(chains.cli_cache).glob("*.json"):  # not the session assumed with the right keys
        cached.unlink()
    refused = run_idc(["credentials", "--profile", "from-env"], wrong)
    assert refused.returncode == 6
    assert "SignatureDoesNotMatch" in refused.stderr


def test_an_iam_user_without_admin_policies_may_not_administer(chains: Any, emulator: Any) -> None:
    """The management account's IAM user signs sso-admin too, and its own policies decide."""
    import boto3

    sso = boto3.session.Session().client(
        "sso-admin",
        endpoint_url=emulator.base_url,
        region_name=emulator.region,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    with pytest.raises(sso.exceptions.AccessDeniedException) as caught:
        sso.list_instances()
    assert (
        f"User: arn:aws:iam::{ACCOUNT}:user/ci is not authorized" in caught.value.response["Error"]["Message"]
    )
