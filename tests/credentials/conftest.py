"""The signed-in starting point the credential tests share."""

from __future__ import annotations

import pytest
from credential_helpers import sign_in, write_config


@pytest.fixture
def signed_in(emulator, aws_home, monkeypatch):
    """A config with profile ``dev`` on the emulator, a token from a real sign-in, and the emulator's
    counters reset so tests count only their own calls."""
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    aws_home.env.update(emulator.env)
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    sign_in(emulator, aws_home)
    emulator.admin("stats", {"reset": True})
    return aws_home
