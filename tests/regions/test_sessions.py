"""``idc sessions`` on several sessions (two Regions, the keychain, one signed out), and
``idc login --force``."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from idc.aws.clients import BotocoreClientFactory
from idc.config import load_config
from idc.emulator.page_approver import PageApprover
from idc.signin.region_login import login_everywhere as sign_in
from idc.storage.locations import Locations
from keychain.conftest import SecretService, secret_service
from regions.two_regions import ADDITIONAL, PRIMARY, TwoRegions, login_everywhere

__all__ = ["secret_service"]  # the fixture, imported from the keychain tests

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]


def sign_in_session(name: str) -> None:
    """``idc login --sso-session NAME`` through the library, the page approver approving."""
    locations = Locations.from_environ()
    approver = PageApprover()
    session = load_config(locations).sso_session(name)
    sign_in(
        session,
        locations=locations,
        client_factory=BotocoreClientFactory(),
        opener=approver,
        out=io.StringIO(),
    )
    approver.wait()


def sessions(env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IDC, "sessions", *options], env=env, capture_output=True, text=True, timeout=60)


def several(two: TwoRegions, secret_service: SecretService) -> dict[str, str]:
    """Sessions corp (two Regions), vault (the keychain) and old (signed out); the environment."""
    with two.home.config_file.open("a") as config:
        config.write(
            f"\n[sso-session vault]\nsso_start_url = {two.primary.start_url}\nsso_region = {PRIMARY}\n"
            f"sso_registration_scopes = sso:account:access\nidc_token_storage = keychain\n"
            f"services = emulator-{PRIMARY}\n"
            f"\n[sso-session old]\nsso_start_url = {two.primary.start_url}\nsso_region = {PRIMARY}\n"
            f"sso_registration_scopes = sso:account:access\nservices = emulator-{PRIMARY}\n"
            "\n[profile legacy-old]\nsso_session = old\nsso_account_id = 123456789012\n"
            "sso_role_name = AdministratorAccess\n"
            f"\n[profile classic]\nsso_start_url = https://d-9999999999.awsapps.com/start\n"
            "sso_region = eu-central-1\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n"
        )
    with secret_service.in_process():
        sign_in_session("vault")
    sign_in_session("old")
    env = {**two.env, **secret_service.env}
    logout = subprocess.run(
        [*IDC, "logout", "--sso-session", "old"], env=env, capture_output=True, text=True, timeout=60
    )
    assert logout.returncode == 0, logout.stderr
    return env


def test_sessions_in_both_forms(signed_in_everywhere: TwoRegions, secret_service: SecretService) -> None:
    two = signed_in_everywhere
    env = several(two, secret_service)
    result = sessions(env)  # not a terminal: JSON
    assert result.returncode == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)["sessions"]}
    assert list(listed) == ["corp", "vault", "old", None]  # the additional Region is listed under corp
    corp = listed["corp"]
    assert (corp["storage"], corp["signedOut"], corp["profiles"]) == ("file", False, ["dev", "dev-eu"])
    assert [(r["ssoSession"], r["region"], r["state"], r["canRefresh"]) for r in corp["regions"]] == [
        ("corp", PRIMARY, "valid", True),
        (f"corp-{ADDITIONAL}", ADDITIONAL, "valid", True),
    ]
    assert corp["regions"][1]["startUrl"] == two.additional.start_url
    assert all(region["expiresAt"].endswith("Z") for region in corp["regions"])
    vault = listed["vault"]
    assert (vault["storage"], vault["signedOut"], vault["regions"][0]["state"]) == (
        "keychain",
        False,
        "valid",
    )
    old = listed["old"]
    assert (old["signedOut"], old["regions"][0]["state"], old["profiles"]) == (
        True,
        "signed out",
        ["legacy-old"],
    )
    assert old["regions"][0]["expiresAt"] is None
    legacy = listed[None]  # legacy profiles: their start URL, never signed in here
    assert (legacy["startUrl"], legacy["profiles"]) == ("https://d-9999999999.awsapps.com/start", ["classic"])
    assert [(r["ssoSession"], r["region"], r["state"]) for r in legacy["regions"]] == [
        (None, "eu-central-1", "none")
    ]
    for secret in ("accessToken", "refreshToken", "clientSecret"):
        assert secret not in result.stdout

    result = sessions({**env, "COLUMNS": "200"}, "--output", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "4 sign-in sessions"
    rows = [line for line in lines if "│" in line or "|" in line]
    text = "\n".join(rows)
    for word in (
        "corp",
        f"corp-{ADDITIONAL}",
        "vault",
        "keychain",
        "signed out",
        "valid until",
        "dev, dev-eu",
    ):
        assert word in text, word


def test_login_force_ends_the_session_first(two_regions: TwoRegions) -> None:
    """Without --force a sign-in reuses the user's session (no password); --force ends it on the server
    first (portal Logout in every Region), so the password is asked again: a new session."""
    two = two_regions
    _, approver = login_everywhere(two)
    assert approver.passwords_typed == 1
    from idc.emulator.page_approver import user_code_in

    for force, typed in ((False, 1), (True, 2)):
        terminal = io.StringIO()
        approver.user_code = lambda out=terminal: user_code_in(out.getvalue())
        locations = Locations.from_environ()
        target = load_config(locations).sign_in_subject("dev")
        sign_in(
            target,
            locations=locations,
            client_factory=BotocoreClientFactory(),
            opener=approver,
            out=terminal,
            force=force,
        )
        approver.wait()
        assert approver.passwords_typed == typed
    assert two.primary.calls("Logout") == 1
    assert two.additional.calls("Logout") == 1
