"""Fixtures for the emulator's own tests."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_clients import Clients, make_clients


@pytest.fixture
def aws(emulator: Any) -> Clients:
    """boto3 sso-oidc and sso clients (and sts on demand) talking to the ``emulator`` fixture."""
    return make_clients(emulator)
