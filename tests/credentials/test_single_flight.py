"""Many processes at once (catalogue 1-3): one refresh, one GetRoleCredentials, one sign-in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from credential_helpers import (
    browser_script,
    idc_script,
    set_token_expiry,
    token_file,
    write_config,
)


def _spawn(count: int, env: dict[str, str], *args: str) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [idc_script(), "credentials", "--profile", "dev", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def _collect(processes: list[subprocess.Popen[str]], timeout: float) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


@pytest.mark.slow
def test_fifty_cold_processes_make_one_refresh_and_one_fetch(signed_in, emulator) -> None:
    old = set_token_expiry(signed_in, timedelta(minutes=12))  # inside the advisory refresh window
    results = _collect(_spawn(50, signed_in.env), timeout=120)
    outputs = set()
    for code, out, err in results:
        assert code == 0, err
        creds = json.loads(out)
        assert creds["Version"] == 1 and creds["AccessKeyId"] and creds["SessionToken"]
        outputs.add(out)
    assert len(outputs) == 1  # everyone got the one fetched set
    calls = emulator.stats()
    assert calls.get("CreateToken") == 1
    assert calls.get("GetRoleCredentials") == 1
    refreshed = json.loads(token_file(signed_in).read_text())
    assert refreshed["accessToken"] != old["accessToken"]
    assert refreshed["refreshToken"] != old["refreshToken"]  # the emulator rotates refresh tokens


@pytest.mark.slow
def test_twenty_processes_with_auto_login_make_one_authorisation(emulator, aws_home, tmp_path) -> None:
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    browser, launches = browser_script(tmp_path)
    env = dict(aws_home.env, **emulator.env, BROWSER=str(browser))
    results = _collect(_spawn(20, env, "--auto-login"), timeout=180)
    for code, out, err in results:
        assert code == 0, err
        assert json.loads(out)["AccessKeyId"]
        assert "Successfully logged into Start URL" in err or err == ""
    assert len(launches.read_text().splitlines()) == 1
    calls = emulator.stats()
    assert calls.get("CreateToken") == 1  # one authorization code exchanged
    assert calls.get("GetRoleCredentials") == 1


@pytest.mark.slow
def test_a_sigkilled_lock_holder_frees_the_lock_at_once(signed_in, emulator) -> None:
    emulator.set_fault(operation="GetRoleCredentials", latency_ms=20_000)
    holder = _spawn(1, signed_in.env)[0]
    locks = signed_in.home / ".aws" / "idc" / "locks"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the holder has the role lock and is calling the portal
        if emulator.stats().get("GetRoleCredentials"):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the first process never called GetRoleCredentials")
    assert any(str(holder.pid) in p.read_text() for p in locks.glob("role-*.lock"))
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    emulator.clear_faults()
    started = time.monotonic()
    waiter = subprocess.run(
        [idc_script(), "credentials", "--profile", "dev"],
        env=signed_in.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert waiter.returncode == 0, waiter.stderr
    assert json.loads(waiter.stdout)["AccessKeyId"]
    # Neither the holder's 20 s call nor a lock wait (60 s or more): a bound below both, so that a loaded
    # machine (where one idc start-up can take seconds) does not fail it.
    assert time.monotonic() - started < 15
