"""The portal API (ListAccounts, ListAccountRoles, GetRoleCredentials) over a large directory."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_clients import Clients, make_clients

ACCOUNTS = 260


def big_directory() -> dict[str, Any]:
    accounts = [{"id": f"{100000000000 + i}", "name": f"acct-{i:03d}"} for i in range(ACCOUNTS)]
    return {
        "users": [
            {"username": "alice", "password": "pw-alice"},
            {"username": "bob", "password": "pw-bob"},
        ],
        "groups": [{"name": "devs", "members": ["alice", "bob"]}],
        "accounts": [*accounts, {"id": "999999999999", "name": "secret"}],
        "permission_sets": [
            {"name": "AdministratorAccess", "session_duration": 3600},
            {"name": "ReadOnly", "session_duration": 900},
        ],
        "assignments": [
            {"account": [a["id"] for a in accounts], "permission_set": "ReadOnly", "group": "devs"},
            {"account": "100000000007", "permission_set": "AdministratorAccess", "user": "alice"},
            {"account": "999999999999", "permission_set": "AdministratorAccess", "user": "bob"},
        ],
    }


@pytest.fixture
def big(emulator_factory: Any) -> Clients:
    return make_clients(emulator_factory(big_directory()))


def test_list_accounts_pages_through_260_accounts(big: Clients) -> None:
    _, token = big.device_login("alice", "pw-alice")
    pages = list(
        big.sso.get_paginator("list_accounts").paginate(
            accessToken=token["accessToken"], PaginationConfig={"PageSize": 100}
        )
    )
    assert [len(p["accountList"]) for p in pages] == [100, 100, 60]
    assert "nextToken" not in pages[-1]
    ids = [a["accountId"] for p in pages for a in p["accountList"]]
    assert len(set(ids)) == ACCOUNTS and "999999999999" not in ids  # only her assignments
    assert pages[0]["accountList"][0] == {
        "accountId": "100000000000",
        "accountName": "acct-000",
        "emailAddress": "acct-000@example.com",
    }


def test_default_page_size_and_manual_next_token(big: Clients) -> None:
    _, token = big.device_login("bob", "pw-bob")
    first = big.sso.list_accounts(accessToken=token["accessToken"])
    assert len(first["accountList"]) == 20 and first["nextToken"]
    second = big.sso.list_accounts(
        accessToken=token["accessToken"], nextToken=first["nextToken"], maxResults=1
    )
    assert len(second["accountList"]) == 1 and second["accountList"][0]["accountName"] == "acct-020"


def test_roles_are_the_users_own(big: Clients) -> None:
    _, alice = big.device_login("alice", "pw-alice")
    _, bob = big.device_login("bob", "pw-bob")
    roles = big.sso.list_account_roles(accessToken=alice["accessToken"], accountId="100000000007")["roleList"]
    assert roles == [
        {"roleName": "AdministratorAccess", "accountId": "100000000007"},
        {"roleName": "ReadOnly", "accountId": "100000000007"},
    ]
    roles = big.sso.list_account_roles(accessToken=bob["accessToken"], accountId="100000000007")["roleList"]
    assert roles == [{"roleName": "ReadOnly", "accountId": "100000000007"}]
    paged = big.sso.list_account_roles(
        accessToken=alice["accessToken"], accountId="100000000007", maxResults=1
    )
    assert len(paged["roleList"]) == 1 and paged["nextToken"]


def test_role_credentials_live_as_long_as_the_permission_set_says(big: Clients) -> None:
    _, token = big.device_login("alice", "pw-alice")
    now_ms = big.emulator.engine.now() * 1000
    for role, seconds in (("ReadOnly", 900), ("AdministratorAccess", 3600)):
        credentials = big.sso.get_role_credentials(
            accessToken=token["accessToken"], accountId="100000000007", roleName=role
        )["roleCredentials"]
        assert credentials["accessKeyId"].startswith("ASIA") and len(credentials["accessKeyId"]) == 20
        assert len(credentials["secretAccessKey"]) == 40
        assert abs(credentials["expiration"] - now_ms - seconds * 1000) < 5000


# (id, call, arguments, the modeled exception or error code)
PORTAL_ERRORS = [
    (
        "roles-other-users-account",
        "list_account_roles",
        {"accountId": "999999999999"},
        "ResourceNotFoundException",
    ),
    (
        "roles-unknown-account",
        "list_account_roles",
        {"accountId": "555555555555"},
        "ResourceNotFoundException",
    ),
    ("roles-bad-account-id", "list_account_roles", {"accountId": "12345"}, "InvalidRequestException"),
    ("accounts-page-too-big", "list_accounts", {"maxResults": 101}, "InvalidRequestException"),
    ("accounts-bad-next-token", "list_accounts", {"nextToken": "not-a-token"}, "InvalidRequestException"),
    (
        "credentials-unassigned-role",
        "get_role_credentials",
        {"accountId": "100000000001", "roleName": "AdministratorAccess"},
        "ForbiddenException",
    ),
    (
        "credentials-unassigned-account",
        "get_role_credentials",
        {"accountId": "999999999999", "roleName": "AdministratorAccess"},
        "ForbiddenException",
    ),
    (
        "credentials-bad-account-id",
        "get_role_credentials",
        {"accountId": "abc", "roleName": "ReadOnly"},
        "InvalidRequestException",
    ),
]


@pytest.mark.parametrize(
    ("call", "arguments", "code"), [pytest.param(c, a, s, id=i) for i, c, a, s in PORTAL_ERRORS]
)
def test_portal_errors(big: Clients, call: str, arguments: dict[str, Any], code: str) -> None:
    _, token = big.device_login("alice", "pw-alice")
    with pytest.raises(big.sso.exceptions.ClientError) as failure:
        getattr(big.sso, call)(accessToken=token["accessToken"], **arguments)
    assert failure.value.response["Error"]["Code"] == code
    modeled = getattr(big.sso.exceptions, code, None)
    if modeled is not None:
        assert isinstance(failure.value, modeled)


@pytest.mark.parametrize("call", ["list_accounts", "list_account_roles", "get_role_credentials", "logout"])
@pytest.mark.parametrize("token", ["garbage", ""], ids=["unknown-token", "empty-token"])
def test_bad_tokens_are_unauthorized(aws: Clients, call: str, token: str) -> None:
    arguments: dict[str, Any] = {
        "list_accounts": {},
        "list_account_roles": {"accountId": "123456789012"},
        "get_role_credentials": {"accountId": "123456789012", "roleName": "AdministratorAccess"},
        "logout": {},
    }[call]
    with pytest.raises(aws.sso.exceptions.UnauthorizedException) as failure:
        getattr(aws.sso, call)(accessToken=token or " ", **arguments)
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert failure.value.response["Error"]["Message"] == "Session token not found or invalid"
