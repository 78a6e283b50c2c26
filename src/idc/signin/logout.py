"""Signing out, as ``aws sso logout`` does, for one session or for all of them.

For each cached SSO token: the portal's Logout API (``POST /logout``; an already invalid token is fine),
then the token file goes (the keychain item, for a session that keeps its sign-in in the OS keychain).
SSO role credentials in ``~/.aws/cli/cache`` (``"ProviderType": "sso"``) go too. Client registrations
stay (the AWS CLI keeps them as well: they identify the tool, not the user). Each session signed out
leaves a marker (:mod:`idc.storage.signed_out`) so a later command says "signed out", not "expired".

For one session, the role credentials removed are those of the profiles in the config that use it (their
cache key is a hash of account, role and session, so only the config can name them).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from idc.aws.clients import ClientFactory, default_client_factory
from idc.errors import CacheError, ConfigError, KeychainUnavailable
from idc.storage.locations import Locations
from idc.storage.role_cache import delete_role_credentials, delete_sso_role_credentials, role_cache_key
from idc.storage.signed_out import mark_signed_out
from idc.storage.token_cache import SsoToken, delete_token, list_tokens, token_cache_key
from idc.storage.token_store import KEYCHAIN, TokenStore, storage_of, token_store

if TYPE_CHECKING:
    from idc.signin.subject import SignInSubject

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogoutReport:
    """What a logout did (counts only, never token values)."""

    sessions: int
    role_credentials: int
    server_logouts: int
    unreachable: int = 0  # tokens whose Logout call never reached the portal (still live there)


def logout(
    locations: Locations,
    session: SignInSubject | str | None = None,
    client_factory: ClientFactory | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> LogoutReport:
    """Sign out of ``session`` (an sso-session name, a resolved profile or session; None: all sessions)."""
    factory = client_factory or default_client_factory()
    if session is None:
        tokens = list_tokens(locations)
        outcomes = [_server_logout(factory, token) for _key, token in tokens]
        removed = sum(delete_token(locations, key) for key, _token in tokens)
        keys = [key for key, _token in tokens]
        for name in _keychain_sessions(locations, environ):
            store = token_store(locations, KEYCHAIN, session_name=name)
            key = token_cache_key(name, "")
            outcome, gone = _logout_one(factory, store, key)
            outcomes.append(outcome)
            removed += gone
            keys.append(key)
        for key in keys:
            mark_signed_out(locations, key)
        return LogoutReport(
            removed,
            delete_sso_role_credentials(locations),
            outcomes.count(_DONE),
            outcomes.count(_UNREACHABLE),
        )

    session_name, start_url = _identify(session)
    store = _store_of(locations, session, environ)
    key = token_cache_key(session_name, start_url)
    outcome, removed = _logout_one(factory, store, key)
    mark_signed_out(locations, key)
    role_keys = _role_cache_keys(locations, session_name, start_url, environ)
    roles = sum(delete_role_credentials(locations, role_key) for role_key in role_keys)
    return LogoutReport(removed, roles, int(outcome == _DONE), int(outcome == _UNREACHABLE))


def _logout_one(factory: ClientFactory, store: TokenStore, key: str) -> tuple[str, int]:
    """Log one token out on the server and remove it: (outcome, tokens removed)."""
    try:
        token = store.load_token(key)
    except KeychainUnavailable:
        raise  # nothing can be removed from a keychain we cannot reach: say so
    except CacheError as error:  # a corrupt token is still removed: that is the point of logout
        log.debug("token unreadable (%s); removing it", error.message)
        token = None
    outcome = _server_logout(factory, token) if token is not None else _REFUSED
    return outcome, int(store.delete_token(key))


def _store_of(
    locations: Locations, session: SignInSubject | str, environ: Mapping[str, str] | None
) -> TokenStore:
    """The store of a resolved profile or session; for a bare session name, the config says."""
    if not isinstance(session, str):
        return token_store(locations, storage_of(session), session_name=session.session_name)
    storage = KEYCHAIN if session in _keychain_sessions(locations, environ) else "file"
    return token_store(locations, storage, session_name=session)


def _keychain_sessions(locations: Locations, environ: Mapping[str, str] | None) -> list[str]:
    """The ``[sso-session]`` names whose sign-in is in the OS keychain."""
    from idc.config import load_config

    try:
        config = load_config(locations, environ=environ)
    except ConfigError:
        return []
    return [
        name for name, values in config.sso_sessions.items() if values.get("idc_token_storage") == KEYCHAIN
    ]


def _identify(session: SignInSubject | str) -> tuple[str | None, str]:
    if isinstance(session, str):
        return session, ""
    return session.session_name, session.start_url


def _role_cache_keys(
    locations: Locations, session_name: str | None, start_url: str, environ: Mapping[str, str] | None
) -> list[str]:
    """Role-cache keys of every profile in the config that signs in through this session."""
    from idc.config import load_config

    try:
        config = load_config(locations, environ=environ)
    except ConfigError as error:
        log.debug("config unreadable, no role credentials to match: %s", error.message)
        return []
    keys = []
    for name in config.profile_names():
        try:
            sso = config.resolve_sso(name)
        except ConfigError:
            continue  # not an SSO profile, or one idc cannot use anyway
        same = (
            sso.session_name == session_name
            if session_name
            else (sso.session_name is None and sso.start_url == start_url)
        )
        if same and sso.account_id and sso.role_name:
            keys.append(role_cache_key(sso.account_id, sso.role_name, sso.session_name, sso.start_url))
    return keys


_DONE, _REFUSED, _UNREACHABLE = "done", "refused", "unreachable"


def _server_logout(factory: ClientFactory, token: SsoToken) -> str:
    """sso Logout: invalidates the token on the server. Failures are logged, never fatal.

    ``done``; ``refused`` (the portal answered with an error: already expired or invalid, fine); or
    ``unreachable`` (the call never got an answer: the session may still be live on the server).
    """
    if not token.region:
        return _REFUSED  # nowhere to send it (a token written without its region)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        factory("sso", token.region).logout(accessToken=token.access_token)
    except ClientError as error:
        # Already expired or otherwise invalid: that is what we wanted.
        log.debug("Logout answered %s", error.response.get("Error", {}).get("Code"))
        return _REFUSED
    except BotoCoreError as error:
        log.debug("Logout could not reach the portal: %s", type(error).__name__)
        return _UNREACHABLE
    return _DONE
