"""sso-oidc: RegisterClient, StartDeviceAuthorization, CreateToken, and the ``/authorize`` endpoint.

- Device authorization grant, RFC 8628: device codes carry 256 bits and are single use; user codes are
  8 letters from a 20-consonant alphabet (section 6.1), wrong guesses are rate limited (section 5.1);
  polling faster than ``interval`` answers ``slow_down`` and adds 5 s (section 3.5); after ``expiresIn``,
  ``expired_token``. ``verificationUriComplete`` is as AWS serves it since mid-2026: an opaque request
  reference (``?request_uri=urn:ietf:params:oauth:request_uri:...``, RFC 9126's form) instead of the user
  code, so the page shows the code for the user to compare with their terminal; the ``classic`` style
  (:data:`DEVICE_URL_STYLES`) keeps ``?user_code=`` for clients written against it.
- Authorization code grant with PKCE, RFC 6749 section 4.1 + RFC 7636: codes are single use (a replay
  revokes what the code issued, RFC 6749 section 4.1.2), bound to client_id and redirect_uri; loopback
  redirect URIs accept any port (RFC 8252 section 7.3); only ``S256`` is accepted.
- Refresh tokens (RFC 6749 section 6), issued only to clients registered with scopes, as AWS does; they
  rotate on every use, and a reused refresh token revokes its whole family (OAuth 2.0 Security BCP
  section 4.14.2). Everything dies with the sign-in session.

The three grants share the token table and one issue path (:meth:`OidcService._issue`), so they stay
together; beside them, the client registry (:mod:`idc.emulator.oidc.clients`), the limiter of wrong
user codes (:mod:`idc.emulator.oidc.user_code_guesses`) and the ``request_uri`` lookup
(:mod:`idc.emulator.oidc.device_requests`). What it needs from the Identity Center comes through
:class:`idc.emulator.center.Center`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from idc.emulator import request_fields as fields
from idc.emulator.oidc.clients import DEVICE_GRANT, GRANT_TYPES, Client, ClientRegistry, serves_start_url
from idc.emulator.oidc.device_requests import new_request_uri, user_code_of
from idc.emulator.oidc.redirect_uris import redirect_matches, valid_challenge, verifier_matches, with_params
from idc.emulator.oidc.user_code_guesses import WrongUserCodes
from idc.emulator.service_errors import (
    AccessDenied,
    AuthorizationPending,
    AuthorizeError,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    PageError,
    ServiceException,
    SlowDown,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from idc.emulator.state_store import digest

if TYPE_CHECKING:
    from idc.emulator.center import Center

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 section 6.1: no vowels, no look-alikes
DEVICE_URL_STYLES = ("request-uri", "classic")


@dataclass(frozen=True)
class DeviceAuthorizationView:
    """What the verification page shows about a pending device authorization (RFC 8628 section 5.4)."""

    user_code: str
    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    expires_at: float
    status: str  # "pending" | "approved" | "denied" | "used"


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated ``/authorize`` request, waiting for sign-in and consent."""

    client_id: str
    client_name: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    scopes: tuple[str, ...]


