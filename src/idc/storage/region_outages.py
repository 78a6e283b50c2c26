"""Which Regions of Identity Center did not answer lately: ``~/.aws/idc/region-outages.json``.

A Region that did not answer (:func:`idc.aws.outage.is_region_outage`) is remembered for
:data:`OUTAGE_MEMORY_SECONDS`, across processes: every ``credential_process`` run is its own process,
and without this file each would pay the dead Region's timeout again. After that time the Region is
tried again (one probe, with the short timeouts), and the first command that gets an answer forgets
the outage. The file holds no secret: ``{"<region> <start URL>": {"since": T, "until": T}}`` in epoch
seconds. Written atomically (temp + fsync + rename); a lost update between two processes only means
one more probe. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

from idc.errors import CacheError
from idc.storage.fileio import atomic_write_json, read_json_or_none
from idc.storage.locations import Locations

OUTAGE_MEMORY_SECONDS = 300.0
"""How long a Region that did not answer is skipped before it is probed again (5 minutes)."""

FILE_NAME = "region-outages.json"


def outage_key(region: str, start_url: str) -> str:
    return f"{region} {start_url}"


def _path(locations: Locations) -> str:
    return os.path.join(locations.idc_cache_dir, FILE_NAME)


def _entries(locations: Locations) -> dict[str, dict[str, float]]:
    data = read_json_or_none(_path(locations)) or {}
    entries: dict[str, dict[str, float]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            since, until = value.get("since"), value.get("until")
            if isinstance(since, (int, float)) and isinstance(until, (int, float)):
                entries[key] = {"since": float(since), "until": float(until)}
    return entries


def remembered_outage(locations: Locations, key: str, *, now: Callable[[], float] = time.time) -> bool:
    """True while the Region of ``key`` is remembered as not answering."""
    entry = _entries(locations).get(key)
    return entry is not None and now() < entry["until"]


def was_down(locations: Locations, key: str) -> bool:
    """True when an outage of ``key`` is on file (remembered or over): the Region answers again."""
    return key in _entries(locations)


def remember_outage(
    locations: Locations,
    key: str,
    *,
    seconds: float = OUTAGE_MEMORY_SECONDS,
    now: Callable[[], float] = time.time,
) -> None:
    entries = _entries(locations)
    moment = now()
    since = entries.get(key, {}).get("since", moment)
    entries[key] = {"since": since, "until": moment + seconds}
    _write(locations, entries)


def forget_outage(locations: Locations, key: str) -> None:
    entries = _entries(locations)
    if entries.pop(key, None) is not None:
        _write(locations, entries)


def _write(locations: Locations, entries: dict[str, dict[str, float]]) -> None:
    # Only a memory: without it the next command probes the Region again.
    with contextlib.suppress(CacheError):
        atomic_write_json(_path(locations), entries)
