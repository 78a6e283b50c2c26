"""``idc sessions``: every sign-in session of the config and where it stands.

For each ``[sso-session]`` (an additional Region's is shown under the session that fails over to it,
:mod:`idc.config.session_regions`), then each start URL of legacy profiles (``sso_start_url`` in the
profile, no session; ``name`` None): its start URL, each Region's token (expiry, whether it can be
refreshed: botocore's test, :attr:`SsoToken.can_refresh` with an unexpired registration), where the
sign-in is kept (the AWS CLI's file cache or the OS keychain), whether ``idc logout`` signed it out,
and the profiles that use it. Only what the files say: nothing is called, nothing is refreshed, and no
token value leaves this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idc.config import AwsConfig, SsoSession
from idc.config.session_regions import failover_targets, session_regions
from idc.errors import CacheError, ConfigError
from idc.storage.locations import Locations
from idc.storage.signed_out import was_signed_out
from idc.storage.timestamps import format_timestamp
from idc.storage.token_cache import SsoToken, token_cache_key
from idc.storage.token_store import token_store, token_store_for


@dataclass(frozen=True)
class RegionStatus:
    """One Region's sign-in: ``state`` is ``valid``, ``expired``, ``signed out``, ``none`` or
    ``unreadable`` (a corrupt file, a locked keychain: ``problem`` says which)."""

    session_name: str | None
    region: str
    start_url: str
    state: str
    expires_at: dt.datetime | None = None
    can_refresh: bool = False
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ssoSession": self.session_name,
            "region": self.region,
            "startUrl": self.start_url,
            "state": self.state,
            "expiresAt": format_timestamp(self.expires_at) if self.expires_at else None,
            "canRefresh": self.can_refresh,
            **({"problem": self.problem} if self.problem else {}),
        }


@dataclass(frozen=True)
class SessionStatus:
    name: str | None  # None: the legacy profiles of one start URL
    start_url: str
    storage: str
    regions: tuple[RegionStatus, ...]
    profiles: tuple[str, ...]
    problem: str | None = None  # the session's Regions cannot be read (a bad idc_failover_sessions)

    @property
    def signed_out(self) -> bool:
        return all(region.state == "signed out" for region in self.regions)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "startUrl": self.start_url,
            "storage": self.storage,
            "signedOut": self.signed_out,
            "regions": [region.to_json() for region in self.regions],
            "profiles": list(self.profiles),
            **({"problem": self.problem} if self.problem else {}),
        }


def session_statuses(
    config: AwsConfig, locations: Locations, *, now: Callable[[], dt.datetime] | None = None
) -> list[SessionStatus]:
    """Every sign-in session of ``config``, in file order, additional Regions under their primary."""
    clock = now or (lambda: dt.datetime.now(dt.timezone.utc))
    additional = failover_targets(config)
    statuses = []
    for name in config.sso_session_names():
        if name in additional:
            continue
        try:
            sessions = session_regions(config, name)
            problem = None
        except ConfigError as error:
            try:
                sessions = (config.sso_session(name),)
            except ConfigError:
                continue  # not usable at all (no start URL): `idc login` says why
            problem = error.message
        primary = sessions[0]
        statuses.append(
            SessionStatus(
                name=name,
                start_url=primary.start_url,
                storage=primary.token_storage,
                regions=tuple(_region(session, locations, clock()) for session in sessions),
                profiles=tuple(_profiles_of(config, {session.name for session in sessions})),
                problem=problem,
            )
        )
    return statuses + _legacy_statuses(config, locations, clock())


def _legacy_statuses(config: AwsConfig, locations: Locations, now: dt.datetime) -> list[SessionStatus]:
    """The legacy profiles (start URL and Region in the profile), one entry per start URL."""
    by_url: dict[tuple[str, str], list[str]] = {}
    for name, values in config.profiles.items():
        url, region = values.get("sso_start_url"), values.get("sso_region")
        if "sso_session" not in values and isinstance(url, str) and isinstance(region, str):
            by_url.setdefault((url, region), []).append(name)
    return [
        SessionStatus(
            name=None,
            start_url=url,
            storage="file",
            regions=(_region(SsoSession(url, url, region), locations, now, legacy=True),),
            profiles=tuple(profiles),
        )
        for (url, region), profiles in by_url.items()
    ]


def _region(
    session: SsoSession, locations: Locations, now: dt.datetime, *, legacy: bool = False
) -> RegionStatus:
    name = None if legacy else session.name
    key = token_cache_key(name, session.start_url)
    region, url = session.sso_region, session.start_url
    try:
        store = token_store_for(locations, session) if not legacy else token_store(locations)
        token = store.load_token(key)
    except CacheError as error:
        return RegionStatus(name, region, url, "unreadable", problem=error.message)
    if token is None:
        return RegionStatus(name, region, url, "signed out" if was_signed_out(locations, key) else "none")
    state = "valid" if token.expires_at > now else "expired"
    return RegionStatus(name, region, url, state, token.expires_at, _can_refresh(token, now))


def _can_refresh(token: SsoToken, now: dt.datetime) -> bool:
    registration = token.registration_expires_at
    return token.can_refresh and registration is not None and registration > now


def _profiles_of(config: AwsConfig, session_names: set[str]) -> list[str]:
    """The profiles that sign in through one of the session's Regions."""
    return [name for name, values in config.profiles.items() if values.get("sso_session") in session_names]
