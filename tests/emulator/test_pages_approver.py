"""PageApprover walks the real pages of a running emulator; real boto3 sso-oidc clients around it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import DEVICE_GRANT
from page_flows import CallbackListener, pkce_request, poll_token, start_device

from idc.emulator.page_approver import PageApprover, PageWalkError
from idc.emulator.page_approver_cli import main


def test_device_flow_approved_by_walking_the_pages(emulator: Any) -> None:
    oidc, client, auth = start_device(emulator, "page-approver-test")
    approver = PageApprover(user_code=auth["userCode"])
    assert approver(auth["verificationUriComplete"]) is True
    approver.wait(30)
    token = poll_token(emulator, oidc, client, auth)
    assert token["tokenType"] == "Bearer" and token["accessToken"]


def test_device_flow_denied_by_walking_the_pages(emulator: Any) -> None:
    oidc, client, auth = start_device(emulator, "page-approver-test")
    approver = PageApprover(allow=False, user_code=auth["userCode"])
    approver(auth["verificationUriComplete"])
    approver.wait(30)
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll_token(emulator, oidc, client, auth)


def test_pkce_walk_follows_the_redirect_to_the_loopback_listener(
    emulator: Any, listener: CallbackListener
) -> None:
    oidc, client, url, verifier, state = pkce_request(emulator, listener, "pages")
    approver = PageApprover()
    approver(url)
    approver.wait(30)
    assert len(listener.received) == 1
    callback = listener.received[0]
    assert callback["state"] == state and callback["code"]
    assert approver.callback_url is not None and approver.callback_url.startswith(listener.redirect_uri)
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="authorization_code",
        redirectUri=listener.redirect_uri,
        codeVerifier=verifier,
        code=callback["code"],
    )
    assert token["accessToken"] and token["refreshToken"]


def test_pkce_walk_ends_at_the_listener_whatever_it_answers(emulator: Any) -> None:
    failing = CallbackListener(status=500)
    try:
        _oidc, _client, url, _verifier, state = pkce_request(emulator, failing, "pages")
        approver = PageApprover()
        approver(url)
        approver.wait(30)
        assert failing.received[0]["state"] == state and failing.received[0]["code"]
    finally:
        failing.close()


def test_pkce_walk_deny_hands_back_access_denied(emulator: Any, listener: CallbackListener) -> None:
    _oidc, _client, url, _verifier, state = pkce_request(emulator, listener, "pages")
    approver = PageApprover(allow=False)
    approver(url)
    approver.wait(30)
    assert len(listener.received) == 1
    callback = listener.received[0]
    assert callback["error"] == "access_denied" and callback["state"] == state
    assert "code" not in callback


@pytest.mark.parametrize(
    ("username", "password", "url_suffix", "expected"),
    [
        ("demo", "wrong", "", "username or password is incorrect"),
        ("nobody", "demo", "", "username or password is incorrect"),
        ("demo", "demo", "?user_code=WXYZ-WXYZ", "not valid or has expired"),
    ],
    ids=["wrong-password", "unknown-user", "wrong-code"],
)
def test_walk_failures_are_reported_by_wait(
    emulator: Any, username: str, password: str, url_suffix: str, expected: str
) -> None:
    _oidc, _client, auth = start_device(emulator, "page-approver-test")
    url = auth["verificationUriComplete"] if not url_suffix else auth["verificationUri"] + url_suffix
    # With a code in the URL the approver keeps the prefilled field (given none), so the server judges it.
    approver = PageApprover(username, password, user_code=None if url_suffix else auth["userCode"])
    approver(url)
    with pytest.raises(PageWalkError, match=expected) as failure:
        approver.wait(30)
    assert password not in str(failure.value) or password == "demo"


@pytest.mark.parametrize("style", ["request-uri", "classic"])
def test_the_approver_compares_the_code_the_page_shows(emulator_factory: Any, style: str) -> None:
    """A person reading the terminal: the same code is confirmed, another one (a phished link) is not."""
    emulator = emulator_factory(device_url_style=style)
    oidc, client, auth = start_device(emulator, "page-approver-test")
    _oidc, _client, other = start_device(emulator, "someone-else")
    with pytest.raises(PageWalkError, match=f"shows the code {other['userCode']}"):
        PageApprover(user_code=auth["userCode"]).walk(other["verificationUriComplete"])
    if style == "request-uri":  # the page only shows the code: the approver must be told it
        with pytest.raises(PageWalkError, match="was not given it"):
            PageApprover().walk(auth["verificationUriComplete"])
    PageApprover(user_code=auth["userCode"]).walk(auth["verificationUriComplete"])
    assert poll_token(emulator, oidc, client, auth)["accessToken"]


def test_the_approver_types_the_code_at_the_bare_verification_uri(emulator: Any) -> None:
    oidc, client, auth = start_device(emulator, "page-approver-test")
    PageApprover(user_code=auth["userCode"].lower()).walk(auth["verificationUri"])
    assert poll_token(emulator, oidc, client, auth)["accessToken"]


def test_command_line_walk_approves_and_exits_zero(emulator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    oidc, client, auth = start_device(emulator, "page-approver-test")
    args = ["--user", "demo", "--password", "demo", "--user-code", auth["userCode"]]
    assert main([*args, auth["verificationUriComplete"]]) == 0
    assert "approved" in capsys.readouterr().err
    assert poll_token(emulator, oidc, client, auth)["accessToken"]


def test_command_line_failure_exits_nonzero_with_one_line(emulator: Any) -> None:
    _oidc, _client, auth = start_device(emulator, "page-approver-test")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "idc.emulator.page_approver_cli",
            "--deny",
            auth["verificationUri"] + "?user_code=A",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "IDC_APPROVER_PASSWORD": "not-the-password"},
    )
    assert result.returncode == 5
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "incorrect" in lines[0]
    assert "not-the-password" not in result.stderr


def test_command_line_detach_returns_at_once_and_approves_in_the_background(
    emulator: Any, tmp_path: Path
) -> None:
    oidc, client, auth = start_device(emulator, "page-approver-test")
    log = tmp_path / "approver.log"
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "idc.emulator.page_approver_cli",
            "--detach",
            "--log",
            str(log),
            "--user-code",
            auth["userCode"],
            auth["verificationUriComplete"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == ""
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 30
    while True:
        try:
            token = oidc.create_token(
                clientId=client["clientId"],
                clientSecret=client["clientSecret"],
                grantType=DEVICE_GRANT,
                deviceCode=auth["deviceCode"],
            )
            break
        except (oidc.exceptions.AuthorizationPendingException, oidc.exceptions.SlowDownException):
            assert time.monotonic() < deadline, "the detached walk never approved"
            emulator.advance_clock(auth.get("interval", 1) + 5)
            time.sleep(0.2)
    assert token["accessToken"]
    deadline = time.monotonic() + 10
    while "approved" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.read_text() == "page_approver: request approved\n"
    assert log.stat().st_mode & 0o777 == 0o600
