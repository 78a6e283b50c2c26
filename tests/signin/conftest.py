"""Shared set-up for the sign-in tests: a tmp HOME pointed at a running local Identity Center."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from idc.aws.clients import BotocoreClientFactory
from idc.emulator.page_approver import PageApprover, user_code_in
from idc.signin.subject import SsoSessionTarget
from idc.storage.locations import Locations

SESSION = "dev"
SCOPES = ("sso:account:access",)


@dataclass
class SignInWorld:
    """A tmp HOME, the emulator, a client factory that reaches it, and the login target."""

    home: Any  # conftest.AwsHome
    emulator: Any  # emulator_fixture.RunningEmulator
    locations: Locations
    factory: BotocoreClientFactory
    out: io.StringIO = field(default_factory=io.StringIO)
    sleeps: list[float] = field(default_factory=list)

    def target(self, session: str | None = SESSION, scopes: tuple[str, ...] = SCOPES) -> SsoSessionTarget:
        return SsoSessionTarget(session, self.emulator.start_url, self.emulator.region, scopes)

    def approver(self, **options: Any) -> PageApprover:
        """A person at the approval pages who reads the user code from the flow's output (``out``)."""
        return PageApprover(user_code=lambda: user_code_in(self.out.getvalue()), **options)

    def sleep(self, seconds: float) -> None:
        """The flows' sleep: move the emulator's clock instead of waiting (and yield a little)."""
        self.sleeps.append(seconds)
        self.emulator.advance_clock(seconds)
        time.sleep(0.02)

    def cache_files(self) -> dict[str, dict[str, Any]]:
        directory = self.locations.sso_cache_dir
        if not directory.exists():
            return {}
        return {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}

    def tokens(self) -> dict[str, dict[str, Any]]:
        return {name: data for name, data in self.cache_files().items() if "accessToken" in data}

    def registrations(self) -> dict[str, dict[str, Any]]:
        return {name: data for name, data in self.cache_files().items() if "accessToken" not in data}

    def write_config(self, text: str) -> None:
        self.home.config_file.write_text(text)

    @property
    def env(self) -> dict[str, str]:
        """For subprocesses: tmp HOME, the emulator's endpoints, this checkout's interpreter first."""
        env = {**self.home.env, **self.emulator.env}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env.pop("BROWSER", None)
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
            env.pop(name, None)
        return env


def default_directory(**lifetimes: int) -> dict[str, Any]:
    """The emulator's default directory (demo/demo, 123456789012), with some lifetimes changed."""
    return {
        "users": [
            {"username": "demo", "password": "demo", "display_name": "Demo User", "email": "d@example.com"}
        ],
        "accounts": [{"id": "123456789012", "name": "sandbox", "email": "sandbox@example.com"}],
        "permission_sets": [{"name": "AdministratorAccess", "session_duration": 3600}],
        "assignments": [{"account": "123456789012", "permission_set": "AdministratorAccess", "user": "demo"}],
        "lifetimes": lifetimes,
    }


def make_world(home: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> SignInWorld:
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    return SignInWorld(
        home=home,
        emulator=emulator,
        locations=Locations.from_environ(),
        factory=BotocoreClientFactory(),
    )


@pytest.fixture
def world(aws_home: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> SignInWorld:
    return make_world(aws_home, emulator, monkeypatch)


def session_config(start_url: str, region: str, *, session: str = SESSION, profile: str = "dev") -> str:
    return (
        f"[profile {profile}]\n"
        f"sso_session = {session}\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n"
        "region = eu-west-1\n"
        "output = json\n"
        "\n"
        f"[sso-session {session}]\n"
        f"sso_start_url = {start_url}\n"
        f"sso_region = {region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def legacy_config(start_url: str, region: str, *, profile: str = "legacy") -> str:
    return (
        f"[profile {profile}]\n"
        f"sso_start_url = {start_url}\n"
        f"sso_region = {region}\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n"
        "region = eu-west-1\n"
    )


Opener = Callable[[str], bool]
