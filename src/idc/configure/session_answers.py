"""The answers of the sign-in session step (:class:`SessionAnswers`) and what a sign-in needs of them.

Kept apart from :mod:`idc.configure.session` (the step itself) so that :mod:`~idc.configure.writing` and
:mod:`~idc.configure.token_storage`, which the step uses, can name the answers without importing it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from idc.configure.checks import DEFAULT_SCOPES, parse_scopes
from idc.storage.token_store import FILE

if TYPE_CHECKING:
    from idc.signin.subject import SsoSessionTarget

__all__ = ["SessionAnswers", "sign_in_target"]


@dataclass(frozen=True)
class SessionAnswers:
    """The session step's answers; ``name`` is None for the legacy format (no ``[sso-session]``)."""

    name: str | None
    start_url: str
    sso_region: str
    scopes: str | None
    token_storage: str = FILE  # where the sign-in is to be kept (idc.storage.token_store)
    stored_in: str = FILE  # where the session keeps it now
    # The scopes the config already gives this [sso-session] (None: the session is new to the config).
    configured_scopes: str | None = None


def sign_in_target(session: SessionAnswers) -> SsoSessionTarget:
    from idc.signin.subject import SsoSessionTarget

    return SsoSessionTarget(
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=parse_scopes(session.scopes or DEFAULT_SCOPES) if session.name else (),
        token_storage=session.token_storage,
    )
