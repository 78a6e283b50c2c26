"""Checks on the values an SSO profile needs, shared by the config reader and ``idc configure``.

Each returns None when the value is good, or a short reason ("is not an https URL") to put after the
value's name in a ConfigError. No ``re``: the credential hot path validates the profile it resolves.
"""

from __future__ import annotations

_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
# IAM role names (and so permission sets' AWSReservedSSO_ roles): [\w+=,.@-], 1..64
_ROLE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-")


def start_url_problem(url: str) -> str | None:
    """AWS CLI v2 (>= 2.35.13) requires an https start URL with a host."""
    if not url.startswith("https://"):
        return "is not an https URL (it must start with https://)"
    rest = url[len("https://") :]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not host or any(ch.isspace() for ch in url):
        return "is not a valid URL"
    return None


def region_problem(region: str) -> str | None:
    """An AWS Region name: ``us-east-1``, ``us-gov-west-1``, ``cn-north-1``, ``eusc-de-east-1``."""
    parts = region.split("-")
    if (
        len(parts) >= 3
        and (len(parts[0]) == 2 or parts[0] == "eusc")
        and set(parts[0]) <= _LOWER
        and all(part and set(part) <= _LOWER for part in parts[1:-1])
        and parts[-1]
        and set(parts[-1]) <= _DIGITS
    ):
        return None
    return "is not an AWS Region name (like us-east-1)"


def account_id_problem(account_id: str) -> str | None:
    if len(account_id) == 12 and set(account_id) <= _DIGITS:
        return None
    return "is not a 12-digit AWS account ID"


def role_name_problem(role_name: str) -> str | None:
    if 1 <= len(role_name) <= 64 and set(role_name) <= _ROLE_CHARS:
        return None
    return "is not a valid role name (letters, digits and +=,.@_- only, at most 64)"


def shown(value: str) -> str:
    """A config value quoted for a one-line message (newlines and control characters escaped)."""
    out = []
    for ch in value[:200]:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + ('..."' if len(value) > 200 else '"')
