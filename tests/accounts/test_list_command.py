"""``idc list`` as users run it: a real subprocess against the local Identity Center."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pexpect

from .listing_support import directory, sign_in


def idc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_json_when_piped_then_served_from_the_cache(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(30, 2)), aws_home, monkeypatch)
    first = idc(["list", "--sso-session", "org"], signed.env)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no progress bar on a pipe
    data = json.loads(first.stdout)
    assert data["fromCache"] is False
    assert len(data["accounts"]) == 30
    assert data["accounts"][0] == {
        "accountId": "100000000000",
        "accountName": "acct-0000",
        "emailAddress": "acct0@example.com",
        "roles": ["AdministratorAccess", "ReadOnlyAccess"],
    }
    calls = signed.emulator.stats()["ListAccountRoles"]

    again = idc(["list", "--sso-session", "org", "--output", "json"], signed.env)
    assert json.loads(again.stdout)["fromCache"] is True
    assert signed.emulator.stats()["ListAccountRoles"] == calls

    refreshed = idc(["list", "--sso-session", "org", "--refresh"], signed.env)
    assert json.loads(refreshed.stdout)["fromCache"] is False
    assert signed.emulator.stats()["ListAccountRoles"] == calls + 30


def test_table_on_a_terminal(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(3, 2)), aws_home, monkeypatch)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "idc", "list"],  # the only sso-session in the file is used
        env=signed.env,
        dimensions=(40, 160),
        encoding="utf-8",
        timeout=30,
    )
    child.expect("3 accounts, 6 roles")
    child.expect("Account ID")
    child.expect("100000000002")
    child.expect("AdministratorAccess, ReadOnlyAccess")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ended_session_says_which_command_fixes_it(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(3, 1)), aws_home, monkeypatch)
    signed.emulator.end_sessions()
    result = idc(["list", "--sso-session", "org", "--refresh"], signed.env)
    assert result.returncode == 4, result.stderr
    assert result.stderr.count("\n") == 1
    assert "idc login --sso-session org" in result.stderr
    assert "Traceback" not in result.stderr
    assert signed.access_token not in result.stderr


def test_unknown_session_is_a_config_error(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    result = idc(["list", "--sso-session", "nope"], signed.env)
    assert result.returncode == 3
    assert 'The specified sso-session does not exist: "nope"' in result.stderr
