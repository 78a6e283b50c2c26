"""The admin API of an emulator in several Regions, on its own listener (which no Region outage closes).

``POST /_admin/<action>`` with ``Authorization: Bearer <admin token>`` and a JSON object body, as one
instance's admin API (:meth:`idc.emulator.app.Api.admin_action`), over every Region:

- ``fault`` {region_down, mode: refused|silent|5xx} takes a Region down; any other fault goes to
  ``region`` (default: every Region); ``clear-faults`` brings every Region back and clears their faults;
- ``stats`` {reset?} -> {calls: {region: {operation: n}}}, so a test sees which Region served a call;
- ``end-sessions`` (replicated: every Region), ``advance-clock`` (one clock), ``expire`` (every Region);
- ``faults`` -> {faults: {region: [...]}, down: {region: mode}}; ``info`` -> the Regions and their URLs.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from idc.emulator.app import Api
from idc.emulator.faults import FaultSpecError
from idc.emulator.request_fields import parse_json_object

if TYPE_CHECKING:
    from collections.abc import Mapping

    from idc.emulator.engine import IdentityCenter


class _Region(Protocol):
    @property
    def center(self) -> IdentityCenter: ...


class ReplicatedInstance(Protocol):
    """What the admin listener steers (:class:`~idc.emulator.regions.instance.ReplicatedInstance`, which
    builds this listener, so the two modules do not import each other)."""

    primary: str

    @property
    def regions(self) -> Mapping[str, _Region]: ...

    def region_down(self, name: str, mode: str = "refused") -> None: ...

    def region_up(self, name: str | None = None) -> None: ...

    def down(self) -> dict[str, str]: ...

    def info(self) -> dict[str, Any]: ...


_MAX_BODY = 64 * 1024


class RegionsAdmin:
    def __init__(self, emulator: ReplicatedInstance, admin_token: str) -> None:
        self.emulator = emulator
        self.admin_token = admin_token

    async def endpoint(self, request: Request) -> Response:
        supplied = request.headers.get("authorization", "")
        expected = f"Bearer {self.admin_token}"
        if not hmac.compare_digest(supplied.encode(), expected.encode()):
            return JSONResponse({"message": "admin token missing or wrong"}, status_code=403)
        body = await request.body()
        if len(body) > _MAX_BODY:
            return JSONResponse({"message": "body too large"}, status_code=400)
        try:
            data = parse_json_object(body)
            # Taking a Region down closes its listener (joins its thread): not on this event loop.
            answer = await asyncio.to_thread(self.action, request.path_params["action"], data)
            return JSONResponse(answer)
        except LookupError as missing:
            return JSONResponse({"message": str(missing.args[0])}, status_code=404)
        except (ValueError, TypeError, FaultSpecError) as bad:
            return JSONResponse({"message": str(bad)}, status_code=400)

    def action(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        emulator = self.emulator
        apis = {region: Api(r.center, None) for region, r in emulator.regions.items()}
        primary = apis[emulator.primary]
        if action == "fault":
            if "region_down" in body:
                unknown = set(body) - {"region_down", "mode"}
                if unknown:
                    names = ", ".join(sorted(unknown))
                    raise FaultSpecError(f"unknown fault fields with region_down: {names}")
                region, mode = body["region_down"], body.get("mode", "refused")
                emulator.region_down(self._region(region), mode)
                return {"down": emulator.down(), "faults": self._faults(apis)}
            spec = dict(body)
            targets = self._targets(apis, spec.pop("region", None))
            for api in targets.values():
                api.admin_action("fault", spec)
            return {"down": emulator.down(), "faults": self._faults(apis)}
        if action == "clear-faults":
            emulator.region_up()
            for api in apis.values():
                api.admin_action("clear-faults", body)
            return {"down": emulator.down(), "faults": self._faults(apis)}
        if action == "faults":
            return {"down": emulator.down(), "faults": self._faults(apis)}
        if action == "stats":
            calls = {region: api.admin_action("stats", body)["calls"] for region, api in apis.items()}
            return {"calls": calls}
        if action in ("end-sessions", "advance-clock"):  # replicated sessions; one clock
            return primary.admin_action(action, body)
        if action == "expire":
            totals = {"tokens": 0, "credentials": 0}
            for api in apis.values():
                for key, value in api.admin_action("expire", body).items():
                    totals[key] = totals.get(key, 0) + value
            return totals
        if action == "info":
            return emulator.info()
        raise LookupError(f"unknown admin action {action!r}")

    def _region(self, region: object) -> str:
        if not isinstance(region, str) or region not in self.emulator.regions:
            raise FaultSpecError(
                f"unknown Region {region!r}; this emulator serves {', '.join(self.emulator.regions)}"
            )
        return region

    def _targets(self, apis: dict[str, Api], region: object) -> dict[str, Api]:
        if region is None:
            return apis
        return {self._region(region): apis[self._region(region)]}

    @staticmethod
    def _faults(apis: dict[str, Api]) -> dict[str, Any]:
        return {region: api.admin_action("faults", {})["faults"] for region, api in apis.items()}


def admin_app(emulator: ReplicatedInstance, admin_token: str) -> Starlette:
    admin = RegionsAdmin(emulator, admin_token)
    return Starlette(routes=[Route("/_admin/{action}", admin.endpoint, methods=["GET", "POST"])])


def refer_to_admin(admin_url: Callable[[], str]) -> Route:
    """A Region's own ``/_admin/*``: the emulator is administered at its admin URL (which stays up)."""

    async def elsewhere(request: Request) -> Response:
        message = f"this emulator serves several Regions: administer it at {admin_url()}"
        return JSONResponse({"message": message}, status_code=404)

    return Route("/_admin/{action}", elsewhere, methods=["GET", "POST"])
