"""Helpers for the credential tests: profiles in a tmp ~/.aws, role-cache entries, running `idc`."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from idc.storage.role_cache import role_cache_key

ACCOUNT = "123456789012"
ROLE = "AdministratorAccess"
SESSION = "corp"

IDC = [sys.executable, "-m", "idc"]


def idc_script() -> str:
    """The venv's console script (what users and credential_process run)."""
    return str(Path(sys.executable).with_name("idc"))


def write_config(config_file: Path, start_url: str, sso_region: str, *, extra: str = "") -> None:
    config_file.write_text(
        f"""[profile dev]
sso_session = {SESSION}
sso_account_id = {ACCOUNT}
sso_role_name = {ROLE}
region = eu-west-1
output = json

[sso-session {SESSION}]
sso_start_url = {start_url}
sso_region = {sso_region}
sso_registration_scopes = sso:account:access
{extra}"""
    )


def write_role_cache(
    cli_cache: Path,
    *,
    expires_in: timedelta,
    session_name: str | None = SESSION,
    start_url: str = "https://d-0000000000.awsapps.com/start",
    access_key_id: str = "ASIACACHED",
) -> Path:
    expiration = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    cli_cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = cli_cache / f"{role_cache_key(ACCOUNT, ROLE, session_name, start_url)}.json"
    path.write_text(
        json.dumps(
            {
                "ProviderType": "sso",
                "Credentials": {
                    "AccessKeyId": access_key_id,
                    "SecretAccessKey": "cached-secret",
                    "SessionToken": "cached-session-token",
                    "Expiration": expiration,
                    "AccountId": ACCOUNT,
                },
            }
        )
    )
    return path


def run_idc(
    args: list[str], env: dict[str, str], *, timeout: float = 60, script: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [idc_script(), *args] if script else [*IDC, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def sign_in(emulator, aws_home, *, device_code: bool = False):
    """A real sign-in against the emulator (H4's login, H2's page approver walking the pages)."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.emulator.page_approver import PageApprover, user_code_in
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget
    from idc.storage.locations import Locations

    terminal = io.StringIO()
    approver = PageApprover(user_code=lambda: user_code_in(terminal.getvalue()))
    target = SsoSessionTarget(SESSION, emulator.start_url, emulator.region, ("sso:account:access",))
    token = login(
        target,
        locations=Locations.from_environ(),
        client_factory=BotocoreClientFactory(),
        opener=approver,
        use_device_code=device_code,
        out=terminal,
    )
    approver.wait()
    return token


def token_file(aws_home) -> Path:
    from idc.storage.token_cache import token_cache_key

    return aws_home.sso_cache / f"{token_cache_key(SESSION, '')}.json"


def set_token_expiry(aws_home, expires_in: timedelta, **changes: object) -> dict[str, object]:
    """Move the cached token's expiresAt (the client's view; the server's token is unchanged)."""
    path = token_file(aws_home)
    data = json.loads(path.read_text())
    data["expiresAt"] = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    data.update(changes)
    path.write_text(json.dumps(data))
    return data


def secrets_in(aws_home) -> list[str]:
    """Every secret value in the tmp caches (tokens, client secrets, secret keys, session tokens)."""
    found = []
    for path in [*aws_home.sso_cache.glob("*.json"), *aws_home.cli_cache.glob("*.json")]:
        data = json.loads(path.read_text())
        for key in ("accessToken", "refreshToken", "clientSecret"):
            if isinstance(data.get(key), str):
                found.append(data[key])
        creds = data.get("Credentials") or {}
        for key in ("SecretAccessKey", "SessionToken"):
            if isinstance(creds.get(key), str):
                found.append(creds[key])
    return found


def browser_script(tmp_path: Path) -> tuple[Path, Path]:
    """A BROWSER command: logs each launch, then a user approves in the background (page approver)."""
    launches = tmp_path / "launches.log"
    script = tmp_path / "approve-browser"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> "{launches}"\n'
        f'exec "{sys.executable}" -m idc.emulator.page_approver_cli --detach "$1"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, launches


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` (a file or a directory) refuses writes and renames, even for root.

    Root ignores permission bits, so root sets the immutable attribute (``chattr +i``); others drop the
    write bits of a directory. Skips where neither can be done (a file for a non-root user).
    """
    chattr = shutil.which("chattr")
    if os.getuid() == 0 and chattr:
        done = subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode == 0
        undo = [chattr, "-i", str(path)]
    elif os.getuid() != 0 and path.is_dir():
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        done, undo = True, []
    else:
        done, undo = False, []
    if not done:
        pytest.skip(f"cannot make {path.name} unwritable here")
    try:
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        elif path.is_dir():
            path.chmod(path.stat().st_mode | 0o700)


def signed_in_on(emulator, aws_home, monkeypatch) -> None:
    """Point this process and the idc processes at ``emulator``, write profile ``dev`` for it, sign in
    for real, and reset the emulator's counters so a test counts only its own calls."""
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    aws_home.env.update(emulator.env)
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    sign_in(emulator, aws_home)
    emulator.admin("stats", {"reset": True})
