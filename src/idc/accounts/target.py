"""Whose accounts to list (a profile or an ``[sso-session]``), its access token, and its listing."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from idc.accounts.listing import AccountListing, ListingOptions, ProgressCallback
from idc.accounts.listing_cache import DEFAULT_MAX_AGE_S, cached_listing
from idc.aws.clients import ClientFactory, default_client_factory
from idc.errors import CacheError, ConfigError, KeychainUnavailable, LoginRequired, shell_word
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.config import AwsConfig, SsoProfile, SsoSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListingTarget:
    """Whose accounts to list: the SSO settings of a profile or of an ``[sso-session]``.

    ``fix`` is the command that signs this target in again (for LoginRequired hints);
    ``session_only``: an ``[sso-session]`` without a profile (messages name the session).
    """

    sso: SsoProfile
    fix: str
    session_only: bool = False

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
    log.debug(
        "listing for profile %s: sso-session %s, start URL %s, sso region %s",
        sso.profile_name,
        sso.session_name or "(legacy)",
        sso.start_url,
        sso.sso_region,
    )
    return ListingTarget(sso, fix=f"idc login --profile {shell_word(sso.profile_name)}")


def _session_target(session: SsoSession) -> ListingTarget:
    from idc.config import SsoProfile

    sso = SsoProfile(
        profile_name=session.name,
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=session.registration_scopes,
        token_storage=session.token_storage,
    )
    log.debug(
        "listing for sso-session %s: start URL %s, sso region %s", session.name, sso.start_url, sso.sso_region
    )
    return ListingTarget(sso, fix=f"idc login --sso-session {shell_word(session.name)}", session_only=True)


def access_token_for(
    target: ListingTarget,
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    refused: str | None = None,
) -> str:
    """A valid access token for ``target``, refreshed when needed (``get_valid_token``); ``refused``:
    the one the portal just refused, refreshed with the refresh token rather than returned again."""
    from idc.signin.token_refresh import get_valid_token

    try:
        token = get_valid_token(
            target.sso,
            locations=locations,
            client_factory=client_factory,
            refused=refused,
            session_only=target.session_only,
        )
    except LoginRequired as error:
        # get_valid_token names `--profile`; a session target is signed in with `--sso-session`.
        raise LoginRequired(error.message, fix=target.fix, again=error.again) from None
    except KeychainUnavailable:
        raise  # its hint says how to reach the keychain, not how to sign in
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
    """Everything ``idc list`` and ``idc populate`` need: token, then the (cached) listing, from the
    first Region of the session that answers (:func:`idc.signin.regions.with_failover`)."""
    from idc.signin.regions import RegionRoute, with_failover

    def in_region(sso: SsoProfile, route: RegionRoute) -> AccountListing:
        here = ListingTarget(sso, fix=target.fix, session_only=target.session_only)
        chosen = options or ListingOptions()
        if route.quick:
            chosen = dataclasses.replace(chosen, retry=route.policy(chosen.retry))
        return _listing(here, locations, refresh, max_age, route.client_factory, chosen, progress)

    factory = client_factory or default_client_factory()
    return with_failover(target.sso, in_region, locations=locations, client_factory=factory)


def _listing(
    target: ListingTarget,
    locations: Locations,
    refresh: bool,
    max_age: float,
    factory: ClientFactory,
    options: ListingOptions,
    progress: ProgressCallback | None,
) -> AccountListing:
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
        # Refused: another process may have signed in again meanwhile, or the token is over on the
        # server only (its clock is ahead): reload, or refresh with the refresh token; never a login.
        fresh = access_token_for(target, locations=locations, client_factory=factory, refused=token)
        if fresh == token:
            raise
        log.debug("the token was replaced while listing; listing again with the new one")
        return attempt(fresh)
