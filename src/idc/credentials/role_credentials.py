"""Role credentials for an SSO profile: role cache -> SSO token -> GetRoleCredentials, single flight.

``get_role_credentials`` is what ``idc credentials`` and ``idc exec`` do on a cache miss (the hit is
answered by :mod:`idc.credentials.hotpath` before this module is imported):

1. the AWS CLI's role cache (``~/.aws/cli/cache``, its key and format, :mod:`idc.storage.role_cache`):
   credentials with at least 15 minutes left are returned; a corrupt file is a miss and is rewritten;
2. otherwise, under a lock per (account, role, session) so that one process fetches and the others
   reuse its result, the cache is read again, then a valid SSO token is obtained
   (:func:`idc.signin.token_refresh.get_valid_token`: refresh or auto-login, each single flight too);
3. portal ``GetRoleCredentials`` (botocore's ``sso`` service model, ``data/sso/2019-06-10/service-2.json``)
   through :mod:`idc.aws.retry` (429 and Retry-After honoured within a time budget); steps 2 and 3 run
   in the first Region of the session that answers (:mod:`idc.signin.regions`), and the result is
   cached under the profile's key;
4. a 401 (``UnauthorizedException``) after another process replaced the token: the token is read again
   once and the call repeated; a second 401, or no newer token, is ``LoginRequired``;
5. the expiry comes from the server's ``expiration``, moved onto the local clock with the response's
   ``Date`` header (a local clock 10 minutes off never makes idc hand out expired credentials, or
   credentials it believes have 10 more minutes than they have), and the cache entry is written
   atomically, 0600.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.retry import RetryPolicy, call_with_retry
from idc.aws.tls import unreachable
from idc.credentials.hotpath import adopt_role_lock
from idc.errors import CacheError, ConfigError, LoginRequired, ServiceError, shell_word
from idc.signin.regions import QUICK_POLICY, RegionRoute, with_failover
from idc.signin.token_refresh import Login, default_login, get_valid_token, login_required
from idc.storage.locations import Locations
from idc.storage.role_cache import (
    EXPIRY_WINDOW,
    RoleCredentials,
    delete_role_credentials,
    load_role_credentials,
    role_cache_key,
    save_role_credentials,
)
from idc.storage.timestamps import format_timestamp

if TYPE_CHECKING:
    from idc.config import SsoProfile
    from idc.storage.token_cache import SsoToken

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

MIN_LIFETIME = EXPIRY_WINDOW
"""Handed-out credentials keep at least this long: SDKs re-run credential_process inside 15 min."""

LOCK_TIMEOUT = 90.0
"""Long enough for the holder's token refresh and GetRoleCredentials with retries (30 s budget)."""

AUTO_LOGIN_LOCK_TIMEOUT = 720.0
"""With auto-login the holder may be waiting for the user at the browser (10 min overall timeout)."""

PORTAL_POLICY = RetryPolicy(budget_s=30.0, idempotent=True)

