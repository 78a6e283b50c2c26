"""Retries for Identity Center calls: 429 / Retry-After with full jitter inside a time budget, and a
thread-safe token bucket to stay under the service's quota (about 20 TPS per account).

botocore's own retry handlers ignore ``Retry-After`` and give up after a fixed number of attempts;
idc's clients are built with one attempt (:mod:`idc.aws.clients`) and every call that can be throttled
goes through :func:`call_with_retry`:

- throttling (HTTP 429, ``TooManyRequestsException``, ``Throttling``, ``ThrottlingException``, ...) is
  retried; when the response carries ``Retry-After`` (delta seconds or an HTTP date, RFC 9110 section
  10.2.3) the wait is at least that long, plus jitter so that many waiting clients do not come back in
  the same instant;
- 5xx answers and dropped connections are retried when that is safe: always when the request never
  reached the server (connect errors, 503), otherwise only for idempotent operations
  (``RetryPolicy.idempotent``; a ``CreateToken`` refresh is not, since a replayed refresh token can
  revoke the whole token family);
- the whole thing is bounded by ``RetryPolicy.budget_s``: when the next wait would pass the budget, a
  throttled call raises :class:`idc.errors.Throttled` with one clear line, and any other error is
  re-raised as it was so the caller can map it.

Backoff is "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"):
``uniform(0, min(max_backoff, base * 2**attempt))``. Clock, sleep and the random source are injected.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from idc.errors import Throttled

T = TypeVar("T")

Clock = Callable[[], float]
Sleep = Callable[[float], None]

log = logging.getLogger(__name__)
notice = logging.getLogger("idc.notice")  # idc.debug_log.NOTICE_LOGGER: one updating terminal line

THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
        "429",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry.

    ``budget_s``: total time (from the first attempt) after which no further attempt is started.
    ``base_backoff_s`` / ``max_backoff_s``: full-jitter exponential backoff bounds.
    ``max_attempts``: optional cap on attempts (None: only the budget limits).
    ``idempotent``: the call may be repeated after the server may have seen it (5xx, read timeouts).
    ``retry_server_errors`` / ``retry_connection_errors``: retry 5xx answers / connection failures.
    ``connection_attempts``: attempts (the first included) when the connection itself fails; a
    refused or unreachable endpoint is rarely a blip, and waiting out the whole budget on it leaves a
    credential_process caller hanging for half a minute (botocore's standard mode makes 3 attempts).
    """

    budget_s: float = 30.0
    base_backoff_s: float = 0.25
    max_backoff_s: float = 8.0
    max_attempts: int | None = None
    idempotent: bool = True
    retry_server_errors: bool = True
    retry_connection_errors: bool = True
    connection_attempts: int = 4

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_backoff_s, self.base_backoff_s * (2 ** min(attempt, 30)))
        return (rng or random).uniform(0, ceiling)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class _Verdict:
    retry: bool
    throttled: bool = False
    retry_after: float | None = None
    reason: str = ""
    connection: bool = False


def parse_retry_after(
    value: str, *, now: float | None = None, date_header: str | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date (RFC 9110 10.2.3).

    An HTTP date is measured against the response's own ``Date`` header when present (so a skewed
    local clock does not matter), else against ``now`` (epoch seconds, default the wall clock).
    Returns None when the value cannot be parsed; never negative.
    """
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    reference = now if now is not None else time.time()
    if date_header:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            reference = email.utils.parsedate_to_datetime(date_header).timestamp()
    return max(0.0, when.timestamp() - reference)


def _headers_of(response: Mapping[str, Any]) -> dict[str, str]:
    metadata = response.get("ResponseMetadata") or {}
    headers = metadata.get("HTTPHeaders") or {}
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _classify(error: BaseException, policy: RetryPolicy) -> _Verdict:
    """Decide whether ``error`` (raised by a botocore call) is worth another attempt."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(error, ClientError):
        response: Mapping[str, Any] = error.response or {}
        code = str((response.get("Error") or {}).get("Code", ""))
        metadata = response.get("ResponseMetadata") or {}
        status = int(metadata.get("HTTPStatusCode") or 0)
        headers = _headers_of(response)
        retry_after = None
        if "retry-after" in headers:
            retry_after = parse_retry_after(headers["retry-after"], date_header=headers.get("date"))
        if status == 429 or code in THROTTLING_CODES:
            return _Verdict(True, throttled=True, retry_after=retry_after, reason=f"{status} {code}")
        if status >= 500 and policy.retry_server_errors and (policy.idempotent or status == 503):
            return _Verdict(True, retry_after=retry_after, reason=f"{status} {code}")
        return _Verdict(False)
    if not policy.retry_connection_errors:
        return _Verdict(False)
    # Connect failures never reached the server: always safe to repeat.
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return _Verdict(True, reason=type(error).__name__, connection=True)
    if isinstance(error, (ReadTimeoutError, ConnectionClosedError)) and policy.idempotent:
        return _Verdict(True, reason=type(error).__name__, connection=True)
    return _Verdict(False)


