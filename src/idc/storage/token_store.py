"""Where an sso-session keeps its sign-in: the shared files (default) or the OS keychain.

``idc_token_storage = keychain`` in an ``[sso-session]`` (botocore ignores keys it does not know) keeps
the session's token (access token, refresh token, client id and secret) and its client registration in
the OS keychain (:mod:`idc.storage.keychain`) instead of ``~/.aws/sso/cache``. Both stores have the
same interface and the same keys (botocore's cache keys), so sign-in, refresh, single flight and logout
do not care which one they talk to. Role credentials stay in ``~/.aws/cli/cache`` either way
(docs/keychain.md, "Keeping the sign-in in the OS keychain": they live an hour and the hot path reads
them with the standard library only).

Keychain items (service ``idc``): ``sso-token:<token cache key>`` holds the token's cache JSON plus
``savedAt`` (epoch seconds, what a file's mtime tells for the file store);
``sso-registration:<registration cache key>`` holds the registration's cache JSON.

A refreshed token that the keychain refuses (locked, or its daemon gone, since the token was read) is
not written anywhere else. The user chose the keychain to keep the refresh token off the disk; the file
store's fallback (a 0600 pending file, :mod:`idc.storage.token_cache`) would put it there in plain
text, and for as long as the keychain stays locked, which a warning printed after the fact cannot undo.
The refreshed token serves the run that got it (its role credentials are cached as usual), and one
warning line (:func:`refreshed_token_not_kept`) says that the session will need ``idc login`` and why:
CreateToken rotated the refresh token, so the one the keychain still holds is spent, and presenting it
again makes Identity Center treat it as a replay and end the session. Losing a session that way costs a
sign-in; leaking a refresh token costs the session's whole lifetime (up to 90 days) of access.
"""

from __future__ import annotations

import os
import time
from typing import Protocol

from idc.errors import CacheError, KeychainUnavailable
from idc.storage import registration_cache, token_cache
from idc.storage.locations import Locations
from idc.storage.registration_cache import ClientRegistration
from idc.storage.token_cache import DEFAULT_LOGIN_COMMAND, SsoToken

FILE = "file"
KEYCHAIN = "keychain"
STORAGES = (FILE, KEYCHAIN)
CONFIG_KEY = "idc_token_storage"
"""The ``[sso-session]`` key naming the storage."""

Version = object
"""Changes on every write of a token (compared for equality only)."""


class TokenStore(Protocol):
    """The token and client registration of sessions, by botocore's cache keys."""

    storage: str

    def load_token(self, key: str, *, login_command: str = DEFAULT_LOGIN_COMMAND) -> SsoToken | None: ...
    def save_token(self, key: str, token: SsoToken) -> None: ...
    def save_refreshed_token(
        self, key: str, token: SsoToken, *, replaces: SsoToken, login_command: str
    ) -> str | None:
        """Store a token a refresh returned. None when stored; else the one warning sentence (no secret)
        saying where it went instead, or that it serves this run only. Never raises for the save."""
        ...

    def delete_token(self, key: str) -> bool: ...
    def token_version(self, key: str) -> Version | None: ...
    def token_written_at(self, key: str) -> float | None: ...
    def load_registration(self, key: str) -> ClientRegistration | None: ...
    def save_registration(self, key: str, registration: ClientRegistration) -> None: ...
    def delete_registration(self, key: str) -> bool: ...


def refreshed_token_not_kept(refused: CacheError, login_command: str) -> str:
    """The one warning line when the keychain refused a refreshed token (see the module docstring);
    ``refused``'s message says what happened to the keychain (its hint, how to unlock it, is left out:
    unlocking it now does not bring the token back)."""
    return (
        f"{refused.message} The refreshed SSO token serves this run only: Identity Center replaced "
        f"the refresh token the keychain holds, so the session will need `{login_command}`."
    )


def storage_of(subject: object) -> str:
    """The storage of a profile or session (``token_storage``; file when it has none)."""
    storage = getattr(subject, "token_storage", FILE)
    return storage if isinstance(storage, str) else FILE


def token_store(locations: Locations, storage: str = FILE, *, session_name: str | None = None) -> TokenStore:
    """The store for ``storage`` (``file`` or ``keychain``); ``session_name`` is named in errors."""
    if storage == KEYCHAIN:
        return KeychainTokenStore(session_name)
    return FileTokenStore(locations)


def token_store_for(locations: Locations, subject: object) -> TokenStore:
    """The store of a profile or session (anything with ``token_storage`` and ``session_name``)."""
    session_name = getattr(subject, "session_name", None)
    return token_store(locations, storage_of(subject), session_name=session_name)


