"""Every account and role a user can reach: concurrent, paced under the quota, cached for a few minutes.

Portal API (botocore's ``sso`` service model): ``ListAccounts`` (``max_result`` 100, paginated
with ``next_token``) and, for every account, ``ListAccountRoles``. Identity Center allows about 20
calls a second; the peers either call one at a time (minutes for hundreds of accounts) or all at once
(429 storms that end in failures, aws-sso-util #97, granted #811). Here:

- ``ListAccounts`` pages are fetched in order while a thread pool lists the roles of the accounts
  already known, so role calls start after the first page instead of after the last;
- every attempt takes a slot from one shared :class:`idc.aws.retry.RateLimiter` (``tps``, default 20), so
  the whole listing runs at the quota and no faster: ``calls / tps`` seconds is the floor, and the pool
  keeps enough calls in flight to hide the latency;
- throttling (429) is retried through :func:`idc.aws.retry.call_with_retry`: at least ``Retry-After``, plus
  full jitter, inside a time budget;
- a progress callback sees every finished account (the CLI draws a bar on a terminal).

The listing is cached for a few minutes by :mod:`idc.accounts.listing_cache`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from idc.accounts.portal import Clock, PacedPortal, Sleep, Stopped
from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.retry import RateLimiter, RetryPolicy

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

#: Identity Center's documented quota for the portal API, calls per second.
DEFAULT_TPS = 20.0
PAGE_SIZE = 100

WallClock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class AccountRoles:
    """One account and the role (permission set) names the user may assume in it, sorted."""

    account_id: str
    account_name: str
    email: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ListingStats:
    """What a listing cost: HTTP attempts sent, how many were throttled (429, then retried), seconds."""

    calls: int = 0
    throttled: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class AccountListing:
    """The accounts (sorted by name, then id) and roles reachable with one SSO token."""

    start_url: str
    sso_region: str
    accounts: tuple[AccountRoles, ...]
    fetched_at: dt.datetime
    from_cache: bool = False
    stats: ListingStats = ListingStats()

    @property
    def role_count(self) -> int:
        return sum(len(account.roles) for account in self.accounts)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of ``idc list --output json`` (and of the cache file)."""
        return {
            "startUrl": self.start_url,
            "ssoRegion": self.sso_region,
            "fetchedAt": self.fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "accounts": [
                {
                    "accountId": a.account_id,
                    "accountName": a.account_name,
                    "emailAddress": a.email,
                    "roles": list(a.roles),
                }
                for a in self.accounts
            ],
        }


@dataclass(frozen=True)
class Progress:
    """A snapshot for progress displays. ``accounts_total`` is None until ListAccounts is finished."""

    accounts_done: int
    accounts_found: int
    accounts_total: int | None
    calls: int
    throttled: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class ListingOptions:
    """How hard to push: ``tps`` calls per second (shared by all threads), ``workers`` in the pool.

    ``workers`` only needs to cover ``tps x latency`` plus the callers sleeping on a Retry-After; the
    rate limiter, not the pool size, sets the pace.
    """

    tps: float = DEFAULT_TPS
    burst: int = 1
    workers: int = 8
    page_size: int = PAGE_SIZE
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(budget_s=60.0, max_backoff_s=4.0))


def list_accounts_and_roles(
    access_token: str,
    *,
    start_url: str,
    sso_region: str,
    client_factory: ClientFactory | None = None,
    options: ListingOptions | None = None,
    progress: ProgressCallback | None = None,
    fix: str = "idc login",
    limiter: RateLimiter | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    now: WallClock | None = None,
) -> AccountListing:
    """List every account (ListAccounts) and its roles (ListAccountRoles), concurrently and paced.

    Raises ``LoginRequired`` (with ``fix`` as the command to run) when the token is refused,
    ``Throttled`` when throttling outlasts the retry budget, ``ServiceError`` for anything else.
    """
    opts = options or ListingOptions()
    started = clock()
    client = (client_factory or default_client_factory())("sso", sso_region)
    pace = limiter or RateLimiter(opts.tps, opts.burst, clock=clock, sleep=sleep)
    stop = threading.Event()
    portal = PacedPortal(
        client,
        access_token,
        limiter=pace,
        policy=opts.retry,
        clock=clock,
        sleep=sleep,
        fix=fix,
        stop=stop,
        sso_region=sso_region,
    )
    report_lock = threading.Lock()
    found: list[dict[str, Any]] = []
    results: dict[str, tuple[str, ...] | None] = {}
    total: list[int | None] = [None]

    def report() -> None:
        if progress is None:
            return
        with report_lock:
            progress(
                Progress(
                    accounts_done=len(results),
                    accounts_found=len(found),
                    accounts_total=total[0],
                    calls=portal.counters.calls,
                    throttled=portal.counters.throttled,
                )
            )

    def roles_task(account_id: str) -> None:
        roles = portal.account_roles(account_id, opts.page_size)
        with report_lock:
            results[account_id] = roles
        report()

    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=max(1, opts.workers), thread_name_prefix="idc-list") as pool:
        try:
            next_token: str | None = None
            seen: set[str] = set()
            while True:
                page = portal.list_accounts_page(next_token, opts.page_size)
                for account in page.get("accountList") or []:
                    account_id = str(account["accountId"])
                    if account_id in seen:
                        continue
                    seen.add(account_id)
                    found.append(account)
                    futures.append(pool.submit(roles_task, account_id))
                next_token = page.get("nextToken") or None
                if not next_token:
                    break
                if any(f.done() and f.exception() is not None for f in futures):
                    break
            total[0] = len(found)
            report()
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in futures if f.done() and f.exception() is not None), None)
            if failed is not None:
                raise _first_real_error(futures)
        except BaseException:
            stop.set()
            for f in futures:
                f.cancel()
            raise

    accounts = [
        AccountRoles(
            account_id=str(a["accountId"]),
            account_name=str(a.get("accountName") or ""),
            email=str(a.get("emailAddress") or ""),
            roles=results[str(a["accountId"])] or (),
        )
        for a in found
        if results.get(str(a["accountId"])) is not None
    ]
    accounts.sort(key=lambda a: (a.account_name.casefold(), a.account_id))
    stats = ListingStats(
        calls=portal.counters.calls, throttled=portal.counters.throttled, seconds=clock() - started
    )
    log.debug("listed %d accounts with %d calls (%d throttled)", len(accounts), stats.calls, stats.throttled)
    return AccountListing(
        start_url=start_url,
        sso_region=sso_region,
        accounts=tuple(accounts),
        fetched_at=(now or utc_now)(),
        stats=stats,
    )


def _first_real_error(futures: list[Future[None]]) -> BaseException:
    """The first failure that is not just "stopped because another worker failed"."""
    errors = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception() is not None]
    real = [e for e in errors if e is not None and not isinstance(e, Stopped)]
    chosen = real[0] if real else errors[0]
    assert chosen is not None
    return chosen


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
