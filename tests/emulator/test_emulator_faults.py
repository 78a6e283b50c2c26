"""Fault injection and call counters, through the admin API and the ``idc emulator`` admin commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from emulator_clients import Clients, make_clients

ROLE = {"accountId": "123456789012", "roleName": "AdministratorAccess"}


def test_count_limited_429_with_retry_after(aws: Clients) -> None:
    _, token = aws.device_login()
    aws.emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=7, count=2)
    for _ in range(2):
        with pytest.raises(aws.sso.exceptions.TooManyRequestsException) as throttled:
            aws.sso.get_role_credentials(accessToken=token["accessToken"], **ROLE)
        assert throttled.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "7"
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    aws.sso.get_role_credentials(accessToken=token["accessToken"], **ROLE)
    aws.sso.list_accounts(accessToken=token["accessToken"])  # other operations were never affected
    assert aws.emulator.stats()["GetRoleCredentials"] == 3


def test_permanent_500_until_cleared(aws: Clients) -> None:
    _, token = aws.device_login()
    aws.emulator.set_fault(operation="ListAccounts", status=500)
    for _ in range(3):
        with pytest.raises(aws.sso.exceptions.ClientError) as failed:
            aws.sso.list_accounts(accessToken=token["accessToken"])
        assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert failed.value.response["Error"]["Code"] == "InternalServerException"
    aws.emulator.clear_faults()
    aws.sso.list_accounts(accessToken=token["accessToken"])


def test_invalid_grant_on_create_token(aws: Clients) -> None:
    client, token = aws.device_login()
    aws.emulator.set_fault(operation="CreateToken", error="invalid_grant", count=1)
    refresh = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "refresh_token",
    }
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        aws.oidc.create_token(refreshToken=token["refreshToken"], **refresh)
    aws.oidc.create_token(refreshToken=token["refreshToken"], **refresh)  # the token was not consumed


def test_latency(aws: Clients) -> None:
    _, token = aws.device_login()
    aws.emulator.set_fault(operation="ListAccounts", latency_ms=300)
    started = time.monotonic()
    aws.sso.list_accounts(accessToken=token["accessToken"])
    assert time.monotonic() - started >= 0.3


def test_a_latency_fault_honours_its_count(aws: Clients) -> None:
    _, token = aws.device_login()
    aws.emulator.set_fault(operation="ListAccounts", latency_ms=1, count=2)
    aws.sso.list_accounts(accessToken=token["accessToken"])
    assert [f["remaining"] for f in aws.emulator.admin("faults")["faults"]] == [1]
    aws.sso.list_accounts(accessToken=token["accessToken"])
    assert aws.emulator.admin("faults")["faults"] == []  # gone after its two calls


def test_several_faults_on_one_call_wait_for_the_longest_latency(aws: Clients) -> None:
    """Four faults of 3 s delay a call by 3 s, not 12; each one-shot fault is used by that call."""
    for _ in range(4):
        aws.emulator.set_fault(operation="CreateToken", latency_ms=3000, count=1)
    aws.emulator.set_fault(operation="CreateToken", latency_ms=500)
    aws.emulator.set_fault(latency_ms=100)  # every operation
    faults = aws.emulator.engine.faults  # read the delay it would add, rather than time a call
    assert faults.on_call("CreateToken") == (3.0, None)
    assert faults.on_call("CreateToken") == (0.5, None)
    assert faults.on_call("ListAccounts") == (0.1, None)


def test_the_first_error_fault_answers_and_only_it_uses_its_count(aws: Clients) -> None:
    aws.emulator.set_fault(operation="ListAccounts", status=500, count=1)
    aws.emulator.set_fault(operation="ListAccounts", status=429, count=1)
    faults = aws.emulator.engine.faults
    assert [getattr(faults.on_call("ListAccounts")[1], "status", None) for _ in range(2)] == [500, 429]
    assert faults.on_call("ListAccounts") == (0.0, None)


def test_tps_limit_is_shared_across_portal_operations(aws: Clients) -> None:
    _, token = aws.device_login()
    aws.emulator.set_fault(tps_limit=5)
    outcomes = []
    for i in range(20):
        call = aws.sso.list_accounts if i % 2 else aws.sso.list_account_roles
        arguments = {} if i % 2 else {"accountId": "123456789012"}
        try:
            call(accessToken=token["accessToken"], **arguments)
            outcomes.append("ok")
        except aws.sso.exceptions.TooManyRequestsException as throttled:
            assert int(throttled.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1
            outcomes.append("429")
    assert 5 <= outcomes.count("ok") <= 8 and outcomes.count("429") >= 12
    stats = aws.emulator.stats()
    assert stats["ListAccounts"] == 10 and stats["ListAccountRoles"] == 10


def test_tps_limit_and_latency_set_at_start_survive_clear_faults(emulator_factory: Any) -> None:
    emulator = emulator_factory(tps_limit=2, latency_ms=50)
    aws = make_clients(emulator)
    _, token = aws.device_login()
    emulator.clear_faults()
    results = []
    for _ in range(6):
        try:
            aws.sso.list_accounts(accessToken=token["accessToken"])
            results.append("ok")
        except aws.sso.exceptions.TooManyRequestsException:
            results.append("429")
    assert "429" in results
    emulator.admin("clear-faults", {"baseline": True})
    assert emulator.admin("faults")["faults"] == []


def test_stats_count_what_reached_the_server(aws: Clients) -> None:
    assert aws.emulator.stats() == {}
    _, token = aws.device_login()
    aws.sso.list_accounts(accessToken=token["accessToken"])
    aws.sso.logout(accessToken=token["accessToken"])
    assert aws.emulator.stats() == {
        "RegisterClient": 1,
        "StartDeviceAuthorization": 1,
        "CreateToken": 1,
        "ListAccounts": 1,
        "Logout": 1,
    }
    assert aws.emulator.admin("stats", {"reset": True})["calls"]["Logout"] == 1
    assert aws.emulator.stats() == {}


def _idc(emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"IDC_EMULATOR_URL": emulator.base_url, "IDC_EMULATOR_ADMIN_TOKEN": emulator.admin_token}
    return subprocess.run(
        [sys.executable, "-m", "idc", "emulator", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_admin_commands(aws: Clients) -> None:
    _, token = aws.device_login()
    done = _idc(aws.emulator, "fault", "--operation", "GetRoleCredentials", "--status", "429", "--count", "1")
    assert done.returncode == 0, done.stderr
    with pytest.raises(aws.sso.exceptions.TooManyRequestsException):
        aws.sso.get_role_credentials(accessToken=token["accessToken"], **ROLE)
    stats = _idc(aws.emulator, "stats")
    assert stats.returncode == 0 and '"GetRoleCredentials": 1' in stats.stdout
    for refused in ("nan", "inf", "1e308"):  # refused by the API: nothing applied, no 500 after
        done = _idc(aws.emulator, "advance-clock", "--", refused)
        assert done.returncode != 0, done.stderr
        assert "seconds must be" in done.stderr or "not valid JSON" in done.stderr, done.stderr
    expired = _idc(aws.emulator, "expire", "--user", "demo", "--what", "tokens")
    assert expired.stdout.strip() == "Expired 1 access token(s) and 0 role credential(s).", expired.stderr
    with pytest.raises(aws.sso.exceptions.UnauthorizedException):
        aws.sso.list_accounts(accessToken=token["accessToken"])
    assert _idc(aws.emulator, "advance-clock", "3601").stdout.strip() == "Clock offset is now +3601 s."
    with pytest.raises(aws.sso.exceptions.UnauthorizedException):
        aws.sso.list_accounts(accessToken=token["accessToken"])
    skewed = _idc(aws.emulator, "fault", "--clock-skew", "960")
    assert skewed.stdout.strip() == "Service clock skew is now +960 s.", skewed.stderr
    assert aws.emulator.admin("info")["skew"] == 960
    ended = _idc(aws.emulator, "end-sessions", "--user", "demo")
    assert ended.stdout.strip() == "Ended 1 session."
    assert _idc(aws.emulator, "clear-faults").returncode == 0
    assert aws.emulator.admin("info")["skew"] == 0


@pytest.mark.parametrize(
    ("env", "fragment", "code"),
    [
        pytest.param({"IDC_EMULATOR_ADMIN_TOKEN": "wrong"}, "refused the admin token", 3, id="wrong-token"),
        pytest.param(
            {"IDC_EMULATOR_URL": "http://127.0.0.1:9"}, "cannot reach the emulator", 6, id="no-server"
        ),
    ],
)
def test_admin_command_failures_are_one_line(
    aws: Clients, env: dict[str, str], fragment: str, code: int
) -> None:
    base = {"IDC_EMULATOR_URL": aws.emulator.base_url, "IDC_EMULATOR_ADMIN_TOKEN": aws.emulator.admin_token}
    done = subprocess.run(
        [sys.executable, "-m", "idc", "emulator", "stats"],
        env={**os.environ, **base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code
    assert fragment in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert aws.emulator.admin_token not in done.stderr


def test_a_fault_the_emulator_refuses_is_a_configuration_error(aws: Clients) -> None:
    """An unknown --operation is the caller's mistake (exit 3, naming the fix), not a service failure."""
    done = _idc(aws.emulator, "fault", "--operation", "Nope", "--status", "429")
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("idc: the emulator refused fault: unknown operation 'Nope'")
    assert done.stderr.rstrip().endswith("See `idc emulator fault --help`.")
    assert len(done.stderr.strip().splitlines()) == 1
