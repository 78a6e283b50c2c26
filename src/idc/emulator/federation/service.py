"""The AWS federation endpoint (``/federation``): console sign-in from role credentials.

Implements the custom identity broker protocol of the IAM User Guide ("Enable custom identity broker
access to the AWS console"):

- ``Action=getSigninToken&Session={"sessionId","sessionKey","sessionToken"}[&SessionDuration=N]``
  answers ``{"SigninToken": "..."}`` for role credentials this Identity Center issued and that have not
  expired. ``SessionDuration`` must be an integer in 900..43200. Anything else is HTTP 400, as AWS answers
  (the one body observed in the wild: "Invalid credentials parameter").
- ``Action=login&Issuer=...&Destination=...&SigninToken=...`` uses the sign-in token once, within
  15 minutes of its creation (the emulator's clock), and starts a console session.

Plain Python over the state store; :mod:`idc.emulator.web.console_pages` is the HTTP adapter. Sign-in
tokens and console session ids are bearer secrets: only their digests are stored.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from idc.emulator.request_fields import parse_json_object, required_text
from idc.emulator.service_errors import InvalidRequest
from idc.emulator.state_store import digest
from idc.emulator.sts.service import role_session_arn

if TYPE_CHECKING:
    from idc.emulator.center import Center

SIGNIN_TOKEN_LIFETIME = 15 * 60
"""The IAM User Guide: "The URL that the federation endpoint provides is valid for 15 minutes"."""

_ASSUMED = "role/"
"""Marks an assumed role's name in the tables (a permission set's name never holds a slash)."""

MIN_SESSION_DURATION = 900
MAX_SESSION_DURATION = 43200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signin_tokens (
    token_hash TEXT PRIMARY KEY, access_key_id TEXT NOT NULL, username TEXT NOT NULL,
    account_id TEXT NOT NULL, role_name TEXT NOT NULL, console_expires_at REAL NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS console_sessions (
    session_hash TEXT PRIMARY KEY, username TEXT NOT NULL, account_id TEXT NOT NULL,
    role_name TEXT NOT NULL, destination TEXT NOT NULL, issuer TEXT NOT NULL, expires_at REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class _Issued:
    """Credentials this Identity Center issued, as the federation endpoint needs them."""

    secret_access_key: str
    session_token_hash: str
    username: str
    account_id: str
    role_name: str
    expires_at: float


class FederationError(Exception):
    """A refused federation request: HTTP ``status`` with a one-line ``message`` (no secrets)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ConsoleSession:
    """What the local console page shows."""

    username: str
    account_id: str
    role_name: str
    role_arn: str
    destination: str
    issuer: str
    expires_at: float


