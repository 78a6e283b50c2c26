"""SSO access tokens in ``~/.aws/sso/cache``, byte-compatible with AWS CLI v2 and botocore.

File: ``<sha1 hex of the sso-session name, or of the start URL for legacy profiles>.json``
(``sha1("admin") = d033e22ae348aeb5660fc2140aec35850c4da997``; botocore ``SSOTokenLoader``). Content,
as botocore's ``SSOTokenProvider`` writes it after a refresh::

    {"startUrl", "region", "accessToken", "expiresAt": "2026-11-21T07:29:54Z",
     "clientId", "clientSecret", "registrationExpiresAt": "...Z", "refreshToken"}

``refreshToken`` only when issued. Reading tolerates what botocore and the AWS CLI write: ``+00:00``
offsets, fractional seconds, extra keys (``receivedAt``), missing registration fields. A file without
``accessToken`` or ``expiresAt`` is "invalid" to botocore (``Token for ... is invalid``) and a CacheError
here, naming the file and the login command.

A refreshed token that cannot be written to the cache (full disk, a file that refuses the rename) is
kept in ``~/.aws/idc/pending-tokens/<key>.json`` (0600, 0700 dir) with a digest of the access token it
replaces; ``load_token`` prefers it while the cache still holds that replaced token, moves it into the
cache when it can, and drops it once a sign-in or logout has superseded it. Identity Center rotates the
refresh token on every refresh, so the token it issued is the only one that keeps the session alive:
presenting the replaced one again revokes the whole family.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from idc.errors import CacheError
from idc.storage import fileio
from idc.storage.timestamps import UTC, format_timestamp, parse_timestamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from idc.storage.locations import Locations

DEFAULT_LOGIN_COMMAND = "idc login"


@dataclass(frozen=True)
class SsoToken:
    """An access token from CreateToken (sso-oidc ``/token``) with the client registration that got it."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("expires_at", "registration_expires_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))

    @property
    def can_refresh(self) -> bool:
        """botocore refreshes only with all of refreshToken, clientId, clientSecret, registrationExpiresAt."""
        return bool(
            self.refresh_token and self.client_id and self.client_secret and self.registration_expires_at
        )

    def to_cache_json(self) -> dict[str, str]:
        """The cache file's object, keys in botocore's order; optional keys only when set."""
        data = {
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token,
            "expiresAt": format_timestamp(self.expires_at),
        }
        if self.client_id is not None:
            data["clientId"] = self.client_id
        if self.client_secret is not None:
            data["clientSecret"] = self.client_secret
        if self.registration_expires_at is not None:
            data["registrationExpiresAt"] = format_timestamp(self.registration_expires_at)
        if self.refresh_token is not None:
            data["refreshToken"] = self.refresh_token
        return data

    @classmethod
    def from_cache_json(cls, data: dict[str, object], *, name: str, hint: str) -> SsoToken:
        """Parse a cache file's object; CacheError naming the file (``name``) when it is not a token."""

        def text(key: str, *, required: bool) -> str | None:
            value = data.get(key)
            if value is None and not required:
                return None
            if not isinstance(value, str) or (required and not value):
                raise CacheError(f"The SSO token cache {name} has no valid {key}.", hint=hint)
            return value

        def when(key: str, *, required: bool) -> datetime | None:
            value = data.get(key)
            if value is None and not required:
                return None
            try:
                return parse_timestamp(value)
            except (ValueError, OverflowError, OSError):
                raise CacheError(f"The SSO token cache {name} has no valid {key}.", hint=hint) from None

        access_token = text("accessToken", required=True)
        expires_at = when("expiresAt", required=True)
        assert access_token is not None and expires_at is not None
        return cls(
            start_url=text("startUrl", required=False) or "",
            region=text("region", required=False) or "",
            access_token=access_token,
            expires_at=expires_at,
            client_id=text("clientId", required=False),
            client_secret=text("clientSecret", required=False),
            registration_expires_at=when("registrationExpiresAt", required=False),
            refresh_token=text("refreshToken", required=False),
        )


def _sha1_hex(text: str) -> str:
    from hashlib import sha1

    return sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def token_cache_key(session_name: str | None, start_url: str) -> str:
    """sha1 hex of the sso-session name, or of the start URL when there is no session (legacy)."""
    return _sha1_hex(session_name if session_name is not None else start_url)


def token_cache_path(locations: Locations, key: str) -> str:
    return os.path.join(os.fspath(locations.sso_cache_dir), key + ".json")


