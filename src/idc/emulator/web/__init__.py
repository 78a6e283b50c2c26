"""The local Identity Center's browser pages: portal, sign-in, device verification, consent, /authorize,
the federation endpoint and the local console page.

The Starlette app (:func:`idc.emulator.app.create_app`) mounts :func:`build_routes`. The pages are a thin
adapter over the engine (:class:`idc.emulator.engine.IdentityCenter`): the engine decides, they render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from idc.emulator.engine import IdentityCenter

__all__ = ["build_routes"]


def build_routes(engine: IdentityCenter) -> list[BaseRoute]:
    """The routes of every page, bound to ``engine``; the app adds them to its own routes."""
    from idc.emulator.web.console_pages import console_routes
    from idc.emulator.web.pages import page_routes

    return [*page_routes(engine), *console_routes(engine)]
