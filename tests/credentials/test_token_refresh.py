"""Token refresh against the local Identity Center (catalogue 10-12): windows, single flight, a
refresh without refreshToken, InvalidGrant, an expired registration, failures while still valid."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from credential_helpers import (
    idc_script,
    run_idc,
    secrets_in,
    set_token_expiry,
    token_file,
    unwritable,
    write_config,
)

from idc.aws.clients import BotocoreClientFactory
from idc.aws.retry import RetryPolicy
from idc.config import resolve_sso
from idc.errors import CacheError, LoginRequired, ServiceError
from idc.signin.token_refresh import EXPIRED_MESSAGE, get_valid_token
from idc.storage.locations import Locations


def _refresh(**kwargs: Any):
    return get_valid_token(
        resolve_sso("dev"),
        locations=Locations.from_environ(),
        client_factory=kwargs.pop("client_factory", None) or BotocoreClientFactory(),
        **kwargs,
    )


def test_a_token_outside_the_window_is_used_as_is(signed_in, emulator) -> None:
    before = json.loads(token_file(signed_in).read_text())
    token = _refresh()
    assert token.access_token == before["accessToken"]
    assert emulator.stats().get("CreateToken") is None


@pytest.mark.parametrize("left", [timedelta(minutes=14), timedelta(minutes=5)], ids=["advisory", "mandatory"])
def test_a_token_inside_the_window_is_refreshed_and_saved(signed_in, emulator, left) -> None:
    old = set_token_expiry(signed_in, left)
    started = datetime.now(timezone.utc)
    token = _refresh()
    saved = json.loads(token_file(signed_in).read_text())
    assert token.access_token == saved["accessToken"] != old["accessToken"]
    # expiry from expiresIn on the local clock (the emulator gives an hour)
    assert abs((token.expires_at - started).total_seconds() - 3600) < 5
    assert saved["clientId"] == old["clientId"] and saved["clientSecret"] == old["clientSecret"]
    assert emulator.stats().get("CreateToken") == 1
    assert token_file(signed_in).stat().st_mode & 0o777 == 0o600


def test_a_refresh_answer_without_refresh_token_keeps_the_old_one(signed_in, emulator) -> None:
    """Identity Center may answer a refresh without a new refreshToken: keep what we have."""
    old = set_token_expiry(signed_in, timedelta(minutes=5))
    factory = BotocoreClientFactory()

    def drop_refresh_token(parsed: dict[str, Any], **_: Any) -> None:
        parsed.pop("refreshToken", None)

    factory("sso-oidc", emulator.region).meta.events.register(
        "after-call.sso-oidc.CreateToken", drop_refresh_token
    )
    token = _refresh(client_factory=factory)
    saved = json.loads(token_file(signed_in).read_text())
    assert saved["accessToken"] != old["accessToken"]
    for key in ("refreshToken", "clientId", "clientSecret", "registrationExpiresAt", "startUrl", "region"):
        assert saved[key] == old[key], key
    assert token.refresh_token == old["refreshToken"]


def test_invalid_grant_makes_one_attempt_then_asks_to_log_in(signed_in, emulator) -> None:
    set_token_expiry(signed_in, timedelta(seconds=-60))
    emulator.set_fault(operation="CreateToken", error="invalid_grant")
    for _ in range(3):
        result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
        assert result.returncode == 4
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"idc: {EXPIRED_MESSAGE} Run `idc login --profile dev` to sign in again."
        ]
    assert emulator.stats().get("CreateToken") == 1  # one attempt per 60 s, across processes
    assert token_file(signed_in).exists()  # nothing deleted


BOTOCORE_STS = """
import boto3
boto3.Session(profile_name="dev").client("sts", region_name="eu-west-1").get_caller_identity()
"""


def test_a_token_another_tool_wrote_since_the_last_attempt_is_refreshed_at_once(signed_in, emulator) -> None:
    """The one-attempt-per-60-s rule is about one token: when botocore (another tool) has refreshed the
    file since, idc's failed attempt says nothing about the new token, which is tried at once."""
    set_token_expiry(signed_in, timedelta(seconds=-60))
    emulator.set_fault(operation="CreateToken", error="invalid_grant")
    refused = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert refused.returncode == 4, refused.stderr
    emulator.clear_faults()

    # botocore's own SSO token provider (another process, another tool) refreshes and rewrites the file.
    before = json.loads(token_file(signed_in).read_text())
    botocore = subprocess.run(
        [sys.executable, "-c", BOTOCORE_STS], env=signed_in.env, capture_output=True, text=True, timeout=60
    )
    assert botocore.returncode == 0, botocore.stderr
    rewritten = set_token_expiry(signed_in, timedelta(seconds=-60))  # and that token is over too
    assert rewritten["refreshToken"] != before["refreshToken"]
    assert emulator.stats().get("CreateToken") == 2

    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert emulator.stats().get("CreateToken") == 3
    assert json.loads(token_file(signed_in).read_text())["accessToken"] != rewritten["accessToken"]


