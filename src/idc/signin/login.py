"""Signing in: single flight, reuse the client registration, write the token as the AWS CLI does.

:func:`login` is ``idc login``: the flow :mod:`idc.signin.flow_choice` picks (PKCE for sso-session
profiles, AWS CLI v2's default; the device code flow for legacy profiles, with ``use_device_code``, or
where a browser cannot work here), for the subject and options of :mod:`idc.signin.subject`, after the
vanity start-URL step (:mod:`idc.signin.vanity_step`). The token goes to ``~/.aws/sso/cache/<key>.json``
in the AWS CLI's format, so the AWS CLI, boto3 and every SDK use it.

Single flight across processes: the flow runs under a lock per token-cache key. A process that gets
the lock after another one signed in (the token changed while it waited, or was written after this
process started) reuses that token: twenty parallel logins make one browser tab or one device code.

:func:`ensure_logged_in` is the auto-login entry for other commands: a valid cached token is returned
as is; otherwise it signs in under the same lock.

Client registrations are cached like botocore's (same key and file, shared with the AWS CLI). One made
for the other grant, or expiring within 15 minutes, is replaced; a registration the server no longer
knows (InvalidClientException) is replaced once, automatically: the device flow learns it from
StartDeviceAuthorization, the code flow asks before the browser opens (``OidcClient.registration_known``)
because an unknown client's authorize page never redirects back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.oidc import (
    AUTH_CODE_GRANT_TYPES,
    DEFAULT_PKCE_SCOPE,
    InvalidClient,
    OidcClient,
    RegisteredClient,
    StartUrlRejected,
    TokenGrant,
    client_name,
)
from idc.errors import CacheError, ConfigError, KeychainUnavailable, LoginFailed, ServiceError
from idc.signin.browser import BrowserOpener
from idc.signin.flow_choice import choose_flow, run_flow
from idc.signin.loopback import DEFAULT_OVERALL_TIMEOUT, REDIRECT_URI_WITHOUT_PORT
from idc.signin.remote_flow import PasteReader
from idc.signin.subject import (
    LOCK_TIMEOUT,
    Clock,
    SignInOptions,
    SignInSubject,
    configure_command,
    login_command,
    utc_now,
)
from idc.signin.vanity_step import portal_url_of, resolve_subject, write_sso_region
from idc.storage.locations import Locations
from idc.storage.registration_cache import ClientRegistration, registration_cache_key
from idc.storage.signed_out import clear_signed_out
from idc.storage.token_cache import SsoToken, token_cache_key
from idc.storage.token_store import TokenStore, Version, token_store_for

log = logging.getLogger(__name__)

EXPIRY_WINDOW = dt.timedelta(minutes=15)
"""botocore treats tokens and registrations as expired this long before their end."""

# Versions of tokens this process wrote: a token we wrote ourselves is never "a concurrent login".
_WRITTEN_HERE: set[Version | None] = set()


def login(
    sso: SignInSubject,
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    opener: BrowserOpener | None = None,
    use_device_code: bool = False,
    no_browser: bool = False,
    remote: bool = False,
    qr: bool = True,
    read_paste: PasteReader | None = None,
    clock: Clock = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    out: TextIO | None = None,
    timeout: float = DEFAULT_OVERALL_TIMEOUT,
    lock_timeout: float = LOCK_TIMEOUT,
    environ: Mapping[str, str] | None = None,
    remote_command: str | None = None,
) -> SsoToken:
    """``idc login``: sign in (unless a concurrent process just did) and cache the token.

    ``opener`` replaces the system browser (tests pass a page approver); ``environ`` is read for BROWSER
    and the browser detection (default: ``os.environ``). Prints the AWS CLI's messages to ``out``.
    ``remote`` signs in with a browser elsewhere (see :mod:`idc.signin.remote_flow`), reading the pasted
    address with ``read_paste`` (default: standard input). ``remote_command`` is the ``--remote``
    command named where no browser can work here (default: ``idc login ... --remote``).
    """
    options = SignInOptions(
        client_factory=client_factory,
        opener=opener,
        use_device_code=use_device_code,
        no_browser=no_browser,
        remote=remote,
        qr=qr,
        read_paste=read_paste,
        clock=clock,
        monotonic=monotonic,
        sleep=sleep,
        timeout=timeout,
        lock_timeout=lock_timeout,
        environ=environ,
        remote_command=remote_command,
    )
    return _single_flight(sso, locations, options, out or sys.stdout, reuse_any_valid=False)


def ensure_logged_in(
    sso: SignInSubject,
    *,
    locations: Locations,
    options: SignInOptions | None = None,
    out: TextIO | None = None,
) -> SsoToken:
    """Auto-login: the cached token when it is valid beyond botocore's 15-minute window, else sign in.

    Prints to ``out`` (default stderr: a ``credential_process`` caller owns stdout).
    """
    options = options or SignInOptions()
    key = token_cache_key(sso.session_name, sso.start_url)
    current = _load(token_store_for(locations, sso), key)
    if current is not None and _is_fresh(current, options.clock()):
        return current
    return _single_flight(sso, locations, options, out or sys.stderr, reuse_any_valid=True)


# -- single flight ----------------------------------------------------------------------------------


def _single_flight(
    sso: SignInSubject, locations: Locations, options: SignInOptions, out: TextIO, *, reuse_any_valid: bool
) -> SsoToken:
    from idc.storage.locking import ProcessLock, lock_path_for

    key = token_cache_key(sso.session_name, sso.start_url)
    store = token_store_for(locations, sso)
    seen = store.token_version(key)
    name = f"session {sso.session_name!r}" if sso.session_name else sso.start_url
    lock = ProcessLock(
        lock_path_for(locations, "login", key),
        timeout=options.lock_timeout,
        description=f"the sign-in to {name}",
    )
    with lock:
        current = _load(store, key)
        if current is not None and _is_fresh(current, options.clock()):
            now_print = store.token_version(key)
            written_meanwhile = now_print != seen or (
                now_print not in _WRITTEN_HERE and _written_after_process_start(store, key)
            )
            if reuse_any_valid or written_meanwhile:
                log.debug("a concurrent sign-in wrote a fresh token; reusing it")
                out.write(f"Successfully logged into Start URL: {sso.start_url}\n")
                out.flush()
                return current
        target = resolve_subject(sso, options)
        try:
            token = _sign_in(target, store, options, out)
        except LoginFailed as error:
            raise LoginFailed(error.message, hint=_retry_hint(sso, error.hint, options)) from None
        except ServiceError as error:  # unreachable or refusing: name this profile's command too
            if not (error.hint and "`idc login`" in error.hint):
                raise
            hint = error.hint.replace("`idc login`", f"`{login_command(sso)}`")
            raise type(error)(error.message, hint=hint) from None
        store.save_token(key, token)
        clear_signed_out(locations, key)
        _WRITTEN_HERE.add(store.token_version(key))
        if target.sso_region != sso.sso_region:
            write_sso_region(sso, target.sso_region, locations, out)
    out.write(f"Successfully logged into Start URL: {sso.start_url}\n")
    out.flush()
    return token


def _retry_hint(sso: SignInSubject, hint: str | None, options: SignInOptions) -> str:
    """The flows' hints say "idc login"; name this profile's or session's command instead."""
    command = login_command(sso) + (" --remote" if options.remote else "")
    if hint and "--use-device-code" in hint:
        return f"Run `{command}` again (add --use-device-code to sign in on another device)."
    return f"Run `{command}` to try again."


