"""The admin ``expire`` action: end a user's access tokens and/or role credentials now.

Tests put a client on its refresh path this way without moving the emulator's clock (which would also
move STS's signature window and every other expiry). The sign-in session and its refresh tokens live
on: an expired access token is renewed with CreateToken(grant_type=refresh_token), as after its hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idc.emulator.engine import IdentityCenter

WHAT = ("tokens", "credentials", "all")
MAX_IN_SECONDS = 86400
_FIELDS = {"user", "what", "in_seconds"}


def expire_now(engine: IdentityCenter, body: Mapping[str, Any]) -> dict[str, int]:
    """``{user?, what?: tokens|credentials|all, in_seconds?}`` -> ``{tokens, credentials}`` (how many).

    ``in_seconds`` (0 to a day, default 0) ends them that long from now instead, never later than
    they would have ended. ValueError for a malformed request (unknown field, ``user`` not text,
    unknown ``what``, ``in_seconds`` not a number in range).
    """
    unknown = set(body) - _FIELDS
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    user, what = body.get("user"), body.get("what", "all")
    if user is not None and not isinstance(user, str):
        raise ValueError("user must be a string")
    if not isinstance(what, str) or what not in WHAT:
        raise ValueError(f"what must be one of {', '.join(WHAT)}")
    delay = body.get("in_seconds", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_IN_SECONDS:
        raise ValueError(f"in_seconds must be a number from 0 to {MAX_IN_SECONDS}")
    now = engine.now() + float(delay)
    tokens = credentials = 0
    with engine.store.transaction() as db:
        if what in ("tokens", "all"):
            tokens = db.execute(
                "UPDATE tokens SET expires_at = ? WHERE kind = 'access' AND expires_at > ?"
                " AND session_hash IN (SELECT session_hash FROM sessions WHERE ? IS NULL OR username = ?)",
                (now, now, user, user),
            ).rowcount
        if what in ("credentials", "all"):
            credentials = db.execute(
                "UPDATE role_credentials SET expires_at = ?"
                " WHERE expires_at > ? AND (? IS NULL OR username = ?)",
                (now, now, user, user),
            ).rowcount
            if user is None:  # assumed-role sessions belong to no Identity Center user
                from idc.emulator.sts.sessions import expire_sessions

                credentials += expire_sessions(db, now)
    return {"tokens": tokens, "credentials": credentials}
