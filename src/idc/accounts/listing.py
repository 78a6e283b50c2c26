"""Every account and role a user can reach: concurrent, paced under the quota, cached for a few minutes.

Portal API (identity-center-protocol.md section 2): ``ListAccounts`` (``max_result`` 100, paginated
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
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.retry import RateLimiter, RetryPolicy, call_with_retry
from idc.errors import CacheError, ConfigError, IdcError, LoginRequired, ServiceError, shell_word
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.config import AwsConfig, SsoProfile, SsoSession

log = logging.getLogger(__name__)

#: Identity Center's documented quota for the portal API, calls per second.
DEFAULT_TPS = 20.0
#: How long a cached listing is used before it is fetched again.
DEFAULT_MAX_AGE_S = 600.0
PAGE_SIZE = 100
CACHE_VERSION = 1

Clock = Callable[[], float]
Sleep = Callable[[float], None]
WallClock = Callable[[], dt.datetime]

#: The portal API's names for the botocore methods called here, for messages.
_API_NAMES = {"list_accounts": "ListAccounts", "list_account_roles": "ListAccountRoles"}


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


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.throttled = 0

    def call(self) -> None:
        with self._lock:
            self.calls += 1

    def throttle(self) -> None:
        with self._lock:
            self.throttled += 1


def _error_code(error: BaseException) -> tuple[int, str, str]:
    response: Mapping[str, Any] = getattr(error, "response", None) or {}
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    err = response.get("Error") or {}
    return status, str(err.get("Code", "")), str(err.get("Message", ""))


class _Portal:
    """The two portal operations, paced, retried and counted."""

    def __init__(
        self,
        client: Any,
        access_token: str,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Sleep,
        fix: str,
        stop: threading.Event,
        sso_region: str,
    ) -> None:
        self._client = client
        self._region = sso_region
        self._token = access_token
        self._limiter = limiter
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        self._fix = fix
        self._stop = stop
        self.counters = _Counters()

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self._client, operation)

        def attempt() -> dict[str, Any]:
            if self._stop.is_set():
                raise _Stopped()
            self.counters.call()
            try:
                result: dict[str, Any] = method(accessToken=self._token, **params)
            except ClientError as error:
                status, code, _ = _error_code(error)
                if status == 429 or code == "TooManyRequestsException":
                    self.counters.throttle()
                raise
            return result

        try:
            return call_with_retry(
                attempt, policy=self._policy, clock=self._clock, sleep=self._sleep, limiter=self._limiter
            )
        except ClientError as error:
            raise self._map(error, operation) from None
        except BotoCoreError as error:
            raise ServiceError(
                f"Could not reach IAM Identity Center in {self._region} for {_API_NAMES[operation]} "
                f"({type(error).__name__}).",
                hint="Check the network (and AWS_ENDPOINT_URL_SSO if set) and try again.",
            ) from None

    def _map(self, error: BaseException, method: str) -> IdcError:
        operation = _API_NAMES[method]
        status, code, message = _error_code(error)
        if status == 401 or code == "UnauthorizedException":
            return LoginRequired(
                "The SSO session has expired or is otherwise invalid (Identity Center refused the token).",
                fix=self._fix,
            )
        detail = f": {message}" if message else ""
        if status == 404 or code == "ResourceNotFoundException":
            return _AccountGone(f"IAM Identity Center answered {code or status} to {operation}{detail}.")
        return ServiceError(f"IAM Identity Center answered {code or status} to {operation}{detail}.")

    def list_accounts_page(self, next_token: str | None, page_size: int) -> dict[str, Any]:
        params: dict[str, Any] = {"maxResults": page_size}
        if next_token:
            params["nextToken"] = next_token
        return self._call("list_accounts", **params)

    def account_roles(self, account_id: str, page_size: int) -> tuple[str, ...] | None:
        """The role names of one account; None when the account disappeared meanwhile (404)."""
        roles: list[str] = []
        next_token: str | None = None
        while True:
            params: dict[str, Any] = {"accountId": account_id, "maxResults": page_size}
            if next_token:
                params["nextToken"] = next_token
            try:
                page = self._call("list_account_roles", **params)
            except _AccountGone:
                return None
            roles.extend(str(role["roleName"]) for role in page.get("roleList") or [])
            next_token = page.get("nextToken") or None
            if not next_token:
                return tuple(sorted(set(roles)))


class _AccountGone(ServiceError):
    """ListAccountRoles for an account that is no longer assigned (404)."""


class _Stopped(Exception):
    """Another worker failed: do not start new calls."""


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
    portal = _Portal(
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
        fetched_at=(now or _utc_now)(),
        stats=stats,
    )


def _first_real_error(futures: list[Future[None]]) -> BaseException:
    """The first failure that is not just "stopped because another worker failed"."""
    errors = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception() is not None]
    real = [e for e in errors if e is not None and not isinstance(e, _Stopped)]
    chosen = real[0] if real else errors[0]
    assert chosen is not None
    return chosen


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- the short-lived cache -------------------------------------------------------------------------


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
    age = ((now or _utc_now)() - listing.fetched_at).total_seconds()
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


# --- for a profile or an sso-session ----------------------------------------------------------------


@dataclass(frozen=True)
class ListingTarget:
    """Whose accounts to list: the SSO settings of a profile or of an ``[sso-session]``.

    ``fix`` is the command that signs this target in again (for LoginRequired hints).
    """

    sso: SsoProfile
    fix: str

    @property
    def session_name(self) -> str | None:
        return self.sso.session_name

    @property
    def start_url(self) -> str:
        return self.sso.start_url

    @property
    def sso_region(self) -> str:
        return self.sso.sso_region


def resolve_target(
    locations: Locations,
    *,
    profile: str | None = None,
    sso_session: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ListingTarget:
    """The target named by ``--profile`` or ``--sso-session``; without either, the default profile
    (AWS_PROFILE), or else the only ``[sso-session]`` of the config file.

    Listing needs only a sign-in (the sso-session or legacy start URL), not an account or role, so a
    profile is resolved as ``idc login`` does (:meth:`AwsConfig.sign_in_subject`).
    Raises ConfigError (botocore's wording, a hint naming the command) when it cannot be resolved.
    """
    from idc.config import load_config

    if profile and sso_session:
        raise ConfigError("Give --profile or --sso-session, not both.")
    config = load_config(locations, environ=environ)
    if sso_session:
        return _session_target(config.sso_session(sso_session))
    if profile:
        return _profile_target(config.sign_in_subject(profile))
    name = config.default_profile_name()
    sessions = config.sso_session_names()
    if name == "default" and not config.has_profile(name):
        if len(sessions) == 1:
            return _session_target(config.sso_session(sessions[0]))
        raise _nothing_to_list(config, "there is no default profile")
    try:
        sso: SsoProfile = config.sign_in_subject(None)
    except ConfigError as error:
        if name != "default" or not sessions:
            raise  # AWS_PROFILE names a missing or broken profile: botocore's wording says which
        if len(sessions) == 1:
            log.debug("the default profile cannot sign in (%s); using the only sso-session", error.message)
            return _session_target(config.sso_session(sessions[0]))
        raise _nothing_to_list(config, "the default profile is not an SSO profile") from None
    return _profile_target(sso)


def _nothing_to_list(config: AwsConfig, why: str) -> ConfigError:
    """No flag and no usable default: name the profiles and sessions that could be passed."""
    names = config.profile_names()
    profiles = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "") or "none yet"
    sessions = ", ".join(config.sso_session_names()) or "none yet"
    return ConfigError(
        f"No --profile or --sso-session given and {why} (profiles: {profiles}; sso-sessions: {sessions}).",
        hint="Pass --sso-session NAME or --profile NAME (`idc configure sso` creates them).",
    )


def _profile_target(sso: SsoProfile) -> ListingTarget:
    return ListingTarget(sso, fix=f"idc login --profile {shell_word(sso.profile_name)}")


def _session_target(session: SsoSession) -> ListingTarget:
    from idc.config import SsoProfile

    sso = SsoProfile(
        profile_name=session.name,
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=session.registration_scopes,
    )
    return ListingTarget(sso, fix=f"idc login --sso-session {shell_word(session.name)}")


def access_token_for(
    target: ListingTarget, *, locations: Locations, client_factory: ClientFactory | None = None
) -> str:
    """A valid access token for ``target``, refreshed when needed (``get_valid_token``)."""
    from idc.signin.token_refresh import get_valid_token

    try:
        token = get_valid_token(target.sso, locations=locations, client_factory=client_factory)
    except LoginRequired as error:
        # get_valid_token names `--profile`; a session target is signed in with `--sso-session`.
        raise LoginRequired(error.message, fix=target.fix) from None
    except CacheError as error:
        # A corrupt token file: signing in again rewrites it; name the command for this target.
        raise CacheError(error.message, hint=f"Run `{target.fix}` to sign in again.") from None
    return token.access_token


def listing_for(
    target: ListingTarget,
    *,
    locations: Locations,
    refresh: bool = False,
    max_age: float = DEFAULT_MAX_AGE_S,
    client_factory: ClientFactory | None = None,
    options: ListingOptions | None = None,
    progress: ProgressCallback | None = None,
) -> AccountListing:
    """Everything ``idc list`` and ``idc populate`` need: token, then the (cached) listing."""
    factory = client_factory or default_client_factory()

    def attempt(token: str) -> AccountListing:
        return cached_listing(
            locations,
            token,
            start_url=target.start_url,
            sso_region=target.sso_region,
            refresh=refresh,
            max_age=max_age,
            client_factory=factory,
            options=options,
            progress=progress,
            fix=target.fix,
        )

    token = access_token_for(target, locations=locations, client_factory=factory)
    try:
        return attempt(token)
    except LoginRequired:
        # Refused: another process may have signed in again meanwhile. Reload once; never a new login.
        fresh = access_token_for(target, locations=locations, client_factory=factory)
        if fresh == token:
            raise
        log.debug("the token was replaced while listing; listing again with the new one")
        return attempt(fresh)
