"""The ``request_uri`` of ``verificationUriComplete``, as AWS serves it since mid-2026.

Instead of the user code, the link carries an opaque request reference in RFC 9126's form
(``?request_uri=urn:ietf:params:oauth:request_uri:...``); the page looks the user code up and shows it
for the user to compare with their terminal. A reference is 192 random bits, stored with its user code.
"""

from __future__ import annotations

import secrets

from idc.emulator.state_store import StateStore

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


def new_request_uri(store: StateStore, user_code: str) -> str:
    """A fresh ``request_uri`` that stands for ``user_code``."""
    reference = secrets.token_urlsafe(24)
    store.execute(
        "INSERT INTO device_requests (request_ref, user_code) VALUES (?, ?)", (reference, user_code)
    )
    return REQUEST_URI_PREFIX + reference


def user_code_of(store: StateStore, request_uri: str) -> str | None:
    """The user code a ``request_uri`` stands for, or None when it is unknown."""
    reference = request_uri.removeprefix(REQUEST_URI_PREFIX)
    row = store.one("SELECT user_code FROM device_requests WHERE request_ref = ?", (reference,))
    return None if row is None else str(row["user_code"])


__all__ = ["REQUEST_URI_PREFIX", "new_request_uri", "user_code_of"]
