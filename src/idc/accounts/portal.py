"""The portal API calls that list accounts and roles (botocore's ``sso`` service model).

Two ways to call them: one page at a time for the configure wizard's pick lists (:func:`list_accounts`,
:func:`list_account_roles`, throttling retried), and :class:`PacedPortal` for the full listing
(:mod:`idc.accounts.listing`): every attempt paced by a shared rate limiter, retried and counted.
Errors become idc's tree: a refused token is ``LoginRequired`` naming ``fix``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from idc.aws.clients import ClientFactory
from idc.aws.retry import RateLimiter, RetryPolicy, call_with_retry
from idc.aws.tls import unreachable
from idc.errors import IdcError, LoginRequired, ServiceError

if TYPE_CHECKING:
    pass

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: The portal API's names for the botocore methods called here, for messages.
_API_NAMES = {"list_accounts": "ListAccounts", "list_account_roles": "ListAccountRoles"}


def portal_call(client: Any, operation: str, fix: str, **params: Any) -> dict[str, Any]:
    """One portal call, throttling retried (:mod:`idc.aws.retry`), errors mapped to idc's tree."""
    from botocore.exceptions import BotoCoreError, ClientError

    from idc.aws.retry import call_with_retry

    try:
        result: dict[str, Any] = call_with_retry(lambda: getattr(client, operation)(**params))
    except ClientError as error:
        status, code, _ = _error_code(error)
        if status == 401 or code == "UnauthorizedException":
            raise _token_refused(fix) from None
        raise ServiceError(f"IAM Identity Center answered {code or status} to {operation}.") from None
    except BotoCoreError as error:
        raise unreachable(
            error,
            f"Could not reach IAM Identity Center for {operation}: {type(error).__name__}.",
            hint="Check the network (or AWS_ENDPOINT_URL_SSO) and try again.",
        ) from None
    return result


def list_accounts(
    access_token: str, sso_region: str, *, client_factory: ClientFactory, fix: str
) -> list[dict[str, Any]]:
    """Every account the token reaches (portal ListAccounts, all pages, in the portal's order)."""
    client = client_factory("sso", sso_region)
    accounts: list[dict[str, Any]] = []
    next_token: str | None = None
    while True:
        params: dict[str, Any] = {"accessToken": access_token, "maxResults": 100}
        if next_token:
            params["nextToken"] = next_token
        page = portal_call(client, "list_accounts", fix, **params)
        accounts.extend(page.get("accountList") or [])
        next_token = page.get("nextToken") or None
        if not next_token:
            return accounts


def list_account_roles(
    access_token: str, sso_region: str, account_id: str, *, client_factory: ClientFactory, fix: str
) -> list[str]:
    """The role names of one account (portal ListAccountRoles, all pages, in the portal's order)."""
    client = client_factory("sso", sso_region)
    roles: list[str] = []
    next_token: str | None = None
    while True:
        params: dict[str, Any] = {"accessToken": access_token, "accountId": account_id, "maxResults": 100}
        if next_token:
            params["nextToken"] = next_token
        page = portal_call(client, "list_account_roles", fix, **params)
        roles.extend(str(role["roleName"]) for role in page.get("roleList") or [])
        next_token = page.get("nextToken") or None
        if not next_token:
            return roles


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.throttled = 0

    def call(self) -> None:
        with self._lock:
            self.calls += 1

    def throttle(self) -> None:
        with self._lock:
            self.throttled += 1


def _token_refused(fix: str) -> LoginRequired:
    return LoginRequired(
        "The SSO session has expired or is otherwise invalid (Identity Center refused the token).", fix=fix
    )


def _error_code(error: BaseException) -> tuple[int, str, str]:
    response: Mapping[str, Any] = getattr(error, "response", None) or {}
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    err = response.get("Error") or {}
    return status, str(err.get("Code", "")), str(err.get("Message", ""))


class PacedPortal:
    """The two portal operations, paced, retried and counted."""

    def __init__(
        self,
        client: Any,
        access_token: str,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Sleep,
        fix: str,
        stop: threading.Event,
        sso_region: str,
    ) -> None:
        self._client = client
        self._region = sso_region
        self._token = access_token
        self._limiter = limiter
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        self._fix = fix
        self._stop = stop
        self.counters = _Counters()

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self._client, operation)

        def attempt() -> dict[str, Any]:
            if self._stop.is_set():
                raise Stopped()
            self.counters.call()
            try:
                result: dict[str, Any] = method(accessToken=self._token, **params)
            except ClientError as error:
                status, code, _ = _error_code(error)
                if status == 429 or code == "TooManyRequestsException":
                    self.counters.throttle()
                raise
            return result

        try:
            return call_with_retry(
                attempt, policy=self._policy, clock=self._clock, sleep=self._sleep, limiter=self._limiter
            )
        except ClientError as error:
            raise self._map(error, operation) from None
        except BotoCoreError as error:
            raise unreachable(
                error,
                f"Could not reach IAM Identity Center in {self._region} for {_API_NAMES[operation]} "
                f"({type(error).__name__}).",
                hint="Check the network (and AWS_ENDPOINT_URL_SSO if set) and try again.",
            ) from None

    def _map(self, error: BaseException, method: str) -> IdcError:
        operation = _API_NAMES[method]
        status, code, message = _error_code(error)
        if status == 401 or code == "UnauthorizedException":
            return _token_refused(self._fix)
        detail = f": {message}" if message else ""
        if status == 404 or code == "ResourceNotFoundException":
            return AccountGone(f"IAM Identity Center answered {code or status} to {operation}{detail}.")
        return ServiceError(f"IAM Identity Center answered {code or status} to {operation}{detail}.")

    def list_accounts_page(self, next_token: str | None, page_size: int) -> dict[str, Any]:
        params: dict[str, Any] = {"maxResults": page_size}
        if next_token:
            params["nextToken"] = next_token
        return self._call("list_accounts", **params)

    def account_roles(self, account_id: str, page_size: int) -> tuple[str, ...] | None:
        """The role names of one account; None when the account disappeared meanwhile (404)."""
        roles: list[str] = []
        next_token: str | None = None
        while True:
            params: dict[str, Any] = {"accountId": account_id, "maxResults": page_size}
            if next_token:
                params["nextToken"] = next_token
            try:
                page = self._call("list_account_roles", **params)
            except AccountGone:
                return None
            roles.extend(str(role["roleName"]) for role in page.get("roleList") or [])
            next_token = page.get("nextToken") or None
            if not next_token:
                return tuple(sorted(set(roles)))


class AccountGone(ServiceError):
    """ListAccountRoles for an account that is no longer assigned (404)."""


class Stopped(Exception):
    """Another worker failed: do not start new calls."""
