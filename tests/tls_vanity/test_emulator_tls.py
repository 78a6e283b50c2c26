"""``idc emulator --tls --vanity-host NAME`` as a process: its banner, its redirect, its CA's lifetime."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from idc.signin.start_url import urllib_transport


def _banner(process: subprocess.Popen[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        key, _, value = line.strip().partition(": ")
        found[key] = value
        if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):
            found["token"] = line.strip().split("=", 1)[1]
            return found
    raise AssertionError(f"no banner: {found}")


def test_tls_emulator_process(aws_home: Any) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "emulator", "--port", "0", "--tls", "--vanity-host", "localhost"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**aws_home.env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        banner = _banner(process)
        base, ca_file, vanity = banner["Base URL"], banner["CA file"], banner["Vanity start URL"]
        assert base.startswith("https://127.0.0.1:")
        assert vanity == f"https://localhost:{base.rsplit(':', 1)[1]}/start"
        assert banner["Trust it"] == f"export AWS_CA_BUNDLE={ca_file}"

        for method in ("HEAD", "GET"):
            assert urllib_transport(ca_file, 10)(method, vanity) == (302, banner["Start URL"])

        admin_env = {
            **aws_home.env,
            "IDC_EMULATOR_URL": base,
            "IDC_EMULATOR_ADMIN_TOKEN": banner["token"],
            "AWS_CA_BUNDLE": ca_file,
        }
        stats = subprocess.run(
            [sys.executable, "-m", "idc", "emulator", "stats"], env=admin_env, capture_output=True, text=True
        )
        assert stats.returncode == 0, stats.stderr
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert not Path(ca_file).exists()  # the throwaway CA goes with the emulator
    assert not os.path.exists(Path(ca_file).parent)
