"""The sso-oidc client registry: RegisterClient, and finding and authenticating a registered client.

Public clients only, as AWS: a client secret is stored as its digest and compared in constant time; a
registration expires (``clientSecretExpiresAt``) and then authenticates no more. Redirect URIs must be
https, or http on a loopback address (RFC 8252 section 7.3). An ``issuerUrl`` must be the start URL
this Identity Center serves (:func:`serves_start_url`), so a mistyped start URL fails at the
registration of the authorization code grant as it does at StartDeviceAuthorization. Used by the grants of
:class:`idc.emulator.oidc.service.OidcService`; what it needs of the Identity Center comes through
:class:`idc.emulator.center.Center`.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idc.emulator import request_fields as fields
from idc.emulator.oidc.redirect_uris import registrable_redirect
from idc.emulator.service_errors import (
    InvalidClient,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
)
from idc.emulator.state_store import digest

if TYPE_CHECKING:
    from idc.emulator.center import Center

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = frozenset({DEVICE_GRANT, "authorization_code", "refresh_token"})
_SCOPE = re.compile(r"^[A-Za-z0-9:_*.\-/]{1,256}$")


def serves_start_url(url: str, start_url: str) -> bool:
    """Whether ``url`` names the start URL ``start_url`` (a trailing ``/``, ``#`` or ``#/`` aside,
    as users copy it from the portal's address bar)."""
    return url.rstrip("/").rstrip("#").rstrip("/") == start_url.rstrip("/")


@dataclass(frozen=True)
class Client:
    """A registered client, as the grants check it."""

    client_id: str
    name: str
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    expires_at: float


class ClientRegistry:
    """The registered clients of one Identity Center."""

    def __init__(self, center: Center) -> None:
        self._center = center
        self._store = center.store

    def register(self, body: Mapping[str, Any], *, base_url: str) -> dict[str, Any]:
        """RegisterClient (POST /client/register)."""
        name = fields.required_text(body, "clientName")
        client_type = fields.required_text(body, "clientType")
        if client_type != "public":
            raise InvalidClientMetadata("Only public clients are supported (clientType must be 'public')")
        if len(name) > 256:
            raise InvalidClientMetadata("clientName is too long")
        scopes = fields.text_list(body, "scopes")
        for scope in scopes:
            if not _SCOPE.match(scope):
                raise InvalidScope("Invalid scope requested")
        grant_types = fields.text_list(body, "grantTypes")
        for grant in grant_types:
            if grant not in GRANT_TYPES:
                raise InvalidClientMetadata(f"Unsupported grant type: {grant[:80]}")
        redirect_uris = fields.text_list(body, "redirectUris", limit=10)
        for uri in redirect_uris:
            if not registrable_redirect(uri):
                raise InvalidRedirectUri("Redirect URIs must be https, or http on a loopback address")
        if "authorization_code" in grant_types and not redirect_uris:
            raise InvalidRequest("The authorization_code grant needs redirectUris")
        issuer = fields.text(body, "issuerUrl", required=False)
        if issuer is not None and not serves_start_url(issuer, self._center.start_url):
            # The emulator's own wording: no public source shows AWS's answer to a foreign issuerUrl.
            raise InvalidRequest("Invalid issuer url")
        now = self._center.now()
        client_id = secrets.token_urlsafe(16)
        client_secret = secrets.token_urlsafe(96)
        expires_at = int(now) + self._center.lifetimes.client_registration
        self._store.execute(
            "INSERT INTO clients (client_id, secret_hash, name, scopes, grant_types, redirect_uris,"
            " issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                client_id,
                digest(client_secret),
                name,
                json.dumps(scopes),
                json.dumps(grant_types),
                json.dumps(redirect_uris),
                now,
                expires_at,
            ),
        )
        answer: dict[str, Any] = {
            "clientId": client_id,
            "clientSecret": client_secret,
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": expires_at,
        }
        if "authorization_code" in grant_types:
            answer["authorizationEndpoint"] = f"{base_url}/authorize"
            answer["tokenEndpoint"] = f"{base_url}/token"
        return answer

    def get(self, client_id: str) -> Client | None:
        """The client registered as ``client_id`` (expired or not), or None."""
        row = self._store.one(
            "SELECT client_id, name, scopes, grant_types, redirect_uris, expires_at FROM clients"
            " WHERE client_id = ?",
            (client_id,),
        )
        if row is None:
            return None
        return Client(
            row["client_id"],
            row["name"],
            tuple(json.loads(row["scopes"])),
            tuple(json.loads(row["grant_types"])),
            tuple(json.loads(row["redirect_uris"])),
            row["expires_at"],
        )

    def authenticate(self, body: Mapping[str, Any]) -> Client:
        """The client named by ``clientId`` whose ``clientSecret`` matches and has not expired."""
        client_id = fields.required_text(body, "clientId")
        client_secret = fields.required_text(body, "clientSecret")
        row = self._store.one("SELECT secret_hash FROM clients WHERE client_id = ?", (client_id,))
        if row is None or not hmac.compare_digest(row["secret_hash"], digest(client_secret)):
            raise InvalidClient("Invalid client provided")
        client = self.get(client_id)
        assert client is not None
        if client.expires_at <= self._center.now():
            raise InvalidClient("Client registration has expired; register the client again")
        return client

    def name(self, client_id: str) -> str:
        """What the consent page calls the client."""
        client = self.get(client_id)
        return client.name if client is not None else "Unknown application"


__all__ = ["DEVICE_GRANT", "GRANT_TYPES", "Client", "ClientRegistry"]
