"""One Region of a replicated Identity Center instance: its own registrations and tokens, the user
sessions and role credentials replicated to the other Regions.

IAM Identity Center in several Regions (user guide, "Workforce access through an additional Region"):
user sessions are replicated (a sign-in in one Region is a sign-in in all of them; a revocation or a
sign-out in one is replicated to the others), "CLI authorizations are not replicated across enabled
Regions" (each Region keeps its own client registrations and tokens, so another Region's listener
answers a foreign registration with InvalidClientException and a foreign access token with
UnauthorizedException, as it knows neither), and a replicated instance always signs users in through
an external identity provider: here the built-in directory plays it, with its own session (the
``idc_idp`` cookie), so a second Region's sign-in asks for no password.

Each Region has its own :class:`~idc.emulator.state_store.StateStore`; the stores share one lock, so
copying a row into another Region's store inside a transaction never deadlocks. The identity
provider's sessions, and which Regions' sessions continue one another, live in memory: after a restart
with ``--state`` the sessions and tokens go on, and the next Region's sign-in asks for the password.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from collections.abc import Mapping
from typing import Any

from idc.emulator.center import UserSession
from idc.emulator.clock import EmulatorClock
from idc.emulator.directory import Directory, User
from idc.emulator.engine import IdentityCenter
from idc.emulator.portal.service import PortalService
from idc.emulator.state_store import StateStore, digest

IDP_COOKIE = "idc_idp"
"""The identity provider's session cookie: the IdP's, not a Region's (the IdP is one site for all)."""

_SESSION_COLUMNS = "session_hash, username, created_at, expires_at, ended"
_CREDENTIAL_COLUMNS = (
    "access_key_id, secret_access_key, session_token_hash, username, account_id, role_name, expires_at"
)


class Replication:
    """The Regions of one instance, and the identity provider's sessions they all trust."""

    def __init__(self) -> None:
        self.centers: list[RegionalCenter] = []
        self._idp_sessions: dict[str, str] = {}  # digest(IdP session id) -> the sign-in session's hash
        # One user session as Regions see it: the sessions a Region began through the IdP for it.
        self._linked: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def peers_of(self, center: RegionalCenter) -> list[RegionalCenter]:
        return [other for other in self.centers if other is not center]

    def start_idp_session(self, session_hash: str) -> str:
        idp_session = secrets.token_urlsafe(32)
        with self._lock:
            self._idp_sessions[digest(idp_session)] = session_hash
        return idp_session

    def share_administration(self) -> None:
        """One instance, one configuration: every Region serves the primary's admin state (users, groups,
        permission sets, assignments), and what sso-admin or identitystore changes in any Region is
        what every Region's portal, pages and STS serve from then on, each under its own start URL."""
        primary = self.centers[0]
        shared = primary.admin
        homes = [(center, center.directory.region, center.directory.start_url) for center in self.centers]

        def adopt_everywhere(view: Directory) -> None:
            for center, region, start_url in homes:
                center.adopt_directory(dataclasses.replace(view, region=region, start_url=start_url))

        for center in self.centers:
            center.admin = shared
        shared.on_change = adopt_everywhere
        adopt_everywhere(shared.view())

    def link(self, session_hash: str, other: str) -> None:
        """``other`` continues ``session_hash`` in another Region: ending one ends both."""
        with self._lock:
            group = self._linked.get(session_hash) or {session_hash}
            group |= self._linked.get(other) or {other}
            for member in group:
                self._linked[member] = group

    def linked(self, session_hash: str) -> set[str]:
        with self._lock:
            return set(self._linked.get(session_hash) or {session_hash})

    def idp_session(self, idp_session: str | None) -> str | None:
        """The sign-in session hash behind an IdP session cookie, or None."""
        if not idp_session:
            return None
        with self._lock:
            return self._idp_sessions.get(digest(idp_session))


