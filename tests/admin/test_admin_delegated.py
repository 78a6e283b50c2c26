"""A delegated administrator (a member account the directory names) administers the instance, except
what touches the management account, as "Delegated administration" (IAM Identity Center User Guide) says."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from idc.testing.kit import LocalIdentityCenter

from .admin_support import admin_of, clients

DIRECTORY = {
    "users": [
        {"username": "admin", "password": "admin", "display_name": "Admin", "email": "admin@example.com"},
        {"username": "deleg", "password": "deleg", "display_name": "Delegate", "email": "deleg@example.com"},
    ],
    "accounts": [
        {"id": "111111111111", "name": "management"},
        {"id": "222222222222", "name": "security"},
        {"id": "333333333333", "name": "workload"},
    ],
    "permission_sets": [{"name": "AdministratorAccess"}, {"name": "ReadOnlyAccess"}],
    "assignments": [
        {"account": "111111111111", "permission_set": "AdministratorAccess", "user": "admin"},
        {"account": "222222222222", "permission_set": "AdministratorAccess", "user": "deleg"},
    ],
    "identity_center": {"management_account": "111111111111", "delegated_administrators": ["222222222222"]},
}


@pytest.fixture
def center() -> Any:
    started = LocalIdentityCenter.start(DIRECTORY)
    yield started
    started.stop()


def test_the_delegated_administrator_may_not_touch_the_management_account(center: Any) -> None:
    admin = admin_of(center)
    read_only = next(
        arn
        for arn in admin.sso.list_permission_sets(InstanceArn=admin.instance_arn)["PermissionSets"]
        if admin.sso.describe_permission_set(InstanceArn=admin.instance_arn, PermissionSetArn=arn)[
            "PermissionSet"
        ]["Name"]
        == "ReadOnlyAccess"
    )
    sso, ids = clients(center, center.role_credentials("deleg", "222222222222", "AdministratorAccess"))
    user_id = ids.create_user(IdentityStoreId=admin.store_id, UserName="worker")["UserId"]
    assignment = {
        "InstanceArn": admin.instance_arn,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": read_only,
        "PrincipalType": "USER",
        "PrincipalId": user_id,
    }
    created = sso.create_account_assignment(**assignment, TargetId="333333333333")
    assert created["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"
    with pytest.raises(ClientError) as caught:
        sso.create_account_assignment(**assignment, TargetId="111111111111")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
