"""A session that keeps its sign-in in the OS keychain, end to end, against a real Secret Service.

gnome-keyring on a private D-Bus session (``conftest.secret_service``), the local Identity Center, the
``idc`` console script in subprocesses (the sign-in approved by the page approver through ``BROWSER``),
the real ``aws`` (awscli) and boto3 against moto's S3. Checked: configure and login keep the token, the
refresh token and the client secret out of every file under ``~/.aws``; AWS tools get credentials
through ``credential_process``; refresh, single flight (20 processes, one refresh) and logout work;
switching storage moves the sign-in without a new one; a locked or missing keychain is one line.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from credentials.credential_helpers import ACCOUNT, ROLE, browser_script
from story.helpers import (
    VENV_IDC,
    child_env,
    command,
    installed_env,
    make_bucket,
    path_without_idc,
    uv_run_env,
)

from .conftest import SecretService

pytestmark = [pytest.mark.timeout(240)]

SESSION = "corp"
PROFILE = "P"
BUCKET = "idc-keychain-bucket"


def idc(args: list[str], env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command("idc"), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def configure(env: dict[str, str], emulator: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    return idc(
        [
            "configure",
            "sso",
            "--sso-session",
            SESSION,
            "--start-url",
            emulator.start_url,
            "--sso-region",
            emulator.region,
            "--account-id",
            ACCOUNT,
            "--role-name",
            ROLE,
            "--region",
            "us-east-1",
            "--output",
            "json",
            "--profile",
            PROFILE,
            *extra,
        ],
        env,
    )


def keychain_store(secret_service: SecretService) -> Any:
    from idc.storage.token_store import KeychainTokenStore

    return KeychainTokenStore(SESSION)


def token_key() -> str:
    from idc.storage.token_cache import token_cache_key

    return token_cache_key(SESSION, "")


def keychain_token(secret_service: SecretService) -> Any:
    with secret_service.in_process():
        return keychain_store(secret_service).load_token(token_key())


def move_keychain_expiry(secret_service: SecretService, left: dt.timedelta) -> Any:
    """Make the keychain's token end in ``left`` (the client's view; the server's token is unchanged)."""
    import dataclasses

    with secret_service.in_process():
        store = keychain_store(secret_service)
        token = store.load_token(token_key())
        moved = dataclasses.replace(token, expires_at=dt.datetime.now(dt.timezone.utc) + left)
        store.save_token(token_key(), moved)
        return moved


def files_holding(home: Path, secrets: list[str]) -> list[str]:
    """Every file under ~/.aws whose bytes contain one of ``secrets``."""
    found = []
    for path in (home / ".aws").rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path.relative_to(home)}" for secret in secrets if secret.encode() in data]
    return found


def token_secrets(token: Any) -> list[str]:
    return [token.access_token, token.refresh_token, token.client_secret]


@pytest.fixture
def env(aws_home: Any, emulator: Any, secret_service: SecretService, tmp_path: Path) -> dict[str, str]:
    browser, _launches = browser_script(tmp_path)
    return child_env(aws_home.env, emulator.env, secret_service.env, {"BROWSER": str(browser)})


