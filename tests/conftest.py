"""Fixtures shared by every test.

Tests never touch the real ``~/.aws``: ``aws_home`` points HOME and AWS_CONFIG_FILE at a tmp dir.
botocore computes its SSO cache directory from HOME when it is imported, so tests that need botocore's
own providers to read a tmp HOME run them in a subprocess with ``aws_home.env``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from toolchain import CHROMIUM, CHROMIUM_ARGS, ensure_test_tools

# Before any test tool is imported: the first `uv run pytest` installs them (tests/toolchain.py).
INSTALLED_TEST_TOOLS = ensure_test_tools()


def pytest_report_header() -> list[str]:
    if INSTALLED_TEST_TOOLS:
        return ["test tools: installed uv's `test` dependency group into this environment (first run)"]
    return []


pytest_plugins = ["emulator_fixture", "regions_fixture"]  # `emulator`, `emulator_factory`, `regions_emulator`


@dataclass
class AwsHome:
    home: Path
    config_file: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def sso_cache(self) -> Path:
        return self.home / ".aws" / "sso" / "cache"

    @property
    def cli_cache(self) -> Path:
        return self.home / ".aws" / "cli" / "cache"


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsHome:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    config = home / ".aws" / "config"
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return AwsHome(home=home, config_file=config, env=env)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one for the whole session.

    One: Playwright's sync API runs an event loop in the thread that starts it, so a second
    ``sync_playwright()`` in the main thread while the first is open fails ("Sync API inside the asyncio
    loop"). Every test that drives Chromium from the main thread takes this fixture.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
