"""Two Regions of one Identity Center instance on loopback, each behind a :class:`RegionGate`.

Until the emulator serves several Regions itself, each Region is its own emulator (the same
directory, its own portal start URL and Region); the user signs in to each, as to the Regions of a
replicated instance. The config names each Region's endpoints the standard way, with a ``services``
section per ``[sso-session]``, so no ``AWS_ENDPOINT_URL_*`` variable (which would send every Region to
one place) is set for idc.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from idc.emulator.directory import default_directory, directory_to_dict
from regions.region_gate import RegionGate

ACCOUNT = "123456789012"
ROLE = "AdministratorAccess"
PRIMARY = "us-east-1"
ADDITIONAL = "eu-west-1"
PRIMARY_URL = "https://d-1111111111.awsapps.com/start"
ADDITIONAL_URL = "https://ssoins-1111111111111111.eu-west-1.portal.amazonaws.com"


@dataclass
class Region:
    name: str
    emulator: Any
    gate: RegionGate

    def calls(self, operation: str) -> int:
        return int(self.emulator.stats().get(operation, 0))

    @property
    def cli_env(self) -> dict[str, str]:
        """Per-command variables for a client that uses this Region only (the AWS CLI)."""
        return {"AWS_ENDPOINT_URL_SSO": self.gate.url, "AWS_ENDPOINT_URL_SSO_OIDC": self.gate.url}

    def down(self, mode: str) -> None:
        """Take this Region down: ``refused``, ``silent`` or ``5xx`` (every API call answers 500)."""
        if mode == "5xx":
            self.emulator.set_fault(status=500)
        else:
            self.gate.set_mode(mode)

    def up(self) -> None:
        self.emulator.clear_faults()
        self.gate.set_mode("open")


@dataclass
class TwoRegions:
    primary: Region
    additional: Region
    home: Any

    @property
    def env(self) -> dict[str, str]:
        return dict(self.home.env)


def config_text(primary: Region, additional: Region) -> str:
    return f"""[profile dev]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = {ROLE}
region = eu-west-1

[profile dev-eu]
sso_session = corp-{ADDITIONAL}
sso_account_id = {ACCOUNT}
sso_role_name = {ROLE}
region = eu-west-1

[sso-session corp]
sso_start_url = {PRIMARY_URL}
sso_region = {PRIMARY}
sso_registration_scopes = sso:account:access
idc_failover_sessions = corp-{ADDITIONAL}
services = emulator-{PRIMARY}

[sso-session corp-{ADDITIONAL}]
sso_start_url = {ADDITIONAL_URL}
sso_region = {ADDITIONAL}
sso_registration_scopes = sso:account:access
services = emulator-{ADDITIONAL}

[services emulator-{PRIMARY}]
sso_oidc =
  endpoint_url = {primary.gate.url}
sso =
  endpoint_url = {primary.gate.url}

[services emulator-{ADDITIONAL}]
sso_oidc =
  endpoint_url = {additional.gate.url}
sso =
  endpoint_url = {additional.gate.url}
"""


@pytest.fixture
def two_regions(emulator_factory, aws_home) -> Iterator[TwoRegions]:
    regions = []
    for name, url in ((PRIMARY, PRIMARY_URL), (ADDITIONAL, ADDITIONAL_URL)):
        directory = directory_to_dict(default_directory())
        directory.update(start_url=url, region=name)
        emulator = emulator_factory(directory)
        port = int(emulator.base_url.rsplit(":", 1)[1])
        regions.append(Region(name, emulator, RegionGate(port)))
    primary, additional = regions
    aws_home.config_file.write_text(config_text(primary, additional))
    yield TwoRegions(primary, additional, aws_home)
    for region in regions:
        region.gate.close()


def login_everywhere(two: TwoRegions, **options: Any) -> str:
    """``idc login --profile dev`` through the library, the page approver approving each Region."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.config import load_config
    from idc.emulator.page_approver import PageApprover, user_code_in
    from idc.signin.region_login import login_everywhere as sign_in
    from idc.storage.locations import Locations

    terminal = io.StringIO()
    approver = PageApprover(user_code=lambda: user_code_in(terminal.getvalue()))
    locations = Locations.from_environ()
    target = load_config(locations).sign_in_subject("dev")
    factory = BotocoreClientFactory()
    sign_in(target, locations=locations, client_factory=factory, opener=approver, out=terminal)
    approver.wait()
    for region in (two.primary, two.additional):
        region.emulator.admin("stats", {"reset": True})
    return terminal.getvalue()


@pytest.fixture
def signed_in_everywhere(two_regions) -> TwoRegions:
    login_everywhere(two_regions)
    return two_regions
