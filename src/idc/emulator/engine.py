"""The local IAM Identity Center: protocol logic in plain Python, no HTTP.

:class:`IdentityCenter` owns the directory, the clock, the state store and the fault settings, and is what
both the API adapter (:mod:`idc.emulator.app`) and the pages (:mod:`idc.emulator.web`) call. The OAuth
logic lives in :mod:`idc.emulator.oidc.service`, the portal in :mod:`idc.emulator.portal.service`, STS in
:mod:`idc.emulator.sts.service`; this module holds sign-in sessions and the page-facing surface. The
services see the engine only through :class:`idc.emulator.center.Center`, so the imports run one way.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from idc.emulator.admin.store import AdminStore
from idc.emulator.assignments import AccountAssignment, AssignmentIndex
from idc.emulator.center import UserSession
from idc.emulator.clock import EmulatorClock
from idc.emulator.directory import Directory, User, load_directory
from idc.emulator.faults import FaultInjector
from idc.emulator.oidc.service import AuthorizeRequest, DeviceAuthorizationView, OidcService
from idc.emulator.portal.service import PortalService
from idc.emulator.service_errors import PageError
from idc.emulator.state_store import StateStore, digest
from idc.emulator.sts.service import StsService

__all__ = [
    "AccountAssignment",
    "AuthorizeRequest",
    "DeviceAuthorizationView",
    "IdentityCenter",
    "UserSession",
]


class IdentityCenter:
    """One Identity Center instance: a directory, a clock, and the state of what it handed out."""

    def __init__(
        self,
        directory: Directory | Mapping[str, Any] | Path | str | None = None,
        *,
        store: StateStore | None = None,
        clock: EmulatorClock | None = None,
        faults: FaultInjector | None = None,
        device_url_style: str = "request-uri",
    ) -> None:
        self.directory = load_directory(directory)
        # "request-uri": verificationUriComplete as AWS serves it now; "classic": with ?user_code=
        self.device_url_style = device_url_style
        # The built-in directory's user is demo/demo: the sign-in page and the banner say so, never
        # for a directory someone loaded (its passwords are theirs).
        self.builtin_directory = directory is None
        self.index = AssignmentIndex(self.directory)
        self.lifetimes = self.directory.lifetimes
        self.store = store if store is not None else StateStore()
        self.clock = clock if clock is not None else EmulatorClock()
        self.faults = faults if faults is not None else FaultInjector()
        # The admin side (sso-admin, identitystore) holds the directory from here on: what its APIs
        # change is what the portal, the pages and STS serve (idc.emulator.admin.store).
        self.admin = AdminStore(self.store, self.directory, now=self.now)
        self.adopt_directory(self.admin.view())
        self.admin.on_change = self.adopt_directory
        self.oidc = OidcService(self)
        self.portal = PortalService(self)
        self.sts = StsService(self)

    #: Appended to the pages' cookie names: several Regions on one host (cookies ignore the port, RFC 6265
    #: section 8.5) keep their sign-in cookies apart.
    cookie_suffix = ""

    def cookies_after_sign_in(self, session_id: str) -> dict[str, str]:
        """Cookies to set besides the session's after a password sign-in (none for one instance; a
        replicated instance's identity provider keeps its own session, see idc.emulator.regions)."""
        return {}

    # --- identity --------------------------------------------------------------------------------
    @property
    def start_url(self) -> str:
        return self.directory.start_url

    @property
    def region(self) -> str:
        return self.directory.region

    @property
    def start_path(self) -> str:
        return self.directory.start_path

    def instance_regions(self) -> list[str]:
        return [self.directory.region]

    def adopt_directory(self, directory: Directory) -> None:
        """Serve ``directory`` from now on (the admin APIs changed it); one assignment swaps it whole."""
        self.index = AssignmentIndex(directory)
        self.directory = directory

    def now(self) -> float:
        """The emulator's clock in epoch seconds (honours :meth:`advance_clock`)."""
        return self.clock.now()

    def service_now(self) -> float:
        """The clock the service shows clients (``Date``) and checks SigV4 on: wall time plus any skew."""
        return self.clock.service_now()

    def advance_clock(self, seconds: float) -> float:
        return self.clock.advance(seconds)

    # --- users and sign-in sessions ----------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches (constant-time compare), else None."""
        user = self.index.users.get(username)
        candidate = user.password if user is not None else "\0" * max(len(password), 1)
        matches = hmac.compare_digest(candidate.encode(), password.encode())
        return user if user is not None and matches else None

    def create_user_session(self, user: User) -> str:
        """Start a sign-in session for ``user``; return its opaque id (a cookie value)."""
        session_id = secrets.token_urlsafe(32)
        now = self.now()
        self.store.execute(
            "INSERT INTO sessions (session_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (digest(session_id), user.username, now, now + self.lifetimes.session),
        )
        return session_id

    def user_session(self, session_id: str) -> UserSession | None:
        """The live session with this id, or None (unknown, ended or expired)."""
        return self.session_by_hash(digest(session_id))

    def session_by_hash(self, session_hash: str) -> UserSession | None:
        row = self.store.one(
            "SELECT username, created_at, expires_at, ended FROM sessions WHERE session_hash = ?",
            (session_hash,),
        )
        if row is None or row["ended"] or row["expires_at"] <= self.now():
            return None
        user = self.index.users.get(row["username"])
        if user is None:  # the directory changed across a restart with --state
            return None
        return UserSession(user.username, user.display_name, row["created_at"], row["expires_at"])

    def end_sessions(self, user: str | None = None) -> int:
        """End every live session (or ``user``'s); their access and refresh tokens stop working."""
        with self.store.transaction() as db:
            if user is None:
                hashes = [r[0] for r in db.execute("SELECT session_hash FROM sessions WHERE ended = 0")]
            else:
                hashes = [
                    r[0]
                    for r in db.execute(
                        "SELECT session_hash FROM sessions WHERE ended = 0 AND username = ?", (user,)
                    )
                ]
            for session_hash in hashes:
                self.revoke_session(db, session_hash)
        return len(hashes)

    def end_session(self, session_id: str) -> None:
        """Sign out of one session (the portal page's "Sign out")."""
        with self.store.transaction() as db:
            self.revoke_session(db, digest(session_id))

    @staticmethod
    def revoke_session(db: Any, session_hash: str) -> None:
        """Inside a transaction: end the session and revoke every token issued in it."""
        db.execute("UPDATE sessions SET ended = 1 WHERE session_hash = ?", (session_hash,))
        db.execute("UPDATE tokens SET revoked = 1 WHERE session_hash = ?", (session_hash,))

    def require_session(self, session_id: str) -> tuple[str, UserSession]:
        session_hash = digest(session_id)
        session = self.session_by_hash(session_hash)
        if session is None:
            raise PageError("Your sign-in session has ended. Sign in again.")
        return session_hash, session

    # --- the portal page ---------------------------------------------------------------------------
    def assignments_for(self, user: User | str) -> list[AccountAssignment]:
        username = user if isinstance(user, str) else user.username
        return list(self.index.assignments_for(username))

    def client_name(self, client_id: str) -> str:
        return self.oidc.client_name(client_id)

    # --- device authorization pages (RFC 8628 section 3.3) -----------------------------------------
    def find_device_authorization(
        self, user_code: str, *, guesser: str = ""
    ) -> DeviceAuthorizationView | None:
        return self.oidc.find_device_authorization(user_code, guesser=guesser)

    def decide_device_authorization(self, user_code: str, session_id: str, allow: bool) -> None:
        self.oidc.decide_device_authorization(user_code, session_id, allow)

    def user_code_for_request(self, request_uri: str, *, guesser: str = "") -> str | None:
        return self.oidc.user_code_for_request(request_uri, guesser=guesser)

    # --- authorization code pages (RFC 6749 section 4.1, RFC 7636) ----------------------------------
    def begin_authorize(self, params: Mapping[str, str]) -> AuthorizeRequest:
        return self.oidc.begin_authorize(params)

    def finish_authorize(self, request: AuthorizeRequest, session_id: str, allow: bool) -> str:
        return self.oidc.finish_authorize(request, session_id, allow)

    # --- API operations (the adapter calls these) ----------------------------------------------------
    def register_client(self, body: Mapping[str, Any], *, base_url: str) -> dict[str, Any]:
        return self.oidc.register_client(body, base_url=base_url)

    def start_device_authorization(self, body: Mapping[str, Any], *, base_url: str) -> dict[str, Any]:
        return self.oidc.start_device_authorization(body, base_url=base_url)

    def create_token(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.oidc.create_token(body)

    def list_accounts(
        self, token: str | None, next_token: str | None, max_result: str | None
    ) -> dict[str, Any]:
        return self.portal.list_accounts(token, next_token, max_result)

    def list_account_roles(
        self, token: str | None, account_id: str | None, next_token: str | None, max_result: str | None
    ) -> dict[str, Any]:
        return self.portal.list_account_roles(token, account_id, next_token, max_result)

    def get_role_credentials(
        self, token: str | None, role_name: str | None, account_id: str | None
    ) -> dict[str, Any]:
        return self.portal.get_role_credentials(token, role_name, account_id)

    def logout(self, token: str | None) -> None:
        self.portal.logout(token)

    def purge_expired(self, *, grace: float = 86400) -> int:
        """Forget what expired more than ``grace`` seconds ago (bounded memory in long load runs)."""
        cutoff = self.now() - grace
        with self.store.transaction() as db:
            removed = 0
            for table in ("role_credentials", "assumed_sessions", "tokens", "auth_codes", "device_auths"):
                removed += db.execute(f"DELETE FROM {table} WHERE expires_at < ?", (cutoff,)).rowcount  # noqa: S608
            removed += db.execute("DELETE FROM sessions WHERE expires_at < ?", (cutoff,)).rowcount
        return removed

    def close(self) -> None:
        self.store.close()
