"""The primary goes down while ``idc serve`` / ``idc exec --server`` already run, and comes back.

The servers start with the primary up and a cold role cache; then the primary stops answering (each
way), the AWS CLI's role cache goes stale (its ``Expiration`` moved into the past, as after an hour),
and the next request must come from the additional Region, with no prompt (stdin is closed). When the
primary answers again and the outage memory has run out (its ``until`` moved into the past instead of
waiting 5 minutes), the next request goes to the primary again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from regions.two_regions import ADDITIONAL, PRIMARY, TwoRegions, start_serve

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]
OUTAGE_MODES = ("refused", "unaccepted", "silent", "5xx")
ANNOUNCED = f"idc: IAM Identity Center in {PRIMARY} does not answer; using {ADDITIONAL}"
BACK = f"idc: IAM Identity Center in {PRIMARY} answers again; using it."


def expire_role_cache(two: TwoRegions) -> None:
    """Every role in the AWS CLI's cache expired an hour ago (what the servers see after its hour)."""
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    files = list((two.home.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert files  # the servers fetched through the role cache
    for path in files:
        cached = json.loads(path.read_text())
        cached["Credentials"]["Expiration"] = past
        path.write_text(json.dumps(cached))


def expire_outage_memory(two: TwoRegions) -> None:
    """The remembered outage ran out (its 5 minutes moved into the past instead of waited)."""
    path = two.home.home / ".aws" / "idc" / "region-outages.json"
    entries = json.loads(path.read_text())
    assert entries  # the outage was remembered
    for entry in entries.values():
        entry["until"] = time.time() - 1
    path.write_text(json.dumps(entries))


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Polls until ``condition()`` holds (a wait, not a measurement: the timeout only ends a hang)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def primary_calls_once_settled(two: TwoRegions, mode: str) -> int:
    """The primary's GetRoleCredentials count once it is back: a silent primary read the request that
    timed out and serves it when it comes back (one more call nobody waits for)."""
    if mode == "silent":
        wait_for(lambda: two.primary.calls("GetRoleCredentials") == 2, "the held request served")
    return two.primary.calls("GetRoleCredentials")


@pytest.mark.parametrize("mode", OUTAGE_MODES)
def test_serve_fails_over_while_running_and_comes_back_to_the_primary(
    signed_in_everywhere: TwoRegions, mode: str
) -> None:
    from botocore.credentials import ContainerProvider

    two = signed_in_everywhere
    process, exports = start_serve(two)
    try:

        def key() -> str:
            credentials = ContainerProvider(environ=exports).load()
            assert credentials is not None
            return str(credentials.get_frozen_credentials().access_key)

        first = key()  # the primary, while it answers
        assert (two.primary.calls("GetRoleCredentials"), two.additional.calls("GetRoleCredentials")) == (1, 0)

        two.primary.down(mode)
        expire_role_cache(two)
        during = key()
        assert during != first
        assert two.additional.calls("GetRoleCredentials") == 1
        assert key() == during  # then from memory: the outage costs one failed attempt
        assert two.additional.calls("GetRoleCredentials") == 1

        two.primary.up()
        asked = primary_calls_once_settled(two, mode)
        expire_outage_memory(two)
        expire_role_cache(two)
        after = key()
        assert after not in (first, during)
        assert two.primary.calls("GetRoleCredentials") == asked + 1
        assert two.additional.calls("GetRoleCredentials") == 1
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert err.count(ANNOUNCED) == 1
    assert err.count(BACK) == 1


CHILD = """
import json, os, sys, boto3
sts_url, stop = sys.argv[1], sys.argv[2]
calls, errors, keys = 0, [], []
def call():
    # A new session per call: every call asks idc's endpoint, as many short-lived clients would.
    session = boto3.session.Session()
    key = session.get_credentials().get_frozen_credentials().access_key
    session.client("sts", endpoint_url=sts_url, region_name="eu-west-1").get_caller_identity()
    if key not in keys:
        keys.append(key)
        print("key", len(keys), flush=True)
call()
while not os.path.exists(stop):
    try:
        call()
        calls += 1
    except Exception as error:
        errors.append(repr(error))
print(json.dumps({"calls": calls, "errors": errors, "keys": len(keys)}), flush=True)
"""


@pytest.mark.parametrize("mode", ["unaccepted", "silent"])
def test_exec_server_child_calling_in_a_loop_never_notices_the_outage(
    signed_in_everywhere: TwoRegions, mode: str, tmp_path: Path
) -> None:
    two = signed_in_everywhere
    script, stop = tmp_path / "child.py", tmp_path / "stop"
    script.write_text(CHILD)
    child = [sys.executable, str(script), two.additional.base_url, str(stop)]
    process = subprocess.Popen(
        [*IDC, "exec", "--profile", "dev", "--server", "--", *child],
        env=two.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "key 1"
        assert two.primary.calls("GetRoleCredentials") == 1

        two.primary.down(mode)
        expire_role_cache(two)
        assert process.stdout.readline().strip() == "key 2"  # the next call's credentials are new
        assert two.additional.calls("GetRoleCredentials") == 1

        two.primary.up()
        asked = primary_calls_once_settled(two, mode)
        expire_outage_memory(two)
        expire_role_cache(two)
        assert process.stdout.readline().strip() == "key 3"
        assert two.primary.calls("GetRoleCredentials") == asked + 1
        stop.write_text("")
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    report = json.loads(out.splitlines()[-1])
    assert report["errors"] == []
    assert report["keys"] == 3  # the primary's, the additional Region's, the primary's again
    assert report["calls"] >= 1
    assert two.additional.calls("GetRoleCredentials") == 1
    assert err.count(ANNOUNCED) == 1
    assert err.count(BACK) == 1
