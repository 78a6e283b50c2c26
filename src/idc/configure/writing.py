"""What configure reads from and writes to ``~/.aws/config`` (through :mod:`idc.config.editor`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idc.config.keychain_profiles import CREDENTIAL_COMMAND
from idc.errors import ConfigError
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.configure.session_answers import SessionAnswers


@dataclass(frozen=True)
class ExistingConfig:
    """The single-line values of the profiles and sso-sessions already in the config (the defaults)."""

    profiles: dict[str, dict[str, str]]
    sessions: dict[str, dict[str, str]]


def read_existing(locations: Locations) -> ExistingConfig:
    """The config as botocore reads it (:func:`idc.config.load_config`); nested blocks left out."""
    from idc.config import load_config

    config = load_config(locations)

    def flat(sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
        return {
            name: {key: value for key, value in values.items() if isinstance(value, str)}
            for name, values in sections.items()
        }

    return ExistingConfig(profiles=flat(config.profiles), sessions=flat(config.sso_sessions))


OTHER_CREDENTIAL_SOURCES = (
    "credential_process",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "aws_access_key_id",
)
"""Keys that give a profile credentials another way: botocore uses them before (or instead of) the SSO
keys, so SSO keys added beside them would silently do nothing (or mix two setups)."""


def check_not_another_kind(name: str, existing: ExistingConfig) -> None:
    """Refuse to add SSO keys to a profile that gets its credentials another way."""
    values = existing.profiles.get(name, {})
    if "idc_sso_account_id" in values or "idc_sso_role_name" in values:
        return  # idc's own keychain-session profile: its credential_process is idc's (re-configuring it)
    others = [key for key in OTHER_CREDENTIAL_SOURCES if key in values]
    if others:
        raise ConfigError(
            f'The profile "{name}" already gets credentials from {" and ".join(others)}; SSO keys beside '
            "them would be ignored by the AWS CLI and SDKs.",
            hint="Choose another profile name (--profile), or remove those keys from it first.",
        )


def profile_for(existing: ExistingConfig, session: SessionAnswers, account_id: str, role: str) -> str | None:
    """The name of a profile already configured for this session (or start URL), account and role."""
    for name, values in existing.profiles.items():
        # a keychain session's profiles keep them as idc_sso_* (idc.config.keychain_profiles)
        account = values.get("sso_account_id") or values.get("idc_sso_account_id")
        if account != account_id or (values.get("sso_role_name") or values.get("idc_sso_role_name")) != role:
            continue
        if session.name is not None and values.get("sso_session") == session.name:
            return name
        if (
            session.name is None
            and "sso_session" not in values
            and values.get("sso_start_url") == session.start_url
        ):
            return name
    return None


def write_sections(
    locations: Locations,
    *,
    profile: tuple[str, dict[str, str | None]] | None,
    session: tuple[str | None, dict[str, str | None] | None],
    token_storage: str | None = None,
    credential_command: str = CREDENTIAL_COMMAND,
) -> None:
    """Write the sections through :class:`idc.config.editor.ConfigEditor` (byte-exact elsewhere).

    A value of ``None`` removes that key from the section. With ``token_storage``, the session records
    it (``idc_token_storage``; absent for file storage, the default) and every profile of the session
    takes the form that storage needs (:func:`idc.config.keychain_profiles.convert_profiles`; a keychain
    session's profiles run ``credential_command``).
    """
    from idc.config.editor import ConfigEditor
    from idc.config.keychain_profiles import convert_profiles
    from idc.config.values import TOKEN_STORAGE_KEY

    if token_storage is not None and session[0] is not None and session[1] is not None:
        stored = token_storage if token_storage != "file" else None
        session = (session[0], {**session[1], TOKEN_STORAGE_KEY: stored})

    for value_map in (profile[1] if profile else {}, session[1] or {}):
        for value in value_map.values():
            if value is not None and any(c in value for c in "\r\n\x00"):
                raise ConfigError("A configuration value cannot contain a line break.")
    editor = ConfigEditor(locations.config_file)
    if profile is not None:
        name, values = profile
        if name == "default":
            editor.set_section("default", name, values)
        else:
            editor.set_section("profile", name, values)
    session_name, session_values = session
    if session_name is not None and session_values is not None:
        editor.set_section("sso-session", session_name, session_values)
        if token_storage is not None:
            convert_profiles(editor, session_name, token_storage, credential_command)
    editor.save()