def _operation_of(error: BaseException) -> str:
    return str(getattr(error, "operation_name", "") or "the request")


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    limiter: RateLimiter | None = None,
    rng: random.Random | None = None,
) -> T:
    """Call ``fn()`` (one botocore operation) and retry it under ``policy``.

    Raises :class:`idc.errors.Throttled` when throttling lasts past the budget; re-raises any other
    error unchanged (the caller maps it to an :mod:`idc.errors` exception). ``limiter``, when given,
    is acquired before every attempt.
    """
    start = clock()
    attempt = 0
    connection_failures = 0
    try:
        while True:
            if limiter is not None:
                limiter.acquire()
            try:
                return fn()
            except Exception as error:
                verdict = _classify(error, policy)
                if not verdict.retry:
                    raise
                delay = policy.backoff(attempt, rng)
                if verdict.retry_after is not None:
                    delay += verdict.retry_after
                attempt += 1
                connection_failures += verdict.connection
                elapsed = clock() - start
                out_of_attempts = (policy.max_attempts is not None and attempt >= policy.max_attempts) or (
                    connection_failures >= policy.connection_attempts
                )
                if out_of_attempts or elapsed + delay > policy.budget_s:
                    if verdict.throttled:
                        raise _throttled(error, attempt, elapsed, verdict.retry_after, policy) from error
                    raise
                log.debug(
                    "%s failed (%s); retry %d in %.2fs", _operation_of(error), verdict.reason, attempt, delay
                )
                notice.info("%s; retrying in %.0f s (retry %d)", _waiting(error, verdict), delay, attempt)
                sleep(delay)
    finally:
        if attempt:
            notice.info("")  # clears the line


def _waiting(error: BaseException, verdict: _Verdict) -> str:
    """What a person should read while idc waits: who answered what."""
    operation = _operation_of(error)
    if verdict.throttled:
        return f"{operation} throttled (429 Too Many Requests)"
    if verdict.connection:
        return f"{operation} could not connect ({verdict.reason})"
    return f"{operation} failed ({verdict.reason.strip()})"


def _throttled(
    error: BaseException, attempts: int, elapsed: float, retry_after: float | None, policy: RetryPolicy
) -> Throttled:
    operation = _operation_of(error)
    detail = f"{attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f}s"
    if retry_after is not None and elapsed + retry_after > policy.budget_s:
        detail += f"; the service asked to wait {retry_after:.0f}s more"
    return Throttled(
        f"Identity Center throttled {operation} (429 Too Many Requests) past the "
        f"{policy.budget_s:.0f}s retry budget ({detail}).",
        hint="Wait a minute and try again, or run fewer requests at once.",
    )


class RateLimiter:
    """Thread-safe token bucket: on average ``rate_per_s`` acquisitions per second, bursts of ``burst``.

    Acquisitions reserve their slot under the lock and then sleep outside it, so waiters are served
    in arrival order and the lock is never held while sleeping.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int = 1,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_s = float(rate_per_s)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate_per_s)
        self._updated = now

    def try_acquire(self) -> bool:
        """Take one token if one is available now; never waits."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; returns the time waited (seconds)."""
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate_per_s
        if wait > 0:
            self._sleep(wait)
        return wait
