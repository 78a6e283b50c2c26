"""Identity Center in two Regions: sign in to both, fail over when the primary does not answer.

Real idc processes, the real botocore clients and the AWS CLI against the local Identity Center in two
Regions, whose admin API takes a Region down four ways: connections refused, never accepted, accepted
but never answered, or answered 503.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from idc.storage.registration_cache import registration_cache_key
from idc.storage.token_cache import token_cache_key
from regions.two_regions import ACCOUNT, ADDITIONAL, PRIMARY, ROLE, TwoRegions, login_everywhere

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]
OUTAGE_MODES = ("refused", "unaccepted", "silent", "5xx")


def run_idc(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IDC, *args], env=env, capture_output=True, text=True, timeout=timeout)


def outages_file(two: TwoRegions) -> Path:
    return two.home.home / ".aws" / "idc" / "region-outages.json"


def test_login_authorizes_the_cli_in_every_region_with_one_password(two_regions: TwoRegions) -> None:
    output, approver = login_everywhere(two_regions)
    assert approver.passwords_typed == 1  # the user session is replicated
    cache = two_regions.home.home / ".aws" / "sso" / "cache"
    for session, region, url in (
        ("corp", PRIMARY, two_regions.primary),
        (f"corp-{ADDITIONAL}", ADDITIONAL, two_regions.additional),
    ):
        token = json.loads((cache / f"{token_cache_key(session, '')}.json").read_text())
        assert token["region"] == region
        assert token["startUrl"] == url.start_url
        scopes = ["sso:account:access"]
        registration = cache / f"{registration_cache_key(region, scopes, session, token['startUrl'])}.json"
        assert json.loads(registration.read_text())["clientId"] == token["clientId"]
    assert output.count("Successfully logged into Start URL") == 2


def test_logout_ends_every_region(signed_in_everywhere: TwoRegions) -> None:
    two = signed_in_everywhere
    result = run_idc(["logout", "--profile", "dev"], two.env)
    assert result.returncode == 0, result.stderr
    assert "Signed out of 2 SSO sessions" in result.stdout
    assert two.primary.calls("Logout") == 1
    assert two.additional.calls("Logout") == 1
    assert not list((two.home.home / ".aws" / "sso" / "cache").glob(f"{token_cache_key('corp', '')}.json"))


def test_primary_answering_is_used_and_nothing_is_said(signed_in_everywhere: TwoRegions) -> None:
    two = signed_in_everywhere
    result = run_idc(["credentials", "--profile", "dev"], two.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    assert result.stderr == ""
    assert two.primary.calls("GetRoleCredentials") == 1
    assert two.additional.calls("GetRoleCredentials") == 0


@pytest.mark.parametrize("mode", OUTAGE_MODES)
def test_primary_down_credentials_come_from_the_additional_region(
    signed_in_everywhere: TwoRegions, mode: str
) -> None:
    two = signed_in_everywhere
    two.primary.down(mode)
    result = run_idc(["credentials", "--profile", "dev"], two.env)  # cold role cache
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    lines = result.stderr.splitlines()
    assert lines == [
        f"idc: IAM Identity Center in {PRIMARY} does not answer; using {ADDITIONAL} "
        f"(sso-session corp-{ADDITIONAL}) until it does (it is tried again every 5 min)."
    ]
    assert two.additional.calls("GetRoleCredentials") == 1
    # Remembered across processes: the next fetch goes straight to the additional Region.
    primary_calls = two.primary.calls("GetRoleCredentials")
    again = run_idc(["credentials", "--profile", "dev", "--refresh"], two.env)
    assert again.returncode == 0, again.stderr
    assert two.additional.calls("GetRoleCredentials") == 2
    assert two.primary.calls("GetRoleCredentials") == primary_calls  # not asked again
    # A role-cache hit calls nothing, in any Region.
    hit = run_idc(["credentials", "--profile", "dev"], two.env)
    assert hit.returncode == 0 and hit.stderr == ""
    assert two.additional.calls("GetRoleCredentials") == 2


@pytest.mark.parametrize("mode", OUTAGE_MODES)
def test_the_primary_is_used_again_once_it_answers(signed_in_everywhere: TwoRegions, mode: str) -> None:
    two = signed_in_everywhere
    two.primary.down(mode)
    assert run_idc(["credentials", "--profile", "dev"], two.env).returncode == 0
    two.primary.up()
    if mode == "silent":  # the primary read the request that timed out: it serves it once back
        deadline = time.monotonic() + 30
        while two.primary.calls("GetRoleCredentials") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    asked = two.primary.calls("GetRoleCredentials")
    # The outage is remembered for 5 minutes; move its end into the past instead of waiting.
    path = outages_file(two)
    entries = json.loads(path.read_text())
    for entry in entries.values():
        entry["until"] = time.time() - 1
    path.write_text(json.dumps(entries))
    result = run_idc(["credentials", "--profile", "dev", "--refresh"], two.env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"idc: IAM Identity Center in {PRIMARY} answers again; using it.\n"
    assert two.primary.calls("GetRoleCredentials") == asked + 1
    assert two.additional.calls("GetRoleCredentials") == 1
    assert json.loads(path.read_text()) == {}


def test_an_auth_error_is_not_an_outage(signed_in_everywhere: TwoRegions) -> None:
    two = signed_in_everywhere
    two.running.end_sessions()
    result = run_idc(["credentials", "--profile", "dev"], two.env)
    assert result.returncode == 4, result.stderr
    assert result.stderr.strip().endswith("Run `idc login --profile dev` to sign in again.")
    assert "does not answer" not in result.stderr
    assert two.additional.calls("GetRoleCredentials") == 0
    assert not outages_file(two).exists()


def test_every_region_down_is_offline_not_failover(signed_in_everywhere: TwoRegions) -> None:
    two = signed_in_everywhere
    two.primary.down("refused")
    two.additional.down("refused")
    result = run_idc(["credentials", "--profile", "dev"], two.env)
    assert result.returncode == 6
    assert result.stderr == (
        f"idc: IAM Identity Center did not answer in any Region of sso-session corp ({PRIMARY}, "
        f"{ADDITIONAL}): this machine looks offline. Check the network connection (and any proxy), "
        "then try again.\n"
    )
    assert not outages_file(two).exists() or json.loads(outages_file(two).read_text()) == {}


def test_login_with_the_primary_down_signs_in_through_the_additional_region(two_regions: TwoRegions) -> None:
    two = two_regions
    two.primary.down("refused")
    output, _ = login_everywhere(two)
    assert output.count("Successfully logged into Start URL") == 1
    cache = two.home.home / ".aws" / "sso" / "cache"
    assert (cache / f"{token_cache_key(f'corp-{ADDITIONAL}', '')}.json").exists()
    assert not (cache / f"{token_cache_key('corp', '')}.json").exists()
    result = run_idc(["credentials", "--profile", "dev"], two.env)
    assert result.returncode == 0, result.stderr
    assert two.additional.calls("GetRoleCredentials") == 1


def test_awscli_uses_each_regions_session_on_its_own(signed_in_everywhere: TwoRegions) -> None:
    """The AWS CLI reads the primary's token for profile dev, and the additional Region's for dev-eu."""
    two = signed_in_everywhere
    aws = str(Path(sys.executable).with_name("aws"))
    for profile, region in (("dev", two.primary), ("dev-eu", two.additional)):
        env = {**two.env, **region.cli_env}
        result = subprocess.run(
            [aws, "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        identity = json.loads(result.stdout)
        assert identity["Account"] == ACCOUNT
        assert f"assumed-role/AWSReservedSSO_{ROLE}_" in identity["Arn"]
        assert region.calls("GetRoleCredentials") == 1


def test_idc_login_command_signs_in_to_both_regions(two_regions: TwoRegions, tmp_path: Path) -> None:
    """The command itself: one browser launch per Region (BROWSER runs the page approver)."""
    launches = tmp_path / "launches.log"
    script = tmp_path / "approve-browser"
    script.write_text(
        f'#!/bin/sh\necho "$1" >> "{launches}"\n'
        f'exec "{sys.executable}" -m idc.emulator.page_approver_cli --detach "$1"\n'
    )
    script.chmod(0o755)
    result = run_idc(["login", "--profile", "dev"], {**two_regions.env, "BROWSER": str(script)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"Signing in to {PRIMARY} (sso-session corp)." in result.stdout
    assert f"Signing in to {ADDITIONAL} (sso-session corp-{ADDITIONAL})." in result.stdout
    assert result.stdout.count("Successfully logged into Start URL") == 2
    opened = launches.read_text().splitlines()
    assert len(opened) == 2
    assert opened[0].startswith(two_regions.primary.base_url)
    assert opened[1].startswith(two_regions.additional.base_url)
