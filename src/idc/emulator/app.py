"""The HTTP face of the local Identity Center: a thin Starlette adapter over the engine.

One server answers sso-oidc (``/client/register``, ``/device_authorization``, ``/token``), the portal
(``/assignment/*``, ``/federation/credentials``, ``/logout``), STS (``POST /``), the admin API
(``/_admin/*``) and the pages (:func:`idc.emulator.web.build_routes`). This module parses requests, asks the
engine, and shapes answers and errors exactly as the real services do (status, ``x-amzn-ErrorType``,
body). Bad input of any kind is a modeled error, never a 500 with a trace.

DNS rebinding: every request's Host header must name this server by a loopback name (127.0.0.1,
localhost, [::1]), the bound host or an ``--allow-host`` name; anything else gets 400 before routing.
The port is not compared: rebinding needs a foreign *name*, while a proxy or a mapped port in front of
the emulator (a counting proxy, ``docker run -p 9000:8900``) legitimately sends its own port.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from idc.emulator import service_errors as e
from idc.emulator.engine import IdentityCenter
from idc.emulator.faults import FaultSpecError
from idc.emulator.request_fields import parse_json_object
from idc.emulator.sts.service import error_xml

MAX_BODY_BYTES = 64 * 1024
_OIDC_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
_log = logging.getLogger("idc.emulator")

Handler = Callable[[Request], Awaitable[Response]]


STS_ACTIONS = ("GetCallerIdentity", "AssumeRole")


class _BodyTooLarge(Exception):
    pass


def _query_action(body: bytes, *, default: str) -> str:
    """The awsquery ``Action`` of a form body when it is one of :data:`STS_ACTIONS`, else ``default``."""
    from urllib.parse import parse_qs

    action = (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
    return action if action in STS_ACTIONS else default


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > MAX_BODY_BYTES:
                raise _BodyTooLarge
        except ValueError:
            raise _BodyTooLarge from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _base_url(request: Request) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def error_response(error: e.ServiceException) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, e.StsException):
        return Response(
            error_xml(error.fault, error.shape, error.message),
            status_code=error.status,
            media_type="text/xml",
            headers=headers,
        )
    suffix = _OIDC_TYPE_SUFFIX if isinstance(error, e.OidcException) else ""
    headers["x-amzn-ErrorType"] = error.shape + suffix
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


class Api:
    """The API endpoints bound to one engine."""

    def __init__(self, engine: IdentityCenter, admin_token: str | None) -> None:
        self.engine = engine
        self.admin_token = admin_token

    def operation(self, name: str, invalid: type[e.ServiceException], *, by_action: bool = False) -> Handler:
        """Wrap one operation: count it, apply faults, parse the body, map errors to responses.

        ``by_action``: an awsquery endpoint (STS on ``POST /``); the body's ``Action`` names the operation
        counted and faulted (``AssumeRole``), ``name`` when it is not one the emulator answers.
        """
        faults = self.engine.faults

        async def endpoint(request: Request) -> Response:
            try:
                operation = name
                if by_action:
                    request.state.body = await _read_body(request)
                    operation = _query_action(request.state.body, default=name)
                delay, failure = faults.on_call(operation)
                if delay:
                    await asyncio.sleep(delay)
                if failure is not None:
                    raise failure
                response = await self._dispatch(operation, request, invalid)
                response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
                return response
            except e.ServiceException as error:
                return error_response(error)
            except _BodyTooLarge:
                return error_response(invalid(f"Request body larger than {MAX_BODY_BYTES} bytes"))
            except Exception:  # never a trace to the client; the log says what happened
                _log.exception("unexpected error in %s", name)
                internal: type[e.ServiceException] = e.PortalInternalServer
                if invalid is e.IncompleteSignature:
                    internal = e.StsInternalFailure
                elif invalid is e.InvalidRequest:
                    internal = e.OidcInternalServer
                return error_response(internal("An internal error occurred"))

        return endpoint

    async def _json(self, request: Request, invalid: type[e.ServiceException]) -> dict[str, Any]:
        try:
            return parse_json_object(await _read_body(request))
        except ValueError as bad:
            raise invalid(str(bad)) from None

    async def _dispatch(self, name: str, request: Request, invalid: type[e.ServiceException]) -> Response:
        engine = self.engine
        q = request.query_params
        token = request.headers.get("x-amz-sso_bearer_token")
        if name == "GetRoleCredentials":
            return JSONResponse(engine.get_role_credentials(token, q.get("role_name"), q.get("account_id")))
        if name == "ListAccounts":
            return JSONResponse(engine.list_accounts(token, q.get("next_token"), q.get("max_result")))
        if name == "ListAccountRoles":
            return JSONResponse(
                engine.list_account_roles(
                    token, q.get("account_id"), q.get("next_token"), q.get("max_result")
                )
            )
        if name == "Logout":
            await _read_body(request)
            engine.logout(token)
            return Response(status_code=200)
        if name in STS_ACTIONS:
            body = request.state.body
            headers = {k.lower(): v for k, v in request.headers.items()}
            url = f"{_base_url(request)}{request.url.path}"
            if request.url.query:
                url += f"?{request.url.query}"
            answer = engine.sts.handle(request.method, url, request.url.path, headers, body)
            return Response(answer, media_type="text/xml")
        data = await self._json(request, invalid)
        if name == "CreateToken":
            return JSONResponse(engine.create_token(data))
        if name == "RegisterClient":
            return JSONResponse(engine.register_client(data, base_url=_base_url(request)))
        if name == "StartDeviceAuthorization":
            return JSONResponse(engine.start_device_authorization(data, base_url=_base_url(request)))
        raise AssertionError(name)  # pragma: no cover

    def root(self, sts: Handler) -> Handler:
        """``POST /``: sso-admin and identitystore by their ``X-Amz-Target``, else STS (query protocol)."""
        from idc.emulator.admin.json_protocol import is_admin_target

        async def endpoint(request: Request) -> Response:
            target = request.headers.get("x-amz-target")
            if target is not None and is_admin_target(target):
                return await self._admin_api(target, request)
            return await sts(request)

        return endpoint

    async def _admin_api(self, target: str, request: Request) -> Response:
        from idc.emulator.admin import errors as admin_errors
        from idc.emulator.admin.json_protocol import handle

        engine = self.engine
        operation = target.partition(".")[2][:64]
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        try:
            delay, failure = engine.faults.on_call(operation)
            if delay:
                await asyncio.sleep(delay)
            if failure is not None:
                # the JSON services' names (botocore's sso-admin/identitystore models): botocore
                # retries ThrottlingException by its code and InternalServerException by its 500
                if failure.status == 429:
                    fields = {}  # identitystore's model has a RetryAfterSeconds member, sso-admin's not
                    if target.startswith("AWSIdentityStore.") and failure.retry_after is not None:
                        fields["RetryAfterSeconds"] = failure.retry_after
                    raise admin_errors.ThrottlingException(
                        failure.message, retry_after=failure.retry_after, **fields
                    )
                raise admin_errors.InternalServerException(failure.message)
            body = await _read_body(request)
            url = f"{_base_url(request)}{request.url.path}"
            answer = handle(
                engine,
                engine.admin,
                target,
                method=request.method,
                url=url,
                path=request.url.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                regions=(engine.region,),
            )
            return JSONResponse(answer, headers=headers, media_type="application/x-amz-json-1.1")
        except e.ServiceException as error:
            return error_response(error)
        except _BodyTooLarge:
            return error_response(
                admin_errors.ValidationException(f"Request body larger than {MAX_BODY_BYTES} bytes")
            )
        except Exception:  # never a trace to the client; the log says what happened
            _log.exception("unexpected error in %s", operation)
            return error_response(admin_errors.InternalServerException("An internal error occurred"))

    # --- admin ---------------------------------------------------------------------------------------
    async def admin(self, request: Request) -> Response:
        """``POST /_admin/<action>`` with ``Authorization: Bearer <admin token>`` and a JSON object body.

        Actions: ``end-sessions`` {user?} -> {ended}; ``advance-clock`` {seconds} -> {now, offset} (time
        passes for what was issued); ``clock-skew`` {seconds} -> {skew} (the Date and SigV4 clock);
        ``expire`` {user?, what?: tokens|credentials|all, in_seconds?} -> {tokens, credentials} (ended now);
        ``fault`` {operation?, status?, retry_after?, error?, latency_ms?, tps_limit?, count?} -> {fault,
        faults}; ``clear-faults`` {baseline?} (the clock skew too); ``faults``; ``stats`` {reset?} ->
        {calls}; ``info``; ``export-directory`` -> the directory file of the current state.
        """
        supplied = request.headers.get("authorization", "")
        expected = f"Bearer {self.admin_token}" if self.admin_token else None
        if expected is None or not hmac.compare_digest(supplied.encode(), expected.encode()):
            return JSONResponse({"message": "admin token missing or wrong"}, status_code=403)
        try:
            body = parse_json_object(await _read_body(request))
            return JSONResponse(self.admin_action(request.path_params["action"], body))
        except _BodyTooLarge:
            return JSONResponse({"message": "body too large"}, status_code=400)
        except LookupError as missing:
            return JSONResponse({"message": str(missing.args[0])}, status_code=404)
        except (ValueError, TypeError, FaultSpecError) as bad:
            return JSONResponse({"message": str(bad)}, status_code=400)

    def admin_action(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        engine = self.engine
        if action == "end-sessions":
            user = body.get("user")
            if user is not None and not isinstance(user, str):
                raise ValueError("user must be a string")
            return {"ended": engine.end_sessions(user)}
        if action == "expire":
            from idc.emulator.expiry import expire_now

            return expire_now(engine, body)
        if action == "advance-clock":
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError("seconds must be a number")
            return {"now": engine.advance_clock(seconds), "offset": engine.clock.offset}
        if action == "clock-skew":
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError("seconds must be a number")
            return {"skew": engine.clock.set_skew(seconds)}
        if action == "fault":
            return {"fault": engine.faults.add(body), "faults": engine.faults.describe()}
        if action == "clear-faults":
            engine.faults.clear(baseline=bool(body.get("baseline", False)))
            engine.clock.set_skew(0)
            return {"faults": engine.faults.describe()}
        if action == "faults":
            return {"faults": engine.faults.describe()}
        if action == "stats":
            calls = engine.faults.stats()
            if body.get("reset"):
                engine.faults.reset_stats()
            return {"calls": calls}
        if action == "export-directory":
            from idc.emulator.admin.seed import export

            with engine.admin.reading() as state:
                return export(state, engine.admin.base)
        if action == "info":
            return {
                "start_url": engine.start_url,
                "region": engine.region,
                "now": engine.now(),
                "offset": engine.clock.offset,
                "skew": engine.clock.skew,
            }
        raise LookupError(f"unknown admin action {action!r}")


def host_name(header: str) -> str | None:
    """The name in a Host header (``name``, ``name:port``, ``[v6]:port``), lower case; None when malformed."""
    header = header.lower()
    if header.startswith("["):
        name, bracket, rest = header.partition("]")
        name += bracket
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else None
    else:
        name, colon, rest = header.partition(":")
        port = rest if colon else None
    if port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return None
    return name or None


class DateHeader:
    """Every response's ``Date`` is the service clock (uvicorn's own is off): wall time plus the
    ``clock_skew`` fault, the clock SigV4 is checked on, so an SDK that corrects its signing clock from
    ``Date`` (the AWS SDK for JavaScript v3) signs on the time STS checks, as against AWS."""

    def __init__(self, app: ASGIApp, clock: Callable[[], float]) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Any) -> None:
            if message["type"] == "http.response.start":
                from email.utils import formatdate

                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", formatdate(self.clock(), usegmt=True).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)


class HostCheck:
    """Reject requests whose Host header does not name this server (DNS rebinding protection)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Collection[str] | None) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed_hosts) if allowed_hosts is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host: str | None = None
            for name, value in scope["headers"]:
                if name == b"host":
                    host = host_name(value.decode("latin-1"))
                    break
            if host is None or host not in self.allowed:
                response = JSONResponse(
                    {"message": "Host header not allowed"},
                    status_code=400,
                    headers={"x-amzn-ErrorType": "InvalidRequestException"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def allowed_hosts_for(host: str, extra: Collection[str] = ()) -> set[str]:
    """Host names (any port) that name a server bound to ``host``: loopback names, ``host``, ``extra``."""
    names = {"127.0.0.1", "localhost", "[::1]", *(name.lower() for name in extra)}
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        names.add(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return names


def create_app(
    engine: IdentityCenter,
    *,
    admin_token: str | None = None,
    allowed_hosts: Collection[str] | None = None,
    vanity_hosts: Collection[str] = (),
    extra_routes: Collection[BaseRoute] = (),
) -> ASGIApp:
    """The ASGI app: API routes, admin routes, then the pages from :func:`idc.emulator.web.build_routes`.

    ``extra_routes`` come first, so they take over a path (several Regions: their admin and sign-in).
    """
    from idc.emulator.web import build_routes

    api = Api(engine, admin_token)
    oidc, portal, sts = e.InvalidRequest, e.PortalInvalidRequest, e.IncompleteSignature
    routes: list[BaseRoute] = [
        *extra_routes,
        Route("/client/register", api.operation("RegisterClient", oidc), methods=["POST"]),
        Route("/device_authorization", api.operation("StartDeviceAuthorization", oidc), methods=["POST"]),
        Route("/token", api.operation("CreateToken", oidc), methods=["POST"]),
        Route("/assignment/accounts", api.operation("ListAccounts", portal), methods=["GET"]),
        Route("/assignment/roles", api.operation("ListAccountRoles", portal), methods=["GET"]),
        Route("/federation/credentials", api.operation("GetRoleCredentials", portal), methods=["GET"]),
        Route("/logout", api.operation("Logout", portal), methods=["POST"]),
        Route("/", api.root(api.operation("GetCallerIdentity", sts, by_action=True)), methods=["POST"]),
        Route("/_admin/{action}", api.admin, methods=["GET", "POST"]),
    ]
    routes.extend(build_routes(engine))

    async def internal_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"message": "An internal error occurred"}, status_code=500)

    app = Starlette(routes=routes, exception_handlers={500: internal_error})
    app.state.engine = engine
    if vanity_hosts:
        from idc.emulator.vanity import VanityRedirect

        vanity = VanityRedirect(
            app, hosts=vanity_hosts, start_path=engine.start_path, start_url=engine.start_url
        )
        return DateHeader(HostCheck(vanity, allowed_hosts), engine.service_now)
    return DateHeader(HostCheck(app, allowed_hosts), engine.service_now)
