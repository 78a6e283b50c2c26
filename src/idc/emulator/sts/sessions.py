"""Who signed an STS request, and the assumed-role sessions STS issued.

A :class:`Caller` is what a decision needs about the signer: its session ARN (what
``GetCallerIdentity`` answers), its role's IAM ARN (``aws:PrincipalArn``, what trust policies name),
its permissions (identity policies) and the session policies it was issued with. Role credentials from
the portal are callers too (:func:`sso_caller`): their role is the permission set's
``AWSReservedSSO_<PS>_<hash>`` under ``/aws-reserved/sso.amazonaws.com/[<region>/]``.

IAM users of the directory (``iam_users``) sign with long-term keys and no session token
(:func:`find_iam_user`); their caller is the user (``arn:aws:iam::<account>:user/<name>``).

Assumed-role sessions live in their own table next to the portal's ``role_credentials``: the secret key
(SigV4 needs it), a digest of the session token, the role, the session name and the session policies.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idc.emulator.center import Center
    from idc.emulator.iam.policy import Policy

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assumed_sessions (
    access_key_id TEXT PRIMARY KEY, secret_access_key TEXT NOT NULL, session_token_hash TEXT NOT NULL,
    role_arn TEXT NOT NULL, session_name TEXT NOT NULL, session_policies TEXT NOT NULL,
    source_access_key_id TEXT NOT NULL, expires_at REAL NOT NULL
)
"""

ALLOW_ALL: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
"""The permissions of a permission set the emulator knows no policy for (neither its admin state nor an
AWS managed policy of the same name says)."""


@dataclass(frozen=True)
class Caller:
    arn: str  # arn:aws:sts::<acct>:assumed-role/<role name>/<session name>
    user_id: str  # <role id>:<session name>
    account: str
    principal_arn: str  # the role's IAM ARN
    identity_policies: tuple[Policy, ...]
    session_policies: tuple[Policy, ...] | None  # None: the session has none

    @property
    def is_iam_user(self) -> bool:
        """Signed with an IAM user's long-term key: its AssumeRole is no role chaining."""
        return self.arn.split(":", 5)[5].startswith("user/")


@dataclass(frozen=True)
class SessionRow:
    secret_access_key: str
    session_token_hash: str
    expires_at: float
    caller: Caller


def ensure_schema(center: Center) -> None:
    with center.store.transaction() as db:
        db.execute(_SCHEMA)


def sso_role_arn(account_id: str, role_name: str, region: str) -> str:
    """The IAM ARN of a permission set's role; no Region segment for an instance in us-east-1."""
    where = "" if region == "us-east-1" else f"{region}/"
    return f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/{where}{role_name}"


def sso_caller(center: Center, arn: str, user_id: str, account: str, permission_set: str) -> Caller:
    """The caller behind role credentials of ``permission_set`` (``arn`` from GetCallerIdentity)."""
    from idc.emulator.iam.policy import managed_policy, parse_policy

    role_name = arn.split("/")[1]
    provisioned = _provisioned_policies(center, account, permission_set)
    if provisioned is not None:
        identity = provisioned
    else:
        known = managed_policy(f"arn:aws:iam::aws:policy/{permission_set}")
        identity = (known if known is not None else parse_policy(ALLOW_ALL),)
    return Caller(
        arn=arn,
        user_id=user_id,
        account=account,
        principal_arn=sso_role_arn(account, role_name, center.directory.region),
        identity_policies=identity,
        session_policies=None,
    )


def _provisioned_policies(center: Center, account: str, permission_set: str) -> tuple[Policy, ...] | None:
    """The permission set's policies as provisioned to ``account`` (the admin side's state: its inline
    policy and AWS managed policies), or None when the admin state does not know it."""
    from idc.emulator.iam.policy import PolicyError, managed_policy, parse_policy

    admin = getattr(center, "admin", None)
    if admin is None:
        return None
    with admin.reading() as state:
        definition = next(
            (
                s.get("provisioned")
                for s in state.get("permission_sets", {}).values()
                if s.get("Name") == permission_set and account in s.get("accounts", ())
            ),
            None,
        )
    if not definition:
        return None
    policies: list[Policy] = []
    if definition.get("InlinePolicy"):
        # refused when it was put; one that no longer parses grants nothing
        with contextlib.suppress(PolicyError):
            policies.append(parse_policy(definition["InlinePolicy"]))
    for policy_arn in definition.get("ManagedPolicies", ()):
        found = managed_policy(policy_arn)
        if found is not None:
            policies.append(found)
    return tuple(policies)


