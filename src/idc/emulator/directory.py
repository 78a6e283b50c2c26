"""The emulator's directory: users, groups, accounts, permission sets, assignments and lifetimes.

Loaded from a JSON file (``idc emulator --directory FILE``) or a dict; :func:`default_directory` mirrors
the AWS documentation's example. The JSON shape::

    {
      "start_url": "https://d-0000000000.awsapps.com/start",
      "region": "ap-northeast-1",
      "users": [{"username": "demo", "password": "demo", "display_name": "Demo User", "email": "..."}],
      "groups": [{"name": "admins", "members": ["demo"]}],
      "accounts": [{"id": "123456789012", "name": "sandbox", "email": "sandbox@example.com"}],
      "permission_sets": [{"name": "AdministratorAccess", "session_duration": 3600}],
      "assignments": [{"account": "123456789012" | ["..."] | "*", "permission_set": "AdministratorAccess",
                       "user": "demo"} | {..., "group": "admins"}],
      "lifetimes": {"access_token": 3600, "session": 28800, "client_registration": 7776000,
                    "device_code": 600, "authorization_code": 300, "device_poll_interval": 1},
      "rotate_refresh_tokens": true,
      "roles": [{"account": "123456789012", "name": "Deployer", "trust_policy": {...}, ...}],
      "iam_users": [{"account": "123456789012", "name": "ci", "access_key_id": "AKIA...", ...}],
      "identity_center": {"management_account": "111111111111", ...}
    }

``roles`` are IAM roles STS ``AssumeRole`` hands out, ``iam_users`` IAM users with static access keys
(:mod:`idc.emulator.directory_roles`).
``identity_center`` is the admin side's own state (ids, ARNs, policies, tags; read by
:mod:`idc.emulator.admin.seed`, written by ``idc emulator export-directory``); without it the first
account is the management account.

Every problem is one :class:`DirectoryError` line naming the file and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idc.emulator.directory_roles import (
    IamUser,
    Role,
    demo_roles,
    iam_user_to_dict,
    parse_iam_users,
    parse_roles,
    role_to_dict,
)
from idc.errors import ConfigError

DEFAULT_START_URL = "https://d-0000000000.awsapps.com/start"
DEFAULT_REGION = "ap-northeast-1"

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^([a-z]{2}(-gov|-iso[a-z]*)?|eusc-[a-z]{2})-[a-z]+-\d$")
_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_PERMISSION_SET = re.compile(r"^[\w+=,.@-]{1,32}$")


class DirectoryError(ConfigError):
    """The directory file (or dict) is not a valid directory."""


@dataclass(frozen=True)
class User:
    username: str
    password: str = field(repr=False)
    display_name: str
    email: str


@dataclass(frozen=True)
class Group:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    email: str


@dataclass(frozen=True)
class PermissionSet:
    name: str
    session_duration: int  # seconds: lifetime of the role credentials GetRoleCredentials hands out


@dataclass(frozen=True)
class Assignment:
    account_id: str
    permission_set: str
    principal_type: str  # "USER" | "GROUP"
    principal: str


@dataclass(frozen=True)
class Lifetimes:
    """Seconds. Defaults are the real service's."""

    access_token: int = 3600
    session: int = 8 * 3600
    client_registration: int = 90 * 86400
    device_code: int = 600
    authorization_code: int = 300
    device_poll_interval: int = 1


@dataclass(frozen=True)
class Directory:
    start_url: str
    region: str
    users: tuple[User, ...]
    groups: tuple[Group, ...]
    accounts: tuple[Account, ...]
    permission_sets: tuple[PermissionSet, ...]
    assignments: tuple[Assignment, ...]
    lifetimes: Lifetimes = Lifetimes()
    # False: a refresh_token grant answers without a new refresh token and the old one stays valid
    # (RFC 6749 section 6 allows both); clients must then keep the refresh token they have.
    rotate_refresh_tokens: bool = True
    roles: tuple[Role, ...] = ()
    iam_users: tuple[IamUser, ...] = ()
    # The sso-admin/identitystore side (idc.emulator.admin.seed reads it); None: derived from the rest.
    identity_center: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def start_path(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.start_url).path or "/"


def default_directory() -> Directory:
    """The built-in directory: user ``demo``/``demo`` with AdministratorAccess in account 123456789012
    (sandbox), and the Identity Center administrator ``admin``/``admin`` with AdministratorAccess in the
    management account 111111111111 (the one whose roles may call sso-admin and identitystore)."""
    return directory_from_dict(
        {
            "users": [
                {
                    "username": "demo",
                    "password": "demo",
                    "display_name": "Demo User",
                    "email": "demo@example.com",
                },
                {
                    "username": "admin",
                    "password": "admin",
                    "display_name": "Identity Center Administrator",
                    "email": "admin@example.com",
                },
            ],
            "accounts": [
                {"id": "123456789012", "name": "sandbox", "email": "sandbox@example.com"},
                {"id": "111111111111", "name": "management", "email": "management@example.com"},
            ],
            "permission_sets": [{"name": "AdministratorAccess", "session_duration": 3600}],
            "assignments": [
                {"account": "123456789012", "permission_set": "AdministratorAccess", "user": "demo"},
                {"account": "111111111111", "permission_set": "AdministratorAccess", "user": "admin"},
            ],
            "roles": demo_roles("123456789012"),
            "identity_center": {"management_account": "111111111111"},
        }
    )


