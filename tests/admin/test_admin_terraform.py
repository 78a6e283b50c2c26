"""Terraform's AWS provider's call sequence for each Identity Center resource, replayed with boto3
(Terraform itself cannot be installed here): create, read after create, tags, update, delete, and the read
after delete that must answer ResourceNotFoundException (how the provider learns a resource is gone).

Sequences from hashicorp/terraform-provider-aws, internal/service/ssoadmin and internal/service/identitystore
(the resources' Create/Read/Update/Delete functions and their waiters).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .admin_support import INLINE_POLICY, SANDBOX, Admin, admin_of


@pytest.fixture
def admin(idc_center: Any) -> Admin:
    return admin_of(idc_center)


def gone(call: Any, **request: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(**request)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def provision(admin: Admin, arn: str) -> None:
    """The provider's provisionPermissionSet: ProvisionPermissionSet, then wait on its status."""
    request = admin.sso.provision_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=arn, TargetType="ALL_PROVISIONED_ACCOUNTS"
    )["PermissionSetProvisioningStatus"]
    assert request["Status"] == "IN_PROGRESS"
    assert admin.poll(
        admin.sso.describe_permission_set_provisioning_status,
        "PermissionSetProvisioningStatus",
        ProvisionPermissionSetRequestId=request["RequestId"],
    ) == ["IN_PROGRESS", "SUCCEEDED"]


def test_data_source_ssoadmin_instances(admin: Admin) -> None:
    pages = list(admin.sso.get_paginator("list_instances").paginate())
    instances = [i for p in pages for i in p["Instances"]]
    assert [(i["InstanceArn"], i["IdentityStoreId"]) for i in instances] == [
        (admin.instance_arn, admin.store_id)
    ]
    assert admin.instance_arn.startswith("arn:aws:sso:::instance/ssoins-")


def test_permission_set(admin: Admin) -> None:
    created = admin.sso.create_permission_set(
        InstanceArn=admin.instance_arn,
        Name="Terraformed",
        Description="made by terraform",
        SessionDuration="PT1H",
        RelayState="https://console.aws.amazon.com/s3",
        Tags=[{"Key": "team", "Value": "infra"}],
    )["PermissionSet"]
    arn = created["PermissionSetArn"]
    ids = {"InstanceArn": admin.instance_arn, "PermissionSetArn": arn}
    read = admin.sso.describe_permission_set(**ids)["PermissionSet"]
    assert read == created
    assert read["Description"] == "made by terraform" and read["RelayState"].endswith("/s3")
    tags = {"InstanceArn": admin.instance_arn, "ResourceArn": arn}
    assert admin.sso.list_tags_for_resource(**tags)["Tags"] == [{"Key": "team", "Value": "infra"}]

    admin.sso.update_permission_set(**ids, Description="changed", SessionDuration="PT4H")
    admin.sso.tag_resource(**tags, Tags=[{"Key": "env", "Value": "test"}])
    admin.sso.untag_resource(**tags, TagKeys=["team"])
    provision(admin, arn)
    read = admin.sso.describe_permission_set(**ids)["PermissionSet"]
    assert (read["Description"], read["SessionDuration"]) == ("changed", "PT4H")
    assert admin.sso.list_tags_for_resource(**tags)["Tags"] == [{"Key": "env", "Value": "test"}]

    admin.sso.delete_permission_set(**ids)
    gone(admin.sso.describe_permission_set, **ids)
    gone(admin.sso.list_tags_for_resource, **tags)
    assert arn not in admin.sso.list_permission_sets(InstanceArn=admin.instance_arn)["PermissionSets"]


