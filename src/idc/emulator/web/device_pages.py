"""The device verification pages (RFC 8628 section 3.3): a code typed or prefilled, or shown to compare.

``/device`` asks for the user code (prefilled from ``?user_code=``), or, for an opaque ``request_uri``
as AWS serves ``verificationUriComplete`` now, shows the code for the user to compare with their
terminal; ``/device/consent`` names the client and asks Allow or Deny (section 5.4). Wrong codes are
limited per signed-in browser session (section 5.1, decided by the engine). A thin adapter: the engine
decides, these render (through :class:`~idc.emulator.web.page_context.PageContext`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from idc.emulator.service_errors import PageError, TooManyAttempts
from idc.emulator.state_store import digest
from idc.emulator.web.page_context import PageContext, Visitor, form_text

if TYPE_CHECKING:
    from idc.emulator.engine import DeviceAuthorizationView


class DevicePages:
    """The device verification endpoints, on the shared page context."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self.engine = page.engine

    async def device_page(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        if visitor.user is None:
            return self.page.to_signin(request)
        request_uri = request.query_params.get("request_uri")
        if request_uri is not None:
            return self._device_request_page(request, visitor, request_uri)
        code = normalise_code(request.query_params.get("user_code", ""))
        return self.page.render(
            request, visitor, "device.html", title="Authorization requested", user_code=code, error=""
        )

    def _device_request_page(self, request: Request, visitor: Visitor, request_uri: str) -> Response:
        """``verificationUriComplete`` as AWS serves it now: the page shows the code to compare."""
        try:
            code = self.engine.user_code_for_request(request_uri[:256], guesser=_guesser(visitor))
        except TooManyAttempts as exc:
            return self.page.error(request, visitor, 429, "Too many attempts", exc.message)
        if code is None:
            return self.page.error(
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
        return self.page.render(
            request, visitor, "device_confirm.html", title="Authorization requested", user_code=code
        )

    async def device_submit(self, request: Request) -> Response:
        signed_in = await self.page.signed_in_form(request)
        if isinstance(signed_in, Response):
            return signed_in
        visitor, checked = signed_in
        code = normalise_code(form_text(checked, "user_code"))
        found = self._find_device(request, visitor, code)
        if isinstance(found, Response):
            return found
        return RedirectResponse("/device/consent?" + urlencode({"user_code": code}), status_code=303)

    def _find_device(
        self, request: Request, visitor: Visitor, code: str
    ) -> DeviceAuthorizationView | Response:
        """The engine's view of the pending authorization, or the page that says why there is none."""
        try:
            view = self.engine.find_device_authorization(code, guesser=_guesser(visitor)) if code else None
        except TooManyAttempts as exc:
            return self.page.error(request, visitor, 429, "Too many attempts", exc.message)
        if view is None:
            return self.page.render(
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
            return self.page.error(
                request,
                visitor,
                409,
                "Code already used",
                f"The request with this code {done.get(view.status, 'was already used')}.",
                "Start the sign-in again from your application to get a new code.",
            )
        return view

    async def device_consent_page(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        if visitor.user is None:
            return self.page.to_signin(request)
        code = normalise_code(request.query_params.get("user_code", ""))
        view = self._find_device(request, visitor, code)
        if isinstance(view, Response):
            return view
        return self.page.consent(request, visitor, "/device/consent", view, [("user_code", code)], code)

    async def device_decide(self, request: Request) -> Response:
        signed_in = await self.page.signed_in_form(request)
        if isinstance(signed_in, Response):
            return signed_in
        visitor, checked = signed_in
        code = normalise_code(form_text(checked, "user_code"))
        decision = form_text(checked, "decision")
        if decision not in ("allow", "deny"):
            return self.page.error(request, visitor, 400, "Request not accepted", "Choose Allow or Deny.")
        view = self._find_device(request, visitor, code)
        if isinstance(view, Response):
            return view
        assert visitor.session_id is not None
        try:
            self.engine.decide_device_authorization(code, visitor.session_id, decision == "allow")
        except PageError as exc:
            return self.page.error(request, visitor, 409, "Request not completed", exc.message)
        return self.page.render(
            request,
            visitor,
            "result.html",
            title="Request approved" if decision == "allow" else "Request denied",
            approved=decision == "allow",
            client_name=view.client_name,
        )


def normalise_code(code: str) -> str:
    """User codes are case-insensitive and people type them with or without the dash (RFC 8628 6.1)."""
    cleaned = "".join(c for c in code.upper() if c.isalnum())[:32]
    if len(cleaned) == 8:
        return f"{cleaned[:4]}-{cleaned[4:]}"
    return cleaned


__all__ = ["DevicePages", "normalise_code"]


def _guesser(visitor: Visitor) -> str:
    """Who the wrong-code limit counts: the signed-in browser session (its hash: the cookie never
    leaves this module)."""
    return digest(visitor.session_id or "")
