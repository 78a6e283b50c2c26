"""Every error botocore's models list for the admin operations, each on its cause; pagination over 500
users; who is refused (everyone but the management account's administrators)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .admin_support import SANDBOX, Admin, admin_of, clients

MANAGEMENT = "111111111111"


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def admin(idc_center: Any) -> Admin:
    return admin_of(idc_center)


def _user(admin: Admin, name: str) -> str:
    user_id: str = admin.ids.create_user(IdentityStoreId=admin.store_id, UserName=name, DisplayName=name)[
        "UserId"
    ]
    return user_id


def _permission_set(admin: Admin, name: str = "Dev") -> str:
    arn: str = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name=name)["PermissionSet"][
        "PermissionSetArn"
    ]
    return arn


def _assign(admin: Admin, permission_set: str, user_id: str, account: str = SANDBOX) -> None:
    request = admin.sso.create_account_assignment(
        InstanceArn=admin.instance_arn,
        TargetId=account,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType="USER",
        PrincipalId=user_id,
    )["AccountAssignmentCreationStatus"]
    assert admin.poll(
        admin.sso.describe_account_assignment_creation_status,
        "AccountAssignmentCreationStatus",
        AccountAssignmentCreationRequestId=request["RequestId"],
    ) == ["IN_PROGRESS", "SUCCEEDED"]


def test_validation_errors_the_server_checks(admin: Admin) -> None:
    code, message = error_of(
        lambda: admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="a b")
    )
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy"
        " regular expression pattern: [\\w+=,.@-]+"
    )
    code, message = error_of(
        lambda: admin.sso.create_permission_set(
            InstanceArn=admin.instance_arn, Name="Long", SessionDuration="PT13H"
        )
    )
    assert (code, message) == (
        "ValidationException",
        "SessionDuration must be an ISO-8601 duration from PT1H to PT12H.",
    )
    code, message = error_of(
        lambda: admin.ids.create_user(IdentityStoreId=admin.store_id, UserName="has space")
    )
    assert code == "ValidationException" and "at 'userName'" in message
    code, message = error_of(lambda: admin.ids.list_users(IdentityStoreId=admin.store_id, MaxResults=101))
    assert code == "ValidationException" and "have value less than or equal to 100" in message
    code, message = error_of(
        lambda: admin.ids.list_users(IdentityStoreId=admin.store_id, NextToken="bm90LWFuLW9mZnNldA==")
    )
    assert (code, message) == ("ValidationException", "The NextToken is not valid.")
    arn = _permission_set(admin)
    code, message = error_of(
        lambda: admin.sso.put_inline_policy_to_permission_set(
            InstanceArn=admin.instance_arn, PermissionSetArn=arn, InlinePolicy='{"Statement": 3}'
        )
    )
    assert code == "ValidationException" and message.startswith("The policy document is malformed")


def test_not_found(admin: Admin) -> None:
    missing_set = admin.instance_arn.replace("instance", "permissionSet") + "/ps-0123456789abcdef"
    code, _ = error_of(
        lambda: admin.sso.describe_permission_set(
            InstanceArn=admin.instance_arn, PermissionSetArn=missing_set
        )
    )
    assert code == "ResourceNotFoundException"
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as caught:
        admin.ids.describe_user(IdentityStoreId=admin.store_id, UserId=unknown)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResourceType"] == "USER"
    assert caught.value.response["ResourceId"] == unknown
    code, _ = error_of(lambda: admin.ids.list_users(IdentityStoreId="d-1234567890"))
    assert code == "ResourceNotFoundException"
    code, _ = error_of(
        lambda: admin.sso.describe_account_assignment_creation_status(
            InstanceArn=admin.instance_arn, AccountAssignmentCreationRequestId=unknown
        )
    )
    assert code == "ResourceNotFoundException"
    code, _ = error_of(
        lambda: admin.sso.list_permission_sets(InstanceArn="arn:aws:sso:::instance/ssoins-0000000000000000")
    )
    assert code == "ResourceNotFoundException"


def test_conflicts(admin: Admin) -> None:
    user_id = _user(admin, "carol")
    code, _ = error_of(lambda: _user(admin, "CAROL"))
    assert code == "ConflictException"
    group = admin.ids.create_group(IdentityStoreId=admin.store_id, DisplayName="g")["GroupId"]
    assert (
        error_of(lambda: admin.ids.create_group(IdentityStoreId=admin.store_id, DisplayName="g"))[0]
        == "ConflictException"
    )
    membership = {"IdentityStoreId": admin.store_id, "GroupId": group, "MemberId": {"UserId": user_id}}
    admin.ids.create_group_membership(**membership)
    assert error_of(lambda: admin.ids.create_group_membership(**membership))[0] == "ConflictException"
    arn = _permission_set(admin)
    assert error_of(lambda: _permission_set(admin))[0] == "ConflictException"
    policy = {
        "InstanceArn": admin.instance_arn,
        "PermissionSetArn": arn,
        "ManagedPolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    admin.sso.attach_managed_policy_to_permission_set(**policy)
    assert (
        error_of(lambda: admin.sso.attach_managed_policy_to_permission_set(**policy))[0]
        == "ConflictException"
    )
    _assign(admin, arn, user_id)
    code, _ = error_of(
        lambda: admin.sso.delete_permission_set(InstanceArn=admin.instance_arn, PermissionSetArn=arn)
    )
    assert code == "ConflictException"
    code, _ = error_of(
        lambda: admin.ids.update_user(
            IdentityStoreId=admin.store_id,
            UserId=user_id,
            Operations=[{"AttributePath": "displayName", "AttributeValue": "C"}],
            Revision="7",
        )
    )
    assert code == "ConflictException"


def test_quotas(admin: Admin) -> None:
    arn = _permission_set(admin)
    for i in range(20):
        admin.sso.attach_managed_policy_to_permission_set(
            InstanceArn=admin.instance_arn,
            PermissionSetArn=arn,
            ManagedPolicyArn=f"arn:aws:iam::aws:policy/P{i}",
        )
    code, _ = error_of(
        lambda: admin.sso.attach_managed_policy_to_permission_set(
            InstanceArn=admin.instance_arn,
            PermissionSetArn=arn,
            ManagedPolicyArn="arn:aws:iam::aws:policy/P20",
        )
    )
    assert code == "ServiceQuotaExceededException"
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    admin.sso.tag_resource(InstanceArn=admin.instance_arn, ResourceArn=arn, Tags=tags)
    code, _ = error_of(
        lambda: admin.sso.tag_resource(
            InstanceArn=admin.instance_arn, ResourceArn=arn, Tags=[{"Key": "one", "Value": "more"}]
        )
    )
    assert code == "ServiceQuotaExceededException"


def test_a_failed_assignment_says_why(admin: Admin) -> None:
    arn = _permission_set(admin)
    request = admin.sso.create_account_assignment(
        InstanceArn=admin.instance_arn,
        TargetId="999999999999",
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn,
        PrincipalType="USER",
        PrincipalId=_user(admin, "dan"),
    )["AccountAssignmentCreationStatus"]
    describe = admin.sso.describe_account_assignment_creation_status
    first = describe(InstanceArn=admin.instance_arn, AccountAssignmentCreationRequestId=request["RequestId"])
    assert first["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"
    done = describe(InstanceArn=admin.instance_arn, AccountAssignmentCreationRequestId=request["RequestId"])
    assert done["AccountAssignmentCreationStatus"]["Status"] == "FAILED"
    assert "999999999999 is not a member" in done["AccountAssignmentCreationStatus"]["FailureReason"]


def test_signing_errors(idc_center: Any) -> None:
    good = idc_center.admin_credentials()
    cases = {
        "UnrecognizedClientException": {**good, "aws_access_key_id": "ASIAUNKNOWNUNKNOWN00"},
        "InvalidSignatureException": {**good, "aws_secret_access_key": "x" * 40},
    }
    for expected, credentials in cases.items():
        sso, _ = clients(idc_center, credentials)
        assert error_of(sso.list_instances)[0] == expected
    sso, _ = clients(idc_center, {**good, "region_name": "eu-west-1"})
    assert error_of(sso.list_instances) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. ",
    )
    idc_center.expire(what="credentials")
    sso, ids = clients(idc_center, good)
    assert error_of(sso.list_instances)[0] == "ExpiredTokenException"
    assert error_of(lambda: ids.list_identity_stores())[0] == "ExpiredTokenException"


def test_unsigned_and_mis_scoped_requests_are_refused(idc_center: Any) -> None:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = urllib.request.Request(
        idc_center.base_url + "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "SWBExternalService.ListInstances",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert json.loads(caught.value.read())["__type"] == "MissingAuthenticationTokenException"

    good = idc_center.admin_credentials()
    signed = AWSRequest(
        method="POST",
        url=idc_center.base_url + "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "SWBExternalService.ListInstances",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    keys = Credentials(good["aws_access_key_id"], good["aws_secret_access_key"], good["aws_session_token"])
    SigV4Auth(keys, "identitystore", idc_center.region).add_auth(signed)  # the wrong service's scope
    request = urllib.request.Request(signed.url, data=b"{}", headers=dict(signed.headers.items()))
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(caught.value.read())
    assert body == {
        "__type": "InvalidSignatureException",
        "Message": "Credential should be scoped to correct service: 'sso'. ",
    }


def test_only_the_management_accounts_administrators_are_allowed(idc_center: Any, admin: Admin) -> None:
    # demo has AdministratorAccess, but in a member account: refused whatever the policy allows
    demo_sso, demo_ids = clients(
        idc_center, idc_center.role_credentials("demo", SANDBOX, "AdministratorAccess")
    )
    code, message = error_of(demo_sso.list_instances)
    assert code == "AccessDeniedException"
    assert message.startswith(
        "User: arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"
    )
    assert message.endswith("/demo is not authorized to perform: sso:ListInstances on resource: *")
    assert error_of(lambda: demo_ids.list_users(IdentityStoreId=admin.store_id))[0] == "AccessDeniedException"

    # an auditor in the management account: its permission set allows reading only
    auditor = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Auditor")[
        "PermissionSet"
    ]["PermissionSetArn"]
    read_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sso:List*", "sso:Describe*", "identitystore:List*"],
                "Resource": "*",
            }
        ],
    }
    admin.sso.put_inline_policy_to_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=auditor, InlinePolicy=json.dumps(read_only)
    )
    _assign(admin, auditor, _user(admin, "erin"), MANAGEMENT)
    erin_sso, erin_ids = clients(idc_center, idc_center.role_credentials("erin", MANAGEMENT, "Auditor"))
    assert erin_sso.list_instances()["Instances"][0]["InstanceArn"] == admin.instance_arn
    assert len(erin_ids.list_users(IdentityStoreId=admin.store_id)["Users"]) == 3
    code, message = error_of(
        lambda: erin_sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Mine")
    )
    assert code == "AccessDeniedException"
    assert message.endswith(
        f"is not authorized to perform: sso:CreatePermissionSet on resource: {admin.instance_arn}"
    )
    assert (
        error_of(lambda: erin_ids.create_user(IdentityStoreId=admin.store_id, UserName="x"))[0]
        == "AccessDeniedException"
    )


def test_pagination_over_500_users(admin: Admin) -> None:
    for i in range(500):
        _user(admin, f"user{i:03d}")
    paginator = admin.ids.get_paginator("list_users")
    pages = list(paginator.paginate(IdentityStoreId=admin.store_id))
    assert [len(p["Users"]) for p in pages] == [100, 100, 100, 100, 100, 2]
    names = [u["UserName"] for p in pages for u in p["Users"]]
    assert names == ["demo", "admin", *(f"user{i:03d}" for i in range(500))]
    small = list(paginator.paginate(IdentityStoreId=admin.store_id, PaginationConfig={"PageSize": 7}))
    assert len(small) == 72 and sum(len(p["Users"]) for p in small) == 502
    filtered = admin.ids.list_users(
        IdentityStoreId=admin.store_id, Filters=[{"AttributePath": "UserName", "AttributeValue": "user250"}]
    )["Users"]
    assert [u["UserName"] for u in filtered] == ["user250"]
