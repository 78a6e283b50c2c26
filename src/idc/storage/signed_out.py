"""Which SSO sessions ``idc logout`` signed out: an empty marker per token key, ``~/.aws/idc/signed-out/KEY``.

Logout removes the token, so a later command finds no token at all: "expired" would not be true, and
neither would "never signed in". The marker (no secret: the key is a hash of the session name or start
URL) lets that command say "signed out". A sign-in by idc removes it.

The marker only speaks while it is true. Another tool signs in and out without knowing of it
(``aws sso login`` writes ``~/.aws/sso/cache/KEY.json``, ``aws sso logout`` removes it): when the SSO
token cache has changed since the marker was written (a file was created, renamed or removed there, which
moves the directory's modification time), or the token file is newer than the marker, the marker is
stale; it is removed and the caller uses the AWS CLI's words ("does not exist") instead. A refresh of
another session in the same directory makes it stale too: then it says less, never something false.
"""

from __future__ import annotations

import contextlib
import os

from idc.errors import CacheError
from idc.storage.fileio import atomic_write_bytes, remove_file
from idc.storage.locations import Locations

MARKER_DIR = "signed-out"


def _marker(locations: Locations, key: str) -> str:
    return os.path.join(locations.idc_cache_dir, MARKER_DIR, key)


def mark_signed_out(locations: Locations, key: str) -> None:
    """Written after the token is removed, so the marker is at least as new as that change."""
    atomic_write_bytes(_marker(locations, key), b"")


def clear_signed_out(locations: Locations, key: str) -> None:
    remove_file(_marker(locations, key))


def was_signed_out(locations: Locations, key: str) -> bool:
    """Whether ``idc logout`` is the last thing that happened to this session's token (see above)."""
    marker = _marker(locations, key)
    try:
        marked = os.stat(marker).st_mtime_ns
    except OSError:
        return False
    token_file = os.path.join(locations.sso_cache_dir, key + ".json")
    if _changed_since(os.fspath(locations.sso_cache_dir), marked) or _changed_since(token_file, marked):
        with contextlib.suppress(CacheError):  # stale either way: it is judged again next time
            remove_file(marker)
        return False
    return True


def _changed_since(path: str, marked_ns: int) -> bool:
    try:
        return os.stat(path).st_mtime_ns > marked_ns
    except OSError:
        return False
