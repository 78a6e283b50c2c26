"""Redirect URIs and PKCE: the checks of RFC 8252 section 7.3 and RFC 7636 the emulator applies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlencode, urlsplit

_CHALLENGE = re.compile(r"^[A-Za-z0-9_\-]{43,128}$")
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 section 4.1: unreserved characters
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def is_loopback_redirect(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:  # "http://[::1/cb", "https://[zz]/cb"
        return False
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK


def registrable_redirect(uri: str) -> bool:
    """RegisterClient's rule: https, or http on a loopback address; well formed, no fragment."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:
        return False
    if parts.fragment:
        return False
    return is_loopback_redirect(uri) or (parts.scheme == "https" and bool(parts.hostname))


def redirect_matches(registered: str, requested: str) -> bool:
    """Exact match, except that a loopback redirect may use any port (RFC 8252 section 7.3)."""
    if registered == requested:
        return True
    if not (is_loopback_redirect(registered) and is_loopback_redirect(requested)):
        return False
    a, b = urlsplit(registered), urlsplit(requested)
    try:
        b_port = b.port
    except ValueError:  # "http://127.0.0.1:99999/cb"
        return False
    return (
        a.scheme == b.scheme
        and a.hostname == b.hostname
        and (a.path or "/") == (b.path or "/")
        and a.query == b.query
        and not b.fragment
        and b_port is not None
        and not b.username
        and not b.password
    )


def with_params(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` added to its query (RFC 6749 section 4.1.2)."""
    return uri + ("&" if urlsplit(uri).query else "?") + urlencode(params)


def s256(verifier: str) -> str:
    """RFC 7636 section 4.2: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


def verifier_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 section 4.6, S256 only: ``plain`` is never accepted."""
    return bool(_VERIFIER.match(verifier)) and hmac.compare_digest(s256(verifier), challenge)
