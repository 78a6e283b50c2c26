"""A valid SSO access token for a profile: load it, refresh it ahead of expiry, single flight.

The token lives in ``~/.aws/sso/cache`` (shared with AWS CLI v2 and boto3), or in the OS keychain for a
session with ``idc_token_storage = keychain`` (:mod:`idc.storage.token_store`). It is refreshed with
sso-oidc ``CreateToken`` (``grantType=refresh_token``, botocore
``tokens.SSOTokenProvider._refresh_access_token``) when it
enters botocore's refresh windows (``botocore.tokens.SSOTokenProvider``): advisory 15 minutes and
mandatory 10 minutes before ``expiresAt``, at most one attempt per 60 seconds. Where idc does better:

- single flight across processes: the refresh runs under a lock per token key, and a process that
  gets the lock re-reads the cache first (another process may just have refreshed);
- the attempt time is kept on disk, so "one attempt per 60 s" holds across processes too; it names
  the token it was made with (a digest), so a token that another tool wrote since (``aws sso login``,
  botocore's own refresh) is a new state and is tried at once;
- a failed refresh while the old token is still valid does not fail the request: the old token is
  used (botocore fails the whole request on a connection error in the mandatory window);
- InvalidGrant, an unknown client or an expired registration: one attempt, then ``LoginRequired``
  naming ``idc login --profile P`` once the token cannot be used any more. Nothing is deleted;
- a response without ``refreshToken`` keeps the old refresh token and registration fields;
- the new expiry is ``now + expiresIn`` on the local clock (never the server's clock);
- a refreshed token is never lost. CreateToken rotates the refresh token, and presenting the old one
  again revokes the whole session (RFC 9700 4.14.2), so: no refresh starts when the cache cannot be
  written (not writable, file system full; the old token is used while it lasts, with one warning);
  and when the save still fails, the new token goes to a 0600 fallback file that the next run reads
  (``idc.storage.token_cache.save_refreshed_token``) and is handed out now with one warning, as role
  credentials that cannot be cached are. Ctrl-C and ``kill`` during the refresh wait until the new
  token is saved (:mod:`idc.signin.interrupts`); only SIGKILL between CreateToken's answer and the
  save can still lose it. A keychain session's refreshed token never goes to a file: when the keychain
  refuses it, it serves this run and a warning names the login (``idc.storage.token_store``).

With ``auto_login`` a missing or dead token starts the sign-in (``idc.signin.login.ensure_logged_in``, single
flight: twenty processes make one authorisation), its messages on stderr.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.oidc import kms_error
from idc.aws.retry import RetryPolicy, call_with_retry
from idc.aws.tls import is_certificate_failure, unreachable
from idc.errors import CacheError, KeychainUnavailable, LoginRequired, ServiceError, shell_word
from idc.storage.locations import Locations
from idc.storage.timestamps import format_timestamp

if TYPE_CHECKING:
    from idc.config import SsoProfile
    from idc.storage.token_cache import SsoToken

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

ADVISORY_REFRESH = dt.timedelta(minutes=15)
MANDATORY_REFRESH = dt.timedelta(minutes=10)
ATTEMPT_INTERVAL = dt.timedelta(seconds=60)
USABLE_MARGIN = dt.timedelta(seconds=30)
"""A token with less than this left is not handed to GetRoleCredentials: it may expire in flight."""

LOCK_TIMEOUT = 60.0
REFRESH_POLICY = RetryPolicy(budget_s=10.0, idempotent=False)
"""A replayed refresh token can revoke its family (RFC 9700 4.14.2): only retry what never arrived."""
OPPORTUNISTIC_REFRESH_POLICY = RetryPolicy(budget_s=2.0, idempotent=False)
"""While the old token still works, a failing refresh must not hold the request up for long."""

EXPIRED_MESSAGE = "The SSO session associated with this profile has expired or is otherwise invalid."
"""botocore's words (UnauthorizedSSOTokenError) for a profile whose token is over or refused."""

# CreateToken answers that mean the refresh token or the registration is dead: log in again.
_DEAD_GRANT_CODES = frozenset(
    {
        "InvalidGrantException",
        "InvalidClientException",
        "UnauthorizedClientException",
        "ExpiredTokenException",
        "AccessDeniedException",
    }
)