def role_policies(center: Center, role_arn: str) -> tuple[Policy, ...]:
    """The permissions of a directory role (none when it has no longer any)."""
    from idc.emulator.iam.policy import managed_policy, parse_policy

    for role in center.directory.roles:
        if role.arn == role_arn:
            found = [managed_policy(arn) for arn in role.managed_policies]
            policies = [p for p in found if p is not None]
            if role.policy is not None:
                policies.append(parse_policy(role.policy))
            return tuple(policies)
    return ()


def save_session(
    center: Center,
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token_hash: str,
    role_arn: str,
    session_name: str,
    session_policies: list[str] | None,
    source_access_key_id: str,
    expires_at: float,
) -> None:
    center.store.execute(
        "INSERT INTO assumed_sessions (access_key_id, secret_access_key, session_token_hash, role_arn,"
        " session_name, session_policies, source_access_key_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            access_key_id,
            secret_access_key,
            session_token_hash,
            role_arn,
            session_name,
            json.dumps(session_policies),
            source_access_key_id,
            expires_at,
        ),
    )


def find_session(center: Center, access_key_id: str) -> SessionRow | None:
    """The assumed-role session of ``access_key_id``, or None."""
    from idc.emulator.iam.policy import parse_policy

    row = center.store.one(
        "SELECT secret_access_key, session_token_hash, role_arn, session_name, session_policies, expires_at"
        " FROM assumed_sessions WHERE access_key_id = ?",
        (access_key_id,),
    )
    if row is None:
        return None
    role_arn = str(row["role_arn"])
    account = role_arn.split(":")[4]
    role_name = role_arn.rsplit("/", 1)[1]
    role_id = next((r.role_id for r in center.directory.roles if r.arn == role_arn), "AROA" + "0" * 17)
    texts = json.loads(row["session_policies"])
    session = None if texts is None else tuple(parse_policy(text) for text in texts)
    caller = Caller(
        arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{row['session_name']}",
        user_id=f"{role_id}:{row['session_name']}",
        account=account,
        principal_arn=role_arn,
        identity_policies=role_policies(center, role_arn),
        session_policies=session,
    )
    return SessionRow(
        secret_access_key=str(row["secret_access_key"]),
        session_token_hash=str(row["session_token_hash"]),
        expires_at=float(row["expires_at"]),
        caller=caller,
    )


def find_iam_user(center: Center, access_key_id: str) -> SessionRow | None:
    """The directory's IAM user whose access key is ``access_key_id`` (never expiring, no session
    token: its ``session_token_hash`` is the digest of the empty token), or None."""
    from idc.emulator.iam.policy import managed_policy, parse_policy
    from idc.emulator.state_store import digest

    user = next((u for u in center.directory.iam_users if u.access_key_id == access_key_id), None)
    if user is None:
        return None
    found = [managed_policy(arn) for arn in user.managed_policies]
    policies = [p for p in found if p is not None]
    if user.policy is not None:
        policies.append(parse_policy(user.policy))
    caller = Caller(
        arn=user.arn,
        user_id=user.user_id,
        account=user.account_id,
        principal_arn=user.arn,
        identity_policies=tuple(policies),
        session_policies=None,
    )
    return SessionRow(
        secret_access_key=user.secret_access_key,
        session_token_hash=digest(""),
        expires_at=float("inf"),
        caller=caller,
    )


def expire_sessions(db: Any, now: float) -> int:
    """Inside a transaction: end every live assumed-role session now (the admin ``expire`` action)."""
    return int(
        db.execute("UPDATE assumed_sessions SET expires_at = ? WHERE expires_at > ?", (now, now)).rowcount
    )
