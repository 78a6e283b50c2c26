"""``idc emulator --regions`` as a process: its banner, and ``fault --region-down`` / ``clear-faults`` /
``stats`` through the admin listener, from another process as a person would run them."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from idc.emulator.launch import LaunchedEmulator, launch_emulator


@pytest.fixture
def launched() -> Iterator[LaunchedEmulator]:
    running = launch_emulator(["--port", "0", "--regions", "us-east-1,eu-west-1"])
    yield running
    running.process.terminate()
    try:
        running.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


def _region_url(launched: LaunchedEmulator, region: str) -> str:
    return launched.regions[region][0]


def _idc(launched: LaunchedEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "IDC_EMULATOR_URL": launched.admin_url,
        "IDC_EMULATOR_ADMIN_TOKEN": launched.admin_token,
    }
    return subprocess.run(
        [sys.executable, "-m", "idc", "emulator", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_the_banner_says_how_to_reach_each_region(launched: LaunchedEmulator) -> None:
    assert list(launched.regions) == ["us-east-1", "eu-west-1"]
    assert launched.admin_url not in (launched.base_url, launched.regions["eu-west-1"][0])
    us, eu = _region_url(launched, "us-east-1"), _region_url(launched, "eu-west-1")
    assert launched.base_url == us and launched.region == "us-east-1"
    text = "\n".join(launched.banner)
    for region, url in (("us-east-1", us), ("eu-west-1", eu)):
        assert (
            f"[services idc-{region}]\nsso_oidc =\n  endpoint_url = {url}\nsso =\n  endpoint_url = {url}"
            in text
        )
    assert re.search(r"start URL https://ssoins-[0-9a-f]{16}\.eu-west-1\.portal\.amazonaws\.com", text)
    assert f"eu-west-1: AWS_ENDPOINT_URL_SSO_OIDC={eu} " in text


def test_a_region_down_and_back_from_the_command_line(launched: LaunchedEmulator) -> None:
    us = _region_url(launched, "us-east-1")
    down = _idc(launched, "fault", "--region-down", "us-east-1", "--mode", "refused")
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["down"] == {"us-east-1": "refused"}
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", _port(us)), timeout=5).close()
    stats = _idc(launched, "stats")
    assert stats.returncode == 0, stats.stderr
    assert set(json.loads(stats.stdout)) == {"us-east-1", "eu-west-1"}
    cleared = _idc(launched, "clear-faults")
    assert cleared.returncode == 0, cleared.stderr
    socket.create_connection(("127.0.0.1", _port(us)), timeout=5).close()


def test_mode_without_region_down_and_an_unknown_region_are_refused(launched: LaunchedEmulator) -> None:
    alone = _idc(launched, "fault", "--mode", "silent")
    assert alone.returncode == 2 and "--mode goes with --region-down" in alone.stderr
    unknown = _idc(launched, "fault", "--region-down", "ap-south-1")
    assert unknown.returncode != 0
    assert len(unknown.stderr.strip().splitlines()) <= 2 and "ap-south-1" in unknown.stderr