SKEW_TOLERANCE = dt.timedelta(seconds=2)
"""The Date header has one-second resolution: smaller differences are not skew."""
DATE_HEADER_SLACK = dt.timedelta(seconds=5)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def get_role_credentials(
    sso: SsoProfile,
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    clock: Clock = utc_now,
    auto_login: bool = False,
    login: Login | None = None,
    min_lifetime: dt.timedelta = MIN_LIFETIME,
    lock_timeout: float | None = None,
    retry_policy: RetryPolicy = PORTAL_POLICY,
    out: TextIO | None = None,
    refresh: bool = False,
) -> RoleCredentials:
    """Credentials of the profile's role with at least ``min_lifetime`` left (when the server allows).

    ``refresh``: fetch new ones even when the cached ones look fresh (``idc credentials --refresh``:
    AWS refuses them, the role's permissions changed).

    Raises ``ConfigError`` for a profile without account or role, ``LoginRequired`` when the SSO
    session is over (naming ``idc login --profile P``), ``Throttled``/``ServiceError`` when Identity
    Center cannot answer, ``LockTimeout`` when another process holds the fetch too long.
    """
    from idc.storage.locking import ProcessLock, lock_path_for

    account_id, role_name = _role_of(sso)
    log.debug(
        "profile %s: role %s in account %s, sso-session %s, start URL %s, sso region %s",
        sso.profile_name,
        role_name,
        account_id,
        sso.session_name or "(legacy)",
        sso.start_url,
        sso.sso_region,
    )
    key = role_cache_key(account_id, role_name, sso.session_name, sso.start_url)
    cached = None if refresh else load_role_credentials(locations, key)
    if cached is not None and cached.is_fresh(clock(), min_lifetime):
        until = format_timestamp(cached.expiration)
        log.debug("role credentials from the cache (%s.json), valid until %s", key, until)
        return cached
    log.debug(
        "role credentials: %s; fetching new ones",
        "--refresh" if refresh else "none in the cache" if cached is None else "the cached ones are too old",
    )

    factory = client_factory or default_client_factory()
    if lock_timeout is None:
        lock_timeout = AUTO_LOGIN_LOCK_TIMEOUT if auto_login else LOCK_TIMEOUT
    description = f"the credentials of role {role_name} in account {account_id}"
    lock_path = lock_path_for(locations, "role", key)
    # The hot path of this very process may already hold the lock (it waited, then found a miss).
    lock = adopt_role_lock(lock_path) or ProcessLock(lock_path, timeout=lock_timeout, description=description)
    if not lock.held:
        lock.acquire()
    try:
        cached = None if refresh else load_role_credentials(locations, key)
        if cached is not None and cached.is_fresh(clock(), min_lifetime):
            log.debug("another process fetched the credentials while this one waited")
            return cached

        def in_region(subject: SsoProfile, route: RegionRoute) -> RoleCredentials:
            factory = route.client_factory
            policy = route.policy(retry_policy)
            token = get_valid_token(
                subject,
                locations=locations,
                client_factory=factory,
                clock=clock,
                auto_login=auto_login,
                login=login,
                out=out or sys.stderr,
                refresh_policy=QUICK_POLICY if route.quick else None,
            )
            try:
                return fetch_with_reload(
                    subject, token, locations=locations, client_factory=factory, clock=clock, policy=policy
                )
            except LoginRequired:
                if not auto_login:
                    raise
                # The server ended the session although the token has time left: sign in once more.
                sign_in = login or default_login(locations, factory, clock, out, force=True)
                return fetch_with_reload(
                    subject,
                    sign_in(subject),
                    locations=locations,
                    client_factory=factory,
                    clock=clock,
                    policy=policy,
                )

        # The role's credentials are the same whichever Region issued them: one cache entry, this key.
        credentials = with_failover(sso, in_region, locations=locations, client_factory=factory, out=out)
        try:
            save_role_credentials(locations, key, credentials)
            until = format_timestamp(credentials.expiration)
            log.debug("role credentials cached in %s.json, valid until %s", key, until)
        except CacheError as error:
            # The credentials are good; only the cache cannot keep them (a read-only or root-owned
            # ~/.aws/cli/cache after a `sudo aws ...`): hand them out and say so, on stderr.
            (out or sys.stderr).write(f"idc: warning: {error.message} The credentials were not cached.\n")
    finally:
        lock.release()
    if not credentials.is_fresh(clock(), min_lifetime):
        log.debug("Identity Center issued credentials with less than %s left", min_lifetime)
    return credentials


def forget_role_credentials(sso: SsoProfile, *, locations: Locations) -> bool:
    """Drop the profile's cached role credentials (STS refused them): the next use fetches new ones."""
    account_id, role_name = _role_of(sso)
    dropped = delete_role_credentials(
        locations, role_cache_key(account_id, role_name, sso.session_name, sso.start_url)
    )
    log.debug("dropped the cached credentials of role %s in account %s: %s", role_name, account_id, dropped)
    return dropped


def _role_of(sso: SsoProfile) -> tuple[str, str]:
    missing = [
        name
        for name, value in (("sso_account_id", sso.account_id), ("sso_role_name", sso.role_name))
        if not value
    ]
    if missing:
        raise ConfigError(
            f'The profile "{sso.profile_name}" is configured to use SSO but is missing required '
            f"configuration: {', '.join(missing)}",
            hint=(
                f"Run `idc configure sso --profile {shell_word(sso.profile_name)}` "
                "to choose an account and role."
            ),
        )
    assert sso.account_id is not None and sso.role_name is not None
    return sso.account_id, sso.role_name


class _Unauthorized(Exception):
    """The portal answered 401 for this token."""


