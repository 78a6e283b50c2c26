"""IAM policy evaluation, for every decision the local Identity Center makes about a signed caller.

Implements the parts of the IAM policy language (AWS IAM User Guide, "IAM JSON policy element reference"
and "Policy evaluation logic") that identity, session and trust policies use here:

- ``Effect``, ``Action``/``NotAction``, ``Resource``/``NotResource``, ``Principal``/``NotPrincipal``;
  ``*`` and ``?`` wildcards; actions compare case-insensitively, resources case-sensitively.
- ``Condition`` with the String, Arn, Bool, Numeric and Null operators, their ``IfExists`` forms and the
  ``ForAnyValue:``/``ForAllValues:`` set qualifiers; several values of one key are ORed, several keys and
  operators ANDed.
- The evaluation rule: an explicit ``Deny`` anywhere wins; otherwise the identity policies must allow,
  and when session policies were passed (``AssumeRole``'s ``Policy``/``PolicyArns``) they must allow too:
  the session's permissions are the intersection ("Session policies", IAM User Guide).

Principal matching follows "AWS JSON policy elements: Principal": ``"*"``, an account id or
``arn:aws:iam::<account>:root`` (any principal of that account), or an exact role or user ARN. An
assumed-role session is matched by its role's ARN, which the caller passes as :attr:`Request.principal`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "Policy",
    "PolicyError",
    "Request",
    "decide",
    "is_allowed",
    "managed_policy",
    "parse_policy",
]

_VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
}
_ACCOUNT = re.compile(r"^\d{12}$")


class PolicyError(ValueError):
    """The document is not a valid policy; the text is IAM's style of MalformedPolicyDocument message."""


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: tuple[str, ...] | None  # "*" or ARNs/account ids; None when the element is absent
    not_principals: tuple[str, ...] | None
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (operator, key, values)


@dataclass(frozen=True)
class Policy:
    """A parsed policy document."""

    statements: tuple[Statement, ...]
    document: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def text(self) -> str:
        """The document as compact JSON (what sizes are counted on)."""
        return json.dumps(self.document, separators=(",", ":"))


@dataclass(frozen=True)
class Request:
    """One decision: may ``principal`` do ``action`` on ``resource`` in ``context``?"""

    action: str
    resource: str = "*"
    principal: str = ""
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


def parse_policy(document: str | Mapping[str, Any]) -> Policy:
    """Parse a policy document (JSON text or a mapping); :class:`PolicyError` when it is malformed."""
    if isinstance(document, str):
        try:
            data = json.loads(document)
        except (ValueError, RecursionError):
            raise PolicyError("Syntax errors in policy.") from None
    else:
        data = document
    if not isinstance(data, Mapping):
        raise PolicyError("Syntax errors in policy.")
    unknown = set(data) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyError(f"Policy document has an unknown element: {sorted(unknown)[0]}")
    version = data.get("Version", "2008-10-17")
    if version not in _VERSIONS:
        raise PolicyError("The policy must contain a valid version string")
    raw = data.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise PolicyError("Policy document must contain at least one Statement")
    return Policy(tuple(_statement(item) for item in raw), dict(data))


def _strings(value: Any, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"Policy element {element} must be a string or a non-empty list of strings")


def _principals(value: Any, element: str) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f"Invalid principal in policy: {element}")
    found: list[str] = []
    for kind, names in value.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"Invalid principal in policy: {kind}")
        found.extend(_strings(names, element) if kind == "AWS" else ())
        if kind != "AWS":
            found.extend(f"{kind}:{name}" for name in _strings(names, element))
    return tuple(found)


def _statement(item: Any) -> Statement:
    if not isinstance(item, Mapping):
        raise PolicyError("Syntax errors in policy.")
    unknown = set(item) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"Statement has an unknown element: {sorted(unknown)[0]}")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError("Policy statement must contain a valid Effect (Allow or Deny)")
    if ("Action" in item) == ("NotAction" in item):
        raise PolicyError("Policy statement must contain exactly one of Action or NotAction")
    if "Resource" in item and "NotResource" in item:
        raise PolicyError("Policy statement must contain at most one of Resource or NotResource")
    if "Principal" in item and "NotPrincipal" in item:
        raise PolicyError("Policy statement must contain at most one of Principal or NotPrincipal")
    conditions: list[tuple[str, str, tuple[str, ...]]] = []
    raw = item.get("Condition", {})
    if not isinstance(raw, Mapping):
        raise PolicyError("Policy element Condition must be an object")
    for operator, block in raw.items():
        if not isinstance(block, Mapping) or not block:
            raise PolicyError(f"Condition operator {operator} must map keys to values")
        _operator_test(operator)  # unknown operators are refused now, not at evaluation
        for key, values in block.items():
            if isinstance(values, (bool, int, float)):
                values = [values]
            if isinstance(values, (str, bool, int, float)):
                values = [values]
            if not isinstance(values, list) or not values:
                raise PolicyError(f"Condition {operator} on {key} needs one or more values")
            conditions.append((operator, str(key), tuple(_condition_text(v) for v in values)))
    return Statement(
        effect=effect,
        actions=_strings(item["Action"], "Action") if "Action" in item else None,
        not_actions=_strings(item["NotAction"], "NotAction") if "NotAction" in item else None,
        resources=_strings(item["Resource"], "Resource") if "Resource" in item else None,
        not_resources=_strings(item["NotResource"], "NotResource") if "NotResource" in item else None,
        principals=_principals(item["Principal"], "Principal") if "Principal" in item else None,
        not_principals=_principals(item["NotPrincipal"], "NotPrincipal") if "NotPrincipal" in item else None,
        conditions=tuple(conditions),
    )


