"""The README's one test command also runs the linters: ruff (lint + format) and mypy (strict)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKS = {
    "ruff-check": ["ruff", "check", "src", "tests", "benchmarks"],
    "ruff-format": ["ruff", "format", "--check", "src", "tests", "benchmarks"],
    "mypy-strict": ["mypy"],
}


@pytest.mark.parametrize("command", list(CHECKS.values()), ids=list(CHECKS))
def test_code_is_clean(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_path_of_this_machine_is_tracked() -> None:
    """Tracked files never name a home or work directory of the machine they were written on."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    offenders = []
    for name in tracked:
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if str(ROOT) + "/" in text:
            offenders.append(name)
    assert offenders == []
