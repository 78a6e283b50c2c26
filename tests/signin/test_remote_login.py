"""``idc login --remote`` in a real terminal: the browser is elsewhere, the user pastes back the address.

Chromium opens the printed URL, signs in, approves, and is sent to the loopback redirect where nothing
listens; the test reads that address from the failed navigation and types it into the terminal, as a
user copies it from the address bar. The token then works for ``idc credentials`` and for botocore's
own SSO provider. A garbage paste, an address with another state and an overlong line get another try;
a denial and a timeout end the login.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from typing import Any

import pexpect
import pytest

from idc.emulator.page_approver import PageApprover
from idc.errors import LoginFailed
from idc.signin.remote_flow import MAX_LINE, PROMPT, BadPaste, code_from_paste
from story.helpers import command
from toolchain import CHROMIUM, CHROMIUM_ARGS

from .conftest import SignInWorld, session_config
from .test_login_cli import BOTOCORE_STS, SUCCESS

STATE = "6f1c2a52-8d0e-4c1b-9b53-0d3f7f1f3f10"
CALLBACK = "http://127.0.0.1:41234/oauth/callback"


def _spawn(world: SignInWorld, *args: str) -> pexpect.spawn:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    env = {**world.env, "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22", "PYTHONUNBUFFERED": "1"}
    return pexpect.spawn(
        command("idc"),
        ["login", "--profile", "dev", "--remote", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )


def _authorize_url(child: pexpect.spawn) -> str:
    child.expect_exact("approve the request:\r\n\r\n")
    child.expect(r"(http://\S+/authorize\?\S+)\r\n")
    url: str = child.match.group(1)
    child.expect_exact("that is expected.\r\n")
    child.expect_exact(PROMPT)
    return url


def _approve_in_chromium(url: str) -> str:
    """Sign in and Allow in Chromium; return the address the browser was sent to (it does not load).

    Its own Playwright on its own thread (as test_pkce_chromium does): a sync Playwright that another
    test module keeps open on the main thread (a session-wide ``chromium`` fixture) cannot share it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    def walk() -> str:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return _allow(browser, url)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(walk).result(timeout=120)


def _allow(browser: Any, url: str) -> str:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        with page.expect_event(
            "requestfailed", predicate=lambda request: request.url.startswith("http://127.0.0.1:")
        ) as failed:
            page.get_by_role("button", name="Allow").click()
        address: str = failed.value.url
        return address
    finally:
        context.close()