def test_invalid_grant_while_the_token_is_still_valid_uses_it_and_warns(signed_in, emulator) -> None:
    old = set_token_expiry(signed_in, timedelta(minutes=12))
    emulator.set_fault(operation="CreateToken", error="invalid_grant")
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert "idc login --profile dev" in result.stderr
    assert json.loads(token_file(signed_in).read_text())["accessToken"] == old["accessToken"]


def test_an_expired_registration_is_not_refreshed(signed_in, emulator) -> None:
    set_token_expiry(signed_in, timedelta(seconds=-1), registrationExpiresAt="2020-01-01T00:00:00Z")
    with pytest.raises(LoginRequired, match="idc login --profile dev"):
        _refresh()
    assert emulator.stats().get("CreateToken") is None


@pytest.mark.parametrize("how", ["server-error", "unreachable"])
def test_a_failed_refresh_while_still_valid_does_not_fail_the_request(
    signed_in, emulator, monkeypatch, how
) -> None:
    old = set_token_expiry(signed_in, timedelta(minutes=5))  # mandatory window: botocore would fail
    if how == "server-error":
        emulator.set_fault(operation="CreateToken", status=500)
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
    token = _refresh()
    assert token.access_token == old["accessToken"]


def test_a_failed_refresh_of_an_expired_token_says_what_failed(signed_in, emulator, monkeypatch) -> None:
    set_token_expiry(signed_in, timedelta(seconds=-5))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
    with pytest.raises(ServiceError, match="Could not reach IAM Identity Center"):
        _refresh(refresh_policy=RetryPolicy(budget_s=0.5))


def test_an_expired_token_without_refresh_asks_to_log_in_like_the_aws_cli(signed_in) -> None:
    path = token_file(signed_in)
    data = json.loads(path.read_text())
    del data["refreshToken"]
    path.write_text(json.dumps(data))
    set_token_expiry(signed_in, timedelta(minutes=-1))
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 4
    assert EXPIRED_MESSAGE in result.stderr and "`idc login --profile dev`" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_token_at_all(emulator, aws_home) -> None:
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    result = run_idc(["credentials", "--profile", "dev"], dict(aws_home.env, **emulator.env), script=True)
    assert result.returncode == 4
    # AWS CLI v2 (botocore SSOTokenLoader): "Error loading SSO Token: Token for corp does not exist"
    assert result.stderr == (
        "idc: Error loading SSO Token: Token for corp does not exist."
        " Run `idc login --profile dev` to sign in.\n"
    )


@pytest.mark.parametrize(
    "content",
    ["", "{not json", '{"startUrl": "x", "expiresAt": "2030-01-01T00:00:00Z"}', '{"a": ' * 100_000],
    ids=["empty", "corrupt", "no-access-token", "deep-nesting"],
)
def test_a_corrupt_token_cache_names_the_file_and_the_fix(signed_in, content: str) -> None:
    path = token_file(signed_in)
    path.write_text(content)
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 7
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0] and "idc login --profile dev" in lines[0]


def test_refresh_with_local_clock_skew_counts_expiry_from_expires_in(signed_in) -> None:
    for skew in (timedelta(minutes=10), timedelta(minutes=-10)):
        set_token_expiry(signed_in, skew + timedelta(minutes=5))  # 5 min left on the skewed clock
        skewed = lambda skew=skew: datetime.now(timezone.utc) + skew  # noqa: E731
        token = _refresh(clock=skewed)
        # the local clock's idea of "now + 1 h", whatever the server's clock says
        assert abs((token.expires_at - skewed()).total_seconds() - 3600) < 5


