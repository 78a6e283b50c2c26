"""What can be written to ``~/.aws/config`` as one line: section kinds, names, headers, keys and values.

:func:`check_name`, :func:`check_key` and :func:`check_value` refuse what would not read back, through
botocore's rules, as the one line it was meant to be (line breaks, control characters, brackets and
comment starts in names), without echoing a value (it may be a secret pasted in the wrong place);
:func:`section_header` writes ``[profile NAME]``. ``classify`` says which (kind, name) botocore files a
raw section name under. Used by :mod:`idc.config.editor`; standard library only, like the reader.
"""

from __future__ import annotations

from idc.config import ini
from idc.errors import ConfigError

KINDS = ("profile", "sso-session", "services", "default")
BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.")
_NAME_FORBIDDEN = frozenset("[]\"'\\#;=:") | BREAKS


def _fail(message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, hint=hint)


def check_value(key: str, value: str) -> None:
    """Refuse a value that would not survive as one line; the message never repeats the value."""
    if any(ch in BREAKS for ch in value):
        raise _fail(
            f"The value for {key} contains a line break; config values must be a single line.",
            "Enter the value again without line breaks.",
        )
    if any(ord(ch) < 32 and ch != "\t" for ch in value) or "\x7f" in value:
        raise _fail(
            f"The value for {key} contains control characters.", "Enter the value again as plain text."
        )


def check_key(key: str) -> None:
    if not key or not set(key) <= _KEY_CHARS:
        raise _fail(
            f"{_describe(key)} is not a valid config key (lower-case letters, digits, '_', '-' and '.').",
        )


def check_name(kind: str, name: str) -> None:
    """Profile, sso-session and services names: one line, no brackets, quotes or comment starts."""
    if kind not in KINDS:
        raise ValueError(f"unknown section kind {kind!r}")
    what = {"sso-session": "SSO session", "services": "services"}.get(kind, "profile")
    if (
        not name
        or name != name.strip()
        or any(ch in _NAME_FORBIDDEN or ord(ch) < 32 or ch == "\x7f" for ch in name)
        or (kind != "default" and classify(_header_text(kind, name)) != section_key(kind, name))
    ):
        raise _fail(
            f"The {what} name {_describe(name)} cannot be written to the config file "
            "(no line breaks, brackets, quotes, '#', ';', '=', ':' or surrounding spaces).",
            f"Choose another {what} name.",
        )


def _describe(text: str) -> str:
    if any(ch in BREAKS or ord(ch) < 32 for ch in text):
        return "given"  # never echo what may be a secret pasted in the wrong place
    return f'"{text}"'


def _header_text(kind: str, name: str) -> str:
    if kind == "default" or (kind == "profile" and name == "default"):
        return "default"
    shown = f'"{name}"' if any(ch.isspace() for ch in name) else name
    return f"{kind} {shown}"


def section_header(kind: str, name: str) -> str:
    """``[profile NAME]`` (``[default]`` for the default profile; quoted when NAME has spaces)."""
    check_name(kind, name)
    return f"[{_header_text(kind, name)}]"


def section_key(kind: str, name: str) -> tuple[str, str]:
    if kind == "default":
        return ("profile", "default")
    return (kind, name)


def classify(header: str) -> tuple[str, str] | None:
    """Which (kind, name) botocore files a raw section name under (``build_profile_map``)."""
    if header == "default":
        return ("profile", "default")
    for prefix in ("profile", "sso-session", "services"):
        if header.startswith(prefix):
            name = ini.profile_section_name(header, prefix)
            return (prefix, name) if name is not None else None
    return None


__all__ = [
    "BREAKS",
    "KINDS",
    "check_key",
    "check_name",
    "check_value",
    "classify",
    "section_header",
    "section_key",
]
