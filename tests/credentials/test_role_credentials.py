"""Role credentials against the local Identity Center (catalogue 6, 9, 12-15, 21)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from credential_helpers import (
    ACCOUNT,
    ROLE,
    SESSION,
    idc_script,
    run_idc,
    sign_in,
    write_config,
    write_role_cache,
)

from idc.aws.clients import BotocoreClientFactory
from idc.aws.retry import RetryPolicy
from idc.config import resolve_sso
from idc.credentials import hotpath
from idc.credentials.role_credentials import fetch_with_reload, get_role_credentials, local_expiry
from idc.errors import ConfigError, LoginRequired, Throttled
from idc.storage.locations import Locations
from idc.storage.locking import lock_path_for
from idc.storage.role_cache import load_role_credentials, role_cache_key
from idc.storage.token_cache import load_token, token_cache_key


def _get(**kwargs: Any):
    return get_role_credentials(
        resolve_sso("dev"),
        locations=Locations.from_environ(),
        client_factory=kwargs.pop("client_factory", None) or BotocoreClientFactory(),
        **kwargs,
    )


def test_429_with_retry_after_is_waited_out_with_jitter(signed_in, emulator) -> None:
    emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=1, count=2)
    started = time.monotonic()
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert elapsed >= 2.0  # two Retry-After: 1 waits, at least
    assert emulator.stats().get("GetRoleCredentials") == 3


def test_429_past_the_budget_fails_with_one_clear_line(signed_in, emulator) -> None:
    emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=1)
    started = time.monotonic()
    with pytest.raises(Throttled) as raised:
        _get(retry_policy=RetryPolicy(budget_s=2.5))
    assert time.monotonic() - started < 4
    assert "throttled GetRoleCredentials" in str(raised.value) and "\n" not in str(raised.value)
    calls = emulator.stats().get("GetRoleCredentials")
    assert calls is not None and 2 <= calls <= 3


def test_a_retry_after_beyond_the_budget_fails_at_once_from_the_cli(signed_in, emulator) -> None:
    emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=120)
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 6
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "asked to wait 120s" in result.stderr


def test_a_401_after_another_process_replaced_the_token_reloads_once(signed_in, emulator) -> None:
    locations = Locations.from_environ()
    key = token_cache_key(SESSION, emulator.start_url)
    first = load_token(locations, key)
    sign_in(emulator, signed_in)  # "another process" signs in again: a new token in the cache
    second = load_token(locations, key)
    assert first is not None and second is not None and first.access_token != second.access_token
    # The first sign-in's session ends (portal Logout with its token): its token now gets 401.
    factory = BotocoreClientFactory()
    factory("sso", emulator.region).logout(accessToken=first.access_token)
    emulator.admin("stats", {"reset": True})
    credentials = fetch_with_reload(resolve_sso("dev"), first, locations=locations, client_factory=factory)
    assert credentials.access_key_id
    assert emulator.stats().get("GetRoleCredentials") == 2  # the 401, then the reloaded token
    assert emulator.stats().get("CreateToken") is None  # no new login


def test_a_401_without_a_newer_token_is_login_required(signed_in, emulator) -> None:
    locations = Locations.from_environ()
    token = load_token(locations, token_cache_key(SESSION, emulator.start_url))
    emulator.end_sessions()
    with pytest.raises(LoginRequired, match="idc login --profile dev"):
        fetch_with_reload(
            resolve_sso("dev"), token, locations=locations, client_factory=BotocoreClientFactory()
        )
    assert emulator.stats().get("GetRoleCredentials") == 1
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 4
    assert "has expired or is otherwise invalid" in result.stderr


@pytest.mark.parametrize("skew", [timedelta(minutes=10), timedelta(minutes=-10)], ids=["ahead", "behind"])
def test_expiry_is_moved_onto_the_local_clock_under_skew(signed_in, skew) -> None:
    """The emulator's real Date header vs a local clock 10 minutes off: the remaining life the local
    clock sees equals the life the server granted (an hour), never more."""
    skewed = lambda: datetime.now(timezone.utc) + skew  # noqa: E731
    credentials = _get(clock=skewed)
    remaining = (credentials.expiration - skewed()).total_seconds()
    assert 3600 - 12 <= remaining <= 3600
    # The hot path (real clock) reads what was written with the same meaning.
    cached = load_role_credentials(Locations.from_environ(), role_cache_key(ACCOUNT, ROLE, SESSION, ""))
    assert cached == credentials


def test_local_expiry_is_never_later_than_the_server_allows() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=timezone.utc)
    expiry = now + timedelta(hours=1)
    assert local_expiry(expiry, now, now, now) == expiry  # clocks agree
    assert local_expiry(expiry, None, now, now) == expiry  # no Date header: the server's value
    behind = now - timedelta(minutes=10)  # local clock 10 minutes behind the server
    moved = local_expiry(expiry, now, behind, behind)
    assert moved - behind <= timedelta(hours=1)


def test_credentials_with_less_than_15_minutes_are_replaced(signed_in, emulator) -> None:
    write_role_cache(
        signed_in.cli_cache,
        expires_in=timedelta(minutes=14),
        start_url=emulator.start_url,
        access_key_id="OLD",
    )
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert creds["AccessKeyId"] != "OLD"
    life = datetime.fromisoformat(creds["Expiration"]) - datetime.now(timezone.utc)
    assert life > timedelta(minutes=15)
    assert emulator.stats().get("GetRoleCredentials") == 1


def test_a_corrupt_role_cache_is_a_miss_and_is_rewritten(signed_in, emulator) -> None:
    path = write_role_cache(signed_in.cli_cache, expires_in=timedelta(hours=1), start_url=emulator.start_url)
    path.write_text('{"ProviderType": "sso", "Credentials": {"AccessKe')
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    rewritten = json.loads(path.read_text())
    assert rewritten["Credentials"]["AccessKeyId"] == json.loads(result.stdout)["AccessKeyId"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_botocore_uses_idc_as_credential_process(signed_in, emulator) -> None:
    """credential_process = idc credentials --profile dev, read by boto3 in its own process; then a
    real STS call signed with those credentials."""
    with signed_in.config_file.open("a") as config:
        config.write(f"\n[profile app]\ncredential_process = {idc_script()} credentials --profile dev\n")
    probe = (
        "import boto3, json\n"
        "session = boto3.Session(profile_name='app', region_name='us-east-1')\n"
        "frozen = session.get_credentials().get_frozen_credentials()\n"
        "identity = session.client('sts').get_caller_identity()\n"
        "print(json.dumps({'key': frozen.access_key, 'arn': identity['Arn']}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=signed_in.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert (
        seen["key"]
        == json.loads(run_idc(["credentials", "--profile", "dev"], signed_in.env).stdout)["AccessKeyId"]
    )
    assert f"assumed-role/AWSReservedSSO_{ROLE}_" in seen["arn"]


def test_botocore_reports_a_failed_credential_process_without_secrets(emulator, aws_home) -> None:
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    with aws_home.config_file.open("a") as config:
        config.write(f"\n[profile app]\ncredential_process = {idc_script()} credentials --profile dev\n")
    probe = "import boto3\nboto3.Session(profile_name='app').get_credentials().get_frozen_credentials()\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=dict(aws_home.env, **emulator.env), capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "idc login --profile dev" in result.stderr  # SDKs show the helper's stderr


def test_exec_on_a_cold_cache_fetches_then_runs(signed_in, emulator) -> None:
    result = subprocess.run(
        [
            idc_script(),
            "exec",
            "--profile",
            "dev",
            "--",
            sys.executable,
            "-c",
            "import os, sys; print(os.environ['AWS_ACCESS_KEY_ID']); sys.exit(3)",
        ],
        env=dict(signed_in.env, AWS_PROFILE="dev"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip().startswith("ASIA") or result.stdout.strip()
    cached = load_role_credentials(Locations.from_environ(), role_cache_key(ACCOUNT, ROLE, SESSION, ""))
    assert cached is not None and cached.access_key_id == result.stdout.strip()


def test_a_profile_without_a_role_is_a_config_error(signed_in) -> None:
    with signed_in.config_file.open("a") as config:
        config.write(f"\n[profile nosso]\nsso_session = {SESSION}\n")
    with pytest.raises(ConfigError):
        get_role_credentials(resolve_sso("nosso"), locations=Locations.from_environ())
    result = run_idc(["credentials", "--profile", "nosso"], signed_in.env, script=True)
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_unknown_profile_is_one_line(signed_in) -> None:
    result = run_idc(["credentials", "--profile", "nope"], signed_in.env, script=True)
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1 and "nope" in result.stderr


def test_the_hot_path_and_the_library_share_one_lock(aws_home) -> None:
    locations = Locations.from_environ()
    key = role_cache_key(ACCOUNT, ROLE, SESSION, "")
    assert hotpath.role_lock_path(str(aws_home.home / ".aws" / "idc"), key) == str(
        lock_path_for(locations, "role", key)
    )


@pytest.mark.parametrize(
    "extra",
    [
        "",
        "[profile legacy]\nsso_start_url = https://d-1111111111.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = us-west-2\n",
        "[default]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = Dev\n",
    ],
    ids=["session", "legacy", "default"],
)
def test_the_hot_path_reads_profiles_as_the_config_reader_does(aws_home, extra: str) -> None:
    start_url = "https://d-0000000000.awsapps.com/start"
    write_config(aws_home.config_file, start_url, "ap-northeast-1", extra=extra)
    for name in ("dev", "legacy", "default"):
        fast = hotpath.resolve_role_profile(str(aws_home.config_file), name)
        try:
            full = resolve_sso(name)
        except ConfigError:
            assert fast is None
            continue
        assert fast == (full.account_id, full.role_name, full.session_name, full.start_url, full.region)


BOTOCORE_FETCHER = """
import json, os, sys
import botocore.session
from botocore.credentials import SSOCredentialFetcher
from botocore.utils import JSONFileCache, SSOTokenLoader

