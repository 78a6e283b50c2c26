"""A start URL on a new-style portal host names its Region (issue 17, item 8): ``configure`` offers it as
the SSO region's default on a terminal, uses it without asking where there is none, and writes it; a
configured ``sso_region`` that disagrees with the host is warned about (the AWS CLI would fail with it,
``awscli/customizations/sso/resolve.py``: an AWS-owned host is used with the configured Region)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pexpect
import pytest

from idc.emulator.directory import default_directory, directory_to_dict
from story.helpers import child_env, command
from story.test_configure import APPROVER, idc, sections

pytestmark = pytest.mark.timeout(120)

REGION = "ap-northeast-1"
PORTAL = f"https://ssoins-7223a0e4a3f1c1d2.portal.{REGION}.app.aws/start"


@pytest.mark.parametrize(
    "start_url",
    [
        PORTAL,
        f"https://ssoins-7223a0e4a3f1c1d2.{REGION}.portal.amazonaws.com",
        "https://ssoins-7223a0e4a3f1c1d2.portal.cn-north-1.app.amazonwebservices.com.cn/start",
        "https://ssoins-7223a0e4a3f1c1d2.eusc-de-east-1.portal.amazonaws.eu",
    ],
    ids=["app.aws", "portal.amazonaws.com", "china", "eusc"],
)
def test_without_a_terminal_the_hosts_region_is_used_and_written(aws_home: Any, start_url: str) -> None:
    region = next(part for part in start_url.split(".") if part.count("-") >= 2)
    args = ["configure", "sso-session", "--sso-session", "portal", "--start-url", start_url, "--no-login"]
    done = idc(args, child_env(aws_home.env))
    assert done.returncode == 0, done.stderr
    assert f"SSO region [{region}]: \n" in done.stdout  # the transcript shows the default it took
    assert sections(aws_home.config_file)["sso-session portal"]["sso_region"] == region
    assert "warning" not in done.stderr


def test_on_a_terminal_the_hosts_region_is_the_default(aws_home: Any, tmp_path: Path) -> None:
    # the config's earlier answer for this session (another Region) is not the default: the host is
    aws_home.config_file.write_text(
        "[sso-session portal]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
    )
    child = pexpect.spawn(
        command("idc"),
        ["configure", "sso-session", "--sso-session", "portal", "--no-login"],
        env=child_env(aws_home.env),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO start URL [https://d-1234567890.awsapps.com/start]: ")
    child.sendline(PORTAL)
    child.expect_exact(f"SSO region [{REGION}]: ")
    child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("Additional Region for failover, as REGION=PORTAL_URL (empty: no more) [None]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert sections(aws_home.config_file)["sso-session portal"] == {
        "sso_start_url": PORTAL,
        "sso_region": REGION,
        "sso_registration_scopes": "sso:account:access",
    }


def test_another_sso_region_is_warned_about(aws_home: Any) -> None:
    args = ["configure", "sso-session", "--sso-session", "portal", "--start-url", PORTAL]
    done = idc([*args, "--sso-region", "eu-west-1", "--no-login"], child_env(aws_home.env))
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "idc: warning: The SSO region eu-west-1 is not the Region of the start URL's host (ap-northeast-1); "
        "AWS tools call IAM Identity Center in eu-west-1 and fail there.\n"
    )
    assert sections(aws_home.config_file)["sso-session portal"]["sso_region"] == "eu-west-1"  # as asked


def _portal_emulator(emulator_factory: Any) -> Any:
    directory = directory_to_dict(default_directory())
    directory.update(start_url=PORTAL, region=REGION)
    return emulator_factory(directory)


def test_configure_signs_in_to_a_portal_start_url_without_being_told_the_region(
    aws_home: Any, emulator_factory: Any
) -> None:
    emulator = _portal_emulator(emulator_factory)
    args = [
        "configure",
        "sso",
        "--sso-session",
        "portal",
        "--start-url",
        PORTAL,
        "--account-id",
        "123456789012",
    ]
    args += ["--role-name", "AdministratorAccess", "--region", "eu-west-1", "--output", "json"]
    done = idc([*args, "--profile", "admin"], child_env(aws_home.env, emulator.env, APPROVER))
    assert done.returncode == 0, done.stderr
    written = sections(aws_home.config_file)
    assert written["sso-session portal"]["sso_region"] == REGION
    assert written["profile admin"]["sso_session"] == "portal"


def test_a_sign_in_with_a_disagreeing_sso_region_is_not_quiet(aws_home: Any, emulator_factory: Any) -> None:
    """The local Identity Center answers in any Region; AWS would not: the sign-in says so."""
    emulator = _portal_emulator(emulator_factory)
    aws_home.config_file.write_text(
        f"[sso-session portal]\nsso_start_url = {PORTAL}\nsso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    done = idc(["login", "--sso-session", "portal"], child_env(aws_home.env, emulator.env, APPROVER))
    assert done.returncode == 0, done.stderr
    assert (
        "idc: warning: sso_region us-east-1 is not the Region of the start URL's host (ap-northeast-1); "
        "AWS tools call IAM Identity Center in us-east-1 and fail there. "
        "Run `idc configure sso-session --sso-session portal` to fix it.\n"
    ) in done.stderr
