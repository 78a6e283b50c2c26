"""The local Identity Center as an organisation's vanity start URL host.

``https://sso.example.com/start`` on a company's domain answers with a redirect to the AWS-owned portal
host; AWS CLI v2 (and idc) follow that one redirect to find the portal URL and its Region. Requests
for the start path whose Host header names a vanity host get that redirect (302 to the engine's start
URL); everything else passes through.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class VanityRedirect:
    def __init__(self, app: ASGIApp, *, hosts: Collection[str], start_path: str, start_url: str) -> None:
        self.app = app
        self.hosts = frozenset(host.lower() for host in hosts)
        self.start_path = start_path.rstrip("/") or "/"
        self.start_url = start_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and self._is_vanity(scope):
            await RedirectResponse(self.start_url, status_code=302)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _is_vanity(self, scope: Scope) -> bool:
        if (scope["path"].rstrip("/") or "/") != self.start_path:
            return False
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower()
                host = host[: host.rindex(":")] if host.rfind(":") > host.rfind("]") else host
                return host.strip("[]") in self.hosts
        return False
