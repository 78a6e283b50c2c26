"""IAM roles in the emulator's directory: what STS ``AssumeRole`` may hand out.

The directory's ``roles`` list (see :mod:`idc.emulator.directory`)::

    "roles": [{"account": "123456789012", "name": "Deployer", "path": "/",
               "trust_policy": {...}, "max_session_duration": 3600,
               "policy": {...}, "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}]

``trust_policy`` is the role's resource policy (who may assume it: a permission set's role
``arn:aws:iam::<acct>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<PS>_<hash>``, another
role, or the account root, with conditions such as ``sts:ExternalId`` or ``aws:PrincipalArn``);
``policy`` and ``managed_policies`` are its permissions. ``max_session_duration`` is IAM's
``MaxSessionDuration`` (3600 to 43200 seconds, default 3600).

The directory's ``iam_users`` list: IAM users with a long-term access key, the first hop of a role chain
from static keys (``aws_access_key_id`` in a profile, or ``credential_source = Environment``)::

    "iam_users": [{"account": "123456789012", "name": "ci", "path": "/",
                   "access_key_id": "AKIA...", "secret_access_key": "...",
                   "policy": {...}, "managed_policies": [...]}]

Their keys sign without a session token (SigV4, :mod:`idc.emulator.sigv4`); GetCallerIdentity answers
``arn:aws:iam::<account>:user<path><name>``; trust policies name them by that ARN or by the account root.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_ROLE_PATH = re.compile(r"^/([\x21-\x7e]*/)?$")
_ACCESS_KEY_ID = re.compile(r"^AKIA[A-Z0-9]{12,124}$")


@dataclass(frozen=True)
class Role:
    account_id: str
    name: str
    path: str
    trust_policy: Mapping[str, Any]
    max_session_duration: int
    policy: Mapping[str, Any] | None
    managed_policies: tuple[str, ...]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role{self.path}{self.name}"

    @property
    def role_id(self) -> str:
        """IAM's unique id of a role: ``AROA`` + 17 characters, stable per ARN."""
        return "AROA" + hashlib.sha256(self.arn.encode()).hexdigest()[:17].upper()


def demo_roles(account_id: str) -> list[dict[str, Any]]:
    """The built-in directory's role: ``Deployer``, which the demo user's AdministratorAccess may assume
    (a trust policy as people write them for SSO roles: the account root, narrowed by an
    ``aws:PrincipalArn`` wildcard over ``AWSReservedSSO_*``)."""
    return [
        {
            "account": account_id,
            "name": "Deployer",
            "trust_policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "ArnLike": {
                                "aws:PrincipalArn": f"arn:aws:iam::{account_id}:role/aws-reserved/"
                                "sso.amazonaws.com/*AWSReservedSSO_AdministratorAccess_*"
                            }
                        },
                    }
                ],
            },
            "max_session_duration": 3600,
            "managed_policies": ["arn:aws:iam::aws:policy/PowerUserAccess"],
        }
    ]


def parse_roles(
    items: list[Mapping[str, Any]], account_ids: set[str], fail: Callable[[str, str], NoReturn]
) -> tuple[Role, ...]:
    """The ``roles`` list, validated; ``fail(where, problem)`` raises the directory's one-line error."""
    known = {"account", "name", "path", "trust_policy", "max_session_duration", "policy", "managed_policies"}
    roles: list[Role] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"roles[{i}]"
        account, name, path = _identity_fields(item, where, known, account_ids, fail, kind="role")
        duration = item.get("max_session_duration", 3600)
        if isinstance(duration, bool) or not isinstance(duration, int) or not 3600 <= duration <= 43200:
            fail(f"{where}.max_session_duration", "must be a whole number of seconds from 3600 to 43200")
        documents = {
            "trust_policy": _policy_document(item, "trust_policy", where, fail, required=True),
            "policy": _policy_document(item, "policy", where, fail, required=False),
        }
        managed = _managed_policies(item, where, fail)
        role = Role(
            account_id=str(account),
            name=str(name),
            path=str(path),
            trust_policy=documents["trust_policy"] or {},
            max_session_duration=int(duration),
            policy=documents["policy"],
            managed_policies=tuple(managed),
        )
        if role.arn in seen:
            fail("roles", f"has two entries with the ARN {role.arn!r}")
        seen.add(role.arn)
        roles.append(role)
    return tuple(roles)


def role_to_dict(role: Role) -> dict[str, Any]:
    """The JSON shape of one role (what :func:`parse_roles` reads back)."""
    entry: dict[str, Any] = {
        "account": role.account_id,
        "name": role.name,
        "path": role.path,
        "trust_policy": dict(role.trust_policy),
        "max_session_duration": role.max_session_duration,
        "managed_policies": list(role.managed_policies),
    }
    if role.policy is not None:
        entry["policy"] = dict(role.policy)
    return entry


