"""Starting ``idc emulator`` as a child process and reading what its start-up banner says.

The banner is printed by :mod:`idc.emulator.cli`; tests and benchmarks that need the emulator in its
own process (so its CPU and its counters are separate) read it here, in one place.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

_BANNER = (
    ("base_url", re.compile(r"^Base URL: (\S+)")),
    ("start_url", re.compile(r"^Start URL: (\S+)")),
    ("region", re.compile(r"^Region: (\S+)")),
    ("admin_token", re.compile(r"^export IDC_EMULATOR_ADMIN_TOKEN=(\S+)")),
)

_REGION_LINE = re.compile(r"^Region (\S+) \((?:primary|additional)\): (\S+) start URL (\S+)")


@dataclass(frozen=True)
class LaunchedEmulator:
    process: subprocess.Popen[str]
    base_url: str
    start_url: str
    region: str
    admin_token: str
    banner: tuple[str, ...] = ()  # every line read up to the last one above

    @property
    def regions(self) -> dict[str, tuple[str, str]]:
        """With ``--regions``: Region -> (base URL, start URL), the primary first; else empty."""
        found = {}
        for line in self.banner:
            match = _REGION_LINE.match(line)
            if match:
                found[match.group(1)] = (match.group(2), match.group(3))
        return found

    @property
    def admin_url(self) -> str:
        """Where the admin commands go (with ``--regions``, the admin listener; else the base URL)."""
        for line in self.banner:
            if line.startswith("export IDC_EMULATOR_URL="):
                return line.split("=", 1)[1].strip()
        return self.base_url


def launch_emulator(options: Sequence[str], *, capture_stderr: bool = True) -> LaunchedEmulator:
    """Run ``idc emulator OPTIONS`` with this interpreter and wait until its banner names its URLs.

    Raises RuntimeError (with the child's stderr when captured) if it exits before saying them.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "emulator", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else None,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    found: dict[str, str] = {}
    banner: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        banner.append(line.rstrip("\n"))
        for key, pattern in _BANNER:
            match = pattern.search(line.strip())
            if match:
                found[key] = match.group(1)
        if len(found) == len(_BANNER):
            return LaunchedEmulator(process=process, banner=tuple(banner), **found)
    process.kill()
    detail = process.stderr.read() if process.stderr else ""
    raise RuntimeError(f"idc emulator did not start: {detail}")
