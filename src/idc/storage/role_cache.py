"""SSO role credentials cached in ``~/.aws/cli/cache`` exactly as AWS CLI v2 caches them.

Key (botocore ``SSOCredentialFetcher._create_cache_key``)::

    sha1(json.dumps({"accountId", "roleName", "sessionName" | "startUrl"},
                    sort_keys=True, separators=(",", ":")))

Content: ``{"ProviderType": "sso", "Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
"Expiration": "...Z", "AccountId"}}``. The AWS CLI treats them as expired 15 minutes before
``Expiration``. A corrupt, partial or planted (symlink) file is a miss: the caller fetches fresh
credentials and ``save_role_credentials`` replaces it.

Standard library only and cheap to import: this is the credential hot path.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from idc.storage import fileio
from idc.storage.frozen import FrozenValue
from idc.storage.timestamps import UTC, format_timestamp, parse_timestamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from idc.storage.locations import Locations

#: AWS CLI v2 / botocore ``CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS``.
EXPIRY_WINDOW = timedelta(minutes=15)


class RoleCredentials(FrozenValue):
    """Credentials of one role from GetRoleCredentials (portal ``/federation/credentials``)."""

    # Field order = positional order of __init__ (as a dataclass's), not alphabetical.
    __slots__ = ("access_key_id", "secret_access_key", "session_token", "expiration", "account_id")  # noqa: RUF023
    _secret_fields = frozenset({"secret_access_key", "session_token"})

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    account_id: str | None

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str,
        expiration: datetime,
        account_id: str | None = None,
    ) -> None:
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        self._set_fields(
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            session_token=session_token,
            expiration=expiration,
            account_id=account_id,
        )

    def is_fresh(self, now: datetime, window: timedelta = EXPIRY_WINDOW) -> bool:
        """True while at least ``window`` of life is left (the AWS CLI's 15-minute rule)."""
        return self.expiration - now >= window

    def to_cache_json(self) -> dict[str, object]:
        credentials: dict[str, object] = {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": format_timestamp(self.expiration),
        }
        if self.account_id is not None:
            credentials["AccountId"] = self.account_id
        return {"ProviderType": "sso", "Credentials": credentials}

    @classmethod
    def from_cache_json(cls, data: dict[str, object]) -> RoleCredentials | None:
        """Parse the AWS CLI's cache entry; None when it is not a complete one or holds a value AWS
        never issues (a planted or corrupted entry is a miss, refetched and rewritten)."""
        credentials = data.get("Credentials")
        if not isinstance(credentials, dict):
            return None
        values = [credentials.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
        if not all(isinstance(v, str) and v for v in values):
            return None
        if unshaped_field(str(values[0]), str(values[1]), str(values[2])) is not None:
            return None
        try:
            expiration = parse_timestamp(credentials.get("Expiration"))
        except (ValueError, OverflowError, OSError):
            return None
        account_id = credentials.get("AccountId")
        return cls(
            access_key_id=str(values[0]),
            secret_access_key=str(values[1]),
            session_token=str(values[2]),
            expiration=expiration,
            account_id=account_id if isinstance(account_id, str) else None,
        )


# The characters of the values STS and the portal issue: access key ids are ``[\w]+`` (STS API), secret
# keys and session tokens base64 (``A-Za-z0-9+/=``; ``-_.`` covered for URL-safe variants). None of them
# means anything to a shell, PowerShell, cmd or fish, so a value made only of these can be printed bare.
_KEY_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_SECRET_CHARS = _KEY_ID_CHARS + "+/=-."
_MAX_KEY_ID = 128
_MAX_SECRET = 16384


def unshaped_field(access_key_id: str, secret_access_key: str, session_token: str | None) -> str | None:
    """The name of the first value that is not in the shape AWS issues (``AccessKeyId``...), or None."""
    if not access_key_id or len(access_key_id) > _MAX_KEY_ID or access_key_id.strip(_KEY_ID_CHARS):
        return "AccessKeyId"
    if (
        not secret_access_key
        or len(secret_access_key) > _MAX_SECRET
        or secret_access_key.strip(_SECRET_CHARS)
    ):
        return "SecretAccessKey"
    if session_token is not None and (
        not session_token or len(session_token) > _MAX_SECRET or session_token.strip(_SECRET_CHARS)
    ):
        return "SessionToken"
    return None


def _sha1_hex(text: str) -> str:
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # the builtin; hashlib loads OpenSSL (~2 ms) for the same digest
    except ImportError:  # pragma: no cover - builds without the builtin hashes
        from hashlib import sha1
    return str(sha1(text.encode("utf-8")).hexdigest())  # noqa: S324 - a file name, not security


def _json_string(text: str) -> str:
    try:
        from _json import encode_basestring_ascii
    except ImportError:  # pragma: no cover
        from json import dumps

        return dumps(text)
    return str(encode_basestring_ascii(text))


def role_cache_key(account_id: str, role_name: str, session_name: str | None, start_url: str) -> str:
    """botocore's key: sha1 of the compact sorted JSON of accountId, roleName, sessionName|startUrl.

    ``sha1('{"accountId":"123456789012","roleName":"Admin","sessionName":"dev"}')``; the JSON is
    built by hand in ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` form (ASCII escapes,
    keys in sorted order) so the hot path needs no ``json`` import; the tests compare with json.dumps.
    """
    if session_name:
        last = f'"sessionName":{_json_string(session_name)}'
    else:
        last = f'"startUrl":{_json_string(start_url)}'
    args = f'{{"accountId":{_json_string(account_id)},"roleName":{_json_string(role_name)},{last}}}'
    # botocore's _make_file_safe: a hex digest never holds ':' or '/', kept for fidelity.
    return _sha1_hex(args).replace(":", "_").replace(os.sep, "_").replace("/", "_")


def role_cache_path(locations: Locations, key: str) -> str:
    return os.path.join(os.fspath(locations.cli_cache_dir), key + ".json")


def load_role_credentials(locations: Locations, key: str) -> RoleCredentials | None:
    """The cached credentials for ``key``, or None on a miss (absent, corrupt, partial or a symlink).

    Freshness is the caller's decision (``RoleCredentials.is_fresh``).
    """
    # A corrupt role cache is a miss: the caller fetches and the next save replaces it.
    data = fileio.read_json_or_none(role_cache_path(locations, key))
    if data is None:
        return None
    return RoleCredentials.from_cache_json(data)


def save_role_credentials(locations: Locations, key: str, credentials: RoleCredentials) -> None:
    """Write the AWS CLI's cache entry atomically (0600 in a 0700 directory)."""
    fileio.atomic_write_json(role_cache_path(locations, key), credentials.to_cache_json())


def delete_role_credentials(locations: Locations, key: str) -> bool:
    return fileio.remove_file(role_cache_path(locations, key))


def delete_sso_role_credentials(locations: Locations) -> int:
    """Remove every SSO role-credential entry (``ProviderType: sso``), as ``aws sso logout`` does.

    Entries of other providers (assume-role) are kept. Returns how many files were removed.
    """
    from idc.errors import CacheError

    directory = os.fspath(locations.cli_cache_dir)
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for name in names:
        if not name.endswith(".json"):
            continue
        path = os.path.join(directory, name)
        try:
            data = fileio.read_json(path)
        except CacheError:
            continue
        if data is not None and data.get("ProviderType") == "sso":
            removed += fileio.remove_file(path)
    return removed
