"""Two Regions of one replicated Identity Center on loopback (``idc emulator --regions``).

The config names each Region's endpoints the standard way, a ``services`` section per
``[sso-session]`` (botocore's keys: ``sso_oidc``, ``sso``), so no ``AWS_ENDPOINT_URL_*`` variable (which
would send every Region to one place) is set for idc.
"""

from __future__ import annotations

import http.cookiejar
import io
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

ACCOUNT = "123456789012"
ROLE = "AdministratorAccess"
PRIMARY = "us-east-1"
ADDITIONAL = "eu-west-1"


@dataclass
class Region:
    name: str
    running: Any  # regions_fixture.RunningRegions

    @property
    def base_url(self) -> str:
        return str(self.running[self.name].base_url)

    @property
    def start_url(self) -> str:
        return str(self.running[self.name].start_url)

    def calls(self, operation: str) -> int:
        return int(self.running.stats(self.name).get(operation, 0))

    @property
    def cli_env(self) -> dict[str, str]:
        """Per-command variables for a client that uses this Region only (the AWS CLI)."""
        return dict(self.running.env(self.name))

    def down(self, mode: str) -> None:
        """Take this Region down: ``refused``, ``silent`` or ``5xx``."""
        self.running.region_down(self.name, mode)

    def up(self) -> None:
        self.running.clear_faults()


@dataclass
class TwoRegions:
    primary: Region
    additional: Region
    home: Any
    running: Any

    @property
    def env(self) -> dict[str, str]:
        return dict(self.home.env)

    def reset_stats(self) -> None:
        self.running.admin("stats", {"reset": True})


def services_section(region: Region) -> str:
    return (
        f"[services emulator-{region.name}]\n"
        f"sso_oidc =\n  endpoint_url = {region.base_url}\n"
        f"sso =\n  endpoint_url = {region.base_url}\n"
    )


def config_text(primary: Region, additional: Region, *, storage: str = "") -> str:
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
sso_start_url = {primary.start_url}
sso_region = {PRIMARY}
sso_registration_scopes = sso:account:access
idc_failover_sessions = corp-{ADDITIONAL}
services = emulator-{PRIMARY}
{storage}
[sso-session corp-{ADDITIONAL}]
sso_start_url = {additional.start_url}
sso_region = {ADDITIONAL}
sso_registration_scopes = sso:account:access
services = emulator-{ADDITIONAL}
{storage}
{services_section(primary)}
{services_section(additional)}"""


@pytest.fixture
def two_regions(regions_factory, aws_home) -> TwoRegions:
    running = regions_factory((PRIMARY, ADDITIONAL))
    primary, additional = Region(PRIMARY, running), Region(ADDITIONAL, running)
    aws_home.config_file.write_text(config_text(primary, additional))
    return TwoRegions(primary, additional, aws_home, running)


def login_everywhere(two: TwoRegions, **options: Any) -> tuple[str, Any]:
    """``idc login --profile dev`` through the library, one page approver (one browser: one cookie
    jar) approving each Region. Returns (what login printed, the approver)."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.config import load_config
    from idc.emulator.page_approver import PageApprover, user_code_in
    from idc.signin.region_login import login_everywhere as sign_in
    from idc.storage.locations import Locations

    terminal = io.StringIO()
    approver = PageApprover(
        user_code=lambda: user_code_in(terminal.getvalue()), cookies=http.cookiejar.CookieJar()
    )
    locations = Locations.from_environ()
    target = load_config(locations).sign_in_subject("dev")
    factory = BotocoreClientFactory()
    sign_in(target, locations=locations, client_factory=factory, opener=approver, out=terminal, **options)
    approver.wait()
    two.reset_stats()
    return terminal.getvalue(), approver


@pytest.fixture
def signed_in_everywhere(two_regions: TwoRegions) -> TwoRegions:
    login_everywhere(two_regions)
    return two_regions


def start_serve(two: TwoRegions, profile: str = "dev") -> tuple[subprocess.Popen[str], dict[str, str]]:
    """``idc serve --profile PROFILE`` running (the caller stops it) and the two variables it exports."""
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "serve", "--profile", profile],
        env=two.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"# profile {profile}"
        export = process.stdout.readline().strip().removeprefix("export ")
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise
    return process, dict(item.split("=", 1) for item in export.split())
