"""What the protocol services (:mod:`~idc.emulator.oidc.service`, :mod:`~idc.emulator.portal.service`,
:mod:`~idc.emulator.sts.service`) need from the Identity Center they serve: its directory, clock, state
and sign-in sessions.

:class:`~idc.emulator.engine.IdentityCenter` is the one implementation; the services depend on this
interface, not on the engine, so the engine imports the services and nothing imports back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from idc.emulator.assignments import AssignmentIndex
from idc.emulator.directory import Directory, Lifetimes
from idc.emulator.state_store import StateStore


@dataclass(frozen=True)
class UserSession:
    """An Identity Center sign-in session (the portal's); ending it kills every token issued in it."""

    username: str
    display_name: str
    created_at: float
    expires_at: float


class Center(Protocol):
    """The Identity Center as its services see it."""

    directory: Directory
    index: AssignmentIndex
    lifetimes: Lifetimes
    store: StateStore
    device_url_style: str  # "request-uri" (AWS since mid-2026) or "classic" (?user_code=)

    @property
    def start_url(self) -> str: ...

    def now(self) -> float:
        """The emulator's clock in epoch seconds."""
        ...

    def service_now(self) -> float:
        """The clock clients see (``Date``) and SigV4's window is measured on: wall time plus any skew."""
        ...

    def instance_regions(self) -> list[str]:
        """The Regions the instance is replicated in, the primary first (sso-admin ``ListRegions``)."""
        ...

    def session_by_hash(self, session_hash: str) -> UserSession | None:
        """The live sign-in session with this hash, or None."""
        ...

    def require_session(self, session_id: str) -> tuple[str, UserSession]:
        """(hash, session) of a live sign-in session; a PageError when it has ended."""
        ...

    def revoke_session(self, db: Any, session_hash: str) -> None:
        """Inside a transaction: end the session and revoke every token issued in it."""
        ...

    def purge_expired(self, *, grace: float = 86400) -> int:
        """Forget what expired more than ``grace`` seconds ago."""
        ...
