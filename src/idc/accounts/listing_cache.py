"""The short-lived cache of account listings.

:func:`cached_listing` keeps the result for ``max_age`` seconds (default 10 minutes) under
``~/.aws/idc/listings``, keyed by the start URL and a SHA-256 of the access token (so another user or a
new sign-in never sees a stale listing). The file (0600 in a 0700 directory) holds account ids, names,
emails and role names: nothing secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idc.accounts.listing import (
    AccountListing,
    AccountRoles,
    ListingOptions,
    ProgressCallback,
    WallClock,
    list_accounts_and_roles,
    utc_now,
)
from idc.accounts.portal import Clock, Sleep
from idc.aws.clients import ClientFactory
from idc.errors import CacheError
from idc.storage.locations import Locations

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

#: How long a cached listing is used before it is fetched again.
DEFAULT_MAX_AGE_S = 600.0

CACHE_VERSION = 1


def listing_cache_path(locations: Locations, start_url: str, access_token: str) -> Path:
    """Where the listing for this start URL and token is cached (the token itself is never stored)."""
    digest = hashlib.sha256(f"{start_url}\n{access_token}".encode()).hexdigest()
    return locations.idc_cache_dir / "listings" / f"{digest}.json"


def _from_cache(data: Mapping[str, Any], start_url: str) -> AccountListing | None:
    """Parse a cache file; None when it is not a listing of ours (then it is fetched and rewritten)."""
    try:
        if data.get("version") != CACHE_VERSION or data.get("startUrl") != start_url:
            return None
        fetched = dt.datetime.strptime(str(data["fetchedAt"]), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.timezone.utc
        )
        accounts = tuple(
            AccountRoles(
                account_id=str(a["accountId"]),
                account_name=str(a["accountName"]),
                email=str(a["emailAddress"]),
                roles=tuple(str(r) for r in a["roles"]),
            )
            for a in data["accounts"]
        )
        return AccountListing(
            start_url=start_url,
            sso_region=str(data["ssoRegion"]),
            accounts=accounts,
            fetched_at=fetched,
            from_cache=True,
        )
    except (KeyError, TypeError, ValueError):
        return None


def read_cached_listing(
    locations: Locations,
    *,
    start_url: str,
    access_token: str,
    max_age: float = DEFAULT_MAX_AGE_S,
    now: WallClock | None = None,
) -> AccountListing | None:
    """The cached listing when it is younger than ``max_age`` seconds; None otherwise.

    An unreadable or foreign cache file is a miss (it will be rewritten), never an error.
    """
    from idc.storage.fileio import read_json

    path = listing_cache_path(locations, start_url, access_token)
    try:
        data = read_json(path)
    except CacheError as error:
        log.debug("ignoring listing cache %s: %s", path.name, error.message)
        return None
    if data is None:
        return None
    listing = _from_cache(data, start_url)
    if listing is None:
        return None
    age = ((now or utc_now)() - listing.fetched_at).total_seconds()
    # A listing "from the future" means the clock moved back: do not trust it.
    if age < -60 or age > max_age:
        return None
    return listing


def write_cached_listing(
    locations: Locations, listing: AccountListing, *, access_token: str, max_age: float = DEFAULT_MAX_AGE_S
) -> None:
    """Store ``listing`` (0600 in a 0700 directory) and sweep listings older than ``max_age``."""
    from idc.storage.fileio import atomic_write_json

    path = listing_cache_path(locations, listing.start_url, access_token)
    data = {"version": CACHE_VERSION, **listing.to_json()}
    atomic_write_json(path, data)
    _sweep_expired(path.parent, keep=path, max_age=max_age)


def _sweep_expired(directory: Path, *, keep: Path, max_age: float) -> None:
    """Listings for old tokens are never read again: remove those past their age."""
    limit = time.time() - max(max_age, 60.0)
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if entry.name == keep.name or not entry.name.endswith(".json"):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            continue


def cached_listing(
    locations: Locations,
    access_token: str,
    *,
    start_url: str,
    sso_region: str,
    refresh: bool = False,
    max_age: float = DEFAULT_MAX_AGE_S,
    client_factory: ClientFactory | None = None,
    options: ListingOptions | None = None,
    progress: ProgressCallback | None = None,
    fix: str = "idc login",
    now: WallClock | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> AccountListing:
    """The listing from the cache when fresh (unless ``refresh``), else fetched and cached."""
    if not refresh and max_age > 0:
        hit = read_cached_listing(
            locations, start_url=start_url, access_token=access_token, max_age=max_age, now=now
        )
        if hit is not None:
            return hit
    listing = list_accounts_and_roles(
        access_token,
        start_url=start_url,
        sso_region=sso_region,
        client_factory=client_factory,
        options=options,
        progress=progress,
        fix=fix,
        clock=clock,
        sleep=sleep,
        now=now,
    )
    try:
        write_cached_listing(locations, listing, access_token=access_token, max_age=max_age)
    except CacheError as error:
        # The listing is good; failing to cache it only costs the next run a fetch.
        log.debug("could not cache the listing: %s", error.message)
    return listing