start_url, region, session_name, allow_calls = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "yes"
session = botocore.session.get_session()

def client_creator(service, **kwargs):
    if not allow_calls:
        raise AssertionError("botocore should have answered from the cache")
    return session.create_client(service, **kwargs)

loader = SSOTokenLoader(cache=JSONFileCache(os.path.expanduser("~/.aws/sso/cache")))
fetcher = SSOCredentialFetcher(
    start_url, region, "AdministratorAccess", "123456789012",
    client_creator=client_creator,
    token_loader=lambda url: loader(url, session_name=session_name),
    cache=JSONFileCache(os.path.expanduser("~/.aws/cli/cache")),  # the AWS CLI v2's role cache
    sso_session_name=session_name,
)
print(json.dumps(fetcher.fetch_credentials()))
"""


def test_botocore_and_idc_read_each_others_role_cache(signed_in, emulator) -> None:
    """AWS CLI v2 reads ~/.aws/cli/cache through botocore's SSOCredentialFetcher + JSONFileCache."""
    ours = json.loads(run_idc(["credentials", "--profile", "dev"], signed_in.env).stdout)
    read = subprocess.run(
        [sys.executable, "-c", BOTOCORE_FETCHER, emulator.start_url, emulator.region, SESSION, "no"],
        env=signed_in.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.returncode == 0, read.stderr
    theirs = json.loads(read.stdout)
    assert (theirs["access_key"], theirs["secret_key"], theirs["token"]) == (
        ours["AccessKeyId"],
        ours["SecretAccessKey"],
        ours["SessionToken"],
    )
    # botocore writes the entry (after its own GetRoleCredentials with idc's token); idc reads it.
    for path in signed_in.cli_cache.glob("*.json"):
        path.unlink()
    written = subprocess.run(
        [sys.executable, "-c", BOTOCORE_FETCHER, emulator.start_url, emulator.region, SESSION, "yes"],
        env=signed_in.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert written.returncode == 0, written.stderr
    calls = emulator.stats().get("GetRoleCredentials")
    again = json.loads(run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True).stdout)
    assert again["AccessKeyId"] == json.loads(written.stdout)["access_key"]
    assert emulator.stats().get("GetRoleCredentials") == calls  # a cache hit for idc