def test_configure_login_aws_boto3_refresh_logout(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService, s3_server: str
) -> None:
    env.update(installed_env(env, aws_home.home))  # idc on PATH: the config says plain `idc`
    done = configure(env, emulator, "--token-storage", "keychain")
    assert done.returncode == 0, done.stderr

    config = aws_home.config_file.read_text()
    assert f"[sso-session {SESSION}]" in config and "idc_token_storage = keychain" in config
    profile = config.split(f"[profile {PROFILE}]\n", 1)[1].split("\n[", 1)[0]
    assert profile.startswith("# idc: this session's sign-in is in the OS keychain")
    assert f"credential_process = idc credentials --profile {PROFILE}" in profile
    assert f"idc_sso_account_id = {ACCOUNT}" in profile and "\nsso_account_id" not in profile
    assert f"idc_sso_role_name = {ROLE}" in profile and "\nsso_role_name" not in profile

    token = keychain_token(secret_service)
    assert token is not None and token.refresh_token and token.client_secret
    assert files_holding(aws_home.home, token_secrets(token)) == []
    assert not aws_home.sso_cache.exists() or not any(aws_home.sso_cache.iterdir())

    # every AWS tool: the AWS CLI and boto3, through credential_process (botocore's SSO provider would
    # find no token), against moto's S3
    make_bucket(s3_server, BUCKET)
    s3_env = dict(env, AWS_ENDPOINT_URL_S3=s3_server)
    listed = subprocess.run(
        [command("aws"), "s3", "ls", "--profile", PROFILE],
        env=s3_env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert BUCKET in listed.stdout
    boto = subprocess.run(
        [
            sys.executable,
            "-c",
            "import boto3; s = boto3.Session(profile_name='P'); "
            "print(s.get_credentials().method); "
            "print([b['Name'] for b in s.client('s3').list_buckets()['Buckets']])",
        ],
        env=s3_env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert boto.returncode == 0, boto.stderr
    assert boto.stdout.splitlines() == ["custom-process", f"['{BUCKET}']"]

    # refresh: the token enters the refresh window; the role cache misses; idc refreshes in the keychain
    role_cache = list(aws_home.cli_cache.glob("*.json"))
    assert len(role_cache) == 1
    role_cache[0].unlink()
    old = move_keychain_expiry(secret_service, dt.timedelta(minutes=5))
    before = emulator.stats().get("CreateToken", 0)
    fetched = idc(["credentials", "--profile", PROFILE], env)
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["AccessKeyId"]
    assert emulator.stats().get("CreateToken", 0) == before + 1
    fresh = keychain_token(secret_service)
    assert fresh.access_token != old.access_token
    assert fresh.expires_at > old.expires_at + dt.timedelta(minutes=30)
    assert files_holding(aws_home.home, [*token_secrets(old), *token_secrets(fresh)]) == []

    # logout removes the keychain item (and the role credentials)
    out = idc(["logout", "--sso-session", SESSION], env)
    assert out.returncode == 0, out.stderr
    assert keychain_token(secret_service) is None
    after = idc(["credentials", "--profile", PROFILE], env)
    assert after.returncode == 4
    assert f"idc login --profile {PROFILE}" in after.stderr

    # idc login signs in again, into the keychain
    again = idc(["login", "--profile", PROFILE], env)
    assert again.returncode == 0, again.stderr
    token = keychain_token(secret_service)
    assert token is not None
    assert files_holding(aws_home.home, token_secrets(token)) == []


@pytest.mark.slow
def test_twenty_parallel_credentials_make_one_refresh(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService
) -> None:
    done = configure(env, emulator, "--token-storage", "keychain")
    assert done.returncode == 0, done.stderr
    for path in aws_home.cli_cache.glob("*.json"):
        path.unlink()
    old = move_keychain_expiry(secret_service, dt.timedelta(minutes=12))
    emulator.admin("stats", {"reset": True})
    processes = [
        subprocess.Popen(
            [command("idc"), "credentials", "--profile", PROFILE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(20)
    ]
    outputs = set()
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        outputs.add(json.loads(out)["AccessKeyId"])
    assert len(outputs) == 1
    calls = emulator.stats()
    assert calls.get("CreateToken") == 1
    assert calls.get("GetRoleCredentials") == 1
    assert keychain_token(secret_service).access_token != old.access_token


def test_switching_storage_moves_the_sign_in(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService
) -> None:
    # `uv run idc` from a clone: idc is not on the user's PATH, so the profiles name its absolute path,
    # as populate --credential-process does (a bare `idc` would fail in the user's next shell).
    env.update(uv_run_env(env))
    done = configure(env, emulator)  # file storage, the default
    assert done.returncode == 0, done.stderr
    token_file = aws_home.sso_cache / f"{token_key()}.json"
    on_disk = json.loads(token_file.read_text())
    emulator.admin("stats", {"reset": True})

    moved = idc(["configure", "sso-session", "--sso-session", SESSION, "--token-storage", "keychain"], env)
    assert moved.returncode == 0, moved.stderr
    assert "Moved the sign-in of SSO session corp to the OS keychain" in moved.stdout
    assert emulator.stats().get("CreateToken", 0) == 0  # no new sign-in
    token = keychain_token(secret_service)
    assert token.access_token == on_disk["accessToken"]
    assert token.refresh_token == on_disk["refreshToken"]
    assert files_holding(aws_home.home, token_secrets(token)) == []
    config = aws_home.config_file.read_text()
    assert f"credential_process = {VENV_IDC} credentials --profile {PROFILE}" in config
    assert "\nsso_account_id" not in config
    for path in aws_home.cli_cache.glob("*.json"):
        path.unlink()
    # The user's next shell, without idc on PATH: botocore runs the credential_process written.
    later = {**env, "VIRTUAL_ENV": "", "PATH": path_without_idc(env)}
    code = (
        "import botocore.session\n"
        f"s = botocore.session.Session(profile={PROFILE!r})\n"
        "print(s.get_credentials().get_frozen_credentials().access_key)\n"
    )
    fetched = subprocess.run([sys.executable, "-c", code], env=later, capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip().startswith("ASIA")

    back = idc(["configure", "sso-session", "--sso-session", SESSION, "--token-storage", "file"], env)
    assert back.returncode == 0, back.stderr
    assert emulator.stats().get("CreateToken", 0) == 0
    assert json.loads(token_file.read_text())["accessToken"] == on_disk["accessToken"]
    assert keychain_token(secret_service) is None
    config = aws_home.config_file.read_text()
    assert "idc_token_storage" not in config and "credential_process" not in config
    assert "# idc:" not in config
    assert f"sso_account_id = {ACCOUNT}" in config and "idc_sso_account_id" not in config


def test_logout_of_every_session_reaches_the_keychain(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService
) -> None:
    done = configure(env, emulator, "--token-storage", "keychain")
    assert done.returncode == 0, done.stderr
    assert keychain_token(secret_service) is not None
    out = idc(["logout"], env)
    assert out.returncode == 0, out.stderr
    assert keychain_token(secret_service) is None
    assert not list(aws_home.cli_cache.glob("*.json"))
    assert emulator.stats().get("Logout") == 1  # the session ended on the server too
    assert idc(["credentials", "--profile", PROFILE], env).returncode == 4


def test_a_locked_keyring_is_one_line(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService
) -> None:
    done = configure(env, emulator, "--token-storage", "keychain")
    assert done.returncode == 0, done.stderr
    for path in aws_home.cli_cache.glob("*.json"):
        path.unlink()
    secret_service.lock()
    for args in (["credentials", "--profile", PROFILE], ["login", "--profile", PROFILE]):
        refused = idc(args, env)
        assert refused.returncode == 7, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, refused.stderr
        assert lines[0].startswith("idc: The OS keychain is locked. Unlock it and run the command again.")
        assert f"--sso-session {SESSION} --token-storage file" in lines[0]


def test_no_secret_service_is_one_line_and_no_file_fallback(
    aws_home: Any, emulator: Any, tmp_path: Path
) -> None:
    browser, launches = browser_script(tmp_path)
    env = child_env(aws_home.env, emulator.env, {"BROWSER": str(browser)})
    for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
        env.pop(name, None)
    refused = configure(env, emulator, "--token-storage", "keychain")
    assert refused.returncode == 7, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("idc: No OS keychain is available (no Secret Service on the D-Bus session bus")
    assert "--token-storage file" in lines[0]
    assert not launches.exists()  # said before any sign-in began
    assert not aws_home.sso_cache.exists() or not any(aws_home.sso_cache.iterdir())
    assert not aws_home.config_file.exists()


def test_keyring_locked_during_a_refresh_keeps_the_token_off_the_disk(
    env: dict[str, str], aws_home: Any, emulator: Any, secret_service: SecretService
) -> None:
    """The keyring locks while CreateToken is in flight: the rotated token cannot be stored. It serves
    this run, no file under ~/.aws gets it (the user chose the keychain), and one line says why the
    session will need a login."""
    done = configure(env, emulator, "--token-storage", "keychain")
    assert done.returncode == 0, done.stderr
    for path in aws_home.cli_cache.glob("*.json"):
        path.unlink()
    old = move_keychain_expiry(secret_service, dt.timedelta(minutes=5))
    emulator.admin("stats", {"reset": True})
    # CreateToken is counted when it arrives and answered 3 s later: the keyring locks in between.
    emulator.set_fault(operation="CreateToken", latency_ms=3000)
    process = subprocess.Popen(
        [command("idc"), "credentials", "--profile", PROFILE],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while emulator.stats().get("CreateToken", 0) == 0:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    secret_service.lock()
    out, err = process.communicate(timeout=90)

    assert process.returncode == 0, err
    credentials = json.loads(out)
    assert emulator.stats() == {"CreateToken": 1, "GetRoleCredentials": 1}  # with the rotated token
    assert err.splitlines() == [
        "idc: warning: The OS keychain is locked. The refreshed SSO token serves this run only: "
        "Identity Center replaced the refresh token the keychain holds, so the session will need "
        f"`idc login --profile {PROFILE}`."
    ]
    on_disk = [p for p in (aws_home.home / ".aws").rglob("*") if p.is_file()]
    assert [str(p) for p in on_disk if b"refreshToken" in p.read_bytes()] == []
    assert files_holding(aws_home.home, token_secrets(old)) == []
    # The role credentials were cached as usual: the next run needs neither the keychain nor a token.
    again = idc(["credentials", "--profile", PROFILE], env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["AccessKeyId"] == credentials["AccessKeyId"]
