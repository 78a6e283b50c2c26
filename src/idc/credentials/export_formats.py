"""Credentials rendered exactly as ``aws configure export-credentials --format F`` prints them.

Formats and texts follow AWS CLI v2 ``awscli/customizations/configure/exportcreds.py``:

- ``process`` (default): the ``credential_process`` JSON, ``json.dumps(obj, indent=2,
  separators=(',', ': '))`` plus a newline, keys ``Version``, ``AccessKeyId``, ``SecretAccessKey``,
  ``SessionToken``, ``Expiration``;
- ``env`` (``export K=V``), ``env-no-export`` (``K=V``), ``powershell`` (``$Env:K="V"``),
  ``windows-cmd`` (``set K=V``), ``fish`` (``set -gx K "V"``), one line each for AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION.

The shell formats print values bare, as the AWS CLI does, so a value AWS never issues (a newline, a
quote, ``$(...)``) would become shell syntax: ``render`` refuses such credentials in those formats
before printing anything (``ServiceError``, one line naming the field, never the value). The
``process`` JSON escapes every value and is left as the AWS CLI prints it.

The expiration is ``datetime.isoformat()`` of the UTC expiry, as the AWS CLI prints it
(``2026-11-21T07:29:54+00:00``). Standard library only: the credential hot path imports this module.
"""

from __future__ import annotations

from datetime import datetime, timezone

try:  # the C encoder behind json.dumps; importing json itself costs the hot path re and enum
    from _json import encode_basestring_ascii as _json_string
except ImportError:  # pragma: no cover - every CPython has _json
    from json.encoder import py_encode_basestring_ascii as _json_string

FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish")
DEFAULT_FORMAT = "process"

_LINE_FORMATS: dict[str, str] = {
    "env": "export {name}={value}",
    "env-no-export": "{name}={value}",
    "powershell": '$Env:{name}="{value}"',
    "windows-cmd": "set {name}={value}",
    "fish": 'set -gx {name} "{value}"',
}


def expiration_text(expiration: datetime) -> str:
    """The expiry as the AWS CLI exports it: ISO 8601 in UTC with ``+00:00``."""
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=timezone.utc)
    return expiration.astimezone(timezone.utc).isoformat()


def environment_variables(
    access_key_id: str, secret_access_key: str, session_token: str | None, expiration: datetime | None
) -> dict[str, str]:
    """The variables SDKs read, in the AWS CLI's order (``idc exec`` sets exactly these)."""
    variables = {"AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": secret_access_key}
    if session_token is not None:
        variables["AWS_SESSION_TOKEN"] = session_token
    if expiration is not None:
        variables["AWS_CREDENTIAL_EXPIRATION"] = expiration_text(expiration)
    return variables


def _dumps_flat(obj: dict[str, object]) -> str:
    """``json.dumps(obj, indent=2, separators=(",", ": "))`` for a flat object of str and int values."""
    lines = []
    for key, value in obj.items():
        text = str(value) if isinstance(value, int) else _json_string(str(value))
        lines.append(f"  {_json_string(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


def render(
    fmt: str,
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    expiration: datetime | None,
) -> str:
    """The full text ``aws configure export-credentials --format fmt`` would write to stdout."""
    if fmt == "process":
        output: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": access_key_id,
            "SecretAccessKey": secret_access_key,
        }
        if session_token is not None:
            output["SessionToken"] = session_token
        if expiration is not None:
            output["Expiration"] = expiration_text(expiration)
        return _dumps_flat(output) + "\n"
    line = _LINE_FORMATS.get(fmt)
    if line is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from idc.storage.role_cache import unshaped_field

    bad = unshaped_field(access_key_id, secret_access_key, session_token)
    if bad is not None:
        from idc.errors import ServiceError  # only on failure: keeps enum off the hot path

        raise ServiceError(
            f"The role credentials' {bad} is not in the shape AWS issues; "
            f"refusing to print them as {fmt} commands.",
            hint="Run `idc logout`, then sign in again.",
        )
    variables = environment_variables(access_key_id, secret_access_key, session_token, expiration)
    return "".join(line.format(name=name, value=value) + "\n" for name, value in variables.items())
