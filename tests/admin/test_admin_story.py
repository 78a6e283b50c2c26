"""The issue's story with boto3: an administrator creates a user, a group, a membership, a permission set
with an inline policy and an assignment to the group; the user signs in with idc (device flow) and
`idc list` shows the account and role; the assignment deleted, the role is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .admin_support import INLINE_POLICY, SANDBOX, admin_of, config_for, device_login, listed


def test_a_user_made_through_the_apis_signs_in_and_sees_the_assignment(
    idc_center: Any, aws_home: Any, tmp_path: Path
) -> None:
    admin = admin_of(idc_center)
    user_id = admin.ids.create_user(
        IdentityStoreId=admin.store_id,
        UserName="alice",
        DisplayName="Alice Liddell",
        Name={"GivenName": "Alice", "FamilyName": "Liddell"},
        Emails=[{"Value": "alice@example.com", "Type": "work", "Primary": True}],
    )["UserId"]
    group_id = admin.ids.create_group(IdentityStoreId=admin.store_id, DisplayName="developers")["GroupId"]
    admin.ids.create_group_membership(
        IdentityStoreId=admin.store_id, GroupId=group_id, MemberId={"UserId": user_id}
    )
    permission_set = admin.sso.create_permission_set(
        InstanceArn=admin.instance_arn, Name="Developer", SessionDuration="PT2H"
    )["PermissionSet"]["PermissionSetArn"]
    admin.sso.put_inline_policy_to_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=permission_set, InlinePolicy=INLINE_POLICY
    )
    assignment = {
        "InstanceArn": admin.instance_arn,
        "TargetId": SANDBOX,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": permission_set,
        "PrincipalType": "GROUP",
        "PrincipalId": group_id,
    }
    created = admin.sso.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"]
    assert created["Status"] == "IN_PROGRESS"
    env = config_for(idc_center, aws_home)

    # Nobody polled yet: the assignment is not in effect, as a client that does not wait would find.
    device_login(env, "alice", tmp_path)
    assert listed(env) == []

    seen = admin.poll(
        admin.sso.describe_account_assignment_creation_status,
        "AccountAssignmentCreationStatus",
        AccountAssignmentCreationRequestId=created["RequestId"],
    )
    assert seen == ["IN_PROGRESS", "SUCCEEDED"]
    assert listed(env) == [
        {
            "accountId": SANDBOX,
            "accountName": "sandbox",
            "emailAddress": "sandbox@example.com",
            "roles": ["Developer"],
        }
    ]
    deleted = admin.sso.delete_account_assignment(**assignment)["AccountAssignmentDeletionStatus"]
    seen = admin.poll(
        admin.sso.describe_account_assignment_deletion_status,
        "AccountAssignmentDeletionStatus",
        AccountAssignmentDeletionRequestId=deleted["RequestId"],
    )
    assert seen == ["IN_PROGRESS", "SUCCEEDED"]
    assert listed(env) == []
