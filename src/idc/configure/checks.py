"""The answer checks: each bad value is one line saying what to fix, checked before any sign-in."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING

from idc.config.validate import (
    account_id_problem,
    region_problem,
    role_name_problem,
    shown,
    start_url_problem,
)
from idc.config.values import TOKEN_STORAGES
from idc.configure.prompts import FLAGS, Answers
from idc.errors import ConfigError

if TYPE_CHECKING:
    pass

DEFAULT_SCOPES = "sso:account:access"
OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")


def check_session_name(value: str) -> str:
    from idc.config.section_syntax import check_name

    check_name("sso-session", value)
    return value


def check_profile_name(value: str) -> str:
    from idc.config.section_syntax import check_name

    check_name("profile", value)
    return value


def check_start_url(value: str) -> str:
    """The start URL must be https (AWS CLI v2 >= 2.35.13 refuses anything else), and not on a near
    miss of an AWS domain (``awsaps.com``): that is a typo, which a lookup would turn into a DNS error."""
    from idc.signin.start_url import mistyped_start_url

    _checked("The SSO start URL", value, start_url_problem(value))
    corrected = mistyped_start_url(value)
    typo = f"is not on an AWS domain: did you mean {corrected}?" if corrected else None
    return _checked("The SSO start URL", value, typo)


def check_sso_region(value: str) -> str:
    return _checked_region("The SSO region", value)


def check_region(value: str) -> str:
    return _checked_region("The default client Region", value)


def _checked_region(what: str, value: str) -> str:
    """Shape first (no botocore import for a plain typo), then the Regions botocore knows."""
    from idc.aws.regions import check_region_name

    _checked(what, value, region_problem(value))
    result = check_region_name(value)
    if result.warning:
        _warn_once(result.warning)
    return _checked(what, value, result.problem)


@functools.cache
def _warn_once(message: str) -> None:
    # A value given as a flag is checked up front and again when its question is answered.
    sys.stderr.write(f"idc: warning: {message}\n")


def _checked(what: str, value: str, problem: str | None) -> str:
    if problem is not None:
        raise ConfigError(f"{what} {shown(value)} {problem}" + ("" if problem.endswith("?") else "."))
    return value


def check_scopes(value: str) -> str:
    scopes = [s.strip() for s in value.split(",")]
    bad = not all(scopes) or any(re.search(r"\s", s) for s in scopes)
    return _checked("The scopes", value, "must be separated by commas" if bad else None)


def check_output(value: str) -> str:
    return _checked(
        "The output format",
        value,
        None if value in OUTPUT_FORMATS else f"is not one of {', '.join(OUTPUT_FORMATS)}",
    )


def check_account_id(value: str) -> str:
    return _checked("The account ID", value, account_id_problem(value))


def check_role_name(value: str) -> str:
    return _checked("The role name", value, role_name_problem(value))


def check_answers(answers: Answers) -> None:
    """Check the values given up front before anything else happens (no sign-in for a typo)."""
    for field in fields(Answers):
        value = getattr(answers, field.name)
        if value is not None and any(ch in value for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
            # Never echoed: it may be a secret pasted into the wrong place.
            raise ConfigError(
                f"{FLAGS[field.name]}: the value contains a line break; values must be a single line."
            )
    checks: dict[str, Callable[[str], str]] = {
        "start_url": check_start_url,
        "sso_region": check_sso_region,
        "scopes": check_scopes,
        "account_id": check_account_id,
        "role_name": check_role_name,
        "region": check_region,
        "output": check_output,
        "profile": check_profile_name,
    }
    for key, check in checks.items():
        value = getattr(answers, key)
        if value:
            try:
                check(value.strip())
            except ConfigError as error:
                raise ConfigError(f"{FLAGS[key]}: {error.message}", hint=error.hint) from None
    if answers.sso_session:
        try:
            check_session_name(answers.sso_session.strip())
        except ConfigError as error:
            raise ConfigError(f"--sso-session: {error.message}", hint=error.hint) from None
    if answers.token_storage is not None and answers.token_storage not in TOKEN_STORAGES:
        raise ConfigError(
            f"--token-storage: {shown(answers.token_storage)} is not one of: {', '.join(TOKEN_STORAGES)}."
        )


def parse_scopes(value: str | None) -> tuple[str, ...]:
    """``sso_registration_scopes`` as botocore parses it: comma separated, blanks dropped."""
    if not value:
        return ()
    return tuple(s.strip() for s in value.split(",") if s.strip())
