"""The browser pages of the local Identity Center, as Starlette endpoints over the engine.

Pages: sign-in (``/login``), the access portal (the start URL's path, ``/start``), the authorization
endpoint for the authorization code grant with PKCE (``/authorize``, RFC 6749 section 4.1, RFC 7636,
RFC 8252 loopback redirects) with consent naming the client, sign-out; the device verification pages
(``/device``, RFC 8628 section 3.3) are :mod:`.device_pages`, and what every page shares (visitor,
forms, templates) is :mod:`.page_context`. :func:`page_routes` routes them all. Plain HTML forms: no
JavaScript is needed. Every state change is a POST carrying a CSRF token (see :mod:`.csrf`). Protocol
decisions belong to the engine; these modules only render and route.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from idc.emulator.service_errors import AuthorizeError, PageError
from idc.emulator.web.csrf import CSRF_FIELD, clear_cookie
from idc.emulator.web.device_pages import DevicePages
from idc.emulator.web.page_context import HERE, PageContext, Visitor, form_text, page_context_of
from idc.emulator.web.signin_limiter import SignInLimiter

if TYPE_CHECKING:
    from idc.emulator.engine import AccountAssignment, AuthorizeRequest, IdentityCenter


class Pages:
    """The sign-in, portal and ``/authorize`` endpoints, on the shared page context."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.engine = page.engine
        self.limiter = SignInLimiter(page.engine.now)
        self.stylesheet = (HERE / "static" / "style.css").read_bytes()

    # --- sign-in ----------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        target = safe_next(request.query_params.get("next"), self.engine.start_path)
        if visitor.user is not None:
            return RedirectResponse(target, status_code=303)
        return self.page.render(request, visitor, "signin.html", next=target, username="", error="")

    async def signin(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        checked = await self.page.checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        form = checked
        target = safe_next(form_text(form, "next"), self.engine.start_path)
        username = form_text(form, "username").strip()
        password = form_text(form, "password")
        client = request.client.host if request.client else "unknown"
        wait = self.limiter.retry_after(username, client)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            refused = self.page.render(
                request,
                visitor,
                "signin.html",
                429,
                next=target,
                username=username,
                error=f"Too many failed sign-in attempts. Try again in {minutes} minute"
                + ("s." if minutes > 1 else "."),
            )
            refused.headers["Retry-After"] = str(math.ceil(wait))
            return refused
        user = self.engine.authenticate(username, password) if username and password else None
        if user is None:
            self.limiter.failed(username, client)
            return self.page.render(
                request,
                visitor,
                "signin.html",
                401,
                next=target,
                username=username,
                error="The username or password is incorrect. Check them and try again.",
            )
        self.limiter.succeeded(username)
        session_id = self.engine.create_user_session(user)
        response = RedirectResponse(target, status_code=303)
        self.page.set_session(response, session_id)
        return response

    async def signout(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        checked = await self.page.checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        if visitor.session_id is not None:
            self.engine.end_session(visitor.session_id)
        response = RedirectResponse("/login", status_code=303)
        clear_cookie(response, self.page.session_cookie)
        return response

    # --- portal -------------------------------------------------------------------------------

    async def portal(self, request: Request) -> Response:
        """The accounts and their roles; ``?q=`` keeps those whose name, id, email or a role holds it
        (a plain GET form: it works without JavaScript, which the pages' CSP does not allow anyway)."""
        visitor = self.page.visitor(request)
        if visitor.user is None:
            return self.page.to_signin(request)
        assignments = [_AssignmentView(a) for a in self.engine.assignments_for(visitor.user.username)]
        query = request.query_params.get("q", "").strip()[:200]
        shown = [a for a in assignments if a.matches(query)] if query else assignments
        return self.page.render(
            request,
            visitor,
            "portal.html",
            title="AWS access portal",
            assignments=shown,
            total=len(assignments),
            query=query,
            start_url=self.engine.start_url,
            region=self.engine.region,
        )

    async def home(self, request: Request) -> Response:
        """The bare base URL (what people type) leads to the portal."""
        return RedirectResponse(self.engine.start_path, status_code=303)

    # --- authorization code with PKCE (RFC 6749 4.1, RFC 7636) --------------------------------

    def _begin(
        self, request: Request, visitor: Visitor, params: Mapping[str, str]
    ) -> AuthorizeRequest | Response:
        """Validate the request; an invalid one goes back to the client only when the engine vetted the
        redirect URI (RFC 6749 section 4.1.2.1), otherwise the error page says what is wrong."""
        try:
            return self.engine.begin_authorize(params)
        except AuthorizeError as exc:
            if exc.redirect:
                return RedirectResponse(exc.redirect, status_code=302)
            return self.page.error(
                request,
                visitor,
                400,
                "Invalid authorization request",
                exc.message,
                "Start the sign-in again from your application.",
            )

    async def authorize_page(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        params = dict(request.query_params)
        begun = self._begin(request, visitor, params)
        if isinstance(begun, Response):
            return begun
        if visitor.user is None:
            return self.page.to_signin(request)
        return self.page.consent(request, visitor, "/authorize", begun, sorted(params.items()))

    async def authorize_decide(self, request: Request) -> Response:
        signed_in = await self.page.signed_in_form(request)
        if isinstance(signed_in, Response):
            return signed_in
        visitor, checked = signed_in
        decision = form_text(checked, "decision")
        params = dict(checked)
        for private in (CSRF_FIELD, "decision"):
            params.pop(private, None)
        if decision not in ("allow", "deny"):
            return self.page.error(request, visitor, 400, "Request not accepted", "Choose Allow or Deny.")
        begun = self._begin(request, visitor, params)
        if isinstance(begun, Response):
            return begun
        assert visitor.session_id is not None
        try:
            location = self.engine.finish_authorize(begun, visitor.session_id, decision == "allow")
        except PageError as exc:
            return self.page.error(request, visitor, 409, "Request not completed", exc.message)
        return RedirectResponse(location, status_code=302)

    # --- static -------------------------------------------------------------------------------

    async def stylesheet_file(self, request: Request) -> Response:
        return Response(
            self.stylesheet, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )


def safe_next(target: str | None, default: str) -> str:
    """A same-origin path to continue to after sign-in; anything else becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 for c in target):
        return default
    return target


class _AssignmentView:
    """One account as the portal page lists it."""

    def __init__(self, assignment: AccountAssignment) -> None:
        self.account_id = assignment.account_id
        self.name = assignment.account_name
        self.email = assignment.email
        self.roles = list(assignment.role_names)

    def matches(self, query: str) -> bool:
        """Whether ``query`` (case-insensitive) is in the account's name, id, email or a role name."""
        needle = query.casefold()
        fields = (self.name, self.account_id, self.email or "", *self.roles)
        return any(needle in field.casefold() for field in fields)


def page_routes(engine: IdentityCenter) -> list[BaseRoute]:
    """The page routes for ``engine`` (see :func:`idc.emulator.web.build_routes`)."""
    page = page_context_of(engine)
    pages = Pages(page)
    device = DevicePages(page)
    start_path = engine.start_path if engine.start_path.startswith("/") else "/start"
    routes: list[BaseRoute] = [
        Route(start_path, pages.portal, methods=["GET"], name="portal"),
        Route("/login", pages.signin_page, methods=["GET"], name="signin_page"),
        Route("/login", pages.signin, methods=["POST"], name="signin"),
        Route("/signout", pages.signout, methods=["POST"], name="signout"),
        Route("/device", device.device_page, methods=["GET"], name="device_page"),
        Route("/device", device.device_submit, methods=["POST"], name="device_submit"),
        Route("/device/consent", device.device_consent_page, methods=["GET"], name="device_consent"),
        Route("/device/consent", device.device_decide, methods=["POST"], name="device_decide"),
        Route("/authorize", pages.authorize_page, methods=["GET"], name="authorize_page"),
        Route("/authorize", pages.authorize_decide, methods=["POST"], name="authorize_decide"),
        Route("/static/style.css", pages.stylesheet_file, methods=["GET"], name="stylesheet"),
    ]
    if start_path != "/":  # GET / (STS owns POST /)
        routes.append(Route("/", pages.home, methods=["GET"], name="home"))
    return routes
