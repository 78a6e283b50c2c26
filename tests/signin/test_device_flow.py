"""The device authorization grant against the local Identity Center (RFC 8628; catalogue item 16)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from idc.aws.oidc import EXPIRED_DEVICE_CODE_MESSAGE
from idc.errors import LoginFailed, ServiceError
from idc.signin.login import login

from .conftest import SESSION, SignInWorld, default_directory, make_world

DEVICE_TEXT = (
    "Attempting to open your default browser.\n"
    "If the browser does not open or you wish to use a different device to authorize this request, "
    "open the following URL:\n\n"
)


def _registration_key(world: SignInWorld, session: str | None, scopes: list[str] | None) -> str:
    """botocore's key, spelled out here as a literal recipe (botocore ``utils.py``)."""
    args = {
        "tool": "botocore",
        "startUrl": world.emulator.start_url,
        "region": world.emulator.region,
        "scopes": scopes,
        "session_name": session,
    }
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()


def _device_login(world: SignInWorld, opener: object, **kwargs: object) -> object:
    return login(
        world.target(),
        locations=world.locations,
        client_factory=world.factory,
        opener=opener,  # type: ignore[arg-type]
        use_device_code=True,
        out=world.out,
        sleep=world.sleep,
        **kwargs,  # type: ignore[arg-type]
    )


