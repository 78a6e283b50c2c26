"""The ``regions_emulator`` fixture: a local Identity Center replicated in two Regions on 127.0.0.1:0.

Registered from tests/conftest.py (``pytest_plugins``). us-east-1 is the primary, eu-west-1 the
additional Region; each has its own listener. ``admin`` reaches the admin listener, which no Region
outage closes.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from idc.emulator.regions.banner import services_section, services_section_name
from idc.emulator.regions.instance import Region, RegionsEmulator

PRIMARY, ADDITIONAL = "us-east-1", "eu-west-1"


class RunningRegions:
    def __init__(self, emulator: RegionsEmulator) -> None:
        self.emulator = emulator
        self.primary = emulator.regions[emulator.primary]

    def __getitem__(self, region: str) -> Region:
        return self.emulator.regions[region]

    @property
    def regions(self) -> list[Region]:
        return list(self.emulator.regions.values())

    def env(self, region: str) -> dict[str, str]:
        """Per-command endpoint variables for a client that uses Region ``region`` only."""
        url = self[region].base_url
        return {
            "AWS_ENDPOINT_URL_SSO_OIDC": url,
            "AWS_ENDPOINT_URL_SSO": url,
            "AWS_ENDPOINT_URL_STS": url,
            "AWS_ENDPOINT_URL_SIGNIN": url,
        }

    def services_sections(self) -> str:
        """``[services idc-REGION]`` for every Region, as the banner prints them (for a config file)."""
        return "\n".join(services_section(r.name, r.base_url) for r in self.regions) + "\n"

    @staticmethod
    def services_name(region: str) -> str:
        return services_section_name(region)

    def admin(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.emulator.admin_url}/_admin/{action}",
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {self.emulator.admin_token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    def region_down(self, region: str, mode: str = "refused") -> None:
        self.admin("fault", {"region_down": region, "mode": mode})

    def clear_faults(self) -> None:
        self.admin("clear-faults")

    def stats(self, region: str) -> dict[str, int]:
        calls: dict[str, int] = self.admin("stats")["calls"][region]
        return calls

    def end_sessions(self, user: str | None = None) -> int:
        return int(self.admin("end-sessions", {"user": user} if user else {})["ended"])


RegionsFactory = Callable[..., RunningRegions]


@pytest.fixture
def regions_factory() -> Iterator[RegionsFactory]:
    """``regions_factory(regions=("us-east-1", "eu-west-1"), **options) -> RunningRegions``."""
    running: list[RegionsEmulator] = []

    def start(regions: tuple[str, ...] = (PRIMARY, ADDITIONAL), **options: Any) -> RunningRegions:
        emulator = RegionsEmulator(regions, **options).start()
        running.append(emulator)
        return RunningRegions(emulator)

    yield start
    for emulator in running:
        emulator.stop()


@pytest.fixture
def regions_emulator(regions_factory: RegionsFactory) -> RunningRegions:
    """Two Regions (us-east-1 primary, eu-west-1) with the built-in directory (demo/demo)."""
    return regions_factory()
