"""The admin side's test helpers: boto3 sso-admin and identitystore clients with the administrator's
credentials (the test kit's ``idc_center``), and a user signing in with idc through the device flow."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

INLINE_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
SANDBOX = "123456789012"


@dataclass
class Admin:
    """The instance as its administrator sees it."""

    center: Any
    sso: Any
    ids: Any
    instance_arn: str
    store_id: str

    def poll(self, describe: Any, key: str, **request: Any) -> list[str]:
        """Poll a request status until it is done; every status seen, in order."""
        seen = []
        for _ in range(10):
            status = describe(InstanceArn=self.instance_arn, **request)[key]
            seen.append(status["Status"])
            if status["Status"] != "IN_PROGRESS":
                break
        return seen


def clients(center: Any, credentials: dict[str, str]) -> tuple[Any, Any]:
    session = boto3.session.Session()
    config = Config(retries={"total_max_attempts": 1})
    sso = session.client("sso-admin", endpoint_url=center.base_url, config=config, **credentials)
    ids = session.client("identitystore", endpoint_url=center.base_url, config=config, **credentials)
    return sso, ids


def admin_of(center: Any) -> Admin:
    sso, ids = clients(center, center.admin_credentials())
    instance = sso.list_instances()["Instances"][0]
    return Admin(center, sso, ids, instance["InstanceArn"], instance["IdentityStoreId"])


def config_for(center: Any, aws_home: Any) -> dict[str, str]:
    """An ``[sso-session org]`` in the tmp HOME; the environment idc runs with."""
    aws_home.config_file.write_text(
        f"[sso-session org]\nsso_start_url = {center.start_url}\nsso_region = {center.region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    return {**aws_home.env, **center.env}


def idc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args], env=env, capture_output=True, text=True, timeout=90, check=False
    )


def device_login(env: dict[str, str], user: str, tmp_path: Path) -> None:
    """``idc login --use-device-code`` with a BROWSER that signs in as ``user`` (password: the user name,
    as for every user created through identitystore) and confirms the code the terminal shows."""
    terminal = tmp_path / "terminal.out"
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!/bin/sh\nexec {sys.executable} -m idc.emulator.page_approver_cli --detach --user {user}"
        f' --password {user} --user-code-from "{terminal}" "$1"\n'
    )
    browser.chmod(0o755)
    with terminal.open("w") as screen:
        done = subprocess.run(
            [sys.executable, "-m", "idc", "login", "--sso-session", "org", "--use-device-code"],
            env={**env, "BROWSER": str(browser)},
            stdout=screen,
            stderr=screen,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, terminal.read_text()


def listed(env: dict[str, str]) -> list[dict[str, Any]]:
    """``idc list --refresh`` as JSON: the accounts and roles the signed-in user reaches now."""
    result = idc(["list", "--sso-session", "org", "--refresh", "--output", "json"], env)
    assert result.returncode == 0, result.stderr
    accounts: list[dict[str, Any]] = json.loads(result.stdout)["accounts"]
    return accounts
