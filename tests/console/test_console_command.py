"""``idc console`` end to end: real idc processes, the local federation endpoint, real Chromium."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from credentials.credential_helpers import run_idc, secrets_in
from story.helpers import BrowserHook, child_env

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ROLE_ARN = re.compile(
    r"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/demo"
)


def visit(chromium: Any, url: str) -> tuple[int, str, str]:
    """(status of the last response, final URL, page text) in a fresh browser context."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        response = page.goto(url)
        return response.status, page.url, page.inner_text("body")
    finally:
        context.close()


def test_console_through_browser_hook_lands_on_the_role(
    console_user: Any, emulator: Any, browser_hook: BrowserHook, chromium: Any
) -> None:
    env = child_env(console_user.env, browser_hook.env)
    done = run_idc(["console", "--profile", "dev"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    url = browser_hook.next_url()
    assert url.startswith(f"{emulator.base_url}/federation?Action=login&")
    status, final, text = visit(chromium, url)
    assert (status, final) == (200, f"{emulator.base_url}/console")
    assert ROLE_ARN.search(text)
    assert "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1" in text
    assert "123456789012" in text
    assert "demo" in text

    status, _, text = visit(chromium, url)  # the sign-in token is single use
    assert status == 400
    assert "already used" in text
    assert not ROLE_ARN.search(text)


def test_print_with_service_lands_on_s3(console_user: Any, emulator: Any, chromium: Any) -> None:
    done = run_idc(["--debug", "console", "--profile", "dev", "--service", "s3", "--print"], console_user.env)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert done.stdout == url + "\n"
    query = parse_qs(urlsplit(url).query)
    assert query["Destination"] == ["https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"]
    assert query["Issuer"] == [emulator.start_url]
    # --debug says what idc does, never the URL, the sign-in token or the credentials
    secrets = [url, query["SigninToken"][0], *secrets_in(console_user)]
    assert "getSigninToken" in done.stderr
    assert not [s for s in secrets if s in done.stderr]
    _, final, text = visit(chromium, url)
    assert final.endswith("/console")
    assert "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1" in text
    assert ROLE_ARN.search(text)


def test_sign_out_link_ends_the_console_session(console_user: Any, chromium: Any) -> None:
    url = run_idc(["console", "--profile", "dev", "--print"], console_user.env).stdout.strip()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        assert ROLE_ARN.search(page.inner_text("body"))
        page.get_by_role("link", name="Sign out").click()
        page.wait_for_load_state()
        assert "not signed in" in page.inner_text("body")
        assert not ROLE_ARN.search(page.inner_text("body"))
    finally:
        context.close()


def test_region_flag_and_role_cache_reuse(console_user: Any, emulator: Any) -> None:
    first = run_idc(["console", "--profile", "dev", "--print", "--region", "us-east-2"], console_user.env)
    second = run_idc(["console", "--profile", "dev", "--print", "-s", "ec2"], console_user.env)
    assert first.returncode == second.returncode == 0
    first_query = parse_qs(urlsplit(first.stdout.strip()).query)
    assert first_query["Destination"] == [
        "https://us-east-2.console.aws.amazon.com/console/home?region=us-east-2"
    ]
    assert "ec2/v2/home?region=eu-west-1" in parse_qs(urlsplit(second.stdout.strip()).query)["Destination"][0]
    assert emulator.stats().get("GetRoleCredentials") == 1  # the role cache answered the second


def test_ended_session_names_the_login_command(console_user: Any, emulator: Any) -> None:
    emulator.end_sessions()
    done = run_idc(["console", "--profile", "dev", "--print"], console_user.env)
    assert done.returncode == 4
    assert done.stdout == ""
    assert "idc login --profile dev" in done.stderr


def test_service_and_destination_together_is_a_usage_error(console_user: Any) -> None:
    done = run_idc(["console", "--profile", "dev", "-s", "s3", "--destination", "/s3"], console_user.env)
    assert done.returncode == 2


def test_a_mistyped_region_is_refused_before_any_call(console_user: Any, emulator: Any) -> None:
    emulator.admin("stats", {"reset": True})
    done = run_idc(["console", "--profile", "dev", "--print", "--region", "eu-wset-1"], console_user.env)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == (
        "idc: --region 'eu-wset-1' is not an AWS Region (did you mean eu-west-1?). "
        "Use a name like eu-west-1.\n"
    )
    assert emulator.stats().get("GetRoleCredentials") is None


@pytest.mark.parametrize(
    "destination",
    [
        "https://evil.example/",
        "https://console.aws.amazon.com.evil.example/",
        "https://console.aws.amazon.com@evil.example/",
    ],
    ids=["other-host", "console-host-as-prefix", "user-info"],
)
def test_a_destination_off_the_console_is_refused(console_user: Any, emulator: Any, destination: str) -> None:
    emulator.admin("stats", {"reset": True})
    done = run_idc(["console", "--profile", "dev", "--print", "--destination", destination], console_user.env)
    assert (done.returncode, done.stdout) == (3, "")
    assert len(done.stderr.splitlines()) == 1
    assert "is not on the console" in done.stderr or "carries a user name" in done.stderr
    stats = emulator.stats()
    assert stats.get("getSigninToken", 0) == stats.get("GetRoleCredentials", 0) == 0