def test_device_flow_end_to_end(world: SignInWorld) -> None:
    approver = world.approver()
    token = _device_login(world, approver)
    approver.wait()

    # The browser got verificationUriComplete (an opaque request_uri); the text is the AWS CLI's.
    assert len(approver.opened) == 1 and "/device?request_uri=" in approver.opened[0]
    text = world.out.getvalue()
    assert text.startswith(DEVICE_TEXT)
    assert "\nThen enter the code:\n\n" in text
    assert text.endswith(f"Successfully logged into Start URL: {world.emulator.start_url}\n")

    # Token file: sha1(session name), AWS CLI's keys, UTC "Z" timestamps, refresh token (scoped client).
    tokens = world.tokens()
    assert list(tokens) == [hashlib.sha1(SESSION.encode()).hexdigest() + ".json"]
    cached = next(iter(tokens.values()))
    assert list(cached) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    assert cached["startUrl"] == world.emulator.start_url
    assert cached["region"] == world.emulator.region
    assert cached["accessToken"] == token.access_token  # type: ignore[attr-defined]
    assert cached["expiresAt"].endswith("Z") and cached["registrationExpiresAt"].endswith("Z")
    expires = dt.datetime.strptime(cached["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert dt.timedelta(minutes=55) < expires - dt.datetime.now(dt.timezone.utc) < dt.timedelta(minutes=61)

    # Registration: botocore's key and content for a device-grant client registered with scopes.
    registrations = world.registrations()
    key = _registration_key(world, SESSION, ["sso:account:access"]) + ".json"
    assert list(registrations) == [key]
    assert sorted(registrations[key]) == ["clientId", "clientSecret", "expiresAt", "scopes"]
    assert registrations[key]["clientId"] == cached["clientId"]

    calls = world.emulator.stats()
    assert calls.get("RegisterClient") == 1
    assert calls.get("StartDeviceAuthorization") == 1


def test_second_login_reuses_the_registration(world: SignInWorld) -> None:
    for _ in range(2):
        approver = world.approver()
        _device_login(world, approver)
        approver.wait()
    calls = world.emulator.stats()
    assert calls.get("RegisterClient") == 1
    assert calls.get("StartDeviceAuthorization") == 2


def test_deny_ends_with_login_failed_and_no_token(world: SignInWorld) -> None:
    approver = world.approver(allow=False)
    with pytest.raises(LoginFailed, match="denied") as raised:
        _device_login(world, approver)
    approver.wait()
    assert raised.value.exit_status == 5
    assert world.tokens() == {}


def test_slow_down_adds_five_seconds_cumulatively(world: SignInWorld) -> None:
    # The first two CreateToken calls (the pre-prompt poll and the first loop poll) answer slow_down.
    world.emulator.set_fault(operation="CreateToken", error="slow_down", count=2)
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    interval = 1  # the emulator's interval (directory lifetimes.device_poll_interval)
    assert world.sleeps[0] == interval + 5
    assert world.sleeps[1:] and all(s == interval + 10 for s in world.sleeps[1:])


def test_one_create_token_before_the_prompt(world: SignInWorld) -> None:
    """One CreateToken before printing anything (a pre-approved device would never be prompted)."""
    calls_at_open: list[int] = []
    text_at_open: list[str] = []
    approver = world.approver()

    def opener(url: str) -> bool:
        calls_at_open.append(world.emulator.stats().get("CreateToken", 0))
        text_at_open.append(world.out.getvalue())
        return approver(url)

    _device_login(world, opener)
    approver.wait()
    assert calls_at_open == [1]
    assert text_at_open[0].startswith(DEVICE_TEXT)


def test_polling_stops_at_expires_in(
    aws_home: Any, emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody approves: the flow stops when the code's lifetime is over, with the AWS CLI's message."""
    world = make_world(aws_home, emulator_factory(default_directory(device_code=30)), monkeypatch)
    clock = {"now": 0.0}

    def sleep(seconds: float) -> None:
        world.sleep(seconds)
        clock["now"] += seconds

    with pytest.raises(LoginFailed) as raised:
        login(
            world.target(),
            locations=world.locations,
            client_factory=world.factory,
            opener=lambda url: True,  # a browser that shows the page to nobody
            use_device_code=True,
            out=world.out,
            sleep=sleep,
            monotonic=lambda: clock["now"],
        )
    assert raised.value.message == EXPIRED_DEVICE_CODE_MESSAGE
    # 30 s lifetime, 1 s interval: polls up to the end of the lifetime, none after it.
    assert 29 <= clock["now"] <= 30
    assert world.emulator.stats()["CreateToken"] == 1 + len(world.sleeps)
    assert world.tokens() == {}


def test_server_side_expiry_ends_the_flow(world: SignInWorld) -> None:
    """expired_token from the server (its clock moved on) ends polling with the same message."""

    def sleep(seconds: float) -> None:
        world.sleeps.append(seconds)
        world.emulator.advance_clock(700)

    with pytest.raises(LoginFailed) as raised:
        login(
            world.target(),
            locations=world.locations,
            client_factory=world.factory,
            opener=lambda url: True,
            use_device_code=True,
            out=world.out,
            sleep=sleep,
        )
    assert raised.value.message == EXPIRED_DEVICE_CODE_MESSAGE
    assert len(world.sleeps) == 1


def test_unknown_registration_is_replaced_once(world: SignInWorld) -> None:
    """A cached registration the server does not know (InvalidClientException): register again, once."""
    key = _registration_key(world, SESSION, ["sso:account:access"])
    world.locations.sso_cache_dir.mkdir(parents=True, exist_ok=True)
    planted = {
        "clientId": "forgotten-client",
        "clientSecret": "forgotten-secret",
        "expiresAt": "2099-01-01T00:00:00Z",
        "scopes": ["sso:account:access"],
    }
    (world.locations.sso_cache_dir / f"{key}.json").write_text(json.dumps(planted))
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    calls = world.emulator.stats()
    assert calls["StartDeviceAuthorization"] == 2  # rejected once, then with the new client
    assert calls["RegisterClient"] == 1
    assert world.registrations()[f"{key}.json"]["clientId"] != "forgotten-client"


def test_expired_registration_is_replaced_without_trying_it(world: SignInWorld) -> None:
    key = _registration_key(world, SESSION, ["sso:account:access"])
    world.locations.sso_cache_dir.mkdir(parents=True, exist_ok=True)
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expired = {
        "clientId": "old",
        "clientSecret": "old-secret",
        "expiresAt": soon,
        "scopes": ["sso:account:access"],
    }
    (world.locations.sso_cache_dir / f"{key}.json").write_text(json.dumps(expired))
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    calls = world.emulator.stats()
    assert calls["RegisterClient"] == 1
    assert calls["StartDeviceAuthorization"] == 1


def test_server_that_keeps_rejecting_the_client_is_not_retried_forever(world: SignInWorld) -> None:
    world.emulator.set_fault(operation="StartDeviceAuthorization", error="invalid_client")
    with pytest.raises(ServiceError, match="client registration") as raised:
        _device_login(world, world.approver())
    assert "Secret" not in str(raised.value)
    calls = world.emulator.stats()
    assert calls["RegisterClient"] == 2  # the first registration, and one replacement
    assert calls["StartDeviceAuthorization"] == 2


def test_legacy_profile_registers_without_session_name(world: SignInWorld) -> None:
    approver = world.approver()
    login(
        world.target(session=None, scopes=()),
        locations=world.locations,
        client_factory=world.factory,
        opener=approver,
        out=world.out,
        sleep=world.sleep,
    )
    approver.wait()
    # Legacy: device flow by default, token keyed by sha1(start URL), registration keyed with nulls,
    # registered without scopes (so no refresh token, as with the AWS CLI).
    token_name = hashlib.sha1(world.emulator.start_url.encode()).hexdigest() + ".json"
    tokens = world.tokens()
    assert list(tokens) == [token_name]
    assert "refreshToken" not in tokens[token_name]
    assert list(world.registrations()) == [_registration_key(world, None, None) + ".json"]
    assert "/device?request_uri=" in approver.opened[0]


def test_registration_expired_on_the_server_is_replaced(world: SignInWorld) -> None:
    """The local clock says the registration is valid; the server's clock says it expired: re-register."""
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    world.emulator.advance_clock(91 * 86400)  # past the 90-day registration lifetime, on the server only
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    calls = world.emulator.stats()
    assert calls["RegisterClient"] == 2
    assert calls["StartDeviceAuthorization"] == 3  # one refused with InvalidClientException


def test_default_interval_is_five_seconds(world: SignInWorld) -> None:
    """A StartDeviceAuthorization answer without ``interval``: poll every 5 s (RFC 8628 section 3.2)."""
    client = world.factory("sso-oidc", world.emulator.region)

    def drop_interval(parsed: dict[str, object], **_: object) -> None:
        parsed.pop("interval", None)

    client.meta.events.register("after-call.sso-oidc.StartDeviceAuthorization", drop_interval)
    approver = world.approver()
    _device_login(world, approver)
    approver.wait()
    assert world.sleeps and all(s == 5 for s in world.sleeps)
