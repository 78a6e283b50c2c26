"""What ``idc list`` and ``idc populate`` say when something is off: the command named in a hint is the
one that fixes it (quoted for the shell), flag clashes are usage errors, counts read as English."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
from click.testing import CliRunner

from idc.cli import app
from idc.storage.token_cache import token_cache_key, token_cache_path

from .listing_support import SESSION, directory, sign_in


def idc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_corrupt_token_cache_names_the_session_login(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    path = Path(token_cache_path(signed.locations, token_cache_key(SESSION, signed.emulator.start_url)))
    path.write_text("{not json")
    result = idc(["list"], signed.env)  # the only sso-session, found without flags
    assert result.returncode == 7, result.stderr
    assert "Run `idc login --sso-session org`" in result.stderr
    assert "--profile" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_profile_and_session_together_is_a_usage_error(aws_home: Any) -> None:
    for command in ("list", "populate"):
        result = idc([command, "--profile", "a", "--sso-session", "b"], aws_home.env)
        assert result.returncode == 2, (command, result.stderr)
        assert "Give --profile or --sso-session, not both." in result.stderr


def test_profile_with_a_session_but_no_account_lists(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    aws_home.config_file.write_text(
        signed.config_text
        + f"\n[profile login-only]\nsso_session = {SESSION}\nsso_role_name = AdministratorAccess\n"
    )  # no sso_account_id yet: enough to sign in, so enough to list
    result = idc(["list", "--profile", "login-only"], signed.env)
    assert result.returncode == 0, result.stderr
    assert [a["accountId"] for a in json.loads(result.stdout)["accounts"]] == ["100000000000", "100000000001"]


def test_one_account_one_role_in_the_singular(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    for args, expected in (
        (["list", "--sso-session", SESSION], "1 account, 1 role ("),
        (["populate", "--sso-session", SESSION], "1 account, 1 role (cached listing)."),
    ):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "idc", *args],
            env=signed.env,
            dimensions=(40, 160),
            encoding="utf-8",
            timeout=30,
        )
        child.expect_exact(expected)
        child.expect_exact(pexpect.EOF)
        output = str(child.before)
        child.close()
        assert child.exitstatus == 0, output
        if args[0] == "populate":
            assert "(1 profile in the block)." in output


def test_help_shows_whole_summaries_and_tps_n() -> None:
    top = CliRunner().invoke(app, ["--help"], terminal_width=80).output
    assert "List the AWS accounts and roles you can reach.\n" in top
    assert "Write a profile for every account and role you can reach.\n" in top
    for command in ("list", "populate"):
        text = CliRunner().invoke(app, [command, "--help"], terminal_width=80).output
        assert "--tps N " in text, text
        assert "FLOAT RANGE" not in text


def test_unreachable_portal_names_the_api_operation(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**signed.env, "AWS_ENDPOINT_URL_SSO": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "1"}
    result = idc(["list", "--sso-session", SESSION, "--refresh"], env)
    assert result.returncode == 6, result.stderr
    assert (
        f"Could not reach IAM Identity Center in {signed.emulator.region} for ListAccounts "
        "(EndpointConnectionError)." in result.stderr
    )
    assert "list_accounts" not in result.stderr


def test_login_hint_quotes_the_profile_name(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    aws_home.config_file.write_text(signed.config_text + f"\n[profile dev&ops]\nsso_session = {SESSION}\n")
    signed.emulator.end_sessions()
    result = idc(["list", "--profile", "dev&ops", "--refresh"], signed.env)
    assert result.returncode == 4, result.stderr
    assert "Run `idc login --profile 'dev&ops'` to sign in again." in result.stderr


def test_two_sessions_and_no_default_names_what_to_pass(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    emulator = signed.emulator
    aws_home.config_file.write_text(
        signed.config_text
        + f"\n[sso-session other]\nsso_start_url = {emulator.start_url}\nsso_region = {emulator.region}\n"
        + "\n[profile dev]\nsso_session = other\n"
    )
    result = idc(["list"], signed.env)
    assert result.returncode == 3, result.stderr
    assert "there is no default profile (profiles: dev; sso-sessions: org, other)" in result.stderr
    assert "Pass --sso-session NAME or --profile NAME" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_token_expired_on_the_server_is_refreshed_not_a_login(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    # The server's clock is past the access token's hour (a suspended laptop, a skewed clock): the
    # cached expiresAt still looks fine here, the portal says 401. The refresh token still works.
    signed = sign_in(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    path = Path(token_cache_path(signed.locations, token_cache_key(SESSION, signed.emulator.start_url)))
    before = json.loads(path.read_text())
    signed.emulator.advance_clock(3700)
    result = idc(["list", "--sso-session", SESSION, "--refresh"], signed.env)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["accounts"]) == 2
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    assert signed.emulator.stats()["CreateToken"] >= 1
