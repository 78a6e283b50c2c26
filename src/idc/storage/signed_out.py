"""Which SSO sessions ``idc logout`` signed out: an empty marker per token key, ``~/.aws/idc/signed-out/KEY``.

Logout removes the token, so a later command finds no token at all: "expired" would not be true, and
neither would "never signed in". The marker (no secret: the key is a hash of the session name or start
URL) lets that command say "signed out". A sign-in by idc removes it; when another tool signs in, the
token is there again and the marker is never read.
"""

from __future__ import annotations

import os

from idc.storage.fileio import atomic_write_bytes, remove_file
from idc.storage.locations import Locations

MARKER_DIR = "signed-out"


def _marker(locations: Locations, key: str) -> str:
    return os.path.join(locations.idc_cache_dir, MARKER_DIR, key)


def mark_signed_out(locations: Locations, key: str) -> None:
    atomic_write_bytes(_marker(locations, key), b"")


def clear_signed_out(locations: Locations, key: str) -> None:
    remove_file(_marker(locations, key))


def was_signed_out(locations: Locations, key: str) -> bool:
    return os.path.exists(_marker(locations, key))