class OidcService:
    def __init__(self, center: Center) -> None:
        self._center = center
        self._store = center.store
        self._clients = ClientRegistry(center)
        self._wrong_codes = WrongUserCodes()

    # --- clients -------------------------------------------------------------------------------------
    def register_client(self, body: Mapping[str, Any], *, base_url: str) -> dict[str, Any]:
        """RegisterClient (POST /client/register)."""
        return self._clients.register(body, base_url=base_url)

    def client_name(self, client_id: str) -> str:
        return self._clients.name(client_id)

    # --- device authorization (RFC 8628) -------------------------------------------------------------
    def start_device_authorization(self, body: Mapping[str, Any], *, base_url: str) -> dict[str, Any]:
        """StartDeviceAuthorization (POST /device_authorization), RFC 8628 section 3.2."""
        client = self._clients.authenticate(body)
        start_url = fields.required_text(body, "startUrl")
        if not serves_start_url(start_url, self._center.start_url):
            raise InvalidRequest("Invalid start url")
        if client.grant_types and DEVICE_GRANT not in client.grant_types:
            raise UnauthorizedClient("The client is not registered for the device code grant")
        now = self._center.now()
        lifetime = self._center.lifetimes.device_code
        interval = self._center.lifetimes.device_poll_interval
        device_code = secrets.token_urlsafe(32)  # 256 bits
        for _ in range(10):
            letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
            user_code = f"{letters[:4]}-{letters[4:]}"
            try:
                self._store.execute(
                    "INSERT INTO device_auths (device_hash, user_code, client_id, scopes, created_at,"
                    " expires_at, interval, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                    (
                        digest(device_code),
                        user_code,
                        client.client_id,
                        json.dumps(client.scopes),
                        now,
                        now + lifetime,
                        interval,
                    ),
                )
                break
            except Exception as error:  # a user-code collision: draw again
                if "UNIQUE" not in str(error):
                    raise
        else:  # pragma: no cover - 20^8 codes
            raise InvalidRequest("Could not allocate a user code")
        if self._center.device_url_style == "classic":
            complete = f"{base_url}/device?{urlencode({'user_code': user_code})}"
        else:
            request_uri = new_request_uri(self._store, user_code)
            complete = f"{base_url}/device?{urlencode({'request_uri': request_uri})}"
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": f"{base_url}/device",
            "verificationUriComplete": complete,
            "expiresIn": lifetime,
            "interval": interval,
        }

    @staticmethod
    def normalize_user_code(user_code: str) -> str:
        letters = "".join(c for c in user_code.upper() if c.isalnum())
        return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else letters

    def find_device_authorization(
        self, user_code: str, *, guesser: str = ""
    ) -> DeviceAuthorizationView | None:
        """The pending authorization for a typed or prefilled user code (RFC 8628 section 3.3).

        Wrong codes are rate limited (section 5.1) by
        :class:`~idc.emulator.oidc.user_code_guesses.WrongUserCodes`:
        per ``guesser`` (a signed-in browser session's hash) and per user signed in there.
        """
        now = self._center.now()
        window = self._center.lifetimes.device_code
        session = self._center.session_by_hash(guesser) if guesser else None
        user = session.username if session is not None else ""
        self._wrong_codes.check(guesser, user, now, window)
        code = self.normalize_user_code(user_code)
        row = self._store.one(
            "SELECT user_code, client_id, scopes, created_at, expires_at, status FROM device_auths"
            " WHERE user_code = ?",
            (code,),
        )
        if row is None or row["expires_at"] <= now:
            self._wrong_codes.wrong(guesser, user, now, window)
            return None
        return DeviceAuthorizationView(
            row["user_code"],
            row["client_id"],
            self.client_name(row["client_id"]),
            tuple(json.loads(row["scopes"])),
            row["expires_at"],
            row["status"],
        )

    def user_code_for_request(self, request_uri: str, *, guesser: str = "") -> str | None:
        """The user code behind a ``request_uri`` of ``verificationUriComplete``, or None if unknown.

        An unknown reference counts as a wrong code (section 5.1), so references cannot be probed either.
        """
        user_code = user_code_of(self._store, request_uri)
        if user_code is None:
            self.find_device_authorization("", guesser=guesser)  # counted (and limited) as a wrong code
        return user_code

    def decide_device_authorization(self, user_code: str, session_id: str, allow: bool) -> None:
        """The signed-in user allows or denies the device (RFC 8628 section 3.3)."""
        session_hash, _ = self._center.require_session(session_id)
        code = self.normalize_user_code(user_code)
        changed = self._store.execute(
            "UPDATE device_auths SET status = ?, session_hash = ? WHERE user_code = ? AND status = 'pending'"
            " AND expires_at > ?",
            ("approved" if allow else "denied", session_hash, code, self._center.now()),
        )
        if not changed:
            raise PageError("This code has expired or was already used. Start the sign-in again.")

    # --- authorization code + PKCE (RFC 6749 section 4.1, RFC 7636) -------------------------------------
    def begin_authorize(self, params: Mapping[str, str]) -> AuthorizeRequest:
        """Validate a ``/authorize`` request (RFC 6749 section 4.1.1, RFC 7636 section 4.3)."""
        client_id = params.get("client_id") or ""
        client = self._clients.get(client_id) if client_id else None
        if client is None:
            raise AuthorizeError("The application that sent you here is not registered (unknown client_id).")
        if client.expires_at <= self._center.now():
            raise AuthorizeError("The application's registration has expired.")
        redirect_uri = params.get("redirect_uri") or ""
        if not any(redirect_matches(r, redirect_uri) for r in client.redirect_uris):
            raise AuthorizeError("The redirect_uri does not match the application's registration.")
        state = params.get("state")

        def fail(error: str, description: str) -> AuthorizeError:
            data = {"error": error, "error_description": description}
            if state is not None:
                data["state"] = state
            return AuthorizeError(description, with_params(redirect_uri, data))

        if params.get("response_type") != "code":
            raise fail("unsupported_response_type", "response_type must be code")
        if "authorization_code" not in client.grant_types:
            raise fail("unauthorized_client", "The client is not registered for the authorization_code grant")
        method = params.get("code_challenge_method")
        if method != "S256":
            raise fail("invalid_request", "code_challenge_method must be S256 (plain is not allowed)")
        challenge = params.get("code_challenge") or ""
        if not valid_challenge(challenge):
            raise fail("invalid_request", "code_challenge is missing or malformed")
        requested = params.get("scopes", params.get("scope"))
        scopes = tuple(requested.split()) if requested else client.scopes
        if any(s not in client.scopes for s in scopes):
            raise fail("invalid_scope", "The requested scopes were not registered by the client")
        return AuthorizeRequest(client.client_id, client.name, redirect_uri, state, challenge, scopes)

    def finish_authorize(self, request: AuthorizeRequest, session_id: str, allow: bool) -> str:
        """Consent given or refused: the loopback redirect URL (RFC 6749 section 4.1.2)."""
        session_hash, _ = self._center.require_session(session_id)
        extra = {"state": request.state} if request.state is not None else {}
        if not allow:
            return with_params(
                request.redirect_uri,
                {"error": "access_denied", "error_description": "The user denied the request", **extra},
            )
        code = secrets.token_urlsafe(32)
        self._store.execute(
            "INSERT INTO auth_codes (code_hash, client_id, redirect_uri, challenge, scopes, session_hash,"
            " expires_at, family) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest(code),
                request.client_id,
                request.redirect_uri,
                request.code_challenge,
                json.dumps(request.scopes),
                session_hash,
                self._center.now() + self._center.lifetimes.authorization_code,
                secrets.token_hex(16),
            ),
        )
        return with_params(request.redirect_uri, {"code": code, **extra})

    # --- CreateToken ---------------------------------------------------------------------------------
    def create_token(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """CreateToken (POST /token) for the device_code, authorization_code and refresh_token grants."""
        grant_type = fields.required_text(body, "grantType")
        if grant_type not in GRANT_TYPES:
            raise UnsupportedGrantType("Unsupported grant type")
        client = self._clients.authenticate(body)
        fields.text_list(body, "scope")
        if client.grant_types and grant_type not in client.grant_types:
            raise UnauthorizedClient("The client is not registered for this grant type")
        if grant_type == DEVICE_GRANT:
            return self._device_code_grant(client, fields.required_text(body, "deviceCode"))
        if grant_type == "authorization_code":
            return self._authorization_code_grant(
                client,
                fields.required_text(body, "code"),
                fields.required_text(body, "redirectUri"),
                fields.required_text(body, "codeVerifier"),
            )
        return self._refresh_token_grant(client, fields.required_text(body, "refreshToken"))

    def _device_code_grant(self, client: Client, device_code: str) -> dict[str, Any]:
        """RFC 8628 section 3.4 / 3.5."""
        now = self._center.now()
        with self._store.transaction(keep_on=(ServiceException,)) as db:
            row = db.execute(
                "SELECT client_id, expires_at, interval, last_poll, status, session_hash, scopes"
                " FROM device_auths WHERE device_hash = ?",
                (digest(device_code),),
            ).fetchone()
            if row is None or row[0] != client.client_id:
                raise InvalidGrant("Invalid device code provided")
            _, expires_at, interval, last_poll, status, session_hash, scopes = row
            if status == "used":
                raise InvalidGrant("The device code was already used")
            if now >= expires_at:
                raise ExpiredToken("Device code has expired")
            if status == "denied":
                raise AccessDenied("The user denied the authorization request")
            if status == "pending":
                if last_poll is not None and now - last_poll < interval * 0.8:
                    db.execute(
                        "UPDATE device_auths SET last_poll = ?, interval = ? WHERE device_hash = ?",
                        (now, interval + 5, digest(device_code)),
                    )
                    raise SlowDown("Client is polling too fast; slow down")
                db.execute(
                    "UPDATE device_auths SET last_poll = ? WHERE device_hash = ?", (now, digest(device_code))
                )
                raise AuthorizationPending("Authorization is still pending")
            db.execute(
                "UPDATE device_auths SET status = 'used' WHERE device_hash = ?", (digest(device_code),)
            )
            return self._issue(db, client, session_hash, tuple(json.loads(scopes)), secrets.token_hex(16))

    def _authorization_code_grant(
        self, client: Client, code: str, redirect_uri: str, verifier: str
    ) -> dict[str, Any]:
        """RFC 6749 section 4.1.3 with RFC 7636 section 4.6."""
        now = self._center.now()
        with self._store.transaction(keep_on=(ServiceException,)) as db:
            row = db.execute(
                "SELECT client_id, redirect_uri, challenge, scopes, session_hash, expires_at, used, family"
                " FROM auth_codes WHERE code_hash = ?",
                (digest(code),),
            ).fetchone()
            if row is None:
                raise InvalidGrant("Invalid authorization code provided")
            code_client, code_redirect, challenge, scopes, session_hash, expires_at, used, family = row
            if used:
                # RFC 6749 section 4.1.2: a replayed code revokes the tokens it issued.
                db.execute("UPDATE tokens SET revoked = 1 WHERE family = ?", (family,))
                raise InvalidGrant("The authorization code was already used")
            if code_client != client.client_id:
                raise InvalidGrant("The authorization code was issued to another client")
            if now >= expires_at:
                raise InvalidGrant("The authorization code has expired")
            if redirect_uri != code_redirect:
                raise InvalidGrant("redirectUri does not match the authorization request")
            if not verifier_matches(verifier, challenge):
                raise InvalidGrant("PKCE verification failed")
            db.execute("UPDATE auth_codes SET used = 1 WHERE code_hash = ?", (digest(code),))
            return self._issue(db, client, session_hash, tuple(json.loads(scopes)), family)

    def _refresh_token_grant(self, client: Client, refresh_token: str) -> dict[str, Any]:
        """RFC 6749 section 6, with rotation and reuse detection."""
        now = self._center.now()
        token_hash = digest(refresh_token)
        with self._store.transaction(keep_on=(ServiceException,)) as db:
            row = db.execute(
                "SELECT client_id, session_hash, family, scopes, expires_at, revoked, used FROM tokens"
                " WHERE token_hash = ? AND kind = 'refresh'",
                (token_hash,),
            ).fetchone()
            if row is None or row[0] != client.client_id:
                raise InvalidGrant("Invalid refresh token provided")
            _, session_hash, family, scopes, expires_at, revoked, used = row
            if revoked:
                raise InvalidGrant("The refresh token was revoked")
            if used:
                db.execute("UPDATE tokens SET revoked = 1 WHERE family = ?", (family,))
                raise InvalidGrant(
                    "The refresh token was already used; every token of this sign-in is revoked"
                )
            if now >= expires_at:
                raise InvalidGrant("The refresh token has expired")
            rotate = self._center.directory.rotate_refresh_tokens
            if rotate:
                db.execute("UPDATE tokens SET used = 1 WHERE token_hash = ?", (token_hash,))
            return self._issue(
                db, client, session_hash, tuple(json.loads(scopes)), family, with_refresh_token=rotate
            )

    def _issue(
        self,
        db: Any,
        client: Client,
        session_hash: str | None,
        scopes: tuple[str, ...],
        family: str,
        *,
        with_refresh_token: bool = True,
    ) -> dict[str, Any]:
        now = self._center.now()
        session = self._center.session_by_hash(session_hash) if session_hash else None
        if session is None:
            raise InvalidGrant("The sign-in session has ended")
        access_token = "aoa" + secrets.token_urlsafe(64)
        expires_at = min(now + self._center.lifetimes.access_token, session.expires_at)
        db.execute(
            "INSERT INTO tokens (token_hash, kind, client_id, session_hash, family, scopes, expires_at)"
            " VALUES (?, 'access', ?, ?, ?, ?, ?)",
            (digest(access_token), client.client_id, session_hash, family, json.dumps(scopes), expires_at),
        )
        answer: dict[str, Any] = {
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": max(round(expires_at - now), 1),
        }
        if client.scopes and with_refresh_token:
            refresh_token = "aor" + secrets.token_urlsafe(64)
            db.execute(
                "INSERT INTO tokens (token_hash, kind, client_id, session_hash, family, scopes, expires_at)"
                " VALUES (?, 'refresh', ?, ?, ?, ?, ?)",
                (
                    digest(refresh_token),
                    client.client_id,
                    session_hash,
                    family,
                    json.dumps(scopes),
                    session.expires_at,
                ),
            )
            answer["refreshToken"] = refresh_token
        return answer
