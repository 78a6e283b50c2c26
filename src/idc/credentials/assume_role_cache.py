"""Assumed-role credentials in ``~/.aws/cli/cache``, under the AWS CLI's key and in its format.

Key (botocore ``BaseAssumeRoleCredentialFetcher._create_cache_key``): the sha1 hex of
``json.dumps(args, sort_keys=True)`` with json's default separators (``", "`` and ``": "``, unlike the
compact ones of the SSO role key), where ``args`` holds ``RoleArn`` and only the AssumeRole arguments
the profile sets (``AssumeRoleProvider._load_creds_via_assume_role``): ``RoleSessionName``,
``ExternalId``, ``SerialNumber`` and ``DurationSeconds`` as an int (a value ``int()`` refuses is left
out, as ``_get_role_config`` does). The source profile is not in the key.

Content: the whole AssumeRole response (``Credentials``, ``AssumedRoleUser``, ``ResponseMetadata``) with
``Credentials.AccountId`` added and ``Expiration`` as botocore's ``_serialize_if_needed`` writes it
(``2026-01-01T12:00:00UTC``). The AWS CLI may meet a file another writer is filling: an empty, partial
or unreadable file is a miss, never a crash.

Standard library only: the credential hot path reads these entries.
"""

from __future__ import annotations

import os

from idc.storage import fileio
from idc.storage.role_cache import RoleCredentials, _json_string, _sha1_hex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def duration_of(value: str | None) -> int | None:
    """``duration_seconds`` as botocore reads it: ``int(value)``, or None when absent or unparsable."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def assume_role_arguments(values: Mapping[str, str]) -> list[tuple[str, object]]:
    """The AssumeRole arguments a ``role_arn`` profile's ``values`` set, sorted by name (the key's order)."""
    args: list[tuple[str, object]] = [("RoleArn", values["role_arn"])]
    for key, name in (
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        if values.get(key) is not None:
            args.append((name, values[key]))
    duration = duration_of(values.get("duration_seconds"))
    if duration is not None:
        args.append(("DurationSeconds", duration))
    return sorted(args)


def assume_role_cache_key(values: Mapping[str, str]) -> str:
    """``sha1(json.dumps(args, sort_keys=True))`` built by hand (no ``json`` on the hot path)."""
    parts = []
    for name, value in assume_role_arguments(values):
        shown = str(value) if isinstance(value, int) else _json_string(str(value))
        parts.append(f'"{name}": {shown}')
    text = "{" + ", ".join(parts) + "}"
    return _sha1_hex(text).replace(":", "_").replace(os.sep, "_").replace("/", "_")


def cache_path(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, key + ".json")


def load_assumed(cache_dir: str, key: str) -> RoleCredentials | None:
    """The cached session for ``key``, or None (absent, empty, partial, corrupt, a symlink)."""
    data = fileio.read_json_or_none(cache_path(cache_dir, key))
    if data is None:
        return None
    return RoleCredentials.from_cache_json(data)


def save_assumed(cache_dir: str, key: str, response: Mapping[str, object]) -> None:
    """Write the AWS CLI's entry for an AssumeRole ``response`` (``Expiration`` already a string)."""
    fileio.atomic_write_json(cache_path(cache_dir, key), dict(response))


def delete_assumed(cache_dir: str, key: str) -> bool:
    return fileio.remove_file(cache_path(cache_dir, key))