def test_permission_set_inline_policy(admin: Admin) -> None:
    arn = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Inline")["PermissionSet"][
        "PermissionSetArn"
    ]
    ids = {"InstanceArn": admin.instance_arn, "PermissionSetArn": arn}
    admin.sso.put_inline_policy_to_permission_set(**ids, InlinePolicy=INLINE_POLICY)
    provision(admin, arn)
    assert json.loads(admin.sso.get_inline_policy_for_permission_set(**ids)["InlinePolicy"]) == json.loads(
        INLINE_POLICY
    )
    changed = INLINE_POLICY.replace("s3:*", "ec2:Describe*")
    admin.sso.put_inline_policy_to_permission_set(**ids, InlinePolicy=changed)
    provision(admin, arn)
    assert admin.sso.get_inline_policy_for_permission_set(**ids)["InlinePolicy"] == changed
    admin.sso.delete_inline_policy_from_permission_set(**ids)
    provision(admin, arn)
    # the provider reads an empty policy as "gone"; the permission set itself is then deleted
    assert admin.sso.get_inline_policy_for_permission_set(**ids)["InlinePolicy"] == ""
    admin.sso.delete_permission_set(**ids)
    gone(admin.sso.get_inline_policy_for_permission_set, **ids)


def test_managed_policy_attachment(admin: Admin) -> None:
    arn = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Managed")["PermissionSet"][
        "PermissionSetArn"
    ]
    ids = {"InstanceArn": admin.instance_arn, "PermissionSetArn": arn}
    policy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    admin.sso.attach_managed_policy_to_permission_set(**ids, ManagedPolicyArn=policy)
    provision(admin, arn)
    listed = admin.sso.list_managed_policies_in_permission_set(**ids)["AttachedManagedPolicies"]
    assert listed == [{"Name": "ReadOnlyAccess", "Arn": policy}]
    admin.sso.detach_managed_policy_from_permission_set(**ids, ManagedPolicyArn=policy)
    provision(admin, arn)
    assert admin.sso.list_managed_policies_in_permission_set(**ids)["AttachedManagedPolicies"] == []
    gone(admin.sso.detach_managed_policy_from_permission_set, **ids, ManagedPolicyArn=policy)


def test_account_assignment(admin: Admin) -> None:
    arn = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Assigned")["PermissionSet"][
        "PermissionSetArn"
    ]
    group = admin.ids.create_group(IdentityStoreId=admin.store_id, DisplayName="assigned")["GroupId"]
    assignment = {
        "InstanceArn": admin.instance_arn,
        "TargetId": SANDBOX,
        "TargetType": "AWS_ACCOUNT",
        "PermissionSetArn": arn,
        "PrincipalType": "GROUP",
        "PrincipalId": group,
    }
    listing = {"InstanceArn": admin.instance_arn, "AccountId": SANDBOX, "PermissionSetArn": arn}
    request = admin.sso.create_account_assignment(**assignment)["AccountAssignmentCreationStatus"]
    assert admin.sso.list_account_assignments(**listing)["AccountAssignments"] == []  # not done yet
    assert admin.poll(
        admin.sso.describe_account_assignment_creation_status,
        "AccountAssignmentCreationStatus",
        AccountAssignmentCreationRequestId=request["RequestId"],
    ) == ["IN_PROGRESS", "SUCCEEDED"]
    expected = {"AccountId": SANDBOX, "PermissionSetArn": arn, "PrincipalType": "GROUP", "PrincipalId": group}
    assert admin.sso.list_account_assignments(**listing)["AccountAssignments"] == [expected]
    for_principal = admin.sso.list_account_assignments_for_principal(
        InstanceArn=admin.instance_arn, PrincipalId=group, PrincipalType="GROUP"
    )["AccountAssignments"]
    assert for_principal == [expected]
    provisioned = admin.sso.list_permission_sets_provisioned_to_account(
        InstanceArn=admin.instance_arn, AccountId=SANDBOX
    )["PermissionSets"]
    assert arn in provisioned
    assert admin.sso.list_accounts_for_provisioned_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=arn
    )["AccountIds"] == [SANDBOX]

    request = admin.sso.delete_account_assignment(**assignment)["AccountAssignmentDeletionStatus"]
    assert admin.poll(
        admin.sso.describe_account_assignment_deletion_status,
        "AccountAssignmentDeletionStatus",
        AccountAssignmentDeletionRequestId=request["RequestId"],
    ) == ["IN_PROGRESS", "SUCCEEDED"]
    assert admin.sso.list_account_assignments(**listing)["AccountAssignments"] == []
    statuses = admin.sso.list_account_assignment_creation_status(InstanceArn=admin.instance_arn)
    assert [s["Status"] for s in statuses["AccountAssignmentsCreationStatus"]] == ["SUCCEEDED"]


