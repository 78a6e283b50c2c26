"""How clients reach each Region: botocore's ``services`` sections (named by a profile's ``services``)
send each Region's clients to its own listener; the ``AWS_ENDPOINT_URL_*`` variables override them for
every Region, which is why the banner offers them only for a client that uses one Region."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from regions_fixture import ADDITIONAL, PRIMARY, RunningRegions


def _write_config(aws_home: Any, regions: RunningRegions) -> None:
    profiles = "".join(
        f"[profile {region}]\nregion = {region}\nservices = {regions.services_name(region)}\n"
        for region in (PRIMARY, ADDITIONAL)
    )
    aws_home.config_file.write_text(profiles + regions.services_sections())


@pytest.mark.parametrize("service", ["sso-oidc", "sso", "sts", "signin"])
def test_a_profiles_services_section_points_its_clients_at_its_region(
    aws_home: Any, regions_emulator: RunningRegions, service: str
) -> None:
    _write_config(aws_home, regions_emulator)
    for region in (PRIMARY, ADDITIONAL):
        client = boto3.session.Session(profile_name=region).client(service)
        assert client.meta.endpoint_url == regions_emulator[region].base_url
        assert client.meta.region_name == region


def test_calls_through_the_services_section_reach_that_regions_listener(
    aws_home: Any, regions_emulator: RunningRegions
) -> None:
    _write_config(aws_home, regions_emulator)
    oidc = boto3.session.Session(profile_name=ADDITIONAL).client("sso-oidc")
    oidc.register_client(clientName="t", clientType="public")
    assert regions_emulator.stats(ADDITIONAL).get("RegisterClient") == 1
    assert "RegisterClient" not in regions_emulator.stats(PRIMARY)


def test_the_global_variables_send_every_region_to_one_listener(
    aws_home: Any, regions_emulator: RunningRegions, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_config(aws_home, regions_emulator)
    for name, value in regions_emulator.env(PRIMARY).items():
        monkeypatch.setenv(name, value)
    for region in (PRIMARY, ADDITIONAL):
        client = boto3.session.Session(profile_name=region).client("sso-oidc")
        assert client.meta.endpoint_url == regions_emulator[PRIMARY].base_url


def test_the_aws_cli_follows_a_profiles_services_section(
    aws_home: Any, regions_emulator: RunningRegions
) -> None:
    """The real `aws` command, a profile per Region: each reaches its own Region's listener."""
    _write_config(aws_home, regions_emulator)
    aws = str(Path(sys.executable).parent / "aws")
    for region in (ADDITIONAL, PRIMARY):
        command = [aws, "sso-oidc", "register-client", "--client-name", "cli", "--client-type", "public"]
        done = subprocess.run(
            [*command, "--profile", region, "--output", "json"],
            env={**aws_home.env, "AWS_ACCESS_KEY_ID": "unused", "AWS_SECRET_ACCESS_KEY": "unused"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["clientId"]
        assert regions_emulator.stats(region).get("RegisterClient") == 1
