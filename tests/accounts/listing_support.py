"""Fixtures for the accounts tests: large directories and a user signed in to the local Identity Center.

The sign-in is the real thing: idc's login (authorization code + PKCE) with the emulator's page approver
walking the sign-in and consent pages, so the token in the tmp HOME's ``~/.aws/sso/cache`` is one the
emulator issued.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from idc.storage.locations import Locations

PERMISSION_SETS = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "Billing", "SecurityAudit")
SESSION = "org"


def directory(accounts: int, roles: int = 3, *, names: list[str] | None = None) -> dict[str, Any]:
    """A directory where user demo/demo reaches ``accounts`` accounts with ``roles`` roles each."""
    permission_sets = PERMISSION_SETS[:roles]
    return {
        "users": [
            {"username": "demo", "password": "demo", "display_name": "Demo", "email": "demo@example.com"}
        ],
        "accounts": [
            {
                "id": f"{100000000000 + i}",
                "name": names[i] if names else f"acct-{i:04d}",
                "email": f"acct{i}@example.com",
            }
            for i in range(accounts)
        ],
        "permission_sets": [{"name": p, "session_duration": 3600} for p in permission_sets],
        "assignments": [{"account": "*", "permission_set": p, "user": "demo"} for p in permission_sets],
    }


@dataclass
class SignedIn:
    """A user signed in to ``emulator`` with sso-session ``SESSION``; ``config_text`` is what was written."""

    emulator: Any
    locations: Locations
    access_token: str
    config_text: str
    env: dict[str, str]


def sign_in(emulator: Any, aws_home: Any, monkeypatch: pytest.MonkeyPatch) -> SignedIn:
    """Write an ``[sso-session org]`` config for ``emulator`` and sign in through its pages."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.emulator.page_approver import PageApprover
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget

    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    config_text = (
        f"[sso-session {SESSION}]\n"
        f"sso_start_url = {emulator.start_url}\n"
        f"sso_region = {emulator.region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    aws_home.config_file.write_text(config_text)
    locations = Locations.from_environ()
    target = SsoSessionTarget(SESSION, emulator.start_url, emulator.region, ("sso:account:access",))
    approver = PageApprover()
    # A fresh client factory: the process-wide one keeps clients bound to an earlier test's port.
    token = login(
        target,
        locations=locations,
        client_factory=BotocoreClientFactory(),
        opener=approver,
        out=io.StringIO(),
        timeout=30,
    )
    approver.wait()
    return SignedIn(
        emulator=emulator,
        locations=locations,
        access_token=token.access_token,
        config_text=config_text,
        env={**aws_home.env, **emulator.env},
    )