Login = Callable[["SsoProfile"], "SsoToken"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def login_command(sso: SsoProfile) -> str:
    """The command that fixes a dead session for this profile."""
    return f"idc login --profile {shell_word(sso.profile_name)}"


def login_required(sso: SsoProfile, message: str = EXPIRED_MESSAGE) -> LoginRequired:
    return LoginRequired(message, fix=login_command(sso))


def session_expired_message(session_name: str) -> str:
    """:data:`EXPIRED_MESSAGE` when an ``[sso-session]`` was named, not a profile."""
    return f"The SSO session {session_name} has expired or is otherwise invalid."


def no_token(sso: SsoProfile, locations: Locations, key: str) -> LoginRequired:
    """No token at all: AWS CLI v2's words (botocore ``SSOTokenLoader``), never "expired"; but after
    ``idc logout`` (its marker, :mod:`idc.storage.signed_out`) "signed out", which is what happened."""
    from idc.storage.signed_out import was_signed_out

    name = sso.session_name if sso.session_name is not None else sso.start_url
    if was_signed_out(locations, key):
        message = f"The SSO session {name} is signed out (`idc logout`)."
    else:
        message = f"Error loading SSO Token: Token for {name} does not exist."
    return LoginRequired(message, fix=login_command(sso), again=False)


@dataclasses.dataclass(frozen=True)
class _Attempt:
    """The last refresh attempt for a token key (kept in ``~/.aws/idc/refresh``; no secret)."""

    at: dt.datetime
    outcome: str  # "ok" | "dead" | "error" | "pending" (CreateToken in flight)
    token: str | None = None
    """:func:`_fingerprint` of the token the attempt refreshed (None in records of older versions)."""


def get_valid_token(
    sso: SsoProfile,
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    clock: Clock = utc_now,
    auto_login: bool = False,
    login: Login | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    out: TextIO | None = None,
    refresh_policy: RetryPolicy | None = None,
    refused: str | None = None,
    session_only: bool = False,
) -> SsoToken:
    """The cached token for ``sso``, refreshed when it is inside the refresh window.

    ``refused``: an access token the service just refused (401) although its ``expiresAt`` has time
    left (the server's clock is ahead, it was revoked): when the cache still holds it, it is refreshed
    with the refresh token now, and never handed out again.

    Raises ``LoginRequired`` (naming ``idc login --profile P``) when there is no usable token and it
    cannot be refreshed, ``ServiceError`` when a needed refresh failed for a reason a login would not
    fix (Identity Center unreachable), ``CacheError`` for an unreadable token file.
    With ``auto_login`` the first case signs in instead (``login``, default idc.signin.login).
    ``refresh_policy`` bounds the CreateToken retries (default: 2 s while the old token still works,
    10 s when it does not). ``session_only``: ``sso`` stands for an ``[sso-session]`` named without a
    profile (messages then name the session, never "this profile").
    """
    from idc.storage.token_cache import token_cache_key

    key = token_cache_key(sso.session_name, sso.start_url)
    try:
        token = _load(sso, locations, key)
        stale = token is not None and token.access_token == refused
        if token is not None and not stale and token.expires_at - clock() > ADVISORY_REFRESH:
            return token
        if token is None:
            raise no_token(sso, locations, key)
        if not _refreshable(token, clock()):
            if not stale and _usable(token, clock()):
                log.debug("token is inside the refresh window but cannot be refreshed; using it")
                return token
            raise login_required(sso)
        if stale:
            log.debug("the service refused the cached access token; refreshing it")
        return _refresh_single_flight(
            sso,
            locations=locations,
            key=key,
            client_factory=client_factory or default_client_factory(),
            clock=clock,
            lock_timeout=lock_timeout,
            out=out or sys.stderr,
            policy=refresh_policy,
            refused=refused,
        )
    except (LoginRequired, CacheError) as error:
        if not auto_login or isinstance(error, KeychainUnavailable):
            if session_only and isinstance(error, LoginRequired) and error.message == EXPIRED_MESSAGE:
                raise LoginRequired(session_expired_message(sso.session_name or ""), fix=error.fix) from None
            raise
        log.debug("no usable token; signing in (auto-login)")
        return (login or default_login(locations, client_factory, clock, out))(sso)


def _load(sso: SsoProfile, locations: Locations, key: str) -> SsoToken | None:
    from idc.storage.token_store import token_store_for

    try:
        return token_store_for(locations, sso).load_token(key)
    except KeychainUnavailable:
        raise  # its own fix (unlock the keychain), not a sign-in
    except CacheError as error:
        # H3's message names the file; the fix is always a fresh sign-in, which rewrites it.
        raise CacheError(error.message, hint=f"Run `{login_command(sso)}` to sign in again.") from None


def _refreshable(token: SsoToken, now: dt.datetime) -> bool:
    """botocore's test: refresh token, client id/secret and an unexpired registration are all there."""
    return bool(
        token.refresh_token
        and token.client_id
        and token.client_secret
        and token.registration_expires_at is not None
        and token.registration_expires_at > now
    )


def _usable(token: SsoToken, now: dt.datetime) -> bool:
    return token.expires_at - now > USABLE_MARGIN


def _refresh_single_flight(
    sso: SsoProfile,
    *,
    locations: Locations,
    key: str,
    client_factory: ClientFactory,
    clock: Clock,
    lock_timeout: float,
    out: TextIO,
    policy: RetryPolicy | None,
    refused: str | None = None,
) -> SsoToken:
    from contextlib import ExitStack

    from idc.signin.interrupts import held_interrupts
    from idc.storage.locking import ProcessLock, lock_path_for
    from idc.storage.token_cache import unwritable_reason
    from idc.storage.token_store import FILE, token_store_for

    def usable(token: SsoToken, now: dt.datetime) -> bool:
        return token.access_token != refused and _usable(token, now)

    with ProcessLock(lock_path_for(locations, "token", key), timeout=lock_timeout), ExitStack() as held:
        # Another process may have refreshed (or signed in) while this one waited.
        token = _load(sso, locations, key)
        now = clock()
        if token is None:
            raise no_token(sso, locations, key)
        if token.access_token != refused and token.expires_at - now > ADVISORY_REFRESH:
            log.debug("token was refreshed by another process")
            return token
        if not _refreshable(token, now):
            if usable(token, now):
                return token
            raise login_required(sso)

        last = _last_attempt(locations, key)
        if last is not None and last.token is not None and last.token != _fingerprint(token):
            # The attempt was made with another token: the file was rewritten since (another tool
            # signed in or refreshed), so its outcome says nothing about this one.
            log.debug("the token changed since the last refresh attempt; trying now")
            last = None
        if last is not None and last.outcome == "pending":
            # Written under this lock before CreateToken and replaced after it: since this process
            # holds the lock now, the process that wrote it is gone (kill -9, Ctrl-C) before it
            # learned the outcome. That is no failure of Identity Center: try now.
            log.debug("the last refresh attempt was interrupted; trying again")
            last = None
        # (a clock set back since the last attempt does not block refreshes for long)
        if last is not None and dt.timedelta(0) <= now - last.at < ATTEMPT_INTERVAL:
            log.debug(
                "a refresh was attempted %ss ago (%s); not trying again yet", now - last.at, last.outcome
            )
            if usable(token, now):
                return token
            if last.outcome == "error":
                raise _unreachable(sso)
            raise login_required(sso)

        file_store = token_store_for(locations, sso).storage == FILE
        unwritable = unwritable_reason(locations) if file_store else None
        if unwritable is not None:
            if _usable(token, now):
                _warn_unrefreshed(out, unwritable, token, now)
                return token
            raise CacheError(
                f"{unwritable}, so the SSO token cannot be refreshed.",
                hint="Make it writable (or free some space), then run the command again.",
            )

        # From here until the new token is saved, Ctrl-C and kill wait (idc.signin.interrupts).
        held.enter_context(held_interrupts(out))
        fingerprint = _fingerprint(token)
        _record_attempt(locations, key, _Attempt(now, "pending", fingerprint))
        try:
            if policy is None:
                policy = OPPORTUNISTIC_REFRESH_POLICY if usable(token, now) else REFRESH_POLICY
            fresh = _create_token(sso, token, client_factory, clock, policy)
        except _DeadGrant as dead:
            _record_attempt(locations, key, _Attempt(now, "dead", fingerprint))
            log.debug("refresh refused (%s)", dead.code)
            if usable(token, clock()):
                _warn(out, sso, token, clock())
                return token
            raise login_required(sso) from None
        except ServiceError as error:
            _record_attempt(locations, key, _Attempt(now, "error", fingerprint))
            log.debug("refresh failed: %s", error.message)
            if usable(token, clock()):
                return token
            raise
        _record_attempt(locations, key, _Attempt(now, "ok", fingerprint))
        # `idc login` (or the AWS CLI) does not take this lock: if it wrote a new token while the
        # refresh was in flight, keep the sign-in's token rather than overwrite it.
        try:
            current = _load(sso, locations, key)
        except CacheError:
            current = None  # unreadable now: the refreshed token replaces it
        if current is not None and current.access_token != token.access_token:
            log.debug("a sign-in replaced the token during the refresh; keeping it")
            return current
        store = token_store_for(locations, sso)
        kept_elsewhere = store.save_refreshed_token(
            key, fresh, replaces=token, login_command=login_command(sso)
        )
        if kept_elsewhere is not None:
            out.write(f"idc: warning: {kept_elsewhere}\n")
            out.flush()
        log.debug("token refreshed; expires %s", format_timestamp(fresh.expires_at))
        return fresh


class _DeadGrant(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _create_token(
    sso: SsoProfile, token: SsoToken, client_factory: ClientFactory, clock: Clock, policy: RetryPolicy
) -> SsoToken:
    """sso-oidc CreateToken with grantType=refresh_token (RFC 6749 section 6)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = client_factory("sso-oidc", token.region or sso.sso_region)
    try:
        response: dict[str, Any] = call_with_retry(
            lambda: client.create_token(
                grantType="refresh_token",
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            ),
            policy=policy,
        )
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        kms = kms_error(error, "CreateToken")  # the instance's key, not the grant: no "sign in again"
        if kms is not None:
            raise kms from None
        if code in _DEAD_GRANT_CODES:
            raise _DeadGrant(code) from None
        raise ServiceError(
            f"IAM Identity Center refused to refresh the SSO token (CreateToken: {code or 'error'}).",
            hint=f"Try again, or run `{login_command(sso)}`.",
        ) from None
    except BotoCoreError as error:
        if is_certificate_failure(error):
            raise unreachable(error, "", "") from None
        raise _unreachable(sso, type(error).__name__) from None
    now = clock()
    return dataclasses.replace(
        token,
        access_token=response["accessToken"],
        expires_at=(now + dt.timedelta(seconds=int(response["expiresIn"]))).replace(microsecond=0),
        # No refreshToken in the answer: keep the one we have (and the registration fields).
        refresh_token=response.get("refreshToken") or token.refresh_token,
    )


def _unreachable(sso: SsoProfile, detail: str = "") -> ServiceError:
    suffix = f" ({detail})" if detail else ""
    return ServiceError(
        f"Could not reach IAM Identity Center in {sso.sso_region} to refresh the SSO token{suffix}.",
        hint="Check the network (and AWS_ENDPOINT_URL_SSO_OIDC if set) and try again.",
    )


def _warn(out: TextIO, sso: SsoProfile, token: SsoToken, now: dt.datetime) -> None:
    minutes = max(0, int((token.expires_at - now).total_seconds() // 60))
    out.write(
        f"idc: the SSO session could not be renewed and ends in {minutes} min; "
        f"run `{login_command(sso)}` to sign in again.\n"
    )
    out.flush()


def _warn_unrefreshed(out: TextIO, reason: str, token: SsoToken, now: dt.datetime) -> None:
    minutes = max(0, int((token.expires_at - now).total_seconds() // 60))
    out.write(f"idc: warning: {reason}, so the SSO token was not refreshed; it ends in {minutes} min.\n")
    out.flush()


# -- the attempt record ------------------------------------------------------------------------------


def _attempt_path(locations: Locations, key: str) -> Any:
    return locations.idc_cache_dir / "refresh" / f"{key}.json"


def _fingerprint(token: SsoToken) -> str:
    """Which token an attempt was made with: a digest of its access and refresh tokens (no secret:
    SHA-256 of 256-bit random values, and the record sits next to the token file it describes)."""
    import hashlib

    material = f"{token.access_token}\0{token.refresh_token or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def _last_attempt(locations: Locations, key: str) -> _Attempt | None:
    from idc.storage.fileio import read_json

    try:
        data = read_json(_attempt_path(locations, key))
        if data is None:
            return None
        at = dt.datetime.fromisoformat(str(data["at"]))
        token = data.get("token")
        return _Attempt(
            at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc),
            str(data["outcome"]),
            token if isinstance(token, str) else None,
        )
    except (CacheError, KeyError, ValueError):
        return None


def _record_attempt(locations: Locations, key: str, attempt: _Attempt) -> None:
    from idc.storage.fileio import atomic_write_json

    record = {"at": attempt.at.isoformat(), "outcome": attempt.outcome, "token": attempt.token}
    atomic_write_json(_attempt_path(locations, key), record)


def default_login(
    locations: Locations,
    client_factory: ClientFactory | None,
    clock: Clock = utc_now,
    out: TextIO | None = None,
    *,
    force: bool = False,
) -> Login:
    """Auto-login through idc.signin.login, single flight (messages on ``out``, default stderr).

    ``force``: sign in even though the cached token looks valid (the server refused it, 401); a
    sign-in that another process completed meanwhile is reused all the same.
    """

    def sign_in(sso: SsoProfile) -> SsoToken:
        from idc.signin.login import ensure_logged_in, login
        from idc.signin.subject import SignInOptions

        stream = out or sys.stderr
        if force:
            return login(sso, locations=locations, client_factory=client_factory, clock=clock, out=stream)
        options = SignInOptions(client_factory=client_factory, clock=clock)
        return ensure_logged_in(sso, locations=locations, options=options, out=stream)

    return sign_in
