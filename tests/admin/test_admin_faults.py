"""Faults on the admin operations (``idc emulator fault --operation CreateAccountAssignment``): a counted
429 answers ThrottlingException, which botocore retries through; a 500 is InternalServerException, which
surfaces once the fault outlasts botocore's retries. The stats count every admin call."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.config import Config

from idc.testing.kit import LocalIdentityCenter

from .admin_support import SANDBOX, admin_of


@pytest.fixture
def center() -> Any:
    started = LocalIdentityCenter.start()
    yield started
    started.stop()


def _fault(center: Any, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """``idc emulator fault ...`` against ``center``, as a person types it."""
    env = {"IDC_EMULATOR_URL": center.base_url, "IDC_EMULATOR_ADMIN_TOKEN": center.server.admin_token}
    done = subprocess.run(
        [sys.executable, "-m", "idc", "emulator", "fault", *args],
        env={**env, "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode == 0) == ok, done.stderr
    return done


def _assignment(center: Any, retries: int) -> tuple[Any, dict[str, Any]]:
    """An sso-admin client with ``retries`` attempts (legacy mode, botocore's default) and a request."""
    admin = admin_of(center)
    config = Config(retries={"mode": "legacy", "total_max_attempts": retries})
    sso = boto3.session.Session().client(
        "sso-admin", endpoint_url=center.base_url, config=config, **center.admin_credentials()
    )
    permission_set = admin.sso.list_permission_sets(InstanceArn=admin.instance_arn)["PermissionSets"][0]
    user = admin.ids.create_user(IdentityStoreId=admin.store_id, UserName="worker", DisplayName="W")
    request = {
        "InstanceArn": admin.instance_arn,
        "TargetType": "AWS_ACCOUNT",
        "TargetId": SANDBOX,
        "PermissionSetArn": permission_set,
        "PrincipalType": "USER",
        "PrincipalId": user["UserId"],
    }
    return sso, request


def test_boto3_retries_through_a_counted_throttle(center: Any) -> None:
    sso, request = _assignment(center, retries=3)
    _fault(
        center,
        "--operation",
        "CreateAccountAssignment",
        "--status",
        "429",
        "--retry-after",
        "0",
        "--count",
        "2",
    )
    center.admin("stats", {"reset": True})
    created = sso.create_account_assignment(**request)
    assert created["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"
    stats = center.stats()
    assert stats["CreateAccountAssignment"] == 3  # two throttled, then the one that went through
    assert stats["CreateAccountAssignment 429"] == 2


def test_a_throttle_names_the_json_services_error_and_retry_after(center: Any) -> None:
    sso, request = _assignment(center, retries=1)
    _fault(
        center,
        "--operation",
        "CreateAccountAssignment",
        "--status",
        "429",
        "--retry-after",
        "4",
        "--count",
        "1",
    )
    with pytest.raises(sso.exceptions.ThrottlingException) as caught:
        sso.create_account_assignment(**request)
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "4"
    ids = boto3.session.Session().client(
        "identitystore",
        endpoint_url=center.base_url,
        config=Config(retries={"total_max_attempts": 1}),
        **center.admin_credentials(),
    )
    _fault(center, "--operation", "ListUsers", "--status", "429", "--retry-after", "2", "--count", "1")
    with pytest.raises(ids.exceptions.ThrottlingException) as listed:
        ids.list_users(IdentityStoreId=admin_of(center).store_id)
    assert listed.value.response["RetryAfterSeconds"] == 2


def test_a_500_outlasting_the_retries_is_internal_server_exception(center: Any) -> None:
    sso, request = _assignment(center, retries=3)
    _fault(center, "--operation", "CreateAccountAssignment", "--status", "500", "--count", "4")
    center.admin("stats", {"reset": True})
    with pytest.raises(sso.exceptions.InternalServerException) as caught:
        sso.create_account_assignment(**request)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert center.stats()["CreateAccountAssignment"] == 3  # botocore tried three times
    created = sso.create_account_assignment(**request)  # the fourth 500, retried once past it
    assert created["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"


def test_an_unknown_operation_is_refused(center: Any) -> None:
    refused = _fault(center, "--operation", "CreateAccountAssignmnt", "--status", "500", ok=False)
    assert "unknown operation 'CreateAccountAssignmnt'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
