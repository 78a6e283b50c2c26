"""The profiles of a session that keeps its sign-in in the OS keychain, as ``~/.aws/config`` holds them.

Such a session's token is in the OS keychain, where botocore's SSO credential provider cannot read it.
botocore tries that provider before ``credential_process`` (``ProfileProviderBuilder.providers``: web
identity, SSO, shared credentials, login, process, config) and the SSO provider takes over any profile
with ``sso_account_id`` or ``sso_role_name`` (then fails: no token file). So these profiles keep account
and role as ``idc_sso_account_id`` / ``idc_sso_role_name`` (read by idc only, see
:data:`idc.config.values.KEYCHAIN_ROLE_KEYS`) and get ``credential_process = idc credentials --profile
P``, with a comment line saying why. The command is the one populate writes
(:func:`idc.credentials.invocation.credential_command`: the running idc's absolute path when ``idc`` is
not on the user's PATH), and any idc's ``credentials --profile P`` is recognised as ours when the
session goes back to file storage. ``sso_session`` stays: it names the session to idc, and botocore
uses a profile for SSO credentials only with an account and role.
"""

from __future__ import annotations

import os
import shlex
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


def credential_process_command(profile: str, command: str = CREDENTIAL_COMMAND) -> str:
    """``idc credentials --profile P`` (``command``: how to run ``idc credentials``), as botocore's
    ProcessProvider splits it (shlex)."""
    return f"{command} --profile {shell_word(profile)}"


def is_ours(value: str, profile: str) -> bool:
    """Whether ``value`` is the credential_process idc wrote for ``profile`` (bare ``idc``, an absolute
    path to an ``idc`` script, or ``python -m idc``): a command the user wrote is not."""
    try:
        words = shlex.split(value)
    except ValueError:
        return False
    if words[-3:] != ["credentials", "--profile", profile]:
        return False
    program = words[:-3]
    return (len(program) == 1 and os.path.basename(program[0]) == "idc") or program[1:] == ["-m", "idc"]


def profile_changes(
    profile: str, current: Mapping[str, str], storage: str, command: str = CREDENTIAL_COMMAND
) -> dict[str, str | None]:
    """The keys to set (None: remove) so ``profile`` (its values ``current``) suits ``storage``;
    ``command`` runs ``idc credentials`` (:func:`idc.credentials.invocation.credential_command`)."""
    changes: dict[str, str | None] = {}
    ours = credential_process_command(profile, command)
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
    elif is_ours(current.get("credential_process", ""), profile):
        changes["credential_process"] = None  # ours; a command the user wrote stays
    return changes


def convert_profiles(
    editor: ConfigEditor, session_name: str, storage: str, command: str = CREDENTIAL_COMMAND
) -> list[str]:
    """Rewrite, in ``editor``, every profile of ``session_name`` that has an account and role
    (``command``: how their credential_process runs ``idc credentials``)."""
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
        editor.set_section(kind, name, profile_changes(name, flat, storage, command))
        editor.set_comment(kind, name, COMMENT_MARKER, KEYCHAIN_COMMENT if storage == KEYCHAIN else None)
        converted.append(name)
    return converted
