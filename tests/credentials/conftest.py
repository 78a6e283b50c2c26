"""The signed-in starting point the credential tests share."""

from __future__ import annotations

import pytest
from credential_helpers import signed_in_on


@pytest.fixture
def signed_in(emulator, aws_home, monkeypatch):
    """A config with profile ``dev`` on the emulator, a token from a real sign-in, and the emulator's
    counters reset so tests count only their own calls."""
    signed_in_on(emulator, aws_home, monkeypatch)
    return aws_home
