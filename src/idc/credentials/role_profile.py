"""``idc configure role``: write a role profile (``role_arn`` + ``source_profile``) with the same care as
``configure sso``: every check before anything is written, and a byte-exact edit of the config
(:class:`idc.config.editor.ConfigEditor`: other sections, comments and line endings stay as they are).

Checks: the profile name; the role ARN's shape (``arn:<partition>:iam::<12 digits>:role/[path/]name``);
the source profile exists; the chain the new profile makes resolves as botocore would resolve it (no
loop, a source with credentials, ``duration_seconds`` within the role-chaining limit,
:func:`idc.credentials.chain.resolve_chain`); the session name, external id and MFA serial in STS's
shapes; the Region's name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from idc.errors import ConfigError

if TYPE_CHECKING:
    from idc.storage.locations import Locations

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_MFA_SERIAL = re.compile(r"^([\w+=/:,.@-]{9,256})$")


def write_role_profile(
    locations: Locations,
    name: str,
    *,
    role_arn: str,
    source_profile: str,
    role_session_name: str | None = None,
    external_id: str | None = None,
    mfa_serial: str | None = None,
    duration_seconds: int | None = None,
    region: str | None = None,
) -> dict[str, str]:
    """Check, then write ``[profile name]``; the values written. ConfigError (one line) on a problem."""
    from idc.config import load_config
    from idc.config.editor import ConfigEditor
    from idc.config.section_syntax import check_name
    from idc.credentials.chain import resolve_chain

    check_name("profile", name)
    if not ROLE_ARN.match(role_arn):
        raise ConfigError(
            f"--role-arn {role_arn} is not a role ARN",
            hint="Use arn:aws:iam::ACCOUNT:role/NAME (or .../role/PATH/NAME).",
        )
    for flag, value, shape in (
        ("--role-session-name", role_session_name, _SESSION_NAME),
        ("--external-id", external_id, _EXTERNAL_ID),
        ("--mfa-serial", mfa_serial, _MFA_SERIAL),
    ):
        if value is not None and not shape.match(value):
            raise ConfigError(f"{flag} {value!r} is not in the shape STS accepts")
    if duration_seconds is not None and not 900 <= duration_seconds <= 43200:
        raise ConfigError(f"--duration-seconds {duration_seconds} is not from 900 to 43200")
    if region is not None:
        from idc.config.validate import region_problem

        problem = region_problem(region)
        if problem:
            raise ConfigError(f"--region {region!r} {problem}")
    config = load_config(locations)
    if source_profile not in config.profiles:
        raise ConfigError(
            f'The source profile "{source_profile}" does not exist.',
            hint=f"Create it first (`idc configure sso --profile {source_profile}`), or name another.",
        )
    values = {"role_arn": role_arn, "source_profile": source_profile}
    for key, value in (
        ("role_session_name", role_session_name),
        ("external_id", external_id),
        ("mfa_serial", mfa_serial),
        ("duration_seconds", str(duration_seconds) if duration_seconds is not None else None),
        ("region", region),
    ):
        if value is not None:
            values[key] = value
    config.profiles[name] = {**config.profiles.get(name, {}), **values}
    for stale in ("credential_source",):  # the new source replaces another kind of source
        config.profiles[name].pop(stale, None)
    resolve_chain(config, name)  # a loop, a source without credentials, the role-chaining limit
    editor = ConfigEditor(locations.config_file)
    kind = "default" if name == "default" else "profile"
    editor.set_section(kind, name, {**values, "credential_source": None})
    editor.save()
    return values
