"""The sso portal API: ListAccounts, ListAccountRoles, GetRoleCredentials, Logout.

Authorised by the access token in ``x-amz-sso_bearer_token``; every answer covers only the signed-in
user's assignments. Pages are ``max_result`` (1..100) long and ``nextToken`` is omitted on the last page.
Per request: one indexed token lookup plus dict and set lookups in
:class:`~idc.emulator.assignments.AssignmentIndex`.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from idc.emulator.service_errors import Forbidden, PortalInvalidRequest, ResourceNotFound, Unauthorized
from idc.emulator.state_store import digest

if TYPE_CHECKING:
    from idc.emulator.center import Center

DEFAULT_PAGE_SIZE = 20
_ACCOUNT_ID = re.compile(r"^\d{12}$")

T = TypeVar("T")


def _page(
    items: Sequence[T], next_token: str | None, max_result: str | None
) -> tuple[Sequence[T], str | None]:
    if max_result is None or max_result == "":
        size = DEFAULT_PAGE_SIZE
    else:
        try:
            size = int(max_result)
        except ValueError:
            raise PortalInvalidRequest("max_result must be a number from 1 to 100") from None
        if not 1 <= size <= 100:
            raise PortalInvalidRequest("max_result must be a number from 1 to 100")
    start = 0
    if next_token:
        try:
            decoded = base64.urlsafe_b64decode(next_token.encode() + b"==").decode()
            prefix, offset = decoded.split(":", 1)
            start = int(offset)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise PortalInvalidRequest("Invalid next_token") from None
        if prefix != "idc1" or not 0 < start <= len(items):
            raise PortalInvalidRequest("Invalid next_token")
    end = start + size
    token = None
    if end < len(items):
        token = base64.urlsafe_b64encode(f"idc1:{end}".encode()).rstrip(b"=").decode()
    return items[start:end], token


class PortalService:
    PURGE_EVERY = 10_000  # role credentials issued between two purges of expired state

    def __init__(self, center: Center) -> None:
        self._center = center
        self._issued = 0

    def user_for_token(self, token: str | None) -> str:
        """The username behind a live access token, else UnauthorizedException."""
        if not token:
            raise Unauthorized("Session token not found or invalid")
        row = self._center.store.one(
            "SELECT t.expires_at, t.revoked, s.username, s.expires_at, s.ended FROM tokens t"
            " JOIN sessions s ON s.session_hash = t.session_hash"
            " WHERE t.token_hash = ? AND t.kind = 'access'",
            (digest(token),),
        )
        now = self._center.now()
        if row is None or row[1] or row[4] or row[0] <= now or row[3] <= now:
            raise Unauthorized("Session token not found or invalid")
        username: str = row[2]
        return username

    def list_accounts(
        self, token: str | None, next_token: str | None, max_result: str | None
    ) -> dict[str, Any]:
        """ListAccounts (GET /assignment/accounts)."""
        user = self.user_for_token(token)
        page, following = _page(self._center.index.assignments_for(user), next_token, max_result)
        answer: dict[str, Any] = {
            "accountList": [
                {"accountId": a.account_id, "accountName": a.account_name, "emailAddress": a.email}
                for a in page
            ]
        }
        if following:
            answer["nextToken"] = following
        return answer

    def list_account_roles(
        self, token: str | None, account_id: str | None, next_token: str | None, max_result: str | None
    ) -> dict[str, Any]:
        """ListAccountRoles (GET /assignment/roles)."""
        user = self.user_for_token(token)
        if not account_id or not _ACCOUNT_ID.match(account_id):
            raise PortalInvalidRequest("account_id must be 12 digits")
        roles = self._center.index.roles_for(user, account_id)
        if roles is None:
            raise ResourceNotFound("No access to the account or the account does not exist")
        page, following = _page(roles, next_token, max_result)
        answer: dict[str, Any] = {"roleList": [{"roleName": r, "accountId": account_id} for r in page]}
        if following:
            answer["nextToken"] = following
        return answer

    def get_role_credentials(
        self, token: str | None, role_name: str | None, account_id: str | None
    ) -> dict[str, Any]:
        """GetRoleCredentials (GET /federation/credentials): short-term keys STS will recognise."""
        user = self.user_for_token(token)
        if not account_id or not _ACCOUNT_ID.match(account_id):
            raise PortalInvalidRequest("account_id must be 12 digits")
        if not role_name:
            raise PortalInvalidRequest("role_name is required")
        if not self._center.index.may_assume(user, account_id, role_name):
            raise Forbidden("No access")
        duration = self._center.index.permission_sets[role_name].session_duration
        expires_at = self._center.now() + duration
        # AWS's shapes: ASIA + 16 base32 characters; 40 base64 characters (240 random bits).
        access_key_id = "ASIA" + base64.b32encode(secrets.token_bytes(10)).decode()
        secret_access_key = base64.b64encode(secrets.token_bytes(30)).decode()
        session_token = "IQoJb3JpZ2luX2Vj" + secrets.token_urlsafe(300)
        self._center.store.execute(
            "INSERT INTO role_credentials (access_key_id, secret_access_key, session_token_hash, username,"
            " account_id, role_name, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                access_key_id,
                secret_access_key,
                digest(session_token),
                user,
                account_id,
                role_name,
                expires_at,
            ),
        )
        self._issued += 1
        if self._issued % self.PURGE_EVERY == 0:
            self._center.purge_expired()
        return {
            "roleCredentials": {
                "accessKeyId": access_key_id,
                "secretAccessKey": secret_access_key,
                "sessionToken": session_token,
                "expiration": int(expires_at * 1000),
            }
        }

    def logout(self, token: str | None) -> None:
        """Logout (POST /logout): ends the sign-in session behind the token, and so all its tokens."""
        self.user_for_token(token)
        row = self._center.store.one(
            "SELECT session_hash FROM tokens WHERE token_hash = ?", (digest(token or ""),)
        )
        if row is not None:
            with self._center.store.transaction() as db:
                self._center.revoke_session(db, row[0])
