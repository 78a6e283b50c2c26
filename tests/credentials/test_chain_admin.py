"""An assumed-role session administers Identity Center as on AWS: a chained profile in the management
account assumes an admin role (its permission policy from the directory's ``roles``) and creates a user
through boto3; a session policy given at AssumeRole (``idc credentials --policy``) narrows it; a role of
a member account that is no delegated administrator is refused whatever its policies say."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from credential_helpers import ACCOUNT, run_idc, write_config

MEMBER = "210987654321"
SSO_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sso:*", "identitystore:*"], "Resource": "*"}],
}


def _role(account: str, name: str) -> dict[str, Any]:
    return {
        "account": account,
        "name": name,
        "trust_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"ArnLike": {"aws:PrincipalArn": SSO_ROLES}},
                }
            ],
        },
        "policy": ADMIN_POLICY,
    }


DIRECTORY: dict[str, Any] = {
    "users": [{"username": "demo", "password": "demo"}],
    "accounts": [{"id": ACCOUNT, "name": "management"}, {"id": MEMBER, "name": "member"}],
    "permission_sets": [{"name": "AdministratorAccess"}],
    "assignments": [{"account": ACCOUNT, "permission_set": "AdministratorAccess", "user": "demo"}],
    "identity_center": {"management_account": ACCOUNT},
    "roles": [_role(ACCOUNT, "IdentityAdmin"), _role(MEMBER, "MemberAdmin")],
}

PROFILES = f"""
[profile identity-admin]
role_arn = arn:aws:iam::{ACCOUNT}:role/IdentityAdmin
source_profile = dev

[profile member-admin]
role_arn = arn:aws:iam::{MEMBER}:role/MemberAdmin
source_profile = dev
"""
NO_CREATE_USER = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "identitystore:CreateUser", "Resource": "*"},
        ],
    }
)


@pytest.fixture
def emulator(emulator_factory: Any) -> Any:
    return emulator_factory(DIRECTORY)


@pytest.fixture
def chains(signed_in: Any, emulator: Any) -> Any:
    write_config(signed_in.config_file, emulator.start_url, emulator.region, extra=PROFILES)
    return signed_in


def _clients(emulator: Any, env: dict[str, str], *args: str) -> tuple[Any, Any]:
    """boto3's sso-admin and identitystore clients signing with ``idc credentials --profile ...``."""
    result = run_idc(["credentials", *args], env)
    assert result.returncode == 0, result.stderr
    keys = json.loads(result.stdout)
    session = boto3.session.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=emulator.region,
    )
    config = Config(retries={"total_max_attempts": 1})
    return tuple(  # type: ignore[return-value]
        session.client(name, endpoint_url=emulator.base_url, config=config)
        for name in ("sso-admin", "identitystore")
    )


def test_an_assumed_admin_role_of_the_management_account_creates_a_user(chains: Any, emulator: Any) -> None:
    sso, ids = _clients(emulator, chains.env, "--profile", "identity-admin")
    store = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    created = ids.create_user(IdentityStoreId=store, UserName="worker", DisplayName="Worker")
    listed = ids.list_users(IdentityStoreId=store)["Users"]
    assert created["UserId"] in [u["UserId"] for u in listed]
    assert emulator.stats().get("AssumeRole") == 1


def test_a_session_policy_narrows_the_admin_role(chains: Any, emulator: Any) -> None:
    sso, ids = _clients(emulator, chains.env, "--profile", "identity-admin", "--policy", NO_CREATE_USER)
    store = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    ids.list_users(IdentityStoreId=store)  # the rest of the role's rights are left
    with pytest.raises(ids.exceptions.AccessDeniedException) as caught:
        ids.create_user(IdentityStoreId=store, UserName="worker", DisplayName="Worker")
    message = caught.value.response["Error"]["Message"]
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/IdentityAdmin/" in message
    assert "identitystore:CreateUser" in message


def test_a_role_of_a_member_account_is_refused(chains: Any, emulator: Any) -> None:
    sso, ids = _clients(emulator, chains.env, "--profile", "member-admin")
    with pytest.raises(sso.exceptions.AccessDeniedException):
        sso.list_instances()
    with pytest.raises(ids.exceptions.AccessDeniedException) as caught:
        ids.create_user(IdentityStoreId="d-0000000000", UserName="worker", DisplayName="Worker")
    assert f"arn:aws:sts::{MEMBER}:assumed-role/MemberAdmin/" in caught.value.response["Error"]["Message"]