def fetch_with_reload(
    sso: SsoProfile,
    token: SsoToken,
    *,
    locations: Locations,
    client_factory: ClientFactory,
    clock: Clock = utc_now,
    policy: RetryPolicy = PORTAL_POLICY,
) -> RoleCredentials:
    """GetRoleCredentials with ``token``; on a 401, once more with the cached token if another process
    replaced it (a refresh or a sign-in), else ``LoginRequired``."""
    try:
        return fetch_role_credentials(sso, token, client_factory=client_factory, clock=clock, policy=policy)
    except _Unauthorized:
        pass
    # Another process may have replaced the token (a refresh rotates it, a login replaces it), or the
    # token is over on the server only (its clock is ahead, a suspended laptop): take the cached token
    # if it is another one, else refresh this one with its refresh token. Never a new sign-in here.
    try:
        reloaded = get_valid_token(
            sso, locations=locations, client_factory=client_factory, clock=clock, refused=token.access_token
        )
    except CacheError:
        reloaded = None
    if reloaded is None or reloaded.access_token == token.access_token:
        log.debug("GetRoleCredentials: 401 and no newer token")
        raise login_required(sso)
    log.debug("GetRoleCredentials: 401; trying once with the newer token")
    try:
        return fetch_role_credentials(
            sso, reloaded, client_factory=client_factory, clock=clock, policy=policy
        )
    except _Unauthorized:
        raise login_required(sso) from None


def fetch_role_credentials(
    sso: SsoProfile,
    token: SsoToken,
    *,
    client_factory: ClientFactory,
    clock: Clock = utc_now,
    policy: RetryPolicy = PORTAL_POLICY,
) -> RoleCredentials:
    """Portal GetRoleCredentials (``GET /federation/credentials``), retried under ``policy``."""
    from botocore.exceptions import BotoCoreError, ClientError

    account_id, role_name = _role_of(sso)
    client = client_factory("sso", sso.sso_region)
    sent_at = clock()
    try:
        response: dict[str, Any] = call_with_retry(
            lambda: client.get_role_credentials(
                roleName=role_name, accountId=account_id, accessToken=token.access_token
            ),
            policy=policy,
        )
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code == "UnauthorizedException":
            raise _Unauthorized from None
        if code in ("ForbiddenException", "ResourceNotFoundException", "AccessDeniedException"):
            raise ConfigError(
                f"IAM Identity Center does not give this user role {role_name} in account {account_id} "
                f"({code}).",
                hint="Run `idc list` to see the accounts and roles you can use, "
                f"then `idc configure sso --profile {shell_word(sso.profile_name)}`.",
            ) from None
        raise ServiceError(
            f"IAM Identity Center refused GetRoleCredentials for role {role_name} in account "
            f"{account_id} ({code or 'error'}).",
            hint="Try again; run with --debug for details.",
        ) from None
    except BotoCoreError as error:
        raise unreachable(
            error,
            f"Could not reach IAM Identity Center in {sso.sso_region} for GetRoleCredentials "
            f"({type(error).__name__}).",
            hint="Check the network (and AWS_ENDPOINT_URL_SSO if set) and try again.",
        ) from None
    received_at = clock()
    role = response["roleCredentials"]
    server_expiry = dt.datetime.fromtimestamp(int(role["expiration"]) / 1000.0, dt.timezone.utc)
    expiration = local_expiry(server_expiry, _server_date(response), sent_at, received_at)
    if expiration <= received_at:
        raise ServiceError(
            f"IAM Identity Center returned credentials for role {role_name} that have already expired.",
            hint="Check this machine's clock, then try again.",
        )
    return RoleCredentials(
        access_key_id=role["accessKeyId"],
        secret_access_key=role["secretAccessKey"],
        session_token=role["sessionToken"],
        expiration=expiration.replace(microsecond=0),
        account_id=account_id,
    )


def _server_date(response: dict[str, Any]) -> dt.datetime | None:
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    value = headers.get("date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def local_expiry(
    server_expiry: dt.datetime,
    server_date: dt.datetime | None,
    sent_at: dt.datetime,
    received_at: dt.datetime,
) -> dt.datetime:
    """The server's expiry moved onto the local clock.

    The server's ``Date`` was taken between ``sent_at`` and ``received_at`` (local clock). If it lies
    outside that interval (allowing the header's one-second resolution), the clocks disagree and the
    lifetime the server granted (expiry - Date) is counted from ``sent_at``: the earliest local time
    the server could have started it, so the local expiry is never later than the real one.
    """
    if server_date is None:
        return server_expiry
    if sent_at - SKEW_TOLERANCE <= server_date <= received_at + SKEW_TOLERANCE:
        return server_expiry
    # Date is truncated to the second and servers refresh it about once a second (uvicorn does),
    # so expiry - Date may overstate the lifetime by a second or two: take a few seconds off.
    lifetime = server_expiry - server_date - DATE_HEADER_SLACK
    log.debug(
        "clock skew of %s against Identity Center; expiry moved to the local clock", server_date - sent_at
    )
    return sent_at + lifetime
