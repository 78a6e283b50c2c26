"""Helpers for the credential tests: profiles in a tmp ~/.aws, role-cache entries, running `idc`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from idc.role_cache import role_cache_key

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
