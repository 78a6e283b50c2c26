"""A company's setup, for real: a vanity start URL, HTTPS signed by a CA only the company trusts.

The local Identity Center serves TLS from a throwaway CA (a TLS-inspecting proxy's situation) and
answers ``https://localhost:PORT/start`` with a redirect to its new-style portal host. With the CA in
AWS_CA_BUNDLE (or --ca-bundle): ``idc login`` resolves the vanity URL, updates sso_region from the
portal host, caches the token where the AWS CLI reads it; ``idc credentials``, botocore's SSO provider
and ``aws sts get-caller-identity`` all work. Without the CA every command says so in one line naming
--ca-bundle; --no-verify-ssl works with its warning.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from story.helpers import child_env, command
from tls_vanity.support import PORTAL_REGION, approving_browser

ACCOUNT = "123456789012"
STALE_REGION = "us-east-1"  # the config's sso_region before the first login: the portal host says eu-west-1


def _config(vanity_url: str) -> str:
    return (
        "[profile dev]\n"
        "sso_session = corp\n"
        f"sso_account_id = {ACCOUNT}\n"
        "sso_role_name = AdministratorAccess\n"
        "region = eu-west-1\n"
        "\n"
        "[sso-session corp]\n"
        f"sso_start_url = {vanity_url}\n"
        f"sso_region = {STALE_REGION}\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def _run(env: dict[str, str], *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _idc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run(env, sys.executable, "-m", "idc", *args)


def _one_ca_bundle_line(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 6, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("idc: The TLS certificate of https://")
    assert "is not trusted" in lines[0] and "--ca-bundle" in lines[0]


@pytest.mark.slow
def test_vanity_url_over_tls_inspection(aws_home: Any, vanity_emulator: Any, tmp_path: Path) -> None:
    aws_home.config_file.write_text(_config(vanity_emulator.vanity_url))
    base = child_env(
        aws_home.env, vanity_emulator.env, {"BROWSER": approving_browser(tmp_path, vanity_emulator.ca_file)}
    )
    trusted = {**base, "AWS_CA_BUNDLE": vanity_emulator.ca_file}

    # Without the CA: the vanity lookup is refused, in one line naming --ca-bundle.
    _one_ca_bundle_line(_idc(base, "login", "--profile", "dev"))

    login = _idc(trusted, "login", "--profile", "dev")
    assert login.returncode == 0, login.stderr
    assert f"SSO region updated to {PORTAL_REGION}\n" in login.stdout
    assert login.stdout.rstrip().endswith(f"Successfully logged into Start URL: {vanity_emulator.vanity_url}")
    assert f"sso_region = {PORTAL_REGION}\n" in aws_home.config_file.read_text()
    assert STALE_REGION not in aws_home.config_file.read_text()

    # The token is where the AWS CLI keys it (the session name), with the configured start URL.
    token_file = aws_home.sso_cache / f"{hashlib.sha1(b'corp').hexdigest()}.json"
    token = json.loads(token_file.read_text())
    assert (token["startUrl"], token["region"]) == (vanity_emulator.vanity_url, PORTAL_REGION)

    credentials = _idc(trusted, "credentials", "--profile", "dev")
    assert credentials.returncode == 0, credentials.stderr
    assert json.loads(credentials.stdout)["Version"] == 1
    # A cache hit (the hot path) needs neither the network nor the CA, even with the TLS flags given.
    calls = vanity_emulator.stats()
    again = _idc(base, "credentials", "--profile", "dev", "--no-verify-ssl", "--ca-bundle", "/nonexistent")
    assert (again.returncode, again.stdout, again.stderr) == (0, credentials.stdout, "")
    assert vanity_emulator.stats() == calls

    # The AWS CLI (botocore's SSO provider reading idc's token) through the same CA.
    aws = _run(trusted, command("aws"), "sts", "get-caller-identity", "--profile", "dev", "--output", "json")
    assert aws.returncode == 0, aws.stderr
    assert json.loads(aws.stdout)["Account"] == ACCOUNT

    # Without the CA, a call that needs the network (no cached role credentials) is one clear line.
    for cached in aws_home.cli_cache.glob("*.json"):
        cached.unlink()
    _one_ca_bundle_line(_idc(base, "credentials", "--profile", "dev"))
    _one_ca_bundle_line(_idc(base, "list", "--profile", "dev", "--refresh", "--output", "json"))

    # --ca-bundle does what AWS_CA_BUNDLE does; --no-verify-ssl works and says what it costs, once.
    whoami = _idc(
        base, "whoami", "--profile", "dev", "--ca-bundle", vanity_emulator.ca_file, "--output", "json"
    )
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout)["Account"] == ACCOUNT
    insecure = _idc(base, "login", "--profile", "dev", "--no-verify-ssl")
    assert insecure.returncode == 0, insecure.stderr
    assert insecure.stderr.count("--no-verify-ssl: TLS certificates are not verified") == 1
    assert "InsecureRequestWarning" not in insecure.stderr
    assert "SSO region updated" not in insecure.stdout  # already right


BOTOCORE_PROVIDER = """
import botocore.session
session = botocore.session.Session(profile="dev")
credentials = session.get_credentials().get_frozen_credentials()
print(credentials.access_key[:4])
"""


def _device_login(aws_home: Any, vanity_emulator: Any, tmp_path: Path) -> dict[str, str]:
    """Sign in to the vanity TLS emulator with the device code (CA trusted); the env used."""
    aws_home.config_file.write_text(_config(vanity_emulator.vanity_url))
    terminal = tmp_path / "terminal.out"  # what the user reads the device code from
    env = child_env(
        aws_home.env,
        vanity_emulator.env,
        {
            "BROWSER": approving_browser(tmp_path, vanity_emulator.ca_file, user_code_from=terminal),
            "AWS_CA_BUNDLE": vanity_emulator.ca_file,
        },
    )
    with terminal.open("w") as screen:
        login = subprocess.run(
            [sys.executable, "-m", "idc", "login", "--profile", "dev", "--use-device-code"],
            env=env,
            stdout=screen,
            stderr=screen,
            timeout=90,
            check=False,
        )
    assert login.returncode == 0, terminal.read_text()
    return env


def test_botocore_sso_provider_uses_the_token_of_a_vanity_login(
    aws_home: Any, vanity_emulator: Any, tmp_path: Path
) -> None:
    env = _device_login(aws_home, vanity_emulator, tmp_path)
    provider = _run(env, sys.executable, "-c", BOTOCORE_PROVIDER)
    assert provider.returncode == 0, provider.stderr
    assert provider.stdout.strip() == "ASIA"


def test_console_trusts_what_the_other_calls_trust(
    aws_home: Any, vanity_emulator: Any, tmp_path: Path
) -> None:
    """The federation call of `idc console` honours --ca-bundle / AWS_CA_BUNDLE like botocore's calls."""
    env = _device_login(aws_home, vanity_emulator, tmp_path)
    assert _idc(env, "credentials", "--profile", "dev").returncode == 0  # role credentials cached
    untrusting = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
    _one_ca_bundle_line(_idc(untrusting, "console", "--profile", "dev", "--print"))
    for flags, environ in (((), env), (("--ca-bundle", vanity_emulator.ca_file), untrusting)):
        opened = _idc(environ, "console", "--profile", "dev", "--print", *flags)
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout.startswith("https://") and "SigninToken=" in opened.stdout
