"""Fixtures for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from emulator_clients import Clients, make_clients
from page_flows import CallbackListener


@pytest.fixture
def aws(emulator: Any) -> Clients:
    """boto3 sso-oidc and sso clients (and sts on demand) talking to the ``emulator`` fixture."""
    return make_clients(emulator)


@pytest.fixture
def listener() -> Iterator[CallbackListener]:
    """A loopback listener for the PKCE redirect, closed after the test."""
    server = CallbackListener()
    yield server
    server.close()
