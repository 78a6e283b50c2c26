"""The hot path's small reader of ``~/.aws/config``: as much of the file as it may trust without
botocore, with the standard library only (:mod:`idc.credentials.hotpath` imports it on every
``idc credentials`` start).

It understands what botocore's ``RawConfigParser`` would, and gives up (None) on anything it is not
sure of: quoted section names, duplicates, continuation lines on the keys it needs, a profile the shared
credentials file also names. The full CLI's reader (:mod:`idc.config.loader`) then decides.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs an import; the hot path only needs names for the type checker
    from collections.abc import Mapping


def in_credentials_file(environ: Mapping[str, str], home: str, profile: str) -> bool:
    """botocore merges ``[profile]`` of the shared credentials file over the config: let it decide."""
    path = environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials")
    if path.startswith("~"):
        path = home + path[1:]
    try:
        with open(path, "rb") as handle:
            return f"[{profile}]".encode() in handle.read()
    except OSError:
        return False


# -- ~/.aws/config, as much of it as the hot path may trust ------------------------------------------


def resolve_role_profile(
    config_file: str, profile: str, sections: _Sections | None = None
) -> tuple[str, str, str | None, str, str | None] | None:
    """(account id, role name, session name, start URL, region) of an SSO role profile, or None.

    None whenever the file holds anything botocore might read differently from this small reader:
    the full CLI's reader (:mod:`idc.config.loader`) then decides.
    """
    if sections is None:
        sections = read_sections(config_file)
    if sections is None:
        return None
    values = sections.get(("default", "") if profile == "default" else ("profile", profile))
    if profile == "default" and ("profile", "default") in sections:
        return None  # botocore's precedence between the two spellings is subtle: let it decide
    if values is None:
        return None
    # a keychain session's profiles keep them as idc_sso_* (idc.config.values.KEYCHAIN_ROLE_KEYS)
    account_id = values.get("sso_account_id") or values.get("idc_sso_account_id")
    role_name = values.get("sso_role_name") or values.get("idc_sso_role_name")
    if not account_id or not role_name:
        return None
    session_name = values.get("sso_session")
    start_url = values.get("sso_start_url")
    sso_region = values.get("sso_region")
    if session_name is not None:
        session = sections.get(("sso-session", session_name))
        if session is None:
            return None
        for key, value in (("sso_start_url", start_url), ("sso_region", sso_region)):
            if value is not None and value != session.get(key):
                return None  # botocore: "inconsistent between profile and sso-session"
        start_url = session.get("sso_start_url")
        sso_region = session.get("sso_region")
    if not start_url or not sso_region:
        return None
    return account_id, role_name, session_name, start_url, values.get("region") or None


def resolve_chained_profile(
    config_file: str, profile: str, sections: _Sections | None = None
) -> tuple[str, str | None] | None:
    """(AWS CLI cache key, region) of a role profile whose ``source_profile`` links end in an SSO role
    profile or static keys, or None when anything needs the full CLI's checks (a loop, a
    ``credential_source``, a duration over the role-chaining limit, a profile it cannot read)."""
    if sections is None:
        sections = read_sections(config_file)
    if sections is None or ("profile", "default") in sections:
        return None

    def section(name: str) -> dict[str, str] | None:
        return sections.get(("default", "") if name == "default" else ("profile", name))

    top = section(profile)
    if top is None or "role_arn" not in top or "web_identity_token_file" in top:
        return None
    from idc.credentials.assume_role_cache import assume_role_cache_key, duration_of

    visited = [profile]
    current = top
    region = top.get("region") or None
    while True:
        source = current.get("source_profile")
        values = section(source) if source is not None else None
        if values is None or source in visited or "credential_source" in current:
            return None
        visited.append(str(source))
        if "aws_access_key_id" in values or "aws_secret_access_key" in values:
            return assume_role_cache_key(top), region
        duration = duration_of(current.get("duration_seconds"))
        if duration is not None and duration > 3600:
            return None  # role chaining: the full CLI says why
        if "role_arn" in values and "web_identity_token_file" not in values:
            current = values
            continue
        if resolve_role_profile(config_file, str(source), sections) is None:
            return None
        return assume_role_cache_key(top), region or values.get("region") or None


_Sections = dict[tuple[str, str], dict[str, str]]


def read_sections(config_file: str) -> _Sections | None:
    try:
        with open(config_file, "rb") as handle:
            raw = handle.read(1024 * 1024 + 1)
    except OSError:
        return None
    if len(raw) > 1024 * 1024:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sections: _Sections = {}
    current: dict[str, str] | None = None
    last_key: str | None = None
    complex_keys: set[str] = set()
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t":
            # A continuation (nested `s3 =` blocks): harmless unless it continues a key we read.
            if current is None or last_key is None:
                return None  # configparser would read it as a key or a header: not worth guessing
            complex_keys.add(last_key)
            current.pop(last_key, None)
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                return None
            name = stripped[1:-1]
            if name != name.strip() or '"' in name or "'" in name:
                return None
            parts = name.split()
            if name == "default":
                ident = ("default", "")
            elif len(parts) == 2 and parts[0] in ("profile", "sso-session"):
                ident = (parts[0], parts[1])
            else:
                ident = ("other", name)
            if ident in sections:
                return None  # RawConfigParser refuses duplicate sections
            current = sections[ident] = {}
            last_key = None
            complex_keys = set()
            continue
        if current is None:
            return None  # a key before any section: configparser refuses the file
        positions = [p for p in (line.find("="), line.find(":")) if p > 0]
        if not positions:
            return None
        cut = min(positions)
        key = line[:cut].strip().lower()
        if key in current or key in complex_keys:
            return None  # duplicate option
        current[key] = line[cut + 1 :].strip()
        last_key = key
    return sections


# -- idc exec ----------------------------------------------------------------------------------------
