"""Failover between the Regions of a sign-in session: the primary first, another Region when it does
not answer, back to the primary when it answers again.

:func:`regions_of` turns a profile or session into one subject per Region (:mod:`idc.config.session_regions`:
the same role, that Region's start URL, ``sso_region`` and token). :func:`with_failover` runs one
attempt (a token and GetRoleCredentials, a listing, ...) in the first Region that answers:

- a Region that does not answer (:func:`idc.aws.outage.is_region_outage`: refused, never accepted,
  silent, 5xx) is tried with the short timeouts and no retries of :meth:`BotocoreClientFactory.quick`,
  so it costs at most a few seconds; any other error (an auth error, throttling, a bad role) is the
  answer and is raised as it is: no failover;
- when a later Region answers, the ones that did not are remembered for
  :data:`idc.storage.region_outages.OUTAGE_MEMORY_SECONDS` across processes and skipped meanwhile, and
  the switch is said once on stderr; after that the primary is probed again, and used again as soon
  as it answers;
- when no Region answers, nothing is remembered (the machine is offline, not a Region) and the error is
  one line saying so.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO, TypeVar

from idc.aws.clients import BotocoreClientFactory, ClientFactory, default_client_factory
from idc.aws.outage import is_region_outage
from idc.aws.retry import RetryPolicy
from idc.config import SsoSession, load_config
from idc.config.session_regions import FAILOVER_KEY, session_regions
from idc.errors import ServiceError
from idc.signin.subject import SignInSubject
from idc.storage.frozen import FrozenValue
from idc.storage.locations import Locations
from idc.storage.region_outages import (
    OUTAGE_MEMORY_SECONDS,
    forget_outage,
    outage_key,
    remember_outage,
    remembered_outage,
    was_down,
)

log = logging.getLogger(__name__)

S = TypeVar("S", bound=SignInSubject)
T = TypeVar("T")

QUICK_POLICY = RetryPolicy(budget_s=4.0, retry_server_errors=False, connection_attempts=1)
"""For a Region that another one backs up: no retry of a connection failure or 5xx (throttling is
still waited out: it is an answer)."""

_ANNOUNCED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class RegionRoute:
    """How an attempt reaches its Region: the client factory, and whether another Region follows
    (then fail fast: :data:`QUICK_POLICY` for idc's retries)."""

    client_factory: ClientFactory
    quick: bool

    def policy(self, usual: RetryPolicy) -> RetryPolicy:
        return QUICK_POLICY if self.quick else usual


def regions_of(subject: S, locations: Locations) -> list[S]:
    """``subject`` (a profile or an sso-session) in each Region of its session, the primary first.

    A session without ``idc_failover_sessions`` (or a legacy profile) has one Region: ``[subject]``.
    """
    session_name = getattr(subject, "session_name", None)  # a role chain's target may have none
    if not session_name:
        return [subject]
    config = load_config(locations)
    values = config.sso_sessions.get(session_name) or {}
    if FAILOVER_KEY not in values:
        return [subject]
    sessions = session_regions(config, session_name)
    return [subject, *(in_region(subject, session) for session in sessions[1:])]


def in_region(subject: S, session: SsoSession) -> S:
    """``subject`` moved to the Region of ``session`` (its start URL, Region, scopes and storage)."""
    if isinstance(subject, SsoSession):
        return session  # type: ignore[return-value]
    changes = {
        "session_name": session.name,
        "start_url": session.start_url,
        "sso_region": session.sso_region,
        "registration_scopes": session.registration_scopes,
        "token_storage": session.token_storage,
    }
    if isinstance(subject, FrozenValue):
        return subject.replace(**changes)
    return dataclasses.replace(subject, **changes)  # type: ignore[type-var]


def answering_region(subject: S, locations: Locations, *, now: Callable[[], float] = time.time) -> S:
    """``subject`` in the Region the next call goes to: the first not remembered as down (the
    primary when none is). The console names its portal as the issuer, where an ended console
    session sends the user back to."""
    subjects = regions_of(subject, locations)
    for current in subjects:
        if not remembered_outage(locations, outage_key(current.sso_region, current.start_url), now=now):
            return current
    return subjects[-1]


def quick_factory(factory: ClientFactory) -> ClientFactory:
    return factory.quick() if isinstance(factory, BotocoreClientFactory) else factory


def with_failover(
    subject: S,
    attempt: Callable[[S, RegionRoute], T],
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    out: TextIO | None = None,
    now: Callable[[], float] = time.time,
) -> T:
    """``attempt(subject in a Region, route)`` in the first Region of the session that answers."""
    factory = client_factory or default_client_factory()
    subjects = regions_of(subject, locations)
    if len(subjects) == 1:
        return attempt(subject, RegionRoute(factory, quick=False))
    failed: list[S] = []
    skipped: list[S] = []
    for index, current in enumerate(subjects):
        last = index == len(subjects) - 1
        key = outage_key(current.sso_region, current.start_url)
        if not last and remembered_outage(locations, key, now=now):
            log.debug("skipping %s: it did not answer lately", current.sso_region)
            skipped.append(current)
            continue
        route = RegionRoute(factory if last else quick_factory(factory), quick=not last)
        try:
            result = attempt(current, route)
        except Exception as error:
            if not is_region_outage(error):
                raise
            log.debug("IAM Identity Center in %s does not answer: %s", current.sso_region, error)
            failed.append(current)
            continue
        for down in failed:
            remember_outage(locations, outage_key(down.sso_region, down.start_url), now=now)
        if was_down(locations, key):
            forget_outage(locations, key)
            if index == 0:
                _say(out, f"idc: IAM Identity Center in {current.sso_region} answers again; using it.")
        if index == 0:
            _ANNOUNCED.difference_update({pair for pair in _ANNOUNCED if pair[0] == current.sso_region})
        else:
            _announce(out, subjects[0], current)
        return result
    raise offline(subject, subjects)


def offline(subject: SignInSubject, subjects: list[S]) -> ServiceError:
    """No Region of the session answered: the machine is offline (not a Regional outage)."""
    regions = ", ".join(s.sso_region for s in subjects)
    return ServiceError(
        f"IAM Identity Center did not answer in any Region of sso-session {subject.session_name} "
        f"({regions}): this machine looks offline.",
        hint="Check the network connection (and any proxy), then try again.",
    )


def _announce(out: TextIO | None, primary: SignInSubject, used: SignInSubject) -> None:
    """Once per process and switch (a server makes many calls): which Region is used instead."""
    pair = (primary.sso_region, used.sso_region)
    if pair in _ANNOUNCED:
        return
    _ANNOUNCED.add(pair)
    _say(
        out,
        f"idc: IAM Identity Center in {primary.sso_region} does not answer; using {used.sso_region} "
        f"(sso-session {used.session_name}) until it does (it is tried again every "
        f"{OUTAGE_MEMORY_SECONDS / 60:.0f} min).",
    )


def _say(out: TextIO | None, line: str) -> None:
    stream = out or sys.stderr
    stream.write(line + "\n")
    stream.flush()


__all__ = [
    "QUICK_POLICY",
    "RegionRoute",
    "answering_region",
    "in_region",
    "offline",
    "quick_factory",
    "regions_of",
    "with_failover",
]