def _condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise PolicyError("Condition values must be strings, numbers or booleans")


# --- matching --------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).match(value) is not None


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _principal_matches(names: tuple[str, ...], principal: str) -> bool:
    for name in names:
        if name == "*":
            return True
        if _ACCOUNT.match(name) and _account_of(principal) == name:
            return True
        if name.endswith(":root") and name.startswith("arn:") and _account_of(name) == _account_of(principal):
            return bool(principal)
        if name == principal:
            return True
    return False


def _operator_test(operator: str) -> tuple[str, bool, str]:
    """(base operator, if_exists, set qualifier) for a condition operator; PolicyError when unknown."""
    qualifier = ""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            qualifier, operator = prefix[:-1], operator[len(prefix) :]
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    if base not in _OPERATORS:
        raise PolicyError(f"Invalid Condition type : {operator}")
    return base, if_exists, qualifier


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(base: str, wanted: str, actual: str) -> bool:
    if base in ("StringEquals", "ArnEquals"):
        return actual == wanted
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == wanted.lower()
    if base in ("StringLike", "ArnLike"):
        return _like(wanted, actual)
    if base == "Bool":
        return actual.lower() == wanted.lower()
    a, w = _number(actual), _number(wanted)
    if a is None or w is None:
        return False
    return {
        "NumericEquals": a == w,
        "NumericLessThan": a < w,
        "NumericLessThanEquals": a <= w,
        "NumericGreaterThan": a > w,
        "NumericGreaterThanEquals": a >= w,
    }[base]


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
_OPERATORS = {
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "Bool",
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "Null",
    *_NEGATED,
}


def _condition_holds(operator: str, key: str, wanted: tuple[str, ...], context: Mapping[str, Any]) -> bool:
    base, if_exists, qualifier = _operator_test(operator)
    present = {k.lower(): v for k, v in context.items()}
    raw = present.get(key.lower())
    if base == "Null":
        # "true": the key must be absent; "false": present.
        return (raw is None) == (wanted[0].lower() == "true")
    if raw is None:
        if qualifier == "ForAllValues":
            return True
        return if_exists
    actual = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)

    def one(value: str) -> bool:
        hit = any(_compare(positive, w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    if qualifier == "ForAnyValue" or len(actual) > 1:
        return any(one(v) for v in actual)
    return one(actual[0])


def _applies(statement: Statement, request: Request) -> bool:
    action = request.action
    if statement.actions is not None and not any(
        _like(p, action, ignore_case=True) for p in statement.actions
    ):
        return False
    if statement.not_actions is not None and any(
        _like(p, action, ignore_case=True) for p in statement.not_actions
    ):
        return False
    if statement.resources is not None and not any(_like(p, request.resource) for p in statement.resources):
        return False
    if statement.not_resources is not None and any(
        _like(p, request.resource) for p in statement.not_resources
    ):
        return False
    if statement.principals is not None and not _principal_matches(statement.principals, request.principal):
        return False
    if statement.not_principals is not None and _principal_matches(
        statement.not_principals, request.principal
    ):
        return False
    return all(_condition_holds(op, key, values, request.context) for op, key, values in statement.conditions)


def decide(policies: Iterable[Policy], request: Request) -> str:
    """``"deny"`` when a statement explicitly denies, ``"allow"`` when one allows, else ``"implicit"``."""
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if _applies(statement, request):
                if statement.effect == "Deny":
                    return "deny"
                allowed = True
    return "allow" if allowed else "implicit"


def is_allowed(
    identity: Iterable[Policy], request: Request, *, session: Sequence[Policy] | None = None
) -> bool:
    """IAM's rule for one account: no explicit deny; the identity policies allow; and the session
    policies, when the session has any, allow too."""
    identity_decision = decide(identity, request)
    if identity_decision != "allow":
        return False
    if session is None:
        return True
    return decide(session, request) == "allow"


# --- AWS managed policies the local Identity Center knows ---------------------------------------------

_MANAGED: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    "PowerUserAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "account:GetAccountInformation",
                    "account:GetPrimaryEmail",
                    "account:ListRegions",
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                ],
                "Resource": "*",
            },
        ],
    },
    # The read-only policies: the Get/List/Describe families (AWS's own lists name each service's
    # read actions; the local Identity Center only decides sts, sso and identitystore actions).
    "ReadOnlyAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "*:Get*",
                    "*:List*",
                    "*:Describe*",
                    "*:BatchGet*",
                    "*:Search*",
                    "*:IsMemberInGroups",
                ],
                "Resource": "*",
            }
        ],
    },
    "ViewOnlyAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["*:List*", "*:Describe*"], "Resource": "*"}],
    },
}


def managed_policy(arn: str) -> Policy | None:
    """The AWS managed policy ``arn:aws:iam::aws:policy/[job-function/]<Name>``, if known."""
    prefix = "arn:aws:iam::aws:policy/"
    if not arn.startswith(prefix):
        return None
    name = arn[len(prefix) :].rsplit("/", 1)[-1]
    document = _MANAGED.get(name)
    return parse_policy(document) if document is not None else None
