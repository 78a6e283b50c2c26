"""``idc console`` on a role chain: a freshly assumed session, no SessionDuration (the federation endpoint
refuses it for chained credentials), the end said; ``--switch-role`` signs in as the SSO role and lands on
the switch-role page. Real idc processes, the local federation endpoint, real Chromium."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from credentials.credential_helpers import run_idc, write_config

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

DEPLOYER = """
[profile deployer]
role_arn = arn:aws:iam::123456789012:role/Deployer
source_profile = dev
region = eu-west-1
"""


@pytest.fixture
def chained(console_user: Any, emulator: Any) -> Any:
    write_config(console_user.config_file, emulator.start_url, emulator.region, extra=DEPLOYER)
    return console_user


def _page_text(chromium: Any, url: str) -> str:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        return str(page.inner_text("body"))
    finally:
        context.close()


def test_console_on_a_chain_signs_in_with_a_fresh_session(chained: Any, emulator: Any, chromium: Any) -> None:
    assert run_idc(["credentials", "--profile", "deployer"], chained.env).returncode == 0
    done = run_idc(["console", "--profile", "deployer", "--print"], chained.env)
    assert done.returncode == 0, done.stderr
    assert emulator.stats().get("AssumeRole") == 2  # not the cached session: a fresh one
    assert "idc: the console session ends with this role session, at " in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "assumed-role/Deployer/botocore-session-" in _page_text(chromium, done.stdout.strip())


def test_switch_role_signs_in_as_the_sso_role(chained: Any, emulator: Any, chromium: Any) -> None:
    done = run_idc(["console", "--profile", "deployer", "--switch-role", "--print"], chained.env)
    assert done.returncode == 0, done.stderr
    query = parse_qs(urlsplit(done.stdout.strip()).query)
    assert query["Destination"] == [
        "https://signin.aws.amazon.com/switchrole?account=123456789012&roleName=Deployer&displayName=deployer"
    ]
    assert emulator.stats().get("AssumeRole") is None
    assert "assumed-role/AWSReservedSSO_AdministratorAccess_" in _page_text(chromium, done.stdout.strip())
    refused = run_idc(["console", "--profile", "dev", "--switch-role", "--print"], chained.env)
    assert refused.returncode == 3
    assert "--switch-role needs a profile that assumes one role from an SSO profile" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_the_federation_endpoint_refuses_session_duration_for_chained_credentials(
    chained: Any, emulator: Any
) -> None:
    issued = json.loads(run_idc(["credentials", "--profile", "deployer"], chained.env).stdout)
    session = json.dumps(
        {
            "sessionId": issued["AccessKeyId"],
            "sessionKey": issued["SecretAccessKey"],
            "sessionToken": issued["SessionToken"],
        }
    )

    def get_token(**extra: str) -> int:
        form = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session, **extra}).encode()
        try:
            with urllib.request.urlopen(f"{emulator.base_url}/federation", data=form, timeout=10) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert get_token(SessionDuration="3600") == 400
    assert get_token() == 200
