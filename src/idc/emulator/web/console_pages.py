"""The federation endpoint and the local "AWS Management Console" page, over
:class:`idc.emulator.federation.service.FederationService`.

``/federation`` (GET or form POST, as AWS accepts both): ``Action=getSigninToken`` answers JSON,
``Action=login`` starts a console session (a cookie) and redirects to ``/console``, which shows the
account, role, user and destination; ``/console/signout`` ends the console session. Each
``getSigninToken`` and ``login`` call is counted in the admin ``stats`` under that name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from idc.emulator.faults import FEDERATION_OPERATIONS
from idc.emulator.federation.service import FederationError, FederationService
from idc.emulator.web.csrf import clear_cookie, cookie, set_cookie

if TYPE_CHECKING:
    from idc.emulator.engine import IdentityCenter

CONSOLE_COOKIE = "idc_console"
_MAX_FORM_BYTES = 16 * 1024
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # The login URL carries the sign-in token: never send it on as a Referer.
    "Referrer-Policy": "no-referrer",
}


class ConsolePages:
    def __init__(self, engine: IdentityCenter) -> None:
        self.faults = engine.faults
        self.federation = FederationService(engine)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    def _page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(signed_in_as=None, csrf_token="", **context)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    async def federation_endpoint(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            body = await _form_body(request)
            if body is None:
                return JSONResponse({"message": "request too large"}, status_code=413)
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = params.get("Action", "")
        if action in FEDERATION_OPERATIONS:  # refused ones too, as the other operations' counts
            self.faults.count(action)
        try:
            if action == "getSigninToken":
                return JSONResponse(self.federation.get_signin_token(params), headers=_HEADERS)
            if action == "login":
                session_id, _ = self.federation.login(params)
                response = RedirectResponse("/console", status_code=302, headers=_HEADERS)
                set_cookie(response, CONSOLE_COOKIE, session_id)
                return response
            raise FederationError("Action must be getSigninToken or login")
        except FederationError as refused:
            if action == "login":
                return self._page(
                    "error.html",
                    refused.status,
                    title="Sign-in failed",
                    heading="Sign-in failed",
                    message=refused.message,
                    hint="Ask the tool that made this link for a new one (idc console).",
                )
            return Response(refused.message, status_code=refused.status, media_type="text/plain")

    async def console(self, request: Request) -> Response:
        session = self.federation.console_session(cookie(request, CONSOLE_COOKIE))
        if session is None:
            return self._page(
                "error.html",
                401,
                title="Signed out",
                heading="You are not signed in to the console",
                message="There is no console session in this browser.",
                hint="Run `idc console --profile PROFILE` to sign in.",
            )
        return self._page("console.html", title="AWS Management Console", session=session)

    async def sign_out(self, request: Request) -> Response:
        self.federation.sign_out(cookie(request, CONSOLE_COOKIE))
        response = RedirectResponse("/console", status_code=302, headers=_HEADERS)
        clear_cookie(response, CONSOLE_COOKIE)
        return response


async def _form_body(request: Request) -> bytes | None:
    """The body, or None once it passes :data:`_MAX_FORM_BYTES`: read as it streams in and stopped at
    the limit, so a chunked body (no Content-Length) of any size costs at most the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and not (
        declared.isascii() and declared.isdigit() and int(declared) <= _MAX_FORM_BYTES
    ):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def console_routes(engine: IdentityCenter) -> list[BaseRoute]:
    """``/federation``, ``/console`` and ``/console/signout`` bound to ``engine``."""
    pages = ConsolePages(engine)
    return [
        Route("/federation", pages.federation_endpoint, methods=["GET", "POST"]),
        Route("/console", pages.console, methods=["GET"]),
        Route("/console/signout", pages.sign_out, methods=["GET"]),
    ]
