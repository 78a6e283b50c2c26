"""idc.aws.retry: throttling, Retry-After, budgets and the token bucket, with an injected clock.

The errors are real botocore ``ClientError`` objects shaped as botocore builds them from a response
(``Error.Code``, ``ResponseMetadata.HTTPStatusCode`` and lower-cased ``HTTPHeaders``); the end-to-end
behaviour against the emulator's 429 fault is in test_retry_emulator.py.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from idc.aws.retry import RateLimiter, RetryPolicy, call_with_retry, parse_retry_after
from idc.errors import Throttled


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def client_error(status: int, code: str, headers: dict[str, str] | None = None) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "x"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
        },
        "GetRoleCredentials",
    )


def failing(errors: list[BaseException], result: str = "ok") -> Callable[[], str]:
    calls = iter(errors)

    def fn() -> str:
        error = next(calls, None)
        if error is not None:
            raise error
        return result

    return fn


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("garbage", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
    ],
    ids=["seconds", "fraction", "negative-clamped", "garbage", "empty", "http-date-vs-date-header"],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, date_header="Wed, 21 Oct 2015 07:28:00 GMT") == expected


def test_http_date_without_date_header_uses_now() -> None:
    # 2015-10-21T07:28:00Z
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


@pytest.mark.parametrize(
    "error",
    [
        client_error(429, "TooManyRequestsException"),
        client_error(400, "Throttling"),
        client_error(400, "ThrottlingException"),
        client_error(500, "InternalServerException"),
        client_error(503, "ServiceUnavailable"),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
    ],
    ids=["429", "Throttling", "ThrottlingException", "500", "503", "connect-error", "read-timeout"],
)
def test_retryable_errors_are_retried(error: BaseException) -> None:
    clock = FakeClock()
    assert call_with_retry(failing([error, error]), clock=clock, sleep=clock.sleep) == "ok"
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        client_error(401, "UnauthorizedException"),
        client_error(400, "InvalidGrantException"),
        client_error(404, "ResourceNotFoundException"),
        # The device flow's slow_down is protocol, not throttling: the flow handles it.
        client_error(400, "SlowDownException"),
    ],
    ids=["401", "invalid-grant", "404", "device-slow-down"],
)
def test_other_errors_are_raised_at_once(error: ClientError) -> None:
    clock = FakeClock()
    with pytest.raises(ClientError) as raised:
        call_with_retry(failing([error]), clock=clock, sleep=clock.sleep)
    assert raised.value is error
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (client_error(500, "InternalServerException"), False),
        (client_error(503, "ServiceUnavailable"), True),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), False),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), True),
        (client_error(429, "TooManyRequestsException"), True),
    ],
    ids=["500", "503", "read-timeout", "connect-error", "429"],
)
def test_non_idempotent_calls_only_retry_what_never_reached_the_server(
    error: BaseException, retried: bool
) -> None:
    clock = FakeClock()
    policy = RetryPolicy(idempotent=False)
    fn = failing([error])
    if retried:
        assert call_with_retry(fn, policy=policy, clock=clock, sleep=clock.sleep) == "ok"
    else:
        with pytest.raises(type(error)):
            call_with_retry(fn, policy=policy, clock=clock, sleep=clock.sleep)


def test_retry_after_is_a_minimum_plus_jitter() -> None:
    clock = FakeClock()
    throttle = client_error(429, "TooManyRequestsException", {"retry-after": "2"})
    policy = RetryPolicy(base_backoff_s=0.5, max_backoff_s=4)
    call_with_retry(
        failing([throttle] * 5), policy=policy, clock=clock, sleep=clock.sleep, rng=random.Random(7)
    )
    assert len(clock.sleeps) == 5
    assert all(s >= 2.0 for s in clock.sleeps)
    assert all(s <= 2.0 + min(4, 0.5 * 2**i) for i, s in enumerate(clock.sleeps))
    # jitter: the waits are not all the same
    assert len({round(s, 6) for s in clock.sleeps}) == 5


def test_retry_after_http_date_is_honoured() -> None:
    clock = FakeClock()
    throttle = client_error(
        429,
        "TooManyRequestsException",
        {"retry-after": "Wed, 21 Oct 2015 07:28:03 GMT", "date": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    call_with_retry(failing([throttle]), clock=clock, sleep=clock.sleep)
    assert clock.sleeps[0] >= 3.0


def test_full_jitter_backoff_stays_within_bounds() -> None:
    policy = RetryPolicy(base_backoff_s=0.1, max_backoff_s=1.0)
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(1.0, 0.1 * 2**attempt)
        samples = [policy.backoff(attempt, rng) for _ in range(50)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling / 2  # really spread over the range


def test_throttling_past_the_budget_raises_throttled_with_one_clear_line() -> None:
    clock = FakeClock()
    throttle = client_error(429, "TooManyRequestsException", {"retry-after": "4"})
    policy = RetryPolicy(budget_s=10, base_backoff_s=0.1, max_backoff_s=0.1)
    calls = 0

    def always_throttled() -> None:
        nonlocal calls
        calls += 1
        raise throttle

    with pytest.raises(Throttled) as raised:
        call_with_retry(always_throttled, policy=policy, clock=clock, sleep=clock.sleep)
    message = str(raised.value)
    assert "\n" not in message
    assert "GetRoleCredentials" in message and "429" in message and "10s retry budget" in message
    assert raised.value.hint
    assert clock.now - 1000.0 <= 10  # never slept past the budget
    assert calls == 3  # waits of ~4s: attempts at 0, ~4, ~8; the next would pass 10s


def test_retry_after_longer_than_the_budget_fails_at_once() -> None:
    clock = FakeClock()
    throttle = client_error(429, "TooManyRequestsException", {"retry-after": "120"})
    with pytest.raises(Throttled, match="asked to wait 120s"):
        call_with_retry(failing([throttle]), policy=RetryPolicy(budget_s=30), clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


def test_server_errors_past_the_budget_are_reraised_unchanged() -> None:
    clock = FakeClock()
    error = client_error(500, "InternalServerException")
    with pytest.raises(ClientError) as raised:
        call_with_retry(
            failing([error] * 100), policy=RetryPolicy(budget_s=5), clock=clock, sleep=clock.sleep
        )
    assert raised.value is error


def test_max_attempts_caps_the_number_of_calls() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def fn() -> Any:
        calls.append(1)
        raise client_error(429, "TooManyRequestsException")

    with pytest.raises(Throttled):
        call_with_retry(fn, policy=RetryPolicy(max_attempts=3), clock=clock, sleep=clock.sleep)
    assert len(calls) == 3


def test_rate_limiter_paces_to_the_rate_after_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(105):
        limiter.acquire()
    elapsed = clock.now - 1000.0
    # 5 free, then 100 at 20/s
    assert elapsed == pytest.approx(100 / 20, rel=1e-6)


def test_rate_limiter_refills_up_to_burst_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock, sleep=clock.sleep)
    clock.now += 3600  # a long idle time must not bank more than `burst`
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_rate_limiter_is_thread_safe_and_fair_in_real_time() -> None:
    limiter = RateLimiter(200, burst=1)
    import time

    start = time.monotonic()
    threads = [threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    # 80 acquisitions at 200/s with a burst of 1: at least 79/200 s.
    assert elapsed >= 79 / 200 - 0.01


def test_call_with_retry_acquires_the_limiter_for_every_attempt() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, burst=1, clock=clock, sleep=clock.sleep)
    throttle = client_error(429, "TooManyRequestsException")
    policy = RetryPolicy(base_backoff_s=0.0, max_backoff_s=0.0)
    call_with_retry(
        failing([throttle, throttle]), policy=policy, clock=clock, sleep=clock.sleep, limiter=limiter
    )
    # three attempts through a 1/s bucket: two waits of a second
    assert sum(clock.sleeps) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
    ],
    ids=["refused", "read-timeout"],
)
def test_a_dead_endpoint_fails_after_a_few_attempts_not_the_whole_budget(error: BaseException) -> None:
    """Connection refused (the emulator or a proxy is down): a handful of quick attempts, then the
    error, instead of retrying for the whole 30 s budget while a credential_process caller hangs."""
    clock = FakeClock()
    calls: list[int] = []

    def fn() -> Any:
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        call_with_retry(fn, policy=RetryPolicy(budget_s=30), clock=clock, sleep=clock.sleep)
    assert len(calls) == RetryPolicy().connection_attempts == 4
    assert clock.now - 1000.0 <= 0.25 + 0.5 + 1.0


def test_a_connection_blip_between_throttles_is_still_retried() -> None:
    clock = FakeClock()
    blip = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    throttle = client_error(429, "TooManyRequestsException")
    fn = failing([throttle, blip, throttle, blip, throttle, blip])
    assert call_with_retry(fn, policy=RetryPolicy(budget_s=30), clock=clock, sleep=clock.sleep) == "ok"
