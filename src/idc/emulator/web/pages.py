"""The browser pages of the local Identity Center, as Starlette endpoints over the engine.

Pages: sign-in (``/login``), the access portal (the start URL's path, ``/start``), device verification
(``/device``, RFC 8628 section 3.3: a code typed or prefilled, or, for an opaque ``request_uri`` as AWS
serves it now, the code shown for the user to compare with their terminal) with consent naming the
client (section 5.4), the authorization endpoint for the authorization code grant with PKCE
(``/authorize``, RFC 6749 section 4.1, RFC 7636, RFC 8252 loopback redirects), sign-out. Plain HTML
forms: no JavaScript is needed. Every state change is a POST carrying a CSRF token (see :mod:`.csrf`).
Protocol decisions belong to the engine; this module only renders and routes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from idc.emulator.service_errors import AuthorizeError, PageError, TooManyAttempts
from idc.emulator.state_store import digest
from idc.emulator.web.csrf import (
    ANONYMOUS_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    CsrfGuard,
    clear_cookie,
    cookie,
    new_visitor_id,
    set_cookie,
)
from idc.emulator.web.signin_limiter import SignInLimiter

if TYPE_CHECKING:
    from idc.emulator.center import UserSession
    from idc.emulator.engine import (
        AccountAssignment,
        AuthorizeRequest,
        DeviceAuthorizationView,
        IdentityCenter,
    )

_HERE = Path(__file__).parent
_MAX_FORM_BYTES = 16 * 1024
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    # Forms post to this origin; the PKCE consent's redirect goes to the loopback listener, which a
    # form-action directive would have to list, so it is left out.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _Visitor:
    """Who is at the browser: the engine session (if signed in) and the CSRF binding."""

    def __init__(
        self, session_id: str | None, user: UserSession | None, visitor_id: str | None, new: bool
    ) -> None:
        self.session_id = session_id
        self.user = user
        self.visitor_id = visitor_id
        self.new_visitor = new

    @property
    def binding(self) -> str | None:
        return self.session_id if self.user is not None else self.visitor_id


class Pages:
    """The page endpoints bound to one engine."""

    def __init__(self, engine: IdentityCenter) -> None:
        self.engine = engine
        self.csrf = CsrfGuard()
        self.limiter = SignInLimiter(engine.now)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(_HERE / "templates")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.stylesheet = (_HERE / "static" / "style.css").read_bytes()

    # --- plumbing -----------------------------------------------------------------------------

    def _visitor(self, request: Request) -> _Visitor:
        session_id = cookie(request, SESSION_COOKIE)
        user = self.engine.user_session(session_id) if session_id is not None else None
        if user is None:
            session_id = None
        visitor_id = cookie(request, ANONYMOUS_COOKIE)
        new = visitor_id is None
        if new:
            visitor_id = new_visitor_id()
        return _Visitor(session_id, user, visitor_id, new)

    def _render(
        self, request: Request, visitor: _Visitor, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        binding = visitor.binding
        context.setdefault("title", "Sign in")
        html = self.templates.get_template(template).render(
            csrf_token=self.csrf.token_for(binding) if binding else "",
            signed_in_as=visitor.user.username if visitor.user is not None else None,
            builtin_directory=self.engine.builtin_directory,
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)
        if visitor.new_visitor and visitor.visitor_id:
            set_cookie(response, ANONYMOUS_COOKIE, visitor.visitor_id)
        return response

    def _error(
        self, request: Request, visitor: _Visitor, status: int, heading: str, message: str, hint: str = ""
    ) -> HTMLResponse:
        return self._render(
            request, visitor, "error.html", status, title=heading, heading=heading, message=message, hint=hint
        )

    async def _form(self, request: Request) -> dict[str, str] | None:
        """The urlencoded form (what every page posts), read up to a size limit; None when too big.

        Another content type gives an empty form, which then fails the CSRF check.
        """
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > _MAX_FORM_BYTES):
            return None
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_FORM_BYTES:
                return None
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return {}
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=64)
        except (UnicodeDecodeError, ValueError):
            return {}
        form: dict[str, str] = {}
        for name, value in pairs:
            form.setdefault(name, value)  # the first of repeated fields, as Starlette's FormData.get
        return form

    async def _checked_form(self, request: Request, visitor: _Visitor) -> dict[str, str] | Response:
        """The POSTed form if its CSRF token matches this browser's session, else the error page."""
        form = await self._form(request)
        if form is None:
            return self._error(request, visitor, 413, "Request too large", "The form sent too much data.")
        if not self.csrf.check(visitor.binding, form.get(CSRF_FIELD)):
            return self._error(
                request,
                visitor,
                403,
                "Request not accepted",
                "This form has expired or did not come from this site.",
                "Go back, reload the page and try again.",
            )
        return form

    def _to_signin(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    # --- sign-in ----------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        visitor = self._visitor(request)
        target = _safe_next(request.query_params.get("next"), self.engine.start_path)
        if visitor.user is not None:
            return RedirectResponse(target, status_code=303)
        return self._render(request, visitor, "signin.html", next=target, username="", error="")

    async def signin(self, request: Request) -> Response:
        visitor = self._visitor(request)
        checked = await self._checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        form = checked
        target = _safe_next(_text(form, "next"), self.engine.start_path)
        username = _text(form, "username").strip()
        password = _text(form, "password")
        client = request.client.host if request.client else "unknown"
        wait = self.limiter.retry_after(username, client)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            refused = self._render(
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
            return self._render(
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
        set_cookie(response, SESSION_COOKIE, session_id)
        return response

    async def signout(self, request: Request) -> Response:
        visitor = self._visitor(request)
        checked = await self._checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        if visitor.session_id is not None:
            self.engine.end_session(visitor.session_id)
        response = RedirectResponse("/login", status_code=303)
        clear_cookie(response, SESSION_COOKIE)
        return response

    # --- portal -------------------------------------------------------------------------------

    async def portal(self, request: Request) -> Response:
        """The accounts and their roles; ``?q=`` keeps those whose name, id, email or a role holds it
        (a plain GET form: it works without JavaScript, which the pages' CSP does not allow anyway)."""
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        assignments = [_AssignmentView(a) for a in self.engine.assignments_for(visitor.user.username)]
        query = request.query_params.get("q", "").strip()[:200]
        shown = [a for a in assignments if a.matches(query)] if query else assignments
        return self._render(
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

    # --- device authorization (RFC 8628) -----------------------------------------------------------

    async def device_page(self, request: Request) -> Response:
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        request_uri = request.query_params.get("request_uri")
        if request_uri is not None:
            return self._device_request_page(request, visitor, request_uri)
        code = _normalise_code(request.query_params.get("user_code", ""))
        return self._render(
            request, visitor, "device.html", title="Authorization requested", user_code=code, error=""
        )

    def _device_request_page(self, request: Request, visitor: _Visitor, request_uri: str) -> Response:
        """``verificationUriComplete`` as AWS serves it now: the page shows the code to compare."""
        try:
            guesser = digest(visitor.session_id or "")  # as _find_device: per browser session
            code = self.engine.user_code_for_request(request_uri[:256], guesser=guesser)
        except TooManyAttempts as exc:
            return self._error(request, visitor, 429, "Too many attempts", exc.message)
        if code is None:
            return self._error(
                request,
                visitor,
                400,
                "Link not valid",
                "This sign-in link is not valid or has expired.",
                "Start the sign-in again from your application.",
            )
        view = self._find_device(request, visitor, code)
        if isinstance(view, Response):
            return view
        return self._render(
            request, visitor, "device_confirm.html", title="Authorization requested", user_code=code
        )

    async def device_submit(self, request: Request) -> Response:
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        checked = await self._checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        code = _normalise_code(_text(checked, "user_code"))
        found = self._find_device(request, visitor, code)
        if isinstance(found, Response):
            return found
        return RedirectResponse("/device/consent?" + urlencode({"user_code": code}), status_code=303)

    def _find_device(
        self, request: Request, visitor: _Visitor, code: str
    ) -> DeviceAuthorizationView | Response:
        """The engine's view of the pending authorization, or the page that says why there is none."""
        try:
            # The guess limit is per signed-in browser session (its hash: the cookie never leaves it).
            guesser = digest(visitor.session_id or "")
            view = self.engine.find_device_authorization(code, guesser=guesser) if code else None
        except TooManyAttempts as exc:
            return self._error(request, visitor, 429, "Too many attempts", exc.message)
        if view is None:
            return self._render(
                request,
                visitor,
                "device.html",
                400,
                title="Authorization requested",
                user_code=code,
                error="That code is not valid or has expired. Check the code your application shows.",
            )
        if view.status != "pending":
            done = {"approved": "was already approved", "denied": "was already denied"}
            return self._error(
                request,
                visitor,
                409,
                "Code already used",
                f"The request with this code {done.get(view.status, 'was already used')}.",
                "Start the sign-in again from your application to get a new code.",
            )
        return view

    async def device_consent_page(self, request: Request) -> Response:
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        code = _normalise_code(request.query_params.get("user_code", ""))
        view = self._find_device(request, visitor, code)
        if isinstance(view, Response):
            return view
        return self._consent(request, visitor, "/device/consent", view, [("user_code", code)], code)

    async def device_decide(self, request: Request) -> Response:
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        checked = await self._checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        code = _normalise_code(_text(checked, "user_code"))
        decision = _text(checked, "decision")
        if decision not in ("allow", "deny"):
            return self._error(request, visitor, 400, "Request not accepted", "Choose Allow or Deny.")
        view = self._find_device(request, visitor, code)
        if isinstance(view, Response):
            return view
        assert visitor.session_id is not None
        try:
            self.engine.decide_device_authorization(code, visitor.session_id, decision == "allow")
        except PageError as exc:
            return self._error(request, visitor, 409, "Request not completed", exc.message)
        return self._render(
            request,
            visitor,
            "result.html",
            title="Request approved" if decision == "allow" else "Request denied",
            approved=decision == "allow",
            client_name=view.client_name,
        )

    def _consent(
        self,
        request: Request,
        visitor: _Visitor,
        action: str,
        view: DeviceAuthorizationView | AuthorizeRequest,
        hidden: list[tuple[str, str]],
        user_code: str = "",
    ) -> Response:
        return self._render(
            request,
            visitor,
            "consent.html",
            title="Allow access?",
            action=action,
            hidden=hidden,
            client_name=view.client_name,
            scopes=list(view.scopes),
            username=visitor.user.username if visitor.user is not None else "",
            user_code=user_code,
        )

    # --- authorization code with PKCE (RFC 6749 4.1, RFC 7636) --------------------------------

    def _begin(
        self, request: Request, visitor: _Visitor, params: Mapping[str, str]
    ) -> AuthorizeRequest | Response:
        """Validate the request; an invalid one goes back to the client only when the engine vetted the
        redirect URI (RFC 6749 section 4.1.2.1), otherwise the error page says what is wrong."""
        try:
            return self.engine.begin_authorize(params)
        except AuthorizeError as exc:
            if exc.redirect:
                return RedirectResponse(exc.redirect, status_code=302)
            return self._error(
                request,
                visitor,
                400,
                "Invalid authorization request",
                exc.message,
                "Start the sign-in again from your application.",
            )

    async def authorize_page(self, request: Request) -> Response:
        visitor = self._visitor(request)
        params = dict(request.query_params)
        begun = self._begin(request, visitor, params)
        if isinstance(begun, Response):
            return begun
        if visitor.user is None:
            return self._to_signin(request)
        return self._consent(request, visitor, "/authorize", begun, sorted(params.items()))

    async def authorize_decide(self, request: Request) -> Response:
        visitor = self._visitor(request)
        if visitor.user is None:
            return self._to_signin(request)
        checked = await self._checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        decision = _text(checked, "decision")
        params = dict(checked)
        for private in (CSRF_FIELD, "decision"):
            params.pop(private, None)
        if decision not in ("allow", "deny"):
            return self._error(request, visitor, 400, "Request not accepted", "Choose Allow or Deny.")
        begun = self._begin(request, visitor, params)
        if isinstance(begun, Response):
            return begun
        assert visitor.session_id is not None
        try:
            location = self.engine.finish_authorize(begun, visitor.session_id, decision == "allow")
        except PageError as exc:
            return self._error(request, visitor, 409, "Request not completed", exc.message)
        return RedirectResponse(location, status_code=302)

    # --- static -------------------------------------------------------------------------------

    async def stylesheet_file(self, request: Request) -> Response:
        return Response(
            self.stylesheet, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
        )


def _text(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "")


def _safe_next(target: str | None, default: str) -> str:
    """A same-origin path to continue to after sign-in; anything else becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 for c in target):
        return default
    return target


def _normalise_code(code: str) -> str:
    """User codes are case-insensitive and people type them with or without the dash (RFC 8628 6.1)."""
    cleaned = "".join(c for c in code.upper() if c.isalnum())[:32]
    if len(cleaned) == 8:
        return f"{cleaned[:4]}-{cleaned[4:]}"
    return cleaned


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
    pages = Pages(engine)
    start_path = engine.start_path if engine.start_path.startswith("/") else "/start"
    routes: list[BaseRoute] = [
        Route(start_path, pages.portal, methods=["GET"], name="portal"),
        Route("/login", pages.signin_page, methods=["GET"], name="signin_page"),
        Route("/login", pages.signin, methods=["POST"], name="signin"),
        Route("/signout", pages.signout, methods=["POST"], name="signout"),
        Route("/device", pages.device_page, methods=["GET"], name="device_page"),
        Route("/device", pages.device_submit, methods=["POST"], name="device_submit"),
        Route("/device/consent", pages.device_consent_page, methods=["GET"], name="device_consent"),
        Route("/device/consent", pages.device_decide, methods=["POST"], name="device_decide"),
        Route("/authorize", pages.authorize_page, methods=["GET"], name="authorize_page"),
        Route("/authorize", pages.authorize_decide, methods=["POST"], name="authorize_decide"),
        Route("/static/style.css", pages.stylesheet_file, methods=["GET"], name="stylesheet"),
    ]
    if start_path != "/":  # GET / (STS owns POST /)
        routes.append(Route("/", pages.home, methods=["GET"], name="home"))
    return routes
