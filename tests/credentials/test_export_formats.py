"""Literal vectors: the text AWS CLI v2's ``aws configure export-credentials --format F`` prints
(awscli/customizations/configure/exportcreds.py) for the same credentials."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from idc.credentials.export_formats import FORMATS, environment_variables, render
from idc.errors import ServiceError

CREDS: dict[str, Any] = {
    "access_key_id": "ASIAEXAMPLE",
    "secret_access_key": "secret/Example+Key",
    "session_token": "IQoJb3JpZ2luX2VjEXAMPLE==",
    "expiration": datetime(2026, 11, 21, 7, 29, 54, tzinfo=timezone.utc),
}

EXPECTED = {
    "process": (
        "{\n"
        '  "Version": 1,\n'
        '  "AccessKeyId": "ASIAEXAMPLE",\n'
        '  "SecretAccessKey": "secret/Example+Key",\n'
        '  "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE==",\n'
        '  "Expiration": "2026-11-21T07:29:54+00:00"\n'
        "}\n"
    ),
    "env": (
        "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
        "export AWS_SECRET_ACCESS_KEY=secret/Example+Key\n"
        "export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==\n"
        "export AWS_CREDENTIAL_EXPIRATION=2026-11-21T07:29:54+00:00\n"
    ),
    "env-no-export": (
        "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=secret/Example+Key\n"
        "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==\n"
        "AWS_CREDENTIAL_EXPIRATION=2026-11-21T07:29:54+00:00\n"
    ),
    "powershell": (
        '$Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLE"\n'
        '$Env:AWS_SECRET_ACCESS_KEY="secret/Example+Key"\n'
        '$Env:AWS_SESSION_TOKEN="IQoJb3JpZ2luX2VjEXAMPLE=="\n'
        '$Env:AWS_CREDENTIAL_EXPIRATION="2026-11-21T07:29:54+00:00"\n'
    ),
    "windows-cmd": (
        "set AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
        "set AWS_SECRET_ACCESS_KEY=secret/Example+Key\n"
        "set AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE==\n"
        "set AWS_CREDENTIAL_EXPIRATION=2026-11-21T07:29:54+00:00\n"
    ),
    "fish": (
        'set -gx AWS_ACCESS_KEY_ID "ASIAEXAMPLE"\n'
        'set -gx AWS_SECRET_ACCESS_KEY "secret/Example+Key"\n'
        'set -gx AWS_SESSION_TOKEN "IQoJb3JpZ2luX2VjEXAMPLE=="\n'
        'set -gx AWS_CREDENTIAL_EXPIRATION "2026-11-21T07:29:54+00:00"\n'
    ),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_matches_the_aws_cli(fmt: str) -> None:
    assert render(fmt, **CREDS) == EXPECTED[fmt]


def test_every_format_has_a_vector() -> None:
    assert set(FORMATS) == set(EXPECTED)


def test_process_output_is_one_json_object_credential_process_accepts() -> None:
    parsed = json.loads(render("process", **CREDS))
    assert parsed["Version"] == 1
    assert datetime.fromisoformat(parsed["Expiration"]) == CREDS["expiration"]


def test_expiration_is_converted_to_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    expiry = datetime(2026, 11, 21, 16, 29, 54, tzinfo=tokyo)
    assert environment_variables("A", "S", "T", expiry)["AWS_CREDENTIAL_EXPIRATION"] == (
        "2026-11-21T07:29:54+00:00"
    )


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render("yaml", **CREDS)


@pytest.mark.parametrize(
    "secret",
    ['quote"back\\slash', "tab\tnew\nline", "caf\u00e9 \u2603 \U0001f600", "\x00\x1f", ""],
    ids=["quotes", "controls", "non-ascii", "nul", "empty"],
)
def test_process_output_is_byte_identical_to_json_dumps(secret: str) -> None:
    creds = dict(CREDS, secret_access_key=secret, session_token=secret)
    expected = {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": secret,
        "SessionToken": secret,
        "Expiration": "2026-11-21T07:29:54+00:00",
    }
    assert render("process", **creds) == json.dumps(expected, indent=2, separators=(",", ": ")) + "\n"


def test_process_output_without_token_or_expiration() -> None:
    text = render("process", access_key_id="A", secret_access_key="S", session_token=None, expiration=None)
    assert json.loads(text) == {"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}


HOSTILE = {
    "newline-command": "abc\nrm -rf ~",
    "command-substitution": "$(touch /tmp/pwned)",
    "quote": 'abc"; echo pwned; "',
    "space": "abc def",
    "backtick": "`id`",
    "semicolon": "abc;id",
    "non-ascii": "caf\u00e9",
}


@pytest.mark.parametrize("field", ["access_key_id", "secret_access_key", "session_token"])
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "process"])
def test_shell_formats_refuse_values_aws_never_issues(fmt: str, field: str, value: str) -> None:
    """A value that is not an AWS shape would become shell syntax: refuse before printing anything."""
    with pytest.raises(ServiceError) as raised:
        render(fmt, **dict(CREDS, **{field: value}))
    message = str(raised.value)
    assert "\n" not in message and value not in message
    assert {"access_key_id": "AccessKeyId", "secret_access_key": "SecretAccessKey"}.get(
        field, "SessionToken"
    ) in message


@pytest.mark.parametrize(
    "creds",
    [
        dict(CREDS),
        dict(CREDS, access_key_id="ASIA" + "Z" * 124, secret_access_key="a/b+c=", session_token="x-y_z.w="),
        dict(CREDS, session_token=None, expiration=None),
    ],
    ids=["vector", "edges", "long-term"],
)
def test_aws_shaped_values_pass(creds: dict[str, Any]) -> None:
    for fmt in FORMATS:
        assert creds["access_key_id"] in render(fmt, **creds)
