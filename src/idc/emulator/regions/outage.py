"""A Region taken down on demand (``idc emulator fault --region-down R --mode M``), as a client meets it.

Modes: ``refused`` (nothing listens on the Region's port: connections are refused), ``unaccepted`` (the
port's accept queue is full and never served: a connection is never accepted, the client's connect
times out; both in :class:`~idc.emulator.regions.listener.Listener`), ``silent`` (connections are
accepted and requests read, but never answered while the Region is down) and ``5xx`` (every call
answers 503 Service Unavailable, as JSON for sso-oidc and the portal, as STS's XML error for
``POST /``). The last two are :class:`RegionGate`, an ASGI middleware in front of the Region's app.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

MODES = ("refused", "unaccepted", "silent", "5xx")
_POLL_SECONDS = 0.05
_STS_UNAVAILABLE = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type>'
    "<Code>ServiceUnavailable</Code><Message>Service is unavailable</Message></Error>"
    "<RequestId>{request_id}</RequestId></ErrorResponse>"
)


class RegionGate:
    """Answers for the Region while it is down in mode ``silent`` or ``5xx``; passes through otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.mode: str | None = None  # None, "silent" or "5xx"; set from the admin thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.mode is None:
            await self.app(scope, receive, send)
            return
        if self.mode == "silent":
            # Accepted, read, never answered while the Region is down; once it is back, answered.
            while self.mode == "silent":
                await asyncio.sleep(_POLL_SECONDS)
            await self.app(scope, receive, send)
            return
        await _unavailable(scope, send)


async def _unavailable(scope: Scope, send: Send) -> None:
    request_id = str(uuid.uuid4())
    headers: list[tuple[bytes, bytes]] = [(b"x-amzn-requestid", request_id.encode())]
    body: bytes
    if scope.get("method") == "POST" and scope.get("path") == "/":  # STS's query protocol
        body = _STS_UNAVAILABLE.format(request_id=request_id).encode()
        headers.append((b"content-type", b"text/xml"))
    else:
        body = json.dumps({"message": "Service Unavailable"}).encode()
        headers += [
            (b"content-type", b"application/json"),
            (b"x-amzn-errortype", b"ServiceUnavailableException"),
        ]
    headers.append((b"content-length", str(len(body)).encode()))
    start: dict[str, Any] = {"type": "http.response.start", "status": 503, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
