"""OIDC client registrations (RegisterClient results) in ``~/.aws/sso/cache``, shared with AWS CLI v2.

Key, exactly botocore's ``SSOTokenFetcher._registration_cache_key``::

    sha1(json.dumps({"tool": "botocore", "startUrl": start_url, "region": sso_region,
                     "scopes": scopes, "session_name": session_name}, sort_keys=True))

(default separators; ``scopes`` a list or null, ``session_name`` null for legacy profiles).
Content: ``{"clientId", "clientSecret", "expiresAt": "...Z", "scopes"}`` plus ``"grantTypes"`` for
authorization-code (PKCE) registrations; ``scopes`` only when registered with scopes. Registrations are
not secrets to throw away on logout (``aws sso logout`` keeps them), but hold a client secret: 0600.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from idc.errors import CacheError
from idc.storage import fileio
from idc.storage.timestamps import UTC, format_timestamp, parse_timestamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from idc.storage.locations import Locations


@dataclass(frozen=True)
class ClientRegistration:
    """A public OIDC client from RegisterClient (sso-oidc ``/client/register``)."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    grant_types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            object.__setattr__(self, "expires_at", self.expires_at.replace(tzinfo=UTC))
        for name in ("scopes", "grant_types"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def to_cache_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "expiresAt": format_timestamp(self.expires_at),
        }
        if self.scopes:
            data["scopes"] = list(self.scopes)
        if self.grant_types:
            data["grantTypes"] = list(self.grant_types)
        return data

    @classmethod
    def from_cache_json(cls, data: dict[str, object]) -> ClientRegistration | None:
        client_id, client_secret = data.get("clientId"), data.get("clientSecret")
        if not (isinstance(client_id, str) and isinstance(client_secret, str)):
            return None
        if not (client_id and client_secret):
            return None
        try:
            expires_at = parse_timestamp(data.get("expiresAt"))
        except (ValueError, OverflowError, OSError):
            return None
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            expires_at=expires_at,
            scopes=_strings(data.get("scopes")),
            grant_types=_strings(data.get("grantTypes")),
        )


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def registration_cache_key(
    region: str, scopes: Sequence[str] | None, session_name: str | None, start_url: str
) -> str:
    """botocore's registration key (see the module docstring); ``scopes`` None and [] differ, as there."""
    from hashlib import sha1

    args = {
        "tool": "botocore",
        "startUrl": start_url,
        "region": region,
        "scopes": list(scopes) if scopes is not None else None,
        "session_name": session_name,
    }
    return sha1(json.dumps(args, sort_keys=True).encode("utf-8"), usedforsecurity=False).hexdigest()


def registration_cache_path(locations: Locations, key: str) -> str:
    return os.path.join(os.fspath(locations.sso_cache_dir), key + ".json")


def load_registration(locations: Locations, key: str) -> ClientRegistration | None:
    """The cached registration, or None when absent, unreadable or incomplete (then register again)."""
    try:
        data = fileio.read_json(registration_cache_path(locations, key))
    except CacheError:
        return None
    if data is None:
        return None
    return ClientRegistration.from_cache_json(data)


def save_registration(locations: Locations, key: str, registration: ClientRegistration) -> None:
    fileio.atomic_write_json(registration_cache_path(locations, key), registration.to_cache_json())


def delete_registration(locations: Locations, key: str) -> bool:
    return fileio.remove_file(registration_cache_path(locations, key))