def _load(store: TokenStore, key: str) -> SsoToken | None:
    try:
        return store.load_token(key)
    except KeychainUnavailable:
        raise  # say so before a sign-in whose token could not be kept
    except CacheError as error:
        # A corrupt token file is a miss: the sign-in rewrites it.
        log.debug("ignoring unreadable token cache: %s", error.message)
        return None


def _is_fresh(token: SsoToken, now: dt.datetime) -> bool:
    return token.expires_at - now > EXPIRY_WINDOW


def _written_after_process_start(store: TokenStore, key: str) -> bool:
    """True when the token was written after this process started (so by a concurrent login)."""
    started = _process_start_time()
    if started is None:
        return False
    written = store.token_written_at(key)
    return written is not None and written >= started


def _process_start_time() -> float | None:
    """This process's start (epoch seconds, to 10 ms), from /proc on Linux; None elsewhere."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat_file:
            # field 22 (starttime, clock ticks after boot) is the 20th after the ")" closing the name
            started_ticks = int(stat_file.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime_file:
            uptime = float(uptime_file.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    age = uptime - started_ticks / os.sysconf("SC_CLK_TCK")
    return time.time() - max(age, 0.0)


# -- the sign-in ------------------------------------------------------------------------------------


def _sign_in(sso: SignInSubject, store: TokenStore, options: SignInOptions, out: TextIO) -> SsoToken:
    oidc = OidcClient(options.client_factory or default_client_factory(), sso.sso_region)
    flow, opener = choose_flow(sso, options, out)
    pkce = flow != "device"
    registration = _registration(oidc, sso, store, options.clock, pkce=pkce)
    try:
        grant = run_flow(oidc, registration, sso, options, opener, out, flow=flow)
    except StartUrlRejected as error:
        hint = f"Check the start URL and SSO region: `{configure_command(sso)}` changes them."
        raise ConfigError(error.message, hint=hint) from None
    except InvalidClient:
        log.debug("the server does not know the cached registration; registering again")
        registration = _registration(oidc, sso, store, options.clock, pkce=pkce, force=True)
        grant = run_flow(oidc, registration, sso, options, opener, out, flow=flow)
    return _token(sso, registration, grant, options.clock())


def _registration(
    oidc: OidcClient,
    sso: SignInSubject,
    store: TokenStore,
    clock: Clock,
    *,
    pkce: bool,
    force: bool = False,
) -> RegisteredClient:
    """The cached registration for this grant, or a new one (botocore's rules, in the session's store)."""
    scopes = tuple(sso.registration_scopes)
    key = registration_cache_key(sso.sso_region, list(scopes) or None, sso.session_name, sso.start_url)
    now = clock()
    if not force:
        cached = store.load_registration(key)  # None when absent or unreadable: register again
        if cached is not None:
            client = _from_cache(cached)
            if client.expires_at - now > EXPIRY_WINDOW and client.for_auth_code == pkce:
                # The device flow learns it from StartDeviceAuthorization; the code flow would only
                # learn it after the browser, which never comes back for an unknown client.
                if not pkce or oidc.registration_known(client):
                    log.debug("reusing client registration %s", client.client_id)
                    return client
                log.debug("the server does not know the cached registration; registering again")
    if pkce:
        client = oidc.register_client(
            client_name(sso.session_name, now),
            scopes=scopes or (DEFAULT_PKCE_SCOPE,),
            grant_types=AUTH_CODE_GRANT_TYPES,
            redirect_uris=(REDIRECT_URI_WITHOUT_PORT,),
            issuer_url=portal_url_of(sso),
        )
    else:
        client = oidc.register_client(client_name(sso.session_name, now), scopes=scopes)
    store.save_registration(key, _to_cache(client))
    return client


def _from_cache(cached: ClientRegistration) -> RegisteredClient:
    return RegisteredClient(
        client_id=cached.client_id,
        client_secret=cached.client_secret,
        expires_at=cached.expires_at,
        scopes=tuple(cached.scopes or ()),
        grant_types=tuple(cached.grant_types or ()),
    )


def _to_cache(client: RegisteredClient) -> ClientRegistration:
    return ClientRegistration(
        client_id=client.client_id,
        client_secret=client.client_secret,
        expires_at=client.expires_at,
        scopes=client.scopes or None,
        grant_types=client.grant_types or None,
    )


def _token(sso: SignInSubject, client: RegisteredClient, grant: TokenGrant, now: dt.datetime) -> SsoToken:
    return SsoToken(
        start_url=sso.start_url,
        region=sso.sso_region,
        access_token=grant.access_token,
        expires_at=(now + dt.timedelta(seconds=grant.expires_in)).replace(microsecond=0),
        client_id=client.client_id,
        client_secret=client.client_secret,
        registration_expires_at=client.expires_at,
        refresh_token=grant.refresh_token,
    )


__all__ = ["EXPIRY_WINDOW", "LoginFailed", "ensure_logged_in", "login"]
