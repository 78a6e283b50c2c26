"""Listing accounts and roles against the local Identity Center: complete, paced, retried, cached."""

from __future__ import annotations

import datetime as dt
import json
import stat
import time
from typing import Any

import pytest

from idc.accounts.listing import ListingOptions, Progress, list_accounts_and_roles
from idc.accounts.listing_cache import cached_listing, listing_cache_path
from idc.aws.clients import BotocoreClientFactory
from idc.aws.retry import RetryPolicy
from idc.errors import LoginRequired

from .listing_support import PERMISSION_SETS, directory, sign_in


def _expected(accounts: int, roles: int) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (f"{100000000000 + i}", f"acct-{i:04d}", tuple(sorted(PERMISSION_SETS[:roles])))
        for i in range(accounts)
    ]


def _list(signed: Any, **kwargs: Any) -> Any:
    emulator = signed.emulator
    return list_accounts_and_roles(
        signed.access_token,
        start_url=emulator.start_url,
        sso_region=emulator.region,
        client_factory=BotocoreClientFactory(),
        **kwargs,
    )


def test_every_account_and_role_paginated(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(45, 2)), aws_home, monkeypatch)
    listing = _list(signed, options=ListingOptions(tps=200, page_size=7))
    got = [(a.account_id, a.account_name, a.roles) for a in listing.accounts]
    assert got == _expected(45, 2)
    assert listing.accounts[0].email == "acct0@example.com"
    assert listing.role_count == 90
    stats = signed.emulator.stats()
    # 45 accounts in pages of 7 -> 7 ListAccounts calls; one ListAccountRoles per account.
    assert stats["ListAccounts"] == 7
    assert stats["ListAccountRoles"] == 45
    assert listing.stats.calls == 52
    assert listing.stats.throttled == 0


def test_paced_under_the_server_quota_without_a_single_429(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(120, 1), tps_limit=60), aws_home, monkeypatch)
    progress: list[Progress] = []
    started = time.monotonic()
    listing = _list(signed, options=ListingOptions(tps=60), progress=progress.append)
    elapsed = time.monotonic() - started
    assert len(listing.accounts) == 120
    assert listing.stats.throttled == 0
    # 122 calls at 60/s cannot finish faster than the quota allows (the server's bucket starts full,
    # ours does not burst).
    assert elapsed >= (122 - 1) / 60 * 0.95
    assert progress[-1].accounts_done == 120
    assert progress[-1].accounts_total == 120
    assert [p.accounts_done for p in progress] == sorted(p.accounts_done for p in progress)


def test_429_storm_is_retried_after_retry_after_with_zero_failures(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    # The client is told 100 TPS but the server allows 15: most calls past the burst get 429 +
    # Retry-After, and every one is retried until it succeeds.
    signed = sign_in(emulator_factory(directory(60, 2), tps_limit=15), aws_home, monkeypatch)
    listing = _list(signed, options=ListingOptions(tps=100, workers=16))
    assert [(a.account_id, a.account_name, a.roles) for a in listing.accounts] == _expected(60, 2)
    assert listing.stats.throttled > 0
    stats = signed.emulator.stats()
    assert stats["ListAccountRoles"] + stats["ListAccounts"] == listing.stats.calls


def test_retry_after_is_waited_for(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(3, 1)), aws_home, monkeypatch)
    signed.emulator.set_fault(operation="ListAccounts", status=429, retry_after=1, count=2)
    started = time.monotonic()
    listing = _list(signed)
    assert len(listing.accounts) == 3
    assert listing.stats.throttled == 2
    assert time.monotonic() - started >= 2.0  # two Retry-After: 1 waits, at least


def test_throttling_past_the_budget_is_a_clear_failure(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    from idc.errors import Throttled

    signed = sign_in(emulator_factory(directory(3, 1)), aws_home, monkeypatch)
    signed.emulator.set_fault(operation="ListAccountRoles", status=429, retry_after=1)
    with pytest.raises(Throttled, match="ListAccountRoles"):
        _list(signed, options=ListingOptions(retry=RetryPolicy(budget_s=1.5)))


def test_refused_token_says_how_to_sign_in(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(3, 1)), aws_home, monkeypatch)
    signed.emulator.end_sessions()
    with pytest.raises(LoginRequired) as raised:
        _list(signed, fix="idc login --sso-session org")
    assert "idc login --sso-session org" in str(raised.value)
    assert signed.access_token not in str(raised.value)


def test_listing_is_cached_privately_and_briefly(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(5, 2)), aws_home, monkeypatch)
    emulator = signed.emulator
    clock = [dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.timezone.utc)]

    def fetch(refresh: bool = False) -> Any:
        return cached_listing(
            signed.locations,
            signed.access_token,
            start_url=emulator.start_url,
            sso_region=emulator.region,
            refresh=refresh,
            client_factory=BotocoreClientFactory(),
            now=lambda: clock[0],
        )

    first = fetch()
    assert not first.from_cache
    calls = emulator.stats()["ListAccountRoles"]

    second = fetch()
    assert second.from_cache
    assert second.accounts == first.accounts
    assert emulator.stats()["ListAccountRoles"] == calls  # no call reached the server

    path = listing_cache_path(signed.locations, emulator.start_url, signed.access_token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert signed.access_token not in text
    assert json.loads(text)["accounts"][0]["roles"] == ["AdministratorAccess", "ReadOnlyAccess"]

    assert not fetch(refresh=True).from_cache  # --refresh bypasses
    assert emulator.stats()["ListAccountRoles"] == calls + 5

    clock[0] += dt.timedelta(minutes=11)  # older than 10 minutes: fetched again
    assert not fetch().from_cache
    assert emulator.stats()["ListAccountRoles"] == calls + 10


def test_a_corrupt_cache_is_a_miss_and_is_rewritten(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = sign_in(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    emulator = signed.emulator
    path = listing_cache_path(signed.locations, emulator.start_url, signed.access_token)
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text("{not json")
    listing = cached_listing(
        signed.locations, signed.access_token, start_url=emulator.start_url, sso_region=emulator.region
    )
    assert not listing.from_cache and len(listing.accounts) == 2
    assert json.loads(path.read_text())["version"] == 1


def test_token_replaced_by_another_sign_in_is_reloaded_once(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    from idc.accounts.target import listing_for, resolve_target

    signed = sign_in(emulator_factory(directory(4, 1)), aws_home, monkeypatch)
    signed.emulator.end_sessions()  # the token this process reads first is dead...
    real = BotocoreClientFactory()
    signed_again: list[str] = []

    def factory(service: str, region: str) -> Any:
        if service == "sso" and not signed_again:
            # ...and another process signs in before our first portal call.
            signed_again.append(sign_in(signed.emulator, aws_home, monkeypatch).access_token)
        return real(service, region)

    target = resolve_target(signed.locations, sso_session="org")
    listing = listing_for(target, locations=signed.locations, client_factory=factory)
    assert len(listing.accounts) == 4
    assert signed_again and signed_again[0] != signed.access_token