class FileTokenStore:
    """``~/.aws/sso/cache``, shared with AWS CLI v2 and botocore (:mod:`idc.storage.token_cache`)."""

    storage = FILE

    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    def load_token(self, key: str, *, login_command: str = DEFAULT_LOGIN_COMMAND) -> SsoToken | None:
        return token_cache.load_token(self.locations, key, login_command=login_command)

    def save_token(self, key: str, token: SsoToken) -> None:
        token_cache.save_token(self.locations, key, token)

    def save_refreshed_token(
        self, key: str, token: SsoToken, *, replaces: SsoToken, login_command: str
    ) -> str | None:
        """The cache, else the 0600 pending file the next run adopts (:mod:`idc.storage.token_cache`)."""
        try:
            return token_cache.save_refreshed_token(self.locations, key, token, replaces=replaces)
        except CacheError as error:
            return f"{error.message} The refreshed SSO token could not be stored and ends with this run."

    def delete_token(self, key: str) -> bool:
        return token_cache.delete_token(self.locations, key)

    def token_version(self, key: str) -> Version | None:
        """(inode, size, mtime) of the token file: changes on every rewrite."""
        try:
            st = os.stat(token_cache.token_cache_path(self.locations, key), follow_symlinks=False)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def token_written_at(self, key: str) -> float | None:
        try:
            return os.stat(token_cache.token_cache_path(self.locations, key), follow_symlinks=False).st_mtime
        except OSError:
            return None

    def load_registration(self, key: str) -> ClientRegistration | None:
        return registration_cache.load_registration(self.locations, key)

    def save_registration(self, key: str, registration: ClientRegistration) -> None:
        registration_cache.save_registration(self.locations, key, registration)

    def delete_registration(self, key: str) -> bool:
        return registration_cache.delete_registration(self.locations, key)


class KeychainTokenStore:
    """The OS keychain (:mod:`idc.storage.keychain`); nothing of the session under ``~/.aws``."""

    storage = KEYCHAIN

    def __init__(self, session_name: str | None = None) -> None:
        from idc.errors import shell_word
        from idc.storage.keychain import Keychain

        name = shell_word(session_name or "NAME")
        fix = f"Or keep it in a file: `idc configure sso-session --sso-session {name} --token-storage file`."
        self.keychain = Keychain(fix=fix)

    def load_token(self, key: str, *, login_command: str = DEFAULT_LOGIN_COMMAND) -> SsoToken | None:
        data = self._load(f"sso-token:{key}", login_command)
        if data is None:
            return None
        return SsoToken.from_cache_json(
            data, name="in the OS keychain", hint=f"Run `{login_command}` to sign in again."
        )

    def save_token(self, key: str, token: SsoToken) -> None:
        data: dict[str, object] = dict(token.to_cache_json())
        data["savedAt"] = time.time()
        self._save(f"sso-token:{key}", data)

    def save_refreshed_token(
        self, key: str, token: SsoToken, *, replaces: SsoToken, login_command: str
    ) -> str | None:
        """The keychain, and nowhere else (see the module docstring)."""
        try:
            self.save_token(key, token)
        except KeychainUnavailable as refused:  # locked or gone since the read: this run only
            return refreshed_token_not_kept(refused, login_command)
        return None

    def delete_token(self, key: str) -> bool:
        return self.keychain.delete(f"sso-token:{key}")

    def token_version(self, key: str) -> Version | None:
        data = self._load(f"sso-token:{key}", DEFAULT_LOGIN_COMMAND, strict=False)
        return None if data is None else (data.get("savedAt"), data.get("expiresAt"))

    def token_written_at(self, key: str) -> float | None:
        data = self._load(f"sso-token:{key}", DEFAULT_LOGIN_COMMAND, strict=False)
        saved = None if data is None else data.get("savedAt")
        return float(saved) if isinstance(saved, (int, float)) else None

    def load_registration(self, key: str) -> ClientRegistration | None:
        data = self._load(f"sso-registration:{key}", DEFAULT_LOGIN_COMMAND, strict=False)
        return None if data is None else ClientRegistration.from_cache_json(data)

    def save_registration(self, key: str, registration: ClientRegistration) -> None:
        self._save(f"sso-registration:{key}", registration.to_cache_json())

    def delete_registration(self, key: str) -> bool:
        return self.keychain.delete(f"sso-registration:{key}")

    def _load(self, name: str, login_command: str, *, strict: bool = True) -> dict[str, object] | None:
        import json

        text = self.keychain.get(name)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
        if not strict:
            return None
        raise CacheError(
            "The SSO token in the OS keychain is not readable.",
            hint=f"Run `{login_command}` to sign in again.",
        )

    def _save(self, name: str, data: dict[str, object]) -> None:
        import json

        self.keychain.set(name, json.dumps(data, ensure_ascii=True, separators=(",", ":")))


def move_session(
    *,
    token_key: str,
    registration_keys: list[str],
    source: TokenStore,
    target: TokenStore,
) -> bool:
    """Copy a session's token and registrations from ``source`` to ``target``, then remove them from
    ``source``; True when a token moved. An unreadable source token is left where it is (not moved)."""
    try:
        token = source.load_token(token_key)
    except CacheError:
        token = None
    registrations = [(key, source.load_registration(key)) for key in registration_keys]
    for key, registration in registrations:
        if registration is not None:
            target.save_registration(key, registration)
    if token is not None:
        target.save_token(token_key, token)
    for key, registration in registrations:
        if registration is not None:
            source.delete_registration(key)
    if token is not None:
        source.delete_token(token_key)
    return token is not None
