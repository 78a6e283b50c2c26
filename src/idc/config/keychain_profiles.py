"""The profiles of a session that keeps its sign-in in the OS keychain, as ``~/.aws/config`` holds them.

Such a session's token is in the OS keychain, where botocore's SSO credential provider cannot read it.
botocore tries that provider before ``credential_process`` (``ProfileProviderBuilder.providers``: web
identity, SSO, shared credentials, login, process, config) and the SSO provider takes over any profile
with ``sso_account_id`` or ``sso_role_name`` (then fails: no token file). So these profiles keep account
and role as ``idc_sso_account_id`` / ``idc_sso_role_name`` (read by idc only, see
:data:`idc.config.values.KEYCHAIN_ROLE_KEYS`) and get ``credential_process = idc credentials --profile
P``, with a comment line saying why. ``sso_session`` stays: it names the session to idc, and botocore
uses a profile for SSO credentials only with an account and role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from idc.config.values import KEYCHAIN_ROLE_KEYS
from idc.errors import shell_word

if TYPE_CHECKING:
    from idc.config.editor import ConfigEditor

KEYCHAIN = "keychain"
COMMENT_MARKER = "idc:"
KEYCHAIN_COMMENT = (
    "this session's sign-in is in the OS keychain, which botocore's SSO provider cannot read: "
    "AWS tools get credentials from credential_process, and account and role are idc_sso_* keys"
)
CREDENTIAL_COMMAND = "idc credentials"


def credential_process_command(profile: str) -> str:
    """``idc credentials --profile P``, as botocore's ProcessProvider splits it (shlex)."""
    return f"{CREDENTIAL_COMMAND} --profile {shell_word(profile)}"


def profile_changes(profile: str, current: Mapping[str, str], storage: str) -> dict[str, str | None]:
    """The keys to set (None: remove) so ``profile`` (its values ``current``) suits ``storage``."""
    changes: dict[str, str | None] = {}
    ours = credential_process_command(profile)
    for key, idc_key in KEYCHAIN_ROLE_KEYS.items():
        value = current.get(key) or current.get(idc_key)
        if not value:
            continue
        if storage == KEYCHAIN:
            changes.update({key: None, idc_key: value})
        else:
            changes.update({key: value, idc_key: None})
    if storage == KEYCHAIN:
        changes["credential_process"] = ours
    elif current.get("credential_process") == ours:
        changes["credential_process"] = None  # ours; a command the user wrote stays
    return changes


def convert_profiles(editor: ConfigEditor, session_name: str, storage: str) -> list[str]:
    """Rewrite, in ``editor``, every profile of ``session_name`` that has an account and role."""
    from idc.config.loader import AwsConfig, parse_config_text

    text = editor.text()
    config = AwsConfig(parse_config_text(text, source=editor.path) if text else {})
    converted = []
    role_keys = (*KEYCHAIN_ROLE_KEYS, *KEYCHAIN_ROLE_KEYS.values())
    for name, values in config.profiles.items():
        flat = {key: value for key, value in values.items() if isinstance(value, str)}
        if flat.get("sso_session") != session_name or not any(key in flat for key in role_keys):
            continue
        kind = "default" if name == "default" else "profile"
        editor.set_section(kind, name, profile_changes(name, flat, storage))
        editor.set_comment(kind, name, COMMENT_MARKER, KEYCHAIN_COMMENT if storage == KEYCHAIN else None)
        converted.append(name)
    return converted