def test_debug_output_never_shows_a_secret(signed_in) -> None:
    set_token_expiry(signed_in, timedelta(minutes=12))
    result = run_idc(["--debug", "credentials", "--profile", "dev"], signed_in.env)
    assert result.returncode == 0, result.stderr
    assert "token refreshed" in result.stderr  # the debug log is really on
    # idc's own output writes times one way (Z), as whoami and list do; +00:00 is the export formats'.
    assert re.search(r"token refreshed; expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", result.stderr)
    assert re.search(r"valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", result.stderr)
    assert "+00:00" not in result.stderr
    for secret in secrets_in(signed_in):
        assert secret not in result.stderr
    printed = json.loads(result.stdout)
    for key in ("SecretAccessKey", "SessionToken"):
        assert printed[key] not in result.stderr


def test_load_errors_are_cache_errors_with_the_login_hint(signed_in) -> None:
    token_file(signed_in).write_text("[]")
    with pytest.raises(CacheError) as raised:
        _refresh()
    assert "idc login --profile dev" in str(raised.value)
    assert os.fspath(token_file(signed_in)) in str(raised.value)


def _refresh_in_flight(signed_in, emulator, latency_ms: int) -> subprocess.Popen[str]:
    """`idc credentials` in a child whose refresh (CreateToken) the server is holding for latency_ms."""
    set_token_expiry(signed_in, timedelta(seconds=-5))
    emulator.set_fault(operation="CreateToken", latency_ms=latency_ms)
    child = subprocess.Popen(
        [idc_script(), "credentials", "--profile", "dev"],
        env=signed_in.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while emulator.stats().get("CreateToken") != 1:
        if time.monotonic() > deadline or child.poll() is not None:
            child.kill()
            pytest.fail(f"CreateToken never started: {child.communicate()}")
        time.sleep(0.02)
    return child


def _next_run_works(signed_in, emulator, create_token_calls: int) -> None:
    emulator.clear_faults()
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert emulator.stats().get("CreateToken") == create_token_calls


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_refresh_interrupted_mid_flight_does_not_block_the_next_run(signed_in, emulator, how) -> None:
    """The attempt record of a process that is gone is not a failure: the next run refreshes at once."""
    with _refresh_in_flight(signed_in, emulator, latency_ms=30_000) as child:
        child.send_signal(how)
        if how == signal.SIGINT:  # the first Ctrl-C waits for the answer; the second one insists
            time.sleep(0.2)
            child.send_signal(how)
        child.communicate(timeout=30)
    _next_run_works(signed_in, emulator, create_token_calls=2)


@pytest.mark.parametrize(
    ("how", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)], ids=["ctrl-c", "kill"]
)
def test_an_interrupt_during_a_refresh_waits_until_the_rotated_token_is_saved(
    signed_in, emulator, how, status
) -> None:
    """Identity Center has rotated the refresh token by the time it answers: an interrupt that threw the
    answer away would cost the session (the old refresh token is now a replay). It waits instead."""
    before = json.loads(token_file(signed_in).read_text())
    with _refresh_in_flight(signed_in, emulator, latency_ms=1500) as child:
        child.send_signal(how)
        out, err = child.communicate(timeout=30)
    assert child.returncode == status, err
    assert out == ""  # interrupted: no credentials printed
    assert "finishing the SSO token refresh" in err and err[-1] == "\n"
    assert not [secret for secret in secrets_in(signed_in) if secret in err]
    after = json.loads(token_file(signed_in).read_text())
    assert after["refreshToken"] != before["refreshToken"]
    assert after["accessToken"] != before["accessToken"]
    # The next run uses the saved token: no second refresh, and the session was not revoked.
    _next_run_works(signed_in, emulator, create_token_calls=1)


def _forget_role_credentials(aws_home) -> None:
    for path in aws_home.cli_cache.glob("*.json"):
        path.unlink()


