"""The local Identity Center over HTTPS, behind a vanity start URL, as a company would run it.

``vanity_emulator`` serves TLS with a throwaway CA (``ca_file``), answers ``https://localhost:PORT/start``
with a redirect to its new-style portal host (``ssoins-….portal.eu-west-1.app.aws``), and names its
Region only through that host.
"""

from __future__ import annotations

from typing import Any

import pytest

from tls_vanity.support import VANITY_HOST, vanity_directory


@pytest.fixture
def vanity_emulator(emulator_factory: Any) -> Any:
    """A TLS emulator whose vanity start URL is ``vanity_emulator.vanity_url``."""
    running = emulator_factory(vanity_directory(), tls=True, vanity_hosts=(VANITY_HOST,))
    running.vanity_url = running.server.vanity_start_url(VANITY_HOST)
    return running