def directory_to_dict(directory: Directory) -> dict[str, Any]:
    """The JSON shape of ``directory`` (what :func:`directory_from_dict` reads back to an equal value).

    Assignments stay one entry per account, as loaded.
    """
    assignments = []
    for a in directory.assignments:
        principal = "user" if a.principal_type == "USER" else "group"
        assignments.append(
            {"account": a.account_id, "permission_set": a.permission_set, principal: a.principal}
        )
    return {
        "start_url": directory.start_url,
        "region": directory.region,
        "users": [
            {"username": u.username, "password": u.password, "display_name": u.display_name, "email": u.email}
            for u in directory.users
        ],
        "groups": [{"name": g.name, "members": list(g.members)} for g in directory.groups],
        "accounts": [{"id": a.account_id, "name": a.name, "email": a.email} for a in directory.accounts],
        "permission_sets": [
            {"name": s.name, "session_duration": s.session_duration} for s in directory.permission_sets
        ],
        "assignments": assignments,
        "lifetimes": {name: getattr(directory.lifetimes, name) for name in Lifetimes.__dataclass_fields__},
        "rotate_refresh_tokens": directory.rotate_refresh_tokens,
        "roles": [role_to_dict(role) for role in directory.roles],
        **({"iam_users": [iam_user_to_dict(u) for u in directory.iam_users]} if directory.iam_users else {}),
        **({"identity_center": dict(directory.identity_center)} if directory.identity_center else {}),
    }


