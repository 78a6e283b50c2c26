"""Signing in to a Region of a replicated instance through the identity provider, without a password.

A replicated instance signs users in through an external identity provider (IAM Identity Center user
guide, "Workforce access through an additional Region"); the built-in directory plays it. A password
sign-in on any Region's page is also a sign-in at the identity provider (its ``idc_idp`` cookie). Another
Region's ``/login`` then offers "Continue as USER": the user session was replicated to that Region, so it
starts its own session (its own cookie: the Regions' cookies stay apart) with no password. Once the
session ended anywhere (``end-sessions``, a sign-out), the replicated revocation ends the offer too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from idc.emulator.regions.replicated import IDP_COOKIE, RegionalCenter
from idc.emulator.web.csrf import cookie
from idc.emulator.web.page_context import form_text, page_context_of
from idc.emulator.web.pages import safe_next


class IdpSignIn:
    def __init__(self, center: RegionalCenter) -> None:
        self.center = center
        self.page = page_context_of(center)

    async def signin_page(self, request: Request) -> Response:
        """``/login``: "Continue as USER" while the identity provider's session lives, else the password."""
        visitor = self.page.visitor(request)
        target = safe_next(request.query_params.get("next"), self.center.start_path)
        if visitor.user is not None:
            return RedirectResponse(target, status_code=303)
        signed_in = self.center.idp_user(cookie(request, IDP_COOKIE))
        if signed_in is None or request.query_params.get("password"):
            return self.page.render(request, visitor, "signin.html", next=target, username="", error="")
        return self.page.render(
            request,
            visitor,
            "signin_idp.html",
            next=target,
            region=self.center.region,
            idp_username=signed_in.username,
            password_url="/login?" + urlencode({"next": target, "password": "1"}),
        )

    async def continue_through_idp(self, request: Request) -> Response:
        visitor = self.page.visitor(request)
        checked = await self.page.checked_form(request, visitor)
        if isinstance(checked, Response):
            return checked
        target = safe_next(form_text(checked, "next"), self.center.start_path)
        session_id = self.center.sign_in_through_idp(cookie(request, IDP_COOKIE))
        if session_id is None:  # the session ended meanwhile: the password, then
            return RedirectResponse("/login?" + urlencode({"next": target, "password": "1"}), status_code=303)
        response = RedirectResponse(target, status_code=303)
        self.page.set_session(response, session_id)
        return response


def idp_routes(center: RegionalCenter) -> list[BaseRoute]:
    """Routes that take over ``GET /login`` and add ``POST /login/idp`` on a Region's listener."""
    pages = IdpSignIn(center)
    return [
        Route("/login", pages.signin_page, methods=["GET"], name="idp_signin_page"),
        Route("/login/idp", pages.continue_through_idp, methods=["POST"], name="idp_continue"),
    ]
