"""The issue's story with the AWS CLI's own commands (`aws sso-admin`, `aws identitystore`, the awscli
package) and the user approving the device flow in real Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from idc.emulator.page_approver import user_code_in

from .admin_support import INLINE_POLICY, SANDBOX, config_for, listed

IDC = (sys.executable, "-m", "idc")


def aws(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    return answer


def poll(env: dict[str, str], command: str, key: str, *args: str) -> list[str]:
    seen = []
    for _ in range(10):
        status = aws(env, "sso-admin", command, *args)[key]["Status"]
        seen.append(status)
        if status != "IN_PROGRESS":
            break
    return seen


def approve_in_chromium(chromium: Any, process: subprocess.Popen[str], terminal: Path, user: str) -> None:
    """Read the URL and code idc printed; sign in as ``user``, confirm the code and allow, in Chromium."""
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline and (user_code_in(text) is None or "http" not in text):
        assert process.poll() is None, terminal.read_text()
        time.sleep(0.1)
        text = terminal.read_text()
    code = user_code_in(text)
    url = re.findall(r"https?://\S+", text)[-1]
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(user)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("main .code")).to_have_text(str(code))
        page.get_by_role("button", name="Confirm and continue").click()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Request approved")
    finally:
        context.close()


@pytest.mark.browser
def test_the_aws_cli_administers_and_the_user_approves_in_chromium(
    idc_center: Any, aws_home: Any, tmp_path: Path, chromium: Any
) -> None:
    credentials = idc_center.admin_credentials()
    admin_env = {
        **aws_home.env,
        **idc_center.env,
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["aws_session_token"],
        "AWS_DEFAULT_REGION": idc_center.region,
    }
    instance = aws(admin_env, "sso-admin", "list-instances")["Instances"][0]
    arn, store = instance["InstanceArn"], instance["IdentityStoreId"]
    user_id = aws(
        admin_env,
        "identitystore",
        "create-user",
        "--identity-store-id",
        store,
        "--user-name",
        "bob",
        "--display-name",
        "Bob",
        "--name",
        "GivenName=Bob,FamilyName=Builder",
    )["UserId"]
    group_id = aws(
        admin_env, "identitystore", "create-group", "--identity-store-id", store, "--display-name", "ops"
    )["GroupId"]
    aws(
        admin_env,
        "identitystore",
        "create-group-membership",
        "--identity-store-id",
        store,
        "--group-id",
        group_id,
        "--member-id",
        f"UserId={user_id}",
    )
    permission_set = aws(
        admin_env, "sso-admin", "create-permission-set", "--instance-arn", arn, "--name", "Operator"
    )["PermissionSet"]["PermissionSetArn"]
    aws(
        admin_env,
        "sso-admin",
        "put-inline-policy-to-permission-set",
        "--instance-arn",
        arn,
        "--permission-set-arn",
        permission_set,
        "--inline-policy",
        INLINE_POLICY,
    )
    target = [
        "--instance-arn",
        arn,
        "--target-id",
        SANDBOX,
        "--target-type",
        "AWS_ACCOUNT",
        "--permission-set-arn",
        permission_set,
        "--principal-type",
        "GROUP",
        "--principal-id",
        group_id,
    ]
    request = aws(admin_env, "sso-admin", "create-account-assignment", *target)
    request_id = request["AccountAssignmentCreationStatus"]["RequestId"]
    assert request["AccountAssignmentCreationStatus"]["Status"] == "IN_PROGRESS"
    assert poll(
        admin_env,
        "describe-account-assignment-creation-status",
        "AccountAssignmentCreationStatus",
        "--instance-arn",
        arn,
        "--account-assignment-creation-request-id",
        request_id,
    ) == ["IN_PROGRESS", "SUCCEEDED"]

    env = config_for(idc_center, aws_home)
    terminal = tmp_path / "terminal.out"
    with terminal.open("w") as screen:
        login = subprocess.Popen(
            [*IDC, "login", "--sso-session", "org", "--use-device-code", "--no-browser"],
            env=env,
            stdout=screen,
            stderr=screen,
            text=True,
        )
        try:
            approve_in_chromium(chromium, login, terminal, "bob")
            assert login.wait(timeout=60) == 0, terminal.read_text()
        finally:
            if login.poll() is None:
                login.kill()
                login.wait()
    assert [(a["accountId"], a["roles"]) for a in listed(env)] == [(SANDBOX, ["Operator"])]

    deleted = aws(admin_env, "sso-admin", "delete-account-assignment", *target)
    assert poll(
        admin_env,
        "describe-account-assignment-deletion-status",
        "AccountAssignmentDeletionStatus",
        "--instance-arn",
        arn,
        "--account-assignment-deletion-request-id",
        deleted["AccountAssignmentDeletionStatus"]["RequestId"],
    ) == ["IN_PROGRESS", "SUCCEEDED"]
    assert listed(env) == []