@dataclass(frozen=True)
class IamUser:
    account_id: str
    name: str
    path: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    policy: Mapping[str, Any] | None
    managed_policies: tuple[str, ...]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user{self.path}{self.name}"

    @property
    def user_id(self) -> str:
        """IAM's unique id of a user: ``AIDA`` + 17 characters, stable per ARN."""
        return "AIDA" + hashlib.sha256(self.arn.encode()).hexdigest()[:17].upper()


def parse_iam_users(
    items: list[Mapping[str, Any]], account_ids: set[str], fail: Callable[[str, str], NoReturn]
) -> tuple[IamUser, ...]:
    """The ``iam_users`` list, validated; ``fail(where, problem)`` raises the directory's one-line error."""
    known = {"account", "name", "path", "access_key_id", "secret_access_key", "policy", "managed_policies"}
    users: list[IamUser] = []
    keys: set[str] = set()
    arns: set[str] = set()
    for i, item in enumerate(items):
        where = f"iam_users[{i}]"
        account, name, path = _identity_fields(item, where, known, account_ids, fail, kind="user")
        key_id = item.get("access_key_id")
        if not isinstance(key_id, str) or not _ACCESS_KEY_ID.match(key_id):
            fail(f"{where}.access_key_id", "must be AKIA followed by 12 or more capital letters or digits")
        if key_id in keys:
            fail(f"{where}.access_key_id", "is already another user's")
        keys.add(key_id)
        secret = item.get("secret_access_key")
        if not isinstance(secret, str) or not 16 <= len(secret) <= 128:
            fail(f"{where}.secret_access_key", "must be a string of 16 to 128 characters")
        policy = _policy_document(item, "policy", where, fail, required=False)
        managed = _managed_policies(item, where, fail)
        user = IamUser(
            account_id=str(account),
            name=str(name),
            path=str(path),
            access_key_id=str(key_id),
            secret_access_key=str(secret),
            policy=policy,
            managed_policies=tuple(managed),
        )
        if user.arn in arns:
            fail("iam_users", f"has two entries with the ARN {user.arn!r}")
        arns.add(user.arn)
        users.append(user)
    return tuple(users)


def iam_user_to_dict(user: IamUser) -> dict[str, Any]:
    """The JSON shape of one IAM user (what :func:`parse_iam_users` reads back)."""
    entry: dict[str, Any] = {
        "account": user.account_id,
        "name": user.name,
        "path": user.path,
        "access_key_id": user.access_key_id,
        "secret_access_key": user.secret_access_key,
        "managed_policies": list(user.managed_policies),
    }
    if user.policy is not None:
        entry["policy"] = dict(user.policy)
    return entry


def _identity_fields(
    item: Mapping[str, Any],
    where: str,
    known: set[str],
    account_ids: set[str],
    fail: Callable[[str, str], NoReturn],
    *,
    kind: str,
) -> tuple[str, str, str]:
    """(account, name, path) of a role or an IAM user entry, after refusing fields it does not know."""
    for key in item:
        if key not in known:
            fail(f"{where}.{key}", f"is not a known field ({', '.join(sorted(known))})")
    account = item.get("account")
    if not isinstance(account, str) or account not in account_ids:
        fail(f"{where}.account", f"names an unknown account {account!r}")
    name = item.get("name")
    if not isinstance(name, str) or not _ROLE_NAME.match(name):
        fail(f"{where}.name", "must be 1-64 letters, digits or +=,.@_-")
    path = item.get("path", "/")
    if not isinstance(path, str) or not _ROLE_PATH.match(path) or len(path) > 512:
        fail(f"{where}.path", f"must start and end with / (IAM's {kind} path)")
    return account, name, path


def _policy_document(
    item: Mapping[str, Any], key: str, where: str, fail: Callable[[str, str], NoReturn], *, required: bool
) -> dict[str, Any] | None:
    """The policy document under ``key`` (a plain JSON copy), checked by the policy evaluator."""
    from idc.emulator.iam.policy import PolicyError, parse_policy

    document = item.get(key)
    if document is None and not required:
        return None
    if not isinstance(document, Mapping):
        fail(f"{where}.{key}", "must be a policy document (a JSON object)")
    try:
        parse_policy(document)
    except PolicyError as error:
        fail(f"{where}.{key}", f"is not a valid policy: {error}")
    copied: dict[str, Any] = json.loads(json.dumps(document))
    return copied


def _managed_policies(item: Mapping[str, Any], where: str, fail: Callable[[str, str], NoReturn]) -> list[str]:
    """The ``managed_policies`` ARNs, each one the emulator knows."""
    from idc.emulator.iam.policy import managed_policy

    managed = item.get("managed_policies", [])
    if not isinstance(managed, list) or not all(isinstance(a, str) for a in managed):
        fail(f"{where}.managed_policies", "must be a list of policy ARNs")
    for arn in managed:
        if managed_policy(arn) is None:
            fail(f"{where}.managed_policies", f"names a managed policy the emulator does not know: {arn}")
    return managed