def test_a_refreshed_token_that_cannot_be_saved_is_handed_out_and_kept_for_the_next_run(
    signed_in, emulator
) -> None:
    """Identity Center rotated the refresh token: losing the new one would end the session (item 1).

    The cache directory passes the writability check but the file refuses the rename (immutable), as a
    disk that fills up between the check and the save would.
    """
    old = set_token_expiry(signed_in, timedelta(seconds=-5))
    path = token_file(signed_in)
    with unwritable(path):
        result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"]
        [warning] = result.stderr.splitlines()
        assert warning.startswith("idc: warning: ") and str(path) in warning
        assert json.loads(path.read_text())["accessToken"] == old["accessToken"]
    kept = [p for p in (signed_in.home / ".aws" / "idc").rglob("*") if p.is_file() and "pending" in str(p)]
    assert [p.stat().st_mode & 0o777 for p in kept] == [0o600]
    for secret in secrets_in(signed_in):
        assert secret not in result.stderr

    # The next run uses the kept token (the old refresh token is never replayed) and stores it.
    _forget_role_credentials(signed_in)
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    saved = json.loads(path.read_text())
    assert saved["accessToken"] != old["accessToken"] and saved["refreshToken"] != old["refreshToken"]
    assert not [p for p in kept if p.exists()]
    assert emulator.stats().get("CreateToken") == 1

    # The session lives on: the kept refresh token refreshes again (a minute later: the attempt
    # record's one-per-60-s rule is not what this test is about).
    set_token_expiry(signed_in, timedelta(seconds=-5))
    _forget_role_credentials(signed_in)
    for record in (signed_in.home / ".aws" / "idc" / "refresh").glob("*.json"):
        record.unlink()
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert emulator.stats().get("CreateToken") == 2


def _sign_in_elsewhere(emulator, home) -> dict[str, Any]:
    """A real sign-in whose token lands in another HOME's cache (as another tool's would); its JSON."""
    from idc.emulator.page_approver import PageApprover, user_code_in
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget

    terminal = io.StringIO()
    approver = PageApprover(user_code=lambda: user_code_in(terminal.getvalue()))
    other = Locations.from_environ({"HOME": str(home)})
    target = SsoSessionTarget("corp", emulator.start_url, emulator.region, ("sso:account:access",))
    login(target, locations=other, client_factory=BotocoreClientFactory(), opener=approver, out=terminal)
    approver.wait()
    [path] = [p for p in other.sso_cache_dir.glob("*.json") if "accessToken" in p.read_text()]
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_a_kept_refreshed_token_never_replaces_a_newer_sign_in(signed_in, emulator, tmp_path) -> None:
    """The refreshed token kept in the pending file (the cache refused it) replaces only the token it
    was refreshed from: once another tool has signed in (`aws sso login` writes the cache file), the
    sign-in's token is the one used and kept, and the pending one is dropped."""
    set_token_expiry(signed_in, timedelta(seconds=-5))
    path = token_file(signed_in)
    with unwritable(path):
        kept = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
        assert kept.returncode == 0, kept.stderr
    pending = [p for p in (signed_in.home / ".aws" / "idc").rglob("*.json") if "pending" in str(p)]
    assert len(pending) == 1

    newer = _sign_in_elsewhere(emulator, tmp_path / "other-home")
    path.write_text(json.dumps(newer))  # written as the AWS CLI writes it, without idc
    _forget_role_credentials(signed_in)
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(path.read_text()) == newer
    assert not pending[0].exists()
    assert emulator.stats().get("CreateToken") == 2  # the refresh, and the other sign-in; no other


def test_a_refresh_in_flight_never_overwrites_a_sign_in_saved_meanwhile(
    signed_in, emulator, tmp_path
) -> None:
    """Two processes: idc's refresh is held by the server while another tool signs in and writes the
    cache; the refresh's answer, arriving later, must not replace that newer sign-in."""
    newer = _sign_in_elsewhere(emulator, tmp_path / "other-home")
    emulator.admin("stats", {"reset": True})
    path = token_file(signed_in)
    with _refresh_in_flight(signed_in, emulator, latency_ms=2000) as child:
        path.write_text(json.dumps(newer))  # `aws sso login` takes no idc lock
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert json.loads(out)["AccessKeyId"]
    assert json.loads(path.read_text()) == newer
    assert emulator.stats().get("CreateToken") == 1


@pytest.mark.parametrize(
    "left", [timedelta(minutes=12), timedelta(seconds=-5)], ids=["still-valid", "expired"]
)
def test_a_read_only_token_cache_is_not_refreshed(signed_in, emulator, left) -> None:
    """A refresh whose result cannot be stored would rotate the refresh token away: do not start it."""
    old = set_token_expiry(signed_in, left)
    with unwritable(signed_in.sso_cache):
        result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert emulator.stats().get("CreateToken") is None
    [line] = result.stderr.splitlines()
    assert str(signed_in.sso_cache) in line
    if left > timedelta(0):
        assert result.returncode == 0 and line.startswith("idc: warning: ")
        assert json.loads(result.stdout)["AccessKeyId"]
    else:
        assert result.returncode == 7 and "idc login --profile dev" not in line
    assert json.loads(token_file(signed_in).read_text()) == old
