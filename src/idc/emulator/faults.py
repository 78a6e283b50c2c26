"""Fault injection and call counters, so clients' handling of each failure is tested against a real server.

A fault applies to one operation (``operation="GetRoleCredentials"``, or an sso-admin/identitystore one
such as ``"CreateAccountAssignment"``) or, without ``operation``, to every
API operation (a TPS limit without ``operation``: the portal operations, sharing one bucket, as AWS's
~20 TPS quota does). Kinds, combinable in one spec:

- ``latency_ms``: delay every matching call;
- ``status`` 429 (with ``retry_after`` seconds, default 1) or 500: answer that error;
- ``error``: an sso-oidc OAuth error code, e.g. ``"invalid_grant"`` on CreateToken, with an optional
  ``reason`` (the model's ``reason`` member, e.g. ``"KMS_AccessDeniedException"`` with
  ``"access_denied"``: the instance's KMS key is unusable);
- ``tps_limit``: a token bucket (burst = one second's worth); calls beyond it get 429 + Retry-After.

Several faults on one call combine: the call waits for the *longest* latency among them (never the
sum: four faults of 3 s delay a call by 3 s), and the first fault installed that answers an error
(status, error, or a TPS limit with no room) answers it; the others let it be. ``count`` limits any
fault to the next N matching calls it acts on (a delay, or an error it answered), then it goes away;
without it the fault lasts until ``clear()``.
Faults installed at start (``idc emulator --tps-limit 20 --latency-ms 50``) are the baseline:
``clear()`` keeps them unless ``baseline=True``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idc.emulator import service_errors as e

OIDC_OPERATIONS = ("RegisterClient", "StartDeviceAuthorization", "CreateToken")
PORTAL_OPERATIONS = ("ListAccounts", "ListAccountRoles", "GetRoleCredentials", "Logout")
STS_OPERATIONS = ("GetCallerIdentity",)
OPERATIONS = OIDC_OPERATIONS + PORTAL_OPERATIONS + STS_OPERATIONS


def admin_operations() -> frozenset[str]:
    """The sso-admin and identitystore operations the emulator answers (faults may name them; they
    answer ThrottlingException or InternalServerException, as those JSON services name them)."""
    from idc.emulator.admin import identitystore, sso_admin

    return frozenset(sso_admin.OPERATIONS) | frozenset(identitystore.OPERATIONS)


FEDERATION_OPERATIONS = ("getSigninToken", "login")
"""The federation endpoint's actions (``Action=...``): counted in the stats; faults do not apply to them."""
_SPEC_KEYS = {
    "operation",
    "status",
    "retry_after",
    "count",
    "latency_ms",
    "tps_limit",
    "error",
    "message",
    "reason",
}


