"""The vanity start-URL step of a sign-in: the portal URL and Region behind the configured start URL.

A start URL on an organisation's own domain is resolved (one request, :mod:`idc.signin.start_url`) only
when a sign-in runs, never for a cached token. The sign-in then talks to Identity Center with the portal
URL (``startUrl``, ``issuerUrl``) while everything keyed (token, registration) keeps the configured
start URL, as the AWS CLI does; when the portal host names another Region, the config's ``sso_region``
is updated as ``aws sso login`` does.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from idc.aws.clients import default_client_factory, trust_of
from idc.signin.subject import SignInOptions, SignInSubject
from idc.storage.locations import Locations


@dataclass(frozen=True)
class ResolvedSubject:
    """A subject whose start URL is a vanity URL: ``portal_url`` and ``sso_region`` as resolved.

    Everything keyed (token, registration) keeps the configured ``start_url``, as the AWS CLI does.
    """

    subject: SignInSubject
    portal_url: str
    sso_region: str

    @property
    def session_name(self) -> str | None:
        return self.subject.session_name

    @property
    def start_url(self) -> str:
        return self.subject.start_url

    @property
    def registration_scopes(self) -> Sequence[str]:
        return self.subject.registration_scopes

    @property
    def profile_name(self) -> str | None:
        return getattr(self.subject, "profile_name", None)


def portal_url_of(sso: SignInSubject) -> str:
    """The URL Identity Center knows this subject by (``startUrl``, ``issuerUrl``)."""
    return sso.portal_url if isinstance(sso, ResolvedSubject) else sso.start_url


def resolve_subject(sso: SignInSubject, options: SignInOptions) -> SignInSubject:
    """``sso`` itself, or with the portal URL and Region its vanity start URL redirects to.

    Only a sign-in comes here (never a cached token), and only a vanity URL costs a request.
    """
    from idc.signin.start_url import (
        is_vanity_start_url,
        mistyped_start_url,
        region_mismatch,
        resolve_start_url,
    )

    if not is_vanity_start_url(sso.start_url):
        mismatch = region_mismatch(sso.start_url, sso.sso_region)
        if mismatch:
            from idc.signin.subject import configure_command

            sys.stderr.write(f"idc: warning: {mismatch}. Run `{configure_command(sso)}` to fix it.\n")
        return sso
    corrected = mistyped_start_url(sso.start_url)
    if corrected is not None:  # a lookup would only end in a DNS error
        from idc.errors import ConfigError
        from idc.signin.subject import configure_command

        raise ConfigError(
            f"The start URL {sso.start_url} is not on an AWS domain: did you mean {corrected}?",
            hint=f"Run `{configure_command(sso)}` to fix it.",
        )
    factory = options.client_factory or default_client_factory()
    resolved = resolve_start_url(sso.start_url, sso.sso_region, verify=trust_of(factory))
    return ResolvedSubject(sso, resolved.portal_url, resolved.region)


def write_sso_region(sso: SignInSubject, region: str, locations: Locations, out: TextIO) -> None:
    """Keep the config's sso_region in step with the portal host, as ``aws sso login`` does."""
    from idc.config.editor import ConfigEditor

    profile = getattr(sso, "profile_name", None)
    if sso.session_name:
        kind, name = "sso-session", sso.session_name
    elif profile:
        kind, name = ("default", "default") if profile == "default" else ("profile", profile)
    else:
        return  # a bare start URL: no section to update
    editor = ConfigEditor(locations.config_file)
    if not editor.has_section(kind, name):
        return
    editor.set_section(kind, name, {"sso_region": region})
    editor.save()
    out.write(f"SSO region updated to {region}\n")


__all__ = ["ResolvedSubject", "portal_url_of", "resolve_subject", "write_sso_region"]
