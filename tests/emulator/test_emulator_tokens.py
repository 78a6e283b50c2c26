"""Token lifetimes, refresh rotation with reuse detection, Logout and ending sessions."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_clients import Clients


def _refresh(aws: Clients, client: dict[str, Any], refresh_token: str) -> dict[str, Any]:
    return dict(
        aws.oidc.create_token(
            grantType="refresh_token",
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            refreshToken=refresh_token,
        )
    )


def _works(aws: Clients, token: dict[str, Any]) -> bool:
    try:
        aws.sso.list_accounts(accessToken=token["accessToken"])
    except aws.sso.exceptions.UnauthorizedException:
        return False
    return True


def test_refresh_rotates_and_reuse_revokes_the_family(aws: Clients) -> None:
    client, first = aws.device_login()
    second = _refresh(aws, client, first["refreshToken"])
    assert second["refreshToken"] != first["refreshToken"] and second["accessToken"] != first["accessToken"]
    third = _refresh(aws, client, second["refreshToken"])
    assert _works(aws, first) and _works(aws, third)

    with pytest.raises(aws.oidc.exceptions.InvalidGrantException) as reuse:
        _refresh(aws, client, first["refreshToken"])  # replayed: someone else holds the family
    assert reuse.value.response["Error"]["Code"] == "InvalidGrantException"
    assert not _works(aws, third) and not _works(aws, first)
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _refresh(aws, client, third["refreshToken"])


def test_reuse_in_one_family_leaves_other_sign_ins_alone(aws: Clients) -> None:
    client, mine = aws.device_login()
    other_client, other = aws.device_login()
    _refresh(aws, client, mine["refreshToken"])
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _refresh(aws, client, mine["refreshToken"])
    assert _works(aws, other)
    _refresh(aws, other_client, other["refreshToken"])


def test_clients_registered_without_scopes_get_no_refresh_token(aws: Clients) -> None:
    _, token = aws.device_login(scopes=[])
    assert "refreshToken" not in token


def test_refresh_token_of_another_client_is_invalid_grant(aws: Clients) -> None:
    _, token = aws.device_login()
    stranger = aws.register(scopes=["sso:account:access"])
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _refresh(aws, stranger, token["refreshToken"])


def test_access_token_expires_after_an_hour_and_refresh_renews_it(aws: Clients) -> None:
    client, token = aws.device_login()
    aws.emulator.advance_clock(3599)
    assert _works(aws, token)
    aws.emulator.advance_clock(2)
    assert not _works(aws, token)
    renewed = _refresh(aws, client, token["refreshToken"])
    assert _works(aws, renewed)


def test_the_expire_action_ends_a_users_access_tokens_now_and_keeps_the_session(aws: Clients) -> None:
    """``expire`` puts a client on its refresh path without moving any clock."""
    client, token = aws.device_login()
    assert aws.emulator.admin("expire", {"user": "someone-else"}) == {"tokens": 0, "credentials": 0}
    assert _works(aws, token)
    assert aws.emulator.admin("expire", {"user": "demo", "what": "tokens"}) == {"tokens": 1, "credentials": 0}
    assert not _works(aws, token)
    renewed = _refresh(aws, client, token["refreshToken"])
    assert _works(aws, renewed)


@pytest.mark.parametrize(
    "body",
    [
        {"what": "everything"},
        {"user": 5},
        {"what": ["tokens"]},
        {"colour": "red"},
        {"in_seconds": -1},
        {"in_seconds": 1e308},
        {"in_seconds": "10"},
    ],
    ids=["unknown-what", "user-not-text", "what-not-text", "unknown-field", "in-past", "in-huge", "in-text"],
)
def test_the_expire_action_refuses_bad_requests(aws: Clients, body: dict[str, object]) -> None:
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as refused:
        aws.emulator.admin("expire", body)
    assert refused.value.code == 400


def test_the_session_ends_after_eight_hours_with_its_refresh_tokens(aws: Clients) -> None:
    client, token = aws.device_login()
    for _ in range(8):
        aws.emulator.advance_clock(3500)
        token = _refresh(aws, client, token["refreshToken"])
    assert token["expiresIn"] == 8 * 3600 - 8 * 3500  # capped at the session's end
    aws.emulator.advance_clock(8 * 3600 - 8 * 3500)
    assert not _works(aws, token)
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _refresh(aws, client, token["refreshToken"])


def test_logout_invalidates_the_token_and_its_session(aws: Clients) -> None:
    client, token = aws.device_login()
    aws.sso.logout(accessToken=token["accessToken"])
    assert not _works(aws, token)
    with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
        _refresh(aws, client, token["refreshToken"])
    with pytest.raises(aws.sso.exceptions.UnauthorizedException):
        aws.sso.logout(accessToken=token["accessToken"])


@pytest.mark.parametrize(("ended_user", "demo_survives"), [("demo", False), ("other", True), (None, False)])
def test_admin_end_sessions(emulator_factory: Any, ended_user: str | None, demo_survives: bool) -> None:
    from emulator_clients import make_clients

    emulator = emulator_factory(
        {
            "users": [{"username": "demo", "password": "demo"}, {"username": "other", "password": "other"}],
            "accounts": [{"id": "111111111111", "name": "one"}],
            "permission_sets": [{"name": "ReadOnly"}],
            "assignments": [{"account": "*", "permission_set": "ReadOnly", "user": "demo"}],
        }
    )
    aws = make_clients(emulator)
    client, token = aws.device_login()
    _, other = aws.device_login("other", "other")
    emulator.end_sessions(ended_user)
    assert _works(aws, token) is demo_survives
    assert _works(aws, other) is (ended_user == "demo")
    if not demo_survives:
        with pytest.raises(aws.oidc.exceptions.InvalidGrantException):
            _refresh(aws, client, token["refreshToken"])


def test_client_registration_expires_after_90_days(aws: Clients) -> None:
    client, token = aws.device_login()
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 86400
    aws.emulator.advance_clock(90 * 86400 + 1)
    with pytest.raises(aws.oidc.exceptions.InvalidClientException):
        _refresh(aws, client, token["refreshToken"])


def test_without_rotation_the_refresh_answer_has_no_refresh_token(emulator_factory: Any) -> None:
    from emulator_clients import make_clients

    directory = {
        "users": [{"username": "demo", "password": "demo"}],
        "accounts": [{"id": "123456789012", "name": "sandbox"}],
        "permission_sets": [{"name": "AdministratorAccess"}],
        "assignments": [{"account": "*", "permission_set": "AdministratorAccess", "user": "demo"}],
        "rotate_refresh_tokens": False,
    }
    aws = make_clients(emulator_factory(directory))
    client, token = aws.device_login()
    for _ in range(3):
        renewed = _refresh(aws, client, token["refreshToken"])
        assert "refreshToken" not in renewed and _works(aws, renewed)
