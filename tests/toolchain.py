"""The test tools install themselves on the first ``uv run pytest``.

``uv run`` installs the default dependency group (``dev``: pytest alone) with every command, so
``uv run idc demo`` on a fresh clone stays cheap. The tests need far more (boto3, awscli, moto,
Playwright, pexpect, ruff, mypy: uv's ``test`` group, about 450 MB), and uv has no way to pick a
group per command. So the suite, before it imports any of them, asks the uv that started it to add the
``test`` group to this environment (``uv sync --inexact --group test``: nothing else is removed or
changed). ``uv run`` sets ``UV`` to its own executable; without it (pytest started some other way) a
missing tool is one line saying what to run.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# One importable module per requirement of the `test` group in pyproject.toml.
MODULES = ("boto3", "awscli", "moto", "flask", "flask_cors", "playwright", "pexpect", "httpx", "ruff", "mypy")


def missing() -> list[str]:
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def ensure_test_tools() -> bool:
    """Install the `test` group when a tool of it is missing; True when it did.

    pytest captures what conftest imports print, so the root conftest says it in the session header.
    """
    absent = missing()
    if not absent:
        return False
    uv = os.environ.get("UV")
    if not uv:
        raise SystemExit(
            f"the test tools are not installed ({', '.join(absent)}): run `uv run pytest`, "
            "or `uv sync --group test` first"
        )
    print("Installing the test tools (uv's `test` dependency group), once.", file=sys.stderr, flush=True)
    subprocess.run([uv, "sync", "--inexact", "--group", "test"], cwd=PROJECT, check=True)
    importlib.invalidate_caches()
    still = missing()
    if still:
        raise SystemExit(f"`uv sync --group test` did not install {', '.join(still)}")
    return True


# Debian's Chromium, which Playwright drives (`playwright install` would download its own).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