def load_directory(source: Directory | Mapping[str, Any] | Path | str | None) -> Directory:
    """A directory from a file path, a dict, an existing Directory, or None (the default)."""
    if source is None:
        return default_directory()
    if isinstance(source, Directory):
        return source
    if isinstance(source, Mapping):
        return directory_from_dict(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DirectoryError(
            f"cannot read the directory file {path}: {error.strerror or error}",
            hint="Pass an existing JSON file to --directory.",
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryError(
            f"the directory file {path} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg})",
            hint="Fix the JSON and start again.",
        ) from None
    if not isinstance(data, Mapping):
        raise DirectoryError(f"the directory file {path} must hold a JSON object")
    return directory_from_dict(data, origin=str(path))


def directory_from_dict(data: Mapping[str, Any], *, origin: str = "directory") -> Directory:
    """Validate ``data`` (the JSON shape in the module docstring) into a :class:`Directory`."""
    p = _Parser(origin)
    known = {
        "start_url",
        "region",
        "users",
        "groups",
        "accounts",
        "permission_sets",
        "assignments",
        "lifetimes",
        "rotate_refresh_tokens",
        "roles",
        "iam_users",
        "identity_center",
    }
    p.no_unknown(data, known, "")
    start_url = p.string(data, "start_url", "", default=DEFAULT_START_URL)
    if not start_url.startswith("https://") or " " in start_url:
        p.fail("start_url", "must be an https:// URL")
    region = p.string(data, "region", "", default=DEFAULT_REGION)
    if not _REGION.match(region):
        p.fail("region", f"is not an AWS region name: {region!r}")

    users = []
    for i, item in enumerate(p.objects(data, "users")):
        where = f"users[{i}]"
        p.no_unknown(item, {"username", "password", "display_name", "email"}, where)
        username = p.string(item, "username", where)
        if not _NAME.match(username):
            p.fail(f"{where}.username", "must be 1-64 letters, digits or +=,.@_-")
        users.append(
            User(
                username=username,
                password=p.string(item, "password", where),
                display_name=p.string(item, "display_name", where, default=username),
                email=p.string(item, "email", where, default=f"{username}@example.com"),
            )
        )
    p.unique([u.username for u in users], "users", "username")
    user_names = {u.username for u in users}

    groups = []
    for i, item in enumerate(p.objects(data, "groups")):
        where = f"groups[{i}]"
        p.no_unknown(item, {"name", "members"}, where)
        members = tuple(p.string_list(item, "members", where))
        for member in members:
            if member not in user_names:
                p.fail(f"{where}.members", f"names an unknown user {member!r}")
        groups.append(Group(name=p.string(item, "name", where), members=members))
    p.unique([g.name for g in groups], "groups", "name")

    accounts = []
    for i, item in enumerate(p.objects(data, "accounts")):
        where = f"accounts[{i}]"
        p.no_unknown(item, {"id", "name", "email"}, where)
        account_id = p.string(item, "id", where)
        if not _ACCOUNT_ID.match(account_id):
            p.fail(f"{where}.id", "must be 12 digits")
        name = p.string(item, "name", where)
        accounts.append(
            Account(account_id, name, p.string(item, "email", where, default=f"{name}@example.com"))
        )
    p.unique([a.account_id for a in accounts], "accounts", "id")
    account_ids = [a.account_id for a in accounts]

    permission_sets = []
    for i, item in enumerate(p.objects(data, "permission_sets")):
        where = f"permission_sets[{i}]"
        p.no_unknown(item, {"name", "session_duration"}, where)
        name = p.string(item, "name", where)
        if not _PERMISSION_SET.match(name):
            p.fail(f"{where}.name", "must be 1-32 letters, digits or +=,.@_-")
        duration = p.integer(item, "session_duration", where, default=3600, low=60, high=12 * 3600)
        permission_sets.append(PermissionSet(name, duration))
    p.unique([s.name for s in permission_sets], "permission_sets", "name")
    set_names = {s.name for s in permission_sets}
    group_names = {g.name for g in groups}

    assignments = []
    for i, item in enumerate(p.objects(data, "assignments")):
        where = f"assignments[{i}]"
        p.no_unknown(item, {"account", "permission_set", "user", "group"}, where)
        permission_set = p.string(item, "permission_set", where)
        if permission_set not in set_names:
            p.fail(f"{where}.permission_set", f"names an unknown permission set {permission_set!r}")
        if ("user" in item) == ("group" in item):
            p.fail(where, "needs exactly one of 'user' or 'group'")
        if "user" in item:
            principal_type, principal = "USER", p.string(item, "user", where)
            if principal not in user_names:
                p.fail(f"{where}.user", f"names an unknown user {principal!r}")
        else:
            principal_type, principal = "GROUP", p.string(item, "group", where)
            if principal not in group_names:
                p.fail(f"{where}.group", f"names an unknown group {principal!r}")
        target = item.get("account")
        if target == "*":
            targets = account_ids
        elif isinstance(target, str):
            targets = [target]
        elif isinstance(target, list) and all(isinstance(t, str) for t in target):
            targets = target
        else:
            p.fail(f"{where}.account", 'must be an account id, a list of account ids, or "*"')
        known_accounts = set(account_ids)
        for account_id in targets:
            if account_id not in known_accounts:
                p.fail(f"{where}.account", f"names an unknown account {account_id!r}")
            assignments.append(Assignment(account_id, permission_set, principal_type, principal))

    lifetimes_data = data.get("lifetimes", {})
    if not isinstance(lifetimes_data, Mapping):
        p.fail("lifetimes", "must be an object")
    defaults = Lifetimes()
    p.no_unknown(lifetimes_data, set(defaults.__dataclass_fields__), "lifetimes")
    lifetimes = Lifetimes(
        **{
            name: p.integer(
                lifetimes_data, name, "lifetimes", default=getattr(defaults, name), low=1, high=10**9
            )
            for name in defaults.__dataclass_fields__
        }
    )
    identity_center = data.get("identity_center")
    if identity_center is not None and not isinstance(identity_center, Mapping):
        p.fail("identity_center", "must be an object")
    rotate = data.get("rotate_refresh_tokens", True)
    if not isinstance(rotate, bool):
        p.fail("rotate_refresh_tokens", "must be true or false")
    roles = parse_roles(p.objects(data, "roles"), set(account_ids), p.fail)
    iam_users = parse_iam_users(p.objects(data, "iam_users"), set(account_ids), p.fail)
    return Directory(
        rotate_refresh_tokens=rotate,
        roles=roles,
        iam_users=iam_users,
        start_url=start_url,
        region=region,
        users=tuple(users),
        groups=tuple(groups),
        accounts=tuple(accounts),
        permission_sets=tuple(permission_sets),
        assignments=tuple(assignments),
        lifetimes=lifetimes,
        identity_center=identity_center,
    )


class _Parser:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, problem: str) -> Any:
        raise DirectoryError(
            f"{self.origin}: {where} {problem}", hint="Fix the directory file and start the emulator again."
        )

    def no_unknown(self, item: Mapping[str, Any], known: set[str], where: str) -> None:
        for key in item:
            if key not in known:
                self.fail(
                    f"{where}.{key}" if where else str(key),
                    f"is not a known field ({', '.join(sorted(known))})",
                )

    def objects(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.fail(key, "must be a list of objects")
        return list(value)

    def string(self, item: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
        value = item.get(key, default)
        name = f"{where}.{key}" if where else key
        if value is None:
            self.fail(name, "is missing")
        if not isinstance(value, str) or not value:
            self.fail(name, "must be a non-empty string")
        return str(value)

    def string_list(self, item: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = item.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{where}.{key}", "must be a list of strings")
        return list(value)

    def integer(
        self, item: Mapping[str, Any], key: str, where: str, *, default: int, low: int, high: int
    ) -> int:
        value = item.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{where}.{key}", f"must be a whole number of seconds from {low} to {high}")
        return int(value)

    def unique(self, values: list[str], where: str, key: str) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(where, f"has two entries with {key} {value!r}")
            seen.add(value)
