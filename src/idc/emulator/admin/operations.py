"""What every sso-admin and identitystore operation is given and shares: the :class:`Call` (the admin
state, the clock, the signed caller, the validated body) and :func:`paginate` (``NextToken`` /
``MaxResults``). The operations (:mod:`.sso_admin`, :mod:`.identitystore`, :mod:`.account_assignments`)
import it; :mod:`.json_protocol` dispatches to them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from idc.emulator.admin.errors import ValidationException

if TYPE_CHECKING:
    from idc.emulator import sigv4
    from idc.emulator.admin.store import AdminStore
    from idc.emulator.center import Center

T = TypeVar("T")


@dataclass
class Call:
    """One operation's context: the admin state, the clock, who called and the validated body."""

    store: AdminStore
    center: Center
    caller: sigv4.SignedCaller
    body: dict[str, Any]

    def now(self) -> float:
        return self.center.now()


Operation = Callable[[Call], dict[str, Any]]


def paginate(
    items: Sequence[T], body: Mapping[str, Any], *, default: int = 100
) -> tuple[list[T], dict[str, str]]:
    """One page of ``items`` after ``NextToken`` (opaque: the offset, base64), at most ``MaxResults``."""
    token = body.get("NextToken")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token.encode(), validate=True).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError):
            raise ValidationException("The NextToken is not valid.") from None
        if start < 0 or start > len(items):
            raise ValidationException("The NextToken is not valid.")
    size = body.get("MaxResults") or default
    page = list(items[start : start + size])
    if start + size < len(items):
        return page, {"NextToken": base64.b64encode(f"offset:{start + size}".encode()).decode()}
    return page, {}
