"""The additional Regions of an ``[sso-session]``: ``--failover-region REGION=PORTAL_URL``.

An Identity Center instance replicated to additional Regions has an access portal per Region
(``https://ssoins-<id>.<region>.portal.amazonaws.com``), the start URL the CLI is authorized with there
(IAM Identity Center user guide, "Workforce access through an additional Region"). Each becomes a
standard ``[sso-session NAME-REGION]`` (:mod:`idc.config.session_regions`) the AWS CLI can use alone,
and the primary names them in ``idc_failover_sessions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from idc.config.session_regions import FAILOVER_KEY, failover_session_names
from idc.configure.checks import check_sso_region, check_start_url
from idc.errors import ConfigError

if TYPE_CHECKING:
    from idc.configure.prompts import Prompter
    from idc.configure.session_answers import SessionAnswers
    from idc.configure.writing import ExistingConfig
    from idc.signin.subject import SignInOptions
    from idc.storage.locations import Locations

FLAG = "--failover-region"
PROMPT = "Additional Region for failover, as REGION=PORTAL_URL (empty: no more) [None]: "


@dataclass(frozen=True)
class AdditionalRegion:
    """One additional Region: its ``[sso-session]`` name, Region and portal URL."""

    session_name: str
    sso_region: str
    start_url: str


def parse_failover(value: str, primary_region: str) -> tuple[str, str]:
    """``REGION=PORTAL_URL`` -> (region, portal URL), checked; ConfigError naming the flag."""
    region, sep, url = value.strip().partition("=")
    if not sep or not region.strip() or not url.strip():
        raise ConfigError(f"{FLAG}: {value!r} is not REGION=PORTAL_URL.")
    try:
        region = check_sso_region(region.strip())
        url = check_start_url(url.strip())
    except ConfigError as error:
        raise ConfigError(f"{FLAG}: {error.message}", hint=error.hint) from None
    if region == primary_region:
        raise ConfigError(f"{FLAG}: {region} is the session's own Region; name an additional one.")
    return region, url


def ask_failover(
    given: Sequence[str],
    prompter: Prompter,
    existing: ExistingConfig,
    session: SessionAnswers,
) -> list[AdditionalRegion] | None:
    """The additional Regions: from the flags, else asked on a terminal; None keeps what is written."""
    assert session.name is not None
    pairs: list[tuple[str, str]] = [parse_failover(value, session.sso_region) for value in given]
    if not given:
        if not prompter.interactive:
            return None
        current = failover_session_names(existing.sessions.get(session.name, {}).get(FAILOVER_KEY))
        if current:
            prompter.say(f"Additional Regions now: {', '.join(current)} (empty answer: keep them).")
        while True:
            raw = _read(prompter)
            if not raw:
                break
            try:
                pairs.append(parse_failover(raw, session.sso_region))
            except ConfigError as error:
                prompter.say(str(error))
        if not pairs:
            return None
    regions = [region for region, _url in pairs]
    if len(set(regions)) != len(regions):
        raise ConfigError(f"{FLAG}: each additional Region can be given once.")
    return [AdditionalRegion(f"{session.name}-{region}", region, url) for region, url in pairs]


def _read(prompter: Prompter) -> str:
    from idc.configure.prompts import Question

    question = Question(key="sso_region", prompt=PROMPT, default=None, check=lambda value: value)
    return prompter.ask(question, None).strip()


def write_failover(
    locations: Locations,
    session: SessionAnswers,
    regions: Sequence[AdditionalRegion],
    scopes: str,
) -> None:
    """Write one ``[sso-session]`` per additional Region, and the primary's ``idc_failover_sessions``."""
    from idc.config.editor import ConfigEditor
    from idc.config.values import TOKEN_STORAGE_KEY

    assert session.name is not None
    editor = ConfigEditor(locations.config_file)
    storage = session.token_storage if session.token_storage != "file" else None
    for region in regions:
        values: dict[str, str | None] = {
            "sso_start_url": region.start_url,
            "sso_region": region.sso_region,
            "sso_registration_scopes": scopes,
            TOKEN_STORAGE_KEY: storage,
        }
        editor.set_section("sso-session", region.session_name, values)
    names = ", ".join(region.session_name for region in regions)
    editor.set_section("sso-session", session.name, {FAILOVER_KEY: names or None})
    editor.save()


def sign_in_additional(
    locations: Locations,
    session: SessionAnswers,
    regions: Sequence[AdditionalRegion],
    scopes: str,
    options: SignInOptions,
    out: TextIO,
) -> None:
    """Authorize the CLI in each additional Region (one approval each; the user session is replicated,
    so no password after the primary's)."""
    from idc.config.values import parse_registration_scopes
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget

    for region in regions:
        target = SsoSessionTarget(
            region.session_name,
            region.start_url,
            region.sso_region,
            parse_registration_scopes(scopes),
            session.token_storage,
        )
        login(
            target,
            locations=locations,
            client_factory=options.client_factory,
            opener=options.opener,
            use_device_code=options.use_device_code,
            no_browser=options.no_browser,
            remote=options.remote,
            qr=options.qr,
            read_paste=options.read_paste,
            out=out,
            timeout=options.timeout,
            environ=options.environ,
        )
