"""Signing in and out of every Region of a session in one command.

"CLI authorizations are not replicated across enabled Regions. Therefore, you have to authorize the
CLI in each Region individually." (IAM Identity Center user guide, "Workforce access through an
additional Region"). :func:`login_everywhere` runs :func:`idc.signin.login.login` once per Region of
the session (:func:`idc.signin.regions.regions_of`): one registration and one token per Region, each
under that Region's ``[sso-session]`` key, where the AWS CLI looks for it. The user session itself is
replicated, so the approval in the second Region needs no password. A Region that does not answer is
skipped with one line and remembered as down (:mod:`idc.storage.region_outages`), so the next
commands use a Region that has a token; when none answers the sign-in fails with one line.
:func:`logout_everywhere` ends the sessions of every Region.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from idc.aws.clients import ClientFactory, default_client_factory
from idc.aws.outage import is_region_outage
from idc.signin.login import login
from idc.signin.logout import LogoutReport, logout
from idc.signin.regions import offline, quick_factory, regions_of
from idc.signin.subject import SignInSubject, login_command
from idc.storage.locations import Locations
from idc.storage.region_outages import outage_key, remember_outage
from idc.storage.token_cache import SsoToken


def login_everywhere(
    sso: SignInSubject,
    *,
    locations: Locations,
    client_factory: ClientFactory | None = None,
    out: TextIO | None = None,
    force: bool = False,
    **options: Any,
) -> SsoToken:
    """``idc login``: sign in to each Region of the session; the token of the first Region signed in.

    ``options`` are :func:`idc.signin.login.login`'s (opener, flow flags, clocks, timeouts).
    ``force`` (``idc login --force``) first ends the session on the server (portal Logout, in every
    Region), so the sign-in starts a new one: a sign-in while the user's session is active reuses it,
    keeping its old permissions and its old end (aws-cli #9041; the AWS SDKs and Tools reference,
    "Understanding IAM Identity Center authentication").
    """
    stream = out or sys.stdout
    factory = client_factory or default_client_factory()
    if force:
        logout_everywhere(locations, sso, factory)
    subjects = regions_of(sso, locations)
    if len(subjects) == 1:
        return login(sso, locations=locations, client_factory=factory, out=stream, **options)
    tokens: list[SsoToken] = []
    down: list[SignInSubject] = []
    for index, subject in enumerate(subjects):
        last = index == len(subjects) - 1
        stream.write(f"Signing in to {subject.sso_region} (sso-session {subject.session_name}).\n")
        stream.flush()
        try:
            tokens.append(
                login(
                    subject,
                    locations=locations,
                    client_factory=factory if last else quick_factory(factory),
                    out=stream,
                    **options,
                )
            )
        except Exception as error:
            if not is_region_outage(error):
                raise
            sys.stderr.write(
                f"idc: IAM Identity Center in {subject.sso_region} does not answer; not signed in there "
                f"(run `{login_command(sso)}` again when it does).\n"
            )
            sys.stderr.flush()
            down.append(subject)
    if not tokens:
        raise offline(sso, subjects)
    # Some Region answered: the others are down, not this machine. Remembered, so the next commands
    # go straight to a Region with a token.
    for subject in down:
        remember_outage(locations, outage_key(subject.sso_region, subject.start_url))
    return tokens[0]


def logout_everywhere(
    locations: Locations, session: SignInSubject | None, client_factory: ClientFactory | None = None
) -> LogoutReport:
    """``idc logout``: one session (each of its Regions) or, with None, every cached session."""
    if session is None:
        return logout(locations, None, client_factory)
    reports = [logout(locations, subject, client_factory) for subject in regions_of(session, locations)]
    return LogoutReport(
        sum(r.sessions for r in reports),
        sum(r.role_credentials for r in reports),
        sum(r.server_logouts for r in reports),
        sum(r.unreachable for r in reports),
    )