class RegionalCenter(IdentityCenter):
    """The Identity Center of one Region of a replicated instance."""

    def __init__(
        self,
        directory: Directory,
        *,
        replication: Replication,
        store: StateStore,
        clock: EmulatorClock,
        builtin_directory: bool,
        primary: bool,
        device_url_style: str = "request-uri",
    ) -> None:
        super().__init__(directory, store=store, clock=clock, device_url_style=device_url_style)
        self.builtin_directory = builtin_directory
        self.primary = primary
        self.replication = replication
        self.cookie_suffix = f"_{directory.region}"
        self.portal = _ReplicatingPortal(self)
        replication.centers.append(self)

    def instance_regions(self) -> list[str]:
        return [center.directory.region for center in self.replication.centers]

    # --- user sessions, replicated -------------------------------------------------------------------
    def create_user_session(self, user: User) -> str:
        session_id = super().create_user_session(user)
        row = self.store.one(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_hash = ?",  # noqa: S608
            (digest(session_id),),
        )
        assert row is not None
        for peer in self.replication.peers_of(self):
            peer.store.execute(
                f"INSERT OR REPLACE INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",  # noqa: S608
                tuple(row),
            )
        return session_id

    def revoke_session(self, db: Any, session_hash: str) -> None:  # type: ignore[override]
        """End the user session (with the sessions other Regions began for it through the IdP) and their
        tokens, here (inside this store's transaction) and in every Region."""
        for linked in sorted(self.replication.linked(session_hash)):
            IdentityCenter.revoke_session(db, linked)
            for peer in self.replication.peers_of(self):
                peer.store.execute("UPDATE sessions SET ended = 1 WHERE session_hash = ?", (linked,))
                peer.store.execute("UPDATE tokens SET revoked = 1 WHERE session_hash = ?", (linked,))

    # --- the identity provider -------------------------------------------------------------------------
    def cookies_after_sign_in(self, session_id: str) -> dict[str, str]:
        """A password sign-in is a sign-in at the identity provider, whose session every Region trusts."""
        return {IDP_COOKIE: self.replication.start_idp_session(digest(session_id))}

    def idp_user(self, idp_session: str | None) -> UserSession | None:
        """Who the identity provider has signed in, while the sign-in session it began (replicated to this
        Region) lives; None once it ended anywhere."""
        session_hash = self.replication.idp_session(idp_session)
        return self.session_by_hash(session_hash) if session_hash is not None else None

    def sign_in_through_idp(self, idp_session: str | None) -> str | None:
        """A new sign-in session in this Region for the IdP's user (no password), or None."""
        origin = self.replication.idp_session(idp_session)
        signed_in = self.session_by_hash(origin) if origin is not None else None
        user = self.index.users.get(signed_in.username) if signed_in is not None else None
        if origin is None or user is None:
            return None
        session_id = self.create_user_session(user)
        self.replication.link(origin, digest(session_id))
        return session_id


class _ReplicatingPortal(PortalService):
    """The portal, with role credentials replicated: STS and the federation endpoint of any Region (they
    are not Identity Center's, and IAM is global) accept credentials from either Region's portal."""

    def __init__(self, center: RegionalCenter) -> None:
        super().__init__(center)
        self._regional = center

    def get_role_credentials(
        self, token: str | None, role_name: str | None, account_id: str | None
    ) -> dict[str, Any]:
        answer = super().get_role_credentials(token, role_name, account_id)
        credentials: Mapping[str, Any] = answer["roleCredentials"]
        row = self._regional.store.one(
            f"SELECT {_CREDENTIAL_COLUMNS} FROM role_credentials WHERE access_key_id = ?",  # noqa: S608
            (credentials["accessKeyId"],),
        )
        if row is not None:
            for peer in self._regional.replication.peers_of(self._regional):
                peer.store.execute(
                    f"INSERT OR REPLACE INTO role_credentials ({_CREDENTIAL_COLUMNS})"  # noqa: S608
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    tuple(row),
                )
        return answer
