"""What every browser page of the local Identity Center shares: the visitor, the checked form, the page.

:class:`PageContext` finds who is at the browser (the engine session from its cookie, and an anonymous
visitor id for the CSRF binding before sign-in), reads a POSTed urlencoded form up to a size limit and
checks its CSRF token (:mod:`.csrf`), and renders the Jinja templates with the security headers (no
framing, no scripts, no Referer). One context serves every page, so a token one page issued is
accepted by the next; :mod:`.pages` and :mod:`.device_pages` hold the endpoints.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from idc.emulator.web.csrf import (
    ANONYMOUS_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    CsrfGuard,
    cookie,
    new_visitor_id,
    set_cookie,
)

if TYPE_CHECKING:
    from idc.emulator.center import UserSession
    from idc.emulator.engine import AuthorizeRequest, DeviceAuthorizationView, IdentityCenter

HERE = Path(__file__).parent
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


class Visitor:
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


class PageContext:
    """The plumbing of the pages bound to one engine: visitor, forms, CSRF, templates."""

    def __init__(self, engine: IdentityCenter) -> None:
        self.engine = engine
        self.csrf = CsrfGuard()
        self.session_cookie = SESSION_COOKIE + engine.cookie_suffix
        self.anonymous_cookie = ANONYMOUS_COOKIE + engine.cookie_suffix
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    def visitor(self, request: Request) -> Visitor:
        session_id = cookie(request, self.session_cookie)
        user = self.engine.user_session(session_id) if session_id is not None else None
        if user is None:
            session_id = None
        visitor_id = cookie(request, self.anonymous_cookie)
        new = visitor_id is None
        if new:
            visitor_id = new_visitor_id()
        return Visitor(session_id, user, visitor_id, new)

    def render(
        self, request: Request, visitor: Visitor, template: str, status: int = 200, **context: Any
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
            set_cookie(response, self.anonymous_cookie, visitor.visitor_id)
        return response

    def set_session(self, response: Response, session_id: str) -> None:
        """After a password sign-in: the session cookie (and any the engine adds)."""
        set_cookie(response, self.session_cookie, session_id)
        for name, value in self.engine.cookies_after_sign_in(session_id).items():
            set_cookie(response, name, value)

    def error(
        self, request: Request, visitor: Visitor, status: int, heading: str, message: str, hint: str = ""
    ) -> HTMLResponse:
        return self.render(
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

    async def checked_form(self, request: Request, visitor: Visitor) -> dict[str, str] | Response:
        """The POSTed form if its CSRF token matches this browser's session, else the error page."""
        form = await self._form(request)
        if form is None:
            return self.error(request, visitor, 413, "Request too large", "The form sent too much data.")
        if not self.csrf.check(visitor.binding, form.get(CSRF_FIELD)):
            return self.error(
                request,
                visitor,
                403,
                "Request not accepted",
                "This form has expired or did not come from this site.",
                "Go back, reload the page and try again.",
            )
        return form

    async def signed_in_form(self, request: Request) -> tuple[Visitor, dict[str, str]] | Response:
        """A signed-in visitor's checked form; else the sign-in redirect or the error page."""
        visitor = self.visitor(request)
        if visitor.user is None:
            return self.to_signin(request)
        checked = await self.checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        return visitor, checked

    def to_signin(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def consent(
        self,
        request: Request,
        visitor: Visitor,
        action: str,
        view: DeviceAuthorizationView | AuthorizeRequest,
        hidden: list[tuple[str, str]],
        user_code: str = "",
    ) -> Response:
        return self.render(
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


_CONTEXTS: weakref.WeakKeyDictionary[IdentityCenter, PageContext] = weakref.WeakKeyDictionary()
_CONTEXTS_LOCK = threading.Lock()


def page_context_of(engine: IdentityCenter) -> PageContext:
    """The one context of ``engine``'s pages: pages added elsewhere (several Regions' identity provider
    sign-in, :mod:`idc.emulator.regions.idp_pages`) accept the CSRF tokens these pages issue."""
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(engine)
        if context is None:
            context = _CONTEXTS[engine] = PageContext(engine)
        return context


def form_text(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "")


__all__ = ["HERE", "PageContext", "Visitor", "form_text", "page_context_of"]
