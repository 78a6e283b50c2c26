"""One state: what the admin APIs change is what the portal and STS serve, with AWS's timing for
permission set edits; kept across restarts with --state; exported as a directory file that starts an
emulator in the same state (ids and ARNs kept)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from idc.testing.kit import LocalIdentityCenter

from .admin_support import SANDBOX, Admin, admin_of


def _hours_left(center: Any, user: str, role: str) -> float:
    import boto3

    credentials = center.role_credentials(user, SANDBOX, role)
    sts = boto3.session.Session().client("sts", endpoint_url=center.base_url, **credentials)
    assert sts.get_caller_identity()["Account"] == SANDBOX
    left = (
        center.server.engine.store.one(
            "SELECT expires_at FROM role_credentials WHERE access_key_id = ?",
            (credentials["aws_access_key_id"],),
        )["expires_at"]
        - center.server.engine.now()
    )
    return round(left / 3600, 1)


def _story(admin: Admin) -> tuple[str, str]:
    """User frank, permission set Builder (PT1H) assigned to him in the sandbox; (user id, set ARN)."""
    user_id = admin.ids.create_user(IdentityStoreId=admin.store_id, UserName="frank")["UserId"]
    arn = admin.sso.create_permission_set(InstanceArn=admin.instance_arn, Name="Builder")["PermissionSet"][
        "PermissionSetArn"
    ]
    request = admin.sso.create_account_assignment(
        InstanceArn=admin.instance_arn,
        TargetId=SANDBOX,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn,
        PrincipalType="USER",
        PrincipalId=user_id,
    )["AccountAssignmentCreationStatus"]
    admin.poll(
        admin.sso.describe_account_assignment_creation_status,
        "AccountAssignmentCreationStatus",
        AccountAssignmentCreationRequestId=request["RequestId"],
    )
    return user_id, arn


def test_permission_set_edits_reach_the_accounts_when_provisioned(idc_center: Any) -> None:
    admin = admin_of(idc_center)
    _, arn = _story(admin)
    assert _hours_left(idc_center, "frank", "Builder") == 1.0
    admin.sso.update_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=arn, SessionDuration="PT4H"
    )
    assert _hours_left(idc_center, "frank", "Builder") == 1.0  # edited, not provisioned yet
    stale = admin.sso.list_permission_sets_provisioned_to_account(
        InstanceArn=admin.instance_arn,
        AccountId=SANDBOX,
        ProvisioningStatus="LATEST_PERMISSION_SET_NOT_PROVISIONED",
    )["PermissionSets"]
    assert stale == [arn]
    request = admin.sso.provision_permission_set(
        InstanceArn=admin.instance_arn, PermissionSetArn=arn, TargetType="AWS_ACCOUNT", TargetId=SANDBOX
    )["PermissionSetProvisioningStatus"]
    admin.poll(
        admin.sso.describe_permission_set_provisioning_status,
        "PermissionSetProvisioningStatus",
        ProvisionPermissionSetRequestId=request["RequestId"],
    )
    assert _hours_left(idc_center, "frank", "Builder") == 4.0


def test_deleting_a_user_ends_what_it_reached(idc_center: Any) -> None:
    admin = admin_of(idc_center)
    user_id, _ = _story(admin)
    assert [a.account_id for a in idc_center.server.engine.assignments_for("frank")] == [SANDBOX]
    admin.ids.delete_user(IdentityStoreId=admin.store_id, UserId=user_id)
    assert idc_center.server.engine.index.users.get("frank") is None
    assert idc_center.server.engine.assignments_for("frank") == []


def test_state_survives_a_restart_and_exports_as_a_directory(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    first = LocalIdentityCenter.start(state=state)
    try:
        admin = admin_of(first)
        user_id, arn = _story(admin)
    finally:
        first.stop()

    again = LocalIdentityCenter.start(state=state)
    try:
        admin = admin_of(again)
        assert admin.ids.describe_user(IdentityStoreId=admin.store_id, UserId=user_id)["UserName"] == "frank"
        assert again.role_credentials("frank", SANDBOX, "Builder")["aws_access_key_id"].startswith("ASIA")
        exported = tmp_path / "org.json"
        env = {"IDC_EMULATOR_URL": again.base_url, "IDC_EMULATOR_ADMIN_TOKEN": again.server.admin_token}
        done = subprocess.run(
            [sys.executable, "-m", "idc", "emulator", "export-directory", "-o", str(exported)],
            env={**_clean_env(), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600  # it holds passwords
    finally:
        again.stop()

    data = json.loads(exported.read_text())
    frank = {"username": "frank", "password": "frank", "display_name": "frank", "email": "frank@example.com"}
    assert frank in data["users"]
    copy = LocalIdentityCenter.start(exported)
    try:
        admin = admin_of(copy)
        assert admin.ids.describe_user(IdentityStoreId=admin.store_id, UserId=user_id)["UserName"] == "frank"
        assert (
            admin.sso.describe_permission_set(InstanceArn=admin.instance_arn, PermissionSetArn=arn)[
                "PermissionSet"
            ]["Name"]
            == "Builder"
        )
        assert [a.role_names for a in copy.server.engine.assignments_for("frank")] == [("Builder",)]
    finally:
        copy.stop()


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDC_EMULATOR_"))}
