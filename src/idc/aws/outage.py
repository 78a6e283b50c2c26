"""When a Region of Identity Center does not answer, and how long idc waits to find out.

:func:`is_region_outage` tells an outage (the endpoint refused the connection, never accepted it,
accepted it and stayed silent, or answered 5xx / ``ServiceUnavailable``) from everything else: an auth
error (401, ``InvalidGrantException``, ``AccessDeniedException``), throttling (429) or a certificate that
does not verify is an answer, never a reason to use another Region. It looks at the botocore error
itself or, for the idc error that replaced it (``raise ServiceError(...) from None`` keeps the original
as ``__context__``), at the chain behind it.

botocore's defaults (60 s connect and read timeouts, retries: ``botocore.config.Config``) would let a
dead primary Region hold a command for minutes; the attempts that can fail over to another Region use
:data:`FAILOVER_CONNECT_TIMEOUT` and :data:`FAILOVER_READ_TIMEOUT` and one attempt, so a dead primary
costs at most a few seconds, once (the outage is then remembered: :mod:`idc.storage.region_outages`).
"""

from __future__ import annotations

FAILOVER_CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a Region to accept the connection before trying the next Region."""
FAILOVER_READ_TIMEOUT = 2.5
"""Seconds to wait for an answer on an accepted connection (Identity Center answers in well under 1 s)."""

_OUTAGE_CODES = frozenset(
    {"ServiceUnavailable", "ServiceUnavailableException", "InternalServerException", "InternalFailure"}
)


def is_region_outage(error: BaseException) -> bool:
    """True when ``error`` (or the botocore error behind it) means the Region did not answer."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    from idc.aws.tls import is_certificate_failure

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ClientError):
            response = current.response or {}
            code = str((response.get("Error") or {}).get("Code", ""))
            status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            return code in _OUTAGE_CODES or status >= 500
        if isinstance(current, BotoCoreError):
            if is_certificate_failure(current):
                return False
            silent = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
            return isinstance(current, silent)
        current = current.__cause__ or current.__context__
    return False
