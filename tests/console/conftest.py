"""Console tests: a profile signed in on the local Identity Center, Chromium and a BROWSER hook."""

from __future__ import annotations

import pytest

from credentials.credential_helpers import sign_in, write_config
from story.helpers import browser_hook

__all__ = ["browser_hook", "console_user"]


@pytest.fixture
def console_user(emulator, aws_home, monkeypatch):
    """Profile ``dev`` (region eu-west-1) signed in on the emulator; ``aws_home.env`` points idc at it."""
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    aws_home.env.update(emulator.env)
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    sign_in(emulator, aws_home)
    return aws_home
