"""Cookies and CSRF tokens of the emulator's pages.

Signed-in state is one cookie holding the engine's user session id (HttpOnly, SameSite=Lax, Path=/).
A visitor who has not signed in yet gets an anonymous cookie, so the sign-in form itself is protected
against login CSRF. Every form carries a token derived from whichever of the two the browser holds:
HMAC-SHA256 under a key that lives only in this process, compared in constant time
(OWASP "synchroniser token" pattern, without server-side storage).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "idc_session"
ANONYMOUS_COOKIE = "idc_visitor"
CSRF_FIELD = "csrf_token"


class CsrfGuard:
    """Issues and checks the per-session form tokens."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def token_for(self, binding: str) -> str:
        """The token that forms shown to the holder of ``binding`` (a cookie value) must send back."""
        return hmac.new(self._key, b"csrf\0" + binding.encode(), hashlib.sha256).hexdigest()

    def check(self, binding: str | None, submitted: object) -> bool:
        """True when ``submitted`` is the token for ``binding``; constant time in the token's content."""
        if not binding or not isinstance(submitted, str):
            return False
        return hmac.compare_digest(self.token_for(binding).encode(), submitted.encode())


def new_visitor_id() -> str:
    """A fresh anonymous cookie value (128 bits)."""
    return secrets.token_urlsafe(16)


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    """Set one of our cookies with the attributes every one of them needs."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax")


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax")


def cookie(request: Request, name: str) -> str | None:
    value = request.cookies.get(name)
    return value or None