def test_identitystore_user(admin: Admin) -> None:
    created = admin.ids.create_user(
        IdentityStoreId=admin.store_id,
        UserName="tf-user",
        DisplayName="TF User",
        Name={"GivenName": "TF", "FamilyName": "User"},
        Emails=[{"Value": "tf@example.com", "Type": "work", "Primary": True}],
    )
    ids = {"IdentityStoreId": admin.store_id, "UserId": created["UserId"]}
    read = admin.ids.describe_user(**ids)
    assert (read["UserName"], read["DisplayName"], read["Name"]) == (
        "tf-user",
        "TF User",
        {"GivenName": "TF", "FamilyName": "User"},
    )
    assert read["UserArn"] == f"arn:aws:identitystore:::user/{created['UserId']}"
    admin.ids.update_user(
        **ids,
        Operations=[
            {"AttributePath": "displayName", "AttributeValue": "Renamed"},
            {"AttributePath": "name.givenName", "AttributeValue": "Terra"},
            {"AttributePath": "emails", "AttributeValue": [{"value": "new@example.com", "primary": True}]},
            {"AttributePath": "title"},
        ],
    )
    read = admin.ids.describe_user(**ids)
    assert read["DisplayName"] == "Renamed" and read["Name"]["GivenName"] == "Terra"
    assert read["Emails"] == [{"Value": "new@example.com", "Primary": True}]
    assert read["Revision"] == "2"
    found = admin.ids.get_user_id(
        IdentityStoreId=admin.store_id,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "tf-user"}},
    )
    assert found["UserId"] == created["UserId"]
    admin.ids.delete_user(**ids)
    gone(admin.ids.describe_user, **ids)


def test_identitystore_group_and_membership(admin: Admin) -> None:
    group = admin.ids.create_group(
        IdentityStoreId=admin.store_id, DisplayName="tf-group", Description="first"
    )
    gids = {"IdentityStoreId": admin.store_id, "GroupId": group["GroupId"]}
    assert admin.ids.describe_group(**gids)["Description"] == "first"
    admin.ids.update_group(**gids, Operations=[{"AttributePath": "description", "AttributeValue": "second"}])
    assert admin.ids.describe_group(**gids)["Description"] == "second"
    assert (
        admin.ids.get_group_id(
            IdentityStoreId=admin.store_id,
            AlternateIdentifier={
                "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "tf-group"}
            },
        )["GroupId"]
        == group["GroupId"]
    )

    user = admin.ids.create_user(IdentityStoreId=admin.store_id, UserName="member")["UserId"]
    membership = admin.ids.create_group_membership(**gids, MemberId={"UserId": user})["MembershipId"]
    mids = {"IdentityStoreId": admin.store_id, "MembershipId": membership}
    read = admin.ids.describe_group_membership(**mids)
    assert (read["GroupId"], read["MemberId"]) == (group["GroupId"], {"UserId": user})
    assert admin.ids.get_group_membership_id(**gids, MemberId={"UserId": user})["MembershipId"] == membership
    assert [m["MembershipId"] for m in admin.ids.list_group_memberships(**gids)["GroupMemberships"]] == [
        membership
    ]
    for_member = admin.ids.list_group_memberships_for_member(
        IdentityStoreId=admin.store_id, MemberId={"UserId": user}
    )
    assert [m["GroupId"] for m in for_member["GroupMemberships"]] == [group["GroupId"]]
    results = admin.ids.is_member_in_groups(
        IdentityStoreId=admin.store_id, MemberId={"UserId": user}, GroupIds=[group["GroupId"]]
    )["Results"]
    assert results[0]["MembershipExists"] is True

    admin.ids.delete_group_membership(**mids)
    gone(admin.ids.describe_group_membership, **mids)
    admin.ids.delete_group(**gids)
    gone(admin.ids.describe_group, **gids)
