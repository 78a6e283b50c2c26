"""``--token-storage file|keychain``: switching an sso-session between the stores moves its sign-in.

The token and the client registration move (:func:`move_sign_in`), so nobody signs in again; the
session's profiles take the form the storage needs (:mod:`idc.config.keychain_profiles`, when
:func:`idc.configure.writing.write_sections` writes the session).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from idc.config.values import TOKEN_STORAGE_KEY
from idc.storage.locations import Locations
from idc.storage.token_store import FILE, KEYCHAIN, STORAGES, move_session, token_store

if TYPE_CHECKING:
    from idc.configure.prompts import Prompter
    from idc.configure.session_answers import SessionAnswers

__all__ = ["FILE", "KEYCHAIN", "STORAGES", "TOKEN_STORAGE_KEY", "move_sign_in", "settle_storage"]


def move_sign_in(
    locations: Locations,
    *,
    session_name: str,
    start_url: str,
    sso_region: str,
    scopes: Sequence[str],
    source: str,
    target: str,
    keep_token: bool = True,
) -> bool:
    """Move the session's token and client registration from ``source`` storage to ``target``.

    ``keep_token`` False: a sign-in just wrote a new token to ``target``; the old store's copies are
    removed, not moved. True when a token moved.
    """
    from idc.storage.registration_cache import registration_cache_key
    from idc.storage.token_cache import token_cache_key

    old = token_store(locations, source, session_name=session_name)
    new = token_store(locations, target, session_name=session_name)
    token_key = token_cache_key(session_name, start_url)
    registration_key = registration_cache_key(sso_region, list(scopes) or None, session_name, start_url)
    if keep_token:
        return move_session(token_key=token_key, registration_keys=[registration_key], source=old, target=new)
    old.delete_token(token_key)
    old.delete_registration(registration_key)
    return False


def settle_storage(session: SessionAnswers, locations: Locations, prompter: Prompter, *, moved: bool) -> None:
    """A session switching storage: its sign-in moves (``moved``: the token in the old store is the one
    to keep; else a sign-in just wrote the new store and the old copies go)."""
    from idc.configure.session_answers import sign_in_target

    if session.name is None or session.token_storage == session.stored_in:
        return
    if session.token_storage == KEYCHAIN:
        from idc.storage.token_store import KeychainTokenStore

        # before anything moves: a missing or locked keychain leaves the files as they are
        KeychainTokenStore(session.name).keychain.check()
    if move_sign_in(
        locations,
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        scopes=sign_in_target(session).registration_scopes,
        source=session.stored_in,
        target=session.token_storage,
        keep_token=moved,
    ):
        where = "the OS keychain" if session.token_storage == KEYCHAIN else "~/.aws/sso/cache"
        prompter.say(f"Moved the sign-in of SSO session {session.name} to {where} (no new sign-in needed).")
