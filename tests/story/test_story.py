"""The whole story, in the AWS documentation's words, with the real tools.

1. ``idc configure sso`` in a real terminal (pexpect): the AWS CLI's questions in the AWS CLI's order.
2. The approval in real Chromium, through the emulator's pages (idc opens the "browser" through the
   ``BROWSER`` hook, which hands the URL to the test).
3. ``aws s3 ls --profile AdministratorAccess``: the real AWS CLI (awscli from PyPI), against moto's S3,
   with role credentials that botocore's own SSO provider got with the token idc cached.
4. The session ended on the server: the AWS CLI's expired-session message.
5. ``idc login --profile AdministratorAccess --no-browser``: the URL read off the terminal and approved in
   Chromium again (a new sign-in: the old one was ended), and ``aws s3 ls`` works again.

AWS CLI v1 keeps SSO role credentials in memory only (its ``JSONFileCache`` is injected for the
assume-role providers, not for SSO), so every ``aws`` run asks the server for role credentials with the
cached token: the test checks that it did (the emulator's call counts) and that nothing was cached in
``~/.aws/cli/cache``, so the expired message really comes from the ended session.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pexpect
import pytest

from story.helpers import EXPIRED, BrowserHook, approve_in_chromium, child_env, command, make_bucket

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

BUCKET = "idc-story-bucket"


def aws_s3_ls(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command("aws"), "s3", "ls", "--profile", "AdministratorAccess"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def spawn(args: list[str], env: dict[str, str], log: Path) -> pexpect.spawn:
    child = pexpect.spawn(command("idc"), args, env=env, encoding="utf-8", timeout=30, dimensions=(40, 120))
    child.logfile_read = log.open("a")
    return child


def test_configure_use_expire_login_use_again(
    aws_home: Any, emulator: Any, s3_server: str, browser_hook: BrowserHook, chromium: Any, tmp_path: Path
) -> None:
    make_bucket(s3_server, BUCKET)
    env = child_env(aws_home.env, emulator.env, browser_hook.env, {"AWS_ENDPOINT_URL_S3": s3_server})
    transcript = tmp_path / "terminal.txt"

    # 1. configure sso, in a terminal, answering as the documentation does
    child = spawn(["configure", "sso"], env, transcript)
    child.expect_exact("SSO session name (Recommended): ")
    child.sendline("my-sso")
    child.expect_exact("SSO start URL [None]: ")
    child.sendline(emulator.start_url)
    child.expect_exact("SSO region [None]: ")
    child.sendline(emulator.region)
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")

    # 2. the approval, in Chromium
    final_page = approve_in_chromium(chromium, browser_hook.next_url(), tmp_path / "shots-configure")
    assert "denied" not in final_page.lower()

    child.expect_exact("The only AWS account available to you is: 123456789012")
    child.expect_exact("Using the account ID 123456789012")
    child.expect_exact("The only role available to you is: AdministratorAccess")
    child.expect_exact('Using the role name "AdministratorAccess"')
    child.expect_exact("Default client Region [None]: ")
    child.sendline("us-east-1")
    child.expect_exact("CLI default output format (json if not specified) [None]: ")
    child.sendline("json")
    child.expect_exact("Profile name [AdministratorAccess-123456789012]: ")
    child.sendline("AdministratorAccess")
    child.expect_exact("To use this profile, specify the profile name using --profile, as shown:")
    child.expect_exact("aws sts get-caller-identity --profile AdministratorAccess")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.read_text()

    config = aws_home.config_file.read_text()
    assert "[profile AdministratorAccess]\nsso_session = my-sso\n" in config
    assert "[sso-session my-sso]\n" in config

    # 3. the real AWS CLI, through botocore's own SSO provider, against moto's S3
    before = emulator.stats().get("GetRoleCredentials", 0)
    listed = aws_s3_ls(env)
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout
    assert emulator.stats().get("GetRoleCredentials", 0) == before + 1

    # 4. the session ends on the server: the AWS CLI says so (it asked the server: no cached credentials)
    emulator.end_sessions()
    before = emulator.stats().get("GetRoleCredentials", 0)
    refused = aws_s3_ls(env)
    assert refused.returncode != 0
    assert EXPIRED in refused.stderr
    assert BUCKET not in refused.stdout
    assert emulator.stats().get("GetRoleCredentials", 0) == before + 1
    assert not aws_home.cli_cache.exists() or not list(aws_home.cli_cache.iterdir())

    # 5. idc login fixes it, in one command; with --no-browser the URL is read off the terminal, as a
    #    user copies it into a browser (PKCE, or the device code when the redirect cannot work here)
    child = spawn(["login", "--profile", "AdministratorAccess", "--no-browser"], env, transcript)
    child.expect(
        [
            r"autofill the code upon loading:\r?\n(\S+)\r?\n",
            r"Please visit the following URL:\r?\n\r?\n(\S+/authorize\?\S+)\r?\n",
        ]
    )
    url = child.match.group(1)
    final_page = approve_in_chromium(chromium, url, tmp_path / "shots-login")
    assert "denied" not in final_page.lower()
    child.expect_exact(f"Successfully logged into Start URL: {emulator.start_url}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.read_text()

    before = emulator.stats().get("GetRoleCredentials", 0)
    again = aws_s3_ls(env)
    assert again.returncode == 0, again.stderr
    assert BUCKET in again.stdout
    assert emulator.stats().get("GetRoleCredentials", 0) == before + 1  # with the new token