class FaultSpecError(ValueError):
    """An admin fault request that does not make sense; the message says why."""


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; thread-safe."""

    def __init__(self, rate: float, capacity: float, monotonic: Callable[[], float]) -> None:
        self.rate, self.capacity = rate, capacity
        self._tokens = capacity
        self._monotonic = monotonic
        self._last = monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


@dataclass
class Fault:
    operations: tuple[str, ...]
    status: int | None = None
    retry_after: int | None = None
    error: str | None = None
    reason: str | None = None
    message: str | None = None
    latency_ms: float = 0
    remaining: int | None = None  # None: permanent
    bucket: TokenBucket | None = None
    baseline: bool = False
    spec: dict[str, Any] = field(default_factory=dict)


def _exception(operation: str, status: int, message: str, retry_after: int | None) -> e.ServiceException:
    if operation in STS_OPERATIONS:
        return (e.StsThrottling if status == 429 else e.StsInternalFailure)(message, retry_after=retry_after)
    if operation in PORTAL_OPERATIONS:
        if status == 429:
            return e.TooManyRequests(message, retry_after=retry_after)
        return e.PortalInternalServer(message)
    if status == 429:
        return _OidcTooManyRequests(message, retry_after=retry_after)
    return e.OidcInternalServer(message)


class _OidcTooManyRequests(e.OidcException):
    shape, status, error = "TooManyRequestsException", 429, "too_many_requests"


class FaultInjector:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._faults: list[Fault] = []
        self._calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    # --- admin -----------------------------------------------------------------------------------------
    def add(self, spec: Mapping[str, Any], *, baseline: bool = False) -> dict[str, Any]:
        """Install a fault from an admin spec (see the module docstring); return its description."""
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            raise FaultSpecError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        operation = spec.get("operation")
        if operation is not None and operation not in OPERATIONS and operation not in admin_operations():
            raise FaultSpecError(
                f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}, or an sso-admin or"
                " identitystore operation (e.g. CreateAccountAssignment)"
            )
        status, error = spec.get("status"), spec.get("error")
        latency_ms, tps_limit = spec.get("latency_ms"), spec.get("tps_limit")
        count, retry_after = spec.get("count"), spec.get("retry_after")
        if all(v is None for v in (status, error, latency_ms, tps_limit)):
            raise FaultSpecError("a fault needs status, error, latency_ms or tps_limit")
        for name, value, low, high in (
            ("status", status, 400, 599),
            ("latency_ms", latency_ms, 0, 60_000),
            ("tps_limit", tps_limit, 0.1, 100_000),
            ("count", count, 1, 10**9),
            ("retry_after", retry_after, 0, 3600),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high
            ):
                raise FaultSpecError(f"{name} must be a number from {low} to {high}")
        if error is not None:
            if error not in e.OIDC_ERRORS:
                raise FaultSpecError(
                    f"unknown OAuth error {error!r}; one of {', '.join(sorted(e.OIDC_ERRORS))}"
                )
            if operation not in OIDC_OPERATIONS:
                raise FaultSpecError("error= applies to an sso-oidc operation (e.g. operation=CreateToken)")
        if status is not None and status not in (429, 500):
            raise FaultSpecError("status must be 429 or 500")
        if status is not None and error is not None:
            raise FaultSpecError("give status or error, not both")
        reason = spec.get("reason")
        if reason is not None and (error is None or not isinstance(reason, str) or not reason.isidentifier()):
            raise FaultSpecError("reason= goes with error= and is a name like KMS_AccessDeniedException")
        if operation is not None:
            operations: tuple[str, ...] = (operation,)
        elif tps_limit is not None:
            operations = PORTAL_OPERATIONS
        else:
            operations = OPERATIONS
        fault = Fault(
            operations=operations,
            status=int(status) if status is not None else None,
            retry_after=int(retry_after) if retry_after is not None else (1 if status == 429 else None),
            error=error,
            reason=reason,
            message=spec.get("message") if isinstance(spec.get("message"), str) else None,
            latency_ms=float(latency_ms or 0),
            remaining=int(count) if count is not None else None,
            bucket=TokenBucket(float(tps_limit), max(float(tps_limit), 1.0), self._monotonic)
            if tps_limit is not None
            else None,
            baseline=baseline,
            spec={k: v for k, v in spec.items() if v is not None},
        )
        with self._lock:
            self._faults.append(fault)
        return self._describe(fault)

    def clear(self, *, baseline: bool = False) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.baseline and not baseline]

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._describe(f) for f in self._faults]

    @staticmethod
    def _describe(fault: Fault) -> dict[str, Any]:
        return {**fault.spec, "remaining": fault.remaining, "baseline": fault.baseline}

    def stats(self) -> dict[str, int]:
        """Calls received per operation (faulted ones included), and "<operation> 429" for those refused."""
        with self._lock:
            return dict(self._calls)

    def reset_stats(self) -> None:
        with self._lock:
            self._calls.clear()

    # --- per request -----------------------------------------------------------------------------------
    @staticmethod
    def _failure(fault: Fault, operation: str) -> e.ServiceException | None:
        """The error ``fault`` answers this call with, or None (latency only, or the bucket had room)."""
        if fault.bucket is not None:
            wait = fault.bucket.take()
            if wait <= 0:
                return None
            return _exception(operation, 429, fault.message or "Too many requests", max(1, math.ceil(wait)))
        if fault.error is not None:
            return e.OIDC_ERRORS[fault.error](
                fault.message or f"Injected fault: {fault.error}", reason=fault.reason
            )
        if fault.status is not None:
            return _exception(
                operation,
                fault.status,
                fault.message or f"Injected fault: HTTP {fault.status}",
                fault.retry_after,
            )
        return None

    def count(self, operation: str) -> None:
        """Count a call that no fault applies to (:data:`FEDERATION_OPERATIONS`)."""
        with self._lock:
            self._calls[operation] += 1

    def on_call(self, operation: str) -> tuple[float, e.ServiceException | None]:
        """Count the call; return (seconds of latency to add, the error to answer or None)."""
        with self._lock:
            self._calls[operation] += 1
            if not self._faults:
                return 0.0, None
            delay = 0.0
            failure: e.ServiceException | None = None
            for fault in self._faults:
                if operation not in fault.operations:
                    continue
                if fault.remaining is not None and fault.remaining <= 0:
                    continue
                acted = False
                if fault.latency_ms:
                    delay = max(delay, fault.latency_ms / 1000)  # the longest, never the sum
                    acted = True
                if failure is None:
                    failure = self._failure(fault, operation)
                    acted = acted or failure is not None
                if acted and fault.remaining is not None:
                    fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining is None or f.remaining > 0]
            if failure is not None and failure.status == 429:  # refused calls, e.g. "ListAccounts 429"
                self._calls[f"{operation} 429"] += 1
            return delay, failure