class FederationService:
    """``getSigninToken`` and ``login`` over one Identity Center's state."""

    def __init__(self, center: Center) -> None:
        self._center = center
        with center.store.transaction() as db:
            # One statement at a time: executescript would COMMIT in the middle of the transaction.
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    def get_signin_token(self, params: Mapping[str, str]) -> dict[str, str]:
        """``Action=getSigninToken``: a single-use sign-in token for the session credentials."""
        session = _session_of(params.get("Session"))
        found = self._credentials_of(session["sessionId"])
        secret_ok = found is not None and hmac.compare_digest(
            found.secret_access_key.encode(), session["sessionKey"].encode()
        )
        token_ok = found is not None and hmac.compare_digest(
            found.session_token_hash, digest(session["sessionToken"])
        )
        if found is None or not secret_ok or not token_ok:
            raise FederationError("Invalid credentials parameter: the session credentials are not valid")
        now = self._center.now()
        if found.expires_at <= now:
            raise FederationError("Invalid credentials parameter: the session credentials have expired")
        console_expires_at = float(found.expires_at)
        duration = params.get("SessionDuration")
        if duration is not None and found.role_name.startswith(_ASSUMED):
            # Every assumed-role session here is role chaining (its source held role credentials), and
            # the federation endpoint refuses SessionDuration for those (aws-sso-cli PR #1247).
            raise FederationError(
                "Invalid SessionDuration: it cannot be set for credentials from role chaining"
            )
        if duration is not None:
            console_expires_at = now + _session_duration(duration)
        token = secrets.token_urlsafe(48)
        self._center.store.execute(
            "INSERT INTO signin_tokens (token_hash, access_key_id, username, account_id, role_name,"
            " console_expires_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                digest(token),
                session["sessionId"],
                found.username,
                found.account_id,
                found.role_name,
                console_expires_at,
                now + SIGNIN_TOKEN_LIFETIME,
            ),
        )
        return {"SigninToken": token}

    def _credentials_of(self, access_key_id: str) -> _Issued | None:
        """Portal role credentials, or an assumed-role session (its role name marked ``role/``)."""
        from idc.emulator.sts.sessions import find_session

        row = self._center.store.one(
            "SELECT secret_access_key, session_token_hash, username, account_id, role_name, expires_at"
            " FROM role_credentials WHERE access_key_id = ?",
            (access_key_id,),
        )
        if row is not None:
            return _Issued(
                secret_access_key=row["secret_access_key"],
                session_token_hash=row["session_token_hash"],
                username=row["username"],
                account_id=row["account_id"],
                role_name=row["role_name"],
                expires_at=float(row["expires_at"]),
            )
        assumed = find_session(self._center, access_key_id)
        if assumed is None:
            return None
        _, role_name, session_name = assumed.caller.arn.split("/", 2)
        return _Issued(
            secret_access_key=assumed.secret_access_key,
            session_token_hash=assumed.session_token_hash,
            username=session_name,
            account_id=assumed.caller.account,
            role_name=_ASSUMED + role_name,
            expires_at=assumed.expires_at,
        )

    def login(self, params: Mapping[str, str]) -> tuple[str, ConsoleSession]:
        """``Action=login``: use the sign-in token (once); return a console session id and its view."""
        token = params.get("SigninToken") or ""
        destination = params.get("Destination") or ""
        issuer = params.get("Issuer") or ""
        if not destination.startswith(("https://", "http://")):
            raise FederationError("The Destination parameter must be an absolute console URL")
        now = self._center.now()
        with self._center.store.transaction() as db:
            row = db.execute(
                "SELECT username, account_id, role_name, console_expires_at, expires_at, used"
                " FROM signin_tokens WHERE token_hash = ?",
                (digest(token),),
            ).fetchone()
            if row is None or row["used"] or row["expires_at"] <= now:
                raise FederationError(
                    "The sign-in token is not valid: it was already used, has expired or is unknown"
                )
            db.execute("UPDATE signin_tokens SET used = 1 WHERE token_hash = ?", (digest(token),))
            session_id = secrets.token_urlsafe(32)
            db.execute(
                "INSERT INTO console_sessions (session_hash, username, account_id, role_name, destination,"
                " issuer, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    digest(session_id),
                    row["username"],
                    row["account_id"],
                    row["role_name"],
                    destination,
                    issuer,
                    row["console_expires_at"],
                ),
            )
        session = self.console_session(session_id)
        assert session is not None
        return session_id, session

    def console_session(self, session_id: str | None) -> ConsoleSession | None:
        """The live console session with this id, or None (unknown, signed out or expired)."""
        if not session_id:
            return None
        row = self._center.store.one(
            "SELECT username, account_id, role_name, destination, issuer, expires_at, ended"
            " FROM console_sessions WHERE session_hash = ?",
            (digest(session_id),),
        )
        if row is None or row["ended"] or row["expires_at"] <= self._center.now():
            return None
        # The assumed-role session ARN: what the real console's account menu shows.
        role_name = str(row["role_name"])
        if role_name.startswith(_ASSUMED):
            role_name = role_name[len(_ASSUMED) :]
            role_arn = f"arn:aws:sts::{row['account_id']}:assumed-role/{role_name}/{row['username']}"
        else:
            role_arn, _ = role_session_arn(row["account_id"], role_name, row["username"])
        return ConsoleSession(
            username=row["username"],
            account_id=row["account_id"],
            role_name=role_name,
            role_arn=role_arn,
            destination=row["destination"],
            issuer=row["issuer"],
            expires_at=float(row["expires_at"]),
        )

    def sign_out(self, session_id: str | None) -> None:
        if session_id:
            self._center.store.execute(
                "UPDATE console_sessions SET ended = 1 WHERE session_hash = ?", (digest(session_id),)
            )


def _session_of(raw: str | None) -> dict[str, str]:
    """The ``Session`` parameter's three fields, checked as the JSON APIs check their bodies
    (:func:`~idc.emulator.request_fields.parse_json_object`: no lone surrogates, no nesting too deep)."""
    if not raw:
        raise FederationError("Invalid credentials parameter: Session is missing")
    try:
        session = parse_json_object(raw.encode("utf-8", "replace"))
    except ValueError:
        raise FederationError("Invalid credentials parameter: Session is not a JSON object") from None
    fields: dict[str, str] = {}
    for key in ("sessionId", "sessionKey", "sessionToken"):
        try:
            fields[key] = required_text(session, key)
        except InvalidRequest:
            raise FederationError(f"Invalid credentials parameter: {key} is missing or not valid") from None
    return fields


def _session_duration(raw: str) -> int:
    try:
        seconds = int(raw)
    except ValueError:
        raise FederationError("SessionDuration must be a whole number of seconds") from None
    if not MIN_SESSION_DURATION <= seconds <= MAX_SESSION_DURATION:
        raise FederationError(
            f"SessionDuration must be between {MIN_SESSION_DURATION} and {MAX_SESSION_DURATION} seconds"
        )
    return seconds