def load_token(
    locations: Locations, key: str, *, login_command: str = DEFAULT_LOGIN_COMMAND
) -> SsoToken | None:
    """The cached token for ``key`` (or the refreshed one kept for it in the pending file); None when none.

    Raises CacheError naming the file when it is corrupt, empty, partial or a symlink; the hint names
    ``login_command`` (``idc login --profile P``).
    """
    path = token_cache_path(locations, key)
    hint = f"Run `{login_command}` to sign in again."
    data = fileio.read_json(path, hint=hint)
    cached = None if data is None else SsoToken.from_cache_json(data, name=path, hint=hint)
    return _adopt_pending(locations, key, cached)


def save_token(locations: Locations, key: str, token: SsoToken) -> None:
    """Write the token atomically (temp + fsync + rename, 0600 in a 0700 directory)."""
    fileio.atomic_write_json(token_cache_path(locations, key), token.to_cache_json())


MIN_FREE_BYTES = 64 * 1024
"""Less free space than this in the cache's file system counts as full: a token file is ~2 KB."""


def unwritable_reason(locations: Locations) -> str | None:
    """Why a new token file could not be stored in the SSO token cache now, or None when it could.

    Checked before a refresh: the server rotates the refresh token, so a refresh whose answer cannot be
    stored is worse than no refresh. (A missing directory is fine: the save creates it.)
    """
    directory = os.fspath(locations.sso_cache_dir)
    if not os.path.isdir(directory):
        return None
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"The SSO token cache {directory} is not writable"
    try:
        space = os.statvfs(directory)
    except (OSError, AttributeError):  # no statvfs (Windows): the save's own failure is handled
        return None
    if space.f_bavail * space.f_frsize < MIN_FREE_BYTES:
        return f"The file system of the SSO token cache {directory} is full"
    return None


def pending_token_path(locations: Locations, key: str) -> str:
    return os.path.join(os.fspath(locations.idc_cache_dir), "pending-tokens", key + ".json")


def _digest(access_token: str) -> str:
    from hashlib import sha256

    return sha256(access_token.encode("utf-8")).hexdigest()


def save_refreshed_token(
    locations: Locations, key: str, token: SsoToken, *, replaces: SsoToken
) -> str | None:
    """Store a token that a refresh returned; None when it is in the cache.

    When the cache refuses it, the token is kept in the pending file instead (see the module docstring)
    and the return value says so in one sentence naming both files (no secret). Raises CacheError only
    when neither file can be written.
    """
    try:
        save_token(locations, key, token)
    except CacheError as error:
        pending = pending_token_path(locations, key)
        fileio.atomic_write_json(
            pending, {"replaces": _digest(replaces.access_token), "token": token.to_cache_json()}
        )
        return f"{error.message} The refreshed SSO token is kept in {pending} and used from there."
    _drop_pending(locations, key)
    return None


def _drop_pending(locations: Locations, key: str) -> None:
    try:  # noqa: SIM105 - contextlib is not imported on this path
        fileio.remove_file(pending_token_path(locations, key))
    except CacheError:
        pass  # harmless: it names a token the cache no longer holds, and is dropped on the next read


def _adopt_pending(locations: Locations, key: str, cached: SsoToken | None) -> SsoToken | None:
    """The pending token when it replaces ``cached``; moved into the cache when the cache takes it."""
    pending = pending_token_path(locations, key)
    data = fileio.read_json_or_none(pending)
    if data is None:
        return cached
    token_data = data.get("token")
    if (
        cached is None
        or data.get("replaces") != _digest(cached.access_token)
        or not isinstance(token_data, dict)
    ):
        _drop_pending(locations, key)  # superseded by a sign-in, a logout or another refresh
        return cached
    try:
        token = SsoToken.from_cache_json(token_data, name=pending, hint="")
    except CacheError:
        _drop_pending(locations, key)
        return cached
    try:
        save_token(locations, key, token)
    except CacheError:
        return token  # still refused: keep using the pending copy
    _drop_pending(locations, key)
    return token


def delete_token(locations: Locations, key: str) -> bool:
    """Remove the token file (a symlink there is removed, never followed); False when absent."""
    _drop_pending(locations, key)
    return fileio.remove_file(token_cache_path(locations, key))


def list_tokens(locations: Locations) -> list[tuple[str, SsoToken]]:
    """Every readable token in the SSO cache as ``(key, token)``, sorted by key.

    Client registrations (no ``accessToken``), corrupt files and symlinks are skipped, as
    ``aws sso logout`` skips them.
    """
    directory = os.fspath(locations.sso_cache_dir)
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    tokens = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(directory, name)
        try:
            data = fileio.read_json(path)
            if data is None or "accessToken" not in data:
                continue
            token = SsoToken.from_cache_json(data, name=path, hint="")
        except CacheError:
            continue
        tokens.append((name[: -len(".json")], token))
    return tokens