def _exit(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before or ""


@pytest.mark.browser
def test_remote_login_with_chromium(world: SignInWorld) -> None:
    child = _spawn(world)
    url = _authorize_url(child)
    redirect_port = re.search(r"redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A(\d+)", url)
    assert redirect_port is not None

    address = _approve_in_chromium(url)
    assert address.startswith(f"http://127.0.0.1:{redirect_port.group(1)}/oauth/callback?")
    assert "code=" in address and "state=" in address

    child.sendline("this is not it")  # a garbage paste: one line, and another try
    child.expect_exact("That is not the address the browser was sent to")
    child.expect_exact(PROMPT)
    child.sendline(address)
    child.expect_exact(SUCCESS.format(world.emulator.start_url))
    status, _ = _exit(child)
    assert status == 0

    credentials = subprocess.run(
        [command("idc"), "credentials", "--profile", "dev"],
        env=world.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert credentials.returncode == 0, credentials.stderr
    assert json.loads(credentials.stdout)["Version"] == 1

    # botocore's own SSO provider (tmp HOME, in a subprocess) reads the token idc cached.
    check = subprocess.run(
        [sys.executable, "-c", BOTOCORE_STS], env=world.env, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["Account"] == "123456789012"


def test_remote_login_with_just_the_code(world: SignInWorld) -> None:
    child = _spawn(world)
    url = _authorize_url(child)
    approver = PageApprover()
    address = approver.walk(url)
    code = dict(pair.split("=", 1) for pair in address.split("?", 1)[1].split("&"))["code"]
    child.sendline(code)
    child.expect_exact(SUCCESS.format(world.emulator.start_url))
    assert _exit(child)[0] == 0
    assert len(world.tokens()) == 1


def test_remote_login_denied(world: SignInWorld) -> None:
    child = _spawn(world)
    url = _authorize_url(child)
    address = PageApprover(allow=False).walk(url)
    child.sendline(address)
    status, output = _exit(child)
    assert status == 5
    assert output.strip().splitlines()[-1] == (
        "idc: The sign-in request was denied in the browser. "
        "Run `idc login --profile dev --remote` to try again."
    )
    assert world.emulator.stats().get("CreateToken", 0) == 0  # nothing exchanged
    assert world.tokens() == {}


def test_an_address_with_another_state_is_refused_in_one_line_and_asked_again(world: SignInWorld) -> None:
    """An address from another sign-in (an old tab) or a forged denial is not this sign-in's answer."""
    child = _spawn(world)
    url = _authorize_url(child)
    address = PageApprover().walk(url)
    for forged in (
        re.sub(r"state=[^&]+", f"state={uuid.uuid4()}", address),
        f"{CALLBACK}?error=access_denied&state=wrong",
    ):
        child.sendline(forged)
        child.expect_exact(
            "That address is not from this sign-in (its state does not match); it was ignored. "
            "Paste the whole address that starts with http://127.0.0.1, or its code.\r\n"
        )
        child.expect_exact(PROMPT)
    assert world.emulator.stats().get("CreateToken", 0) == 0
    child.sendline(address)
    child.expect_exact(SUCCESS.format(world.emulator.start_url))
    assert _exit(child)[0] == 0
    assert len(world.tokens()) == 1


def test_a_pasted_line_over_the_cap_is_refused_whole(world: SignInWorld) -> None:
    """A line longer than MAX_LINE is never judged, not even its tail (which here is the right address):
    through a pipe, as a script pastes (a terminal's line discipline would cut it at 4 KiB itself)."""
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    process = subprocess.Popen(
        [command("idc"), "login", "--profile", "dev", "--remote"],
        env={**world.env, "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22", "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:
        if "/authorize?" in line:
            address = PageApprover().walk(line.strip())
            break
    process.stdin.write("x" * MAX_LINE + address + "\n")
    process.stdin.close()
    output = process.stdout.read()
    assert process.wait(timeout=60) == 5, output
    assert f"That line is longer than {MAX_LINE} bytes; it was ignored." in output
    assert "The input ended before the address from the browser was pasted." in output
    assert world.emulator.stats().get("CreateToken", 0) == 0
    assert world.tokens() == {}


def test_remote_login_times_out(world: SignInWorld) -> None:
    child = _spawn(world, "--timeout", "2")
    _authorize_url(child)
    status, output = _exit(child)
    assert status == 5
    assert output.strip().splitlines()[-1] == (
        "idc: No address was pasted within 2 seconds; the login was abandoned. "
        "Run `idc login --profile dev --remote` to try again."
    )


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        (f"{CALLBACK}?code=abc123&state={STATE}", "abc123"),
        (f"  {CALLBACK}?code=abc123&state={STATE}\n", "abc123"),
        (f"?code=abc123&state={STATE}", "abc123"),
        (f"code=abc123&state={STATE}", "abc123"),
        ("Zm9vYmFyYmF6cXV4cXV1eA", "Zm9vYmFyYmF6cXV4cXV1eA"),
        ("", BadPaste),
        ("hello world", BadPaste),
        (f"{CALLBACK}?state={STATE}", BadPaste),
        ("https://example.com/authorize?client_id=x", BadPaste),
        ("short", BadPaste),
        (f"{CALLBACK}?code=abc123&state=other", BadPaste),
        (f"{CALLBACK}?code=abc123", BadPaste),
        (f"{CALLBACK}?error=access_denied&state=other", BadPaste),
        (f"{CALLBACK}?error=access_denied&state={STATE}", LoginFailed),
    ],
    ids=[
        "address",
        "address-with-spaces",
        "query",
        "query-without-question-mark",
        "bare-code",
        "empty",
        "words",
        "no-code",
        "other-url",
        "too-short-for-a-code",
        "wrong-state",
        "no-state",
        "denied-with-another-state",
        "denied",
    ],
)
def test_code_from_paste(pasted: str, expected: str | type[Exception]) -> None:
    if isinstance(expected, str):
        assert code_from_paste(pasted, STATE) == expected
    else:
        with pytest.raises(expected):
            code_from_paste(pasted, STATE)


def test_remote_excludes_device_code_and_no_browser(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    result = subprocess.run(
        [command("idc"), "login", "--profile", "dev", "--remote", "--use-device-code"],
        env=world.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--remote" in result.stderr


def test_configure_sso_session_remote_reads_the_address_from_stdin(world: SignInWorld) -> None:
    """``idc configure sso-session --remote`` in a script: the sign-in text on stderr, the paste on stdin."""
    session = ["--sso-session", "remote-sso", "--start-url", world.emulator.start_url]
    process = subprocess.Popen(
        [
            command("idc"),
            "configure",
            "sso-session",
            *session,
            "--sso-region",
            world.emulator.region,
            "--remote",
        ],
        env={**world.env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stderr is not None
    shown = []
    for line in process.stderr:
        shown.append(line)
        if "/authorize?" in line:
            address = PageApprover().walk(line.strip())
            process.stdin.write(address + "\n")
            process.stdin.flush()
            break
    process.stdin.close()
    errors = process.stderr.read()  # (not communicate(): the line iterator buffered some of it)
    assert process.wait(timeout=60) == 0, errors
    assert process.stdout is not None and process.stdout.read()
    # the instructions and the prompt, where a script shows them
    assert "does not load: that is expected." in "".join(shown) + errors
    assert "[sso-session remote-sso]" in world.home.config_file.read_text()
    assert len(world.tokens()) == 1
    assert world.emulator.stats()["CreateToken"] == 1
