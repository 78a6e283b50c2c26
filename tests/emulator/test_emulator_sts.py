"""STS GetCallerIdentity with emulator-issued role credentials, and botocore's own SSO provider end to end."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import Clients

ARN = re.compile(
    r"^arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/demo$"
)


def _credentials(aws: Clients) -> dict[str, Any]:
    _, token = aws.device_login()
    return dict(
        aws.sso.get_role_credentials(
            accessToken=token["accessToken"], accountId="123456789012", roleName="AdministratorAccess"
        )["roleCredentials"]
    )


def test_get_caller_identity_returns_the_sso_role_session(aws: Clients) -> None:
    identity = aws.sts(_credentials(aws)).get_caller_identity()
    assert ARN.match(identity["Arn"])
    assert identity["Account"] == "123456789012"
    assert re.fullmatch(r"AROA[0-9A-F]{17}:demo", identity["UserId"])
    again = aws.sts(_credentials(aws)).get_caller_identity()
    assert again["Arn"] == identity["Arn"]  # the role's suffix is stable


# (id, change to the credentials, STS error code, HTTP status)
STS_ERRORS = [
    ("unknown-key", {"accessKeyId": "ASIAAAAAAAAAAAAAAAAA"}, "InvalidClientTokenId", 403),
    ("wrong-session-token", {"sessionToken": "IQoJb3JpZ2luX2Vjforged"}, "InvalidClientTokenId", 403),
    ("wrong-secret", {"secretAccessKey": "x" * 40}, "SignatureDoesNotMatch", 403),
    ("expired", {}, "ExpiredToken", 400),
]


def test_expired_role_credentials_by_the_admin_action(aws: Clients) -> None:
    """``expire`` ends role credentials now, on the emulator's own clock (no clock skew needed)."""
    credentials = _credentials(aws)
    assert aws.emulator.admin("expire", {"user": "demo", "what": "credentials"}) == {
        "tokens": 0,
        "credentials": 1,
    }
    with pytest.raises(aws.sso.exceptions.ClientError) as failure:
        aws.sts(credentials).get_caller_identity()
    assert failure.value.response["Error"]["Code"] == "ExpiredToken"


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (
            -16 * 60,
            r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)",
        ),
        (
            16 * 60,
            r"Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z"
            r" \(\d{8}T\d{6}Z \+ 15 min\.\)",
        ),
    ],
    ids=["client-clock-behind", "client-clock-ahead"],
)
def test_sts_refuses_a_signature_outside_15_minutes_of_its_clock(
    aws: Clients, seconds: int, message: str
) -> None:
    """STS's SigV4 window is measured on the service clock, which only the clock-skew fault moves.

    A service clock 16 minutes behind is a client clock 16 minutes ahead ("not yet current").
    """
    credentials = _credentials(aws)
    aws.emulator.admin("clock-skew", {"seconds": -seconds})
    with pytest.raises(aws.sso.exceptions.ClientError) as failure:
        aws.sts(credentials).get_caller_identity()
    assert failure.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert re.fullmatch(message, failure.value.response["Error"]["Message"])
    aws.emulator.admin("clock-skew", {"seconds": -14 * 60 * (1 if seconds > 0 else -1)})  # 14 min: accepted
    assert ARN.match(aws.sts(credentials).get_caller_identity()["Arn"])
    aws.emulator.clear_faults()  # clears the skew too
    assert aws.emulator.admin("info")["skew"] == 0


def test_advance_clock_past_the_credentials_life_is_expired_token_not_a_bad_signature(
    aws: Clients,
) -> None:
    """Time passes for what was issued; clients still sign with their real clock, and STS accepts that."""
    credentials = _credentials(aws)  # one hour (the permission set's session duration)
    aws.emulator.advance_clock(2 * 3600)
    with pytest.raises(aws.sso.exceptions.ClientError) as failure:
        aws.sts(credentials).get_caller_identity()
    assert failure.value.response["Error"]["Code"] == "ExpiredToken"
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ARN.match(aws.sts(_credentials(aws)).get_caller_identity()["Arn"])  # new ones work


def test_the_date_header_is_the_service_clock(aws: Clients) -> None:
    """``Date`` is the clock SigV4 is checked on: the skew moves it, advance-clock does not."""
    from email.utils import parsedate_to_datetime

    import httpx

    def shown_offsets() -> list[float]:
        offsets = []
        for path, method in (("/client/register", "POST"), ("/_admin/nothing", "POST"), ("/start", "GET")):
            response = httpx.request(method, aws.emulator.base_url + path, json={})
            dates = response.headers.get_list("date")
            assert len(dates) == 1, (path, dates)
            offsets.append((parsedate_to_datetime(dates[0]) - datetime.now(timezone.utc)).total_seconds())
        return offsets

    aws.emulator.advance_clock(2 * 86400)
    assert all(abs(offset) < 60 for offset in shown_offsets())
    aws.emulator.admin("clock-skew", {"seconds": 86400})
    assert all(abs(offset - 86400) < 60 for offset in shown_offsets())


@pytest.mark.parametrize(
    ("change", "code", "status"), [pytest.param(c, e, s, id=i) for i, c, e, s in STS_ERRORS]
)
def test_sts_errors(aws: Clients, change: dict[str, str], code: str, status: int) -> None:
    credentials = {**_credentials(aws), **change}
    if not change:
        aws.emulator.admin("expire", {"what": "credentials"})
    with pytest.raises(aws.sso.exceptions.ClientError) as failure:
        aws.sts(credentials).get_caller_identity()
    assert failure.value.response["Error"]["Code"] == code
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def _write_profile(aws_home: Any, emulator: Any) -> None:
    aws_home.config_file.write_text(
        "[profile dev]\n"
        "sso_session = my-sso\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n"
        f"region = {emulator.region}\n"
        "output = json\n\n"
        "[sso-session my-sso]\n"
        f"sso_start_url = {emulator.start_url}\n"
        f"sso_region = {emulator.region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def _write_token(
    aws_home: Any, emulator: Any, client: dict[str, Any], token: dict[str, Any], expires_in: timedelta
) -> Path:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    now = datetime.fromtimestamp(emulator.engine.now(), timezone.utc)
    aws_home.sso_cache.mkdir(parents=True, exist_ok=True)
    path = aws_home.sso_cache / f"{hashlib.sha1(b'my-sso').hexdigest()}.json"
    path.write_text(
        json.dumps(
            {
                "startUrl": emulator.start_url,
                "region": emulator.region,
                "accessToken": token["accessToken"],
                "expiresAt": stamp(now + expires_in),
                "clientId": client["clientId"],
                "clientSecret": client["clientSecret"],
                "registrationExpiresAt": stamp(
                    datetime.fromtimestamp(client["clientSecretExpiresAt"], timezone.utc)
                ),
                "refreshToken": token["refreshToken"],
            }
        )
    )
    return path


BOTO3_WHOAMI = """
import json, boto3
session = boto3.Session(profile_name="dev")
frozen = session.get_credentials().get_frozen_credentials()
identity = session.client("sts").get_caller_identity()
print(json.dumps({"key": frozen.access_key, "arn": identity["Arn"]}))
"""


@pytest.mark.parametrize("fresh", [True, False], ids=["cached-token", "token-refreshed-by-botocore"])
def test_botocore_sso_provider_then_sts(aws: Clients, aws_home: Any, fresh: bool) -> None:
    emulator = aws.emulator
    client, token = aws.device_login()
    expires_in = timedelta(minutes=50) if fresh else timedelta(minutes=5)  # botocore refreshes inside 15 min
    _write_profile(aws_home, emulator)
    cache = _write_token(aws_home, emulator, client, token, expires_in)
    emulator.admin("stats", {"reset": True})
    done = subprocess.run(
        [sys.executable, "-c", BOTO3_WHOAMI],
        env={**aws_home.env, **emulator.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["key"].startswith("ASIA") and ARN.match(answer["arn"])
    stats = emulator.stats()
    assert stats["GetRoleCredentials"] == 1 and stats["GetCallerIdentity"] == 1
    if fresh:
        assert "CreateToken" not in stats
    else:
        assert stats["CreateToken"] == 1  # botocore's refresh_token grant, answered with a rotated token
        rewritten = json.loads(cache.read_text())
        assert rewritten["refreshToken"] != token["refreshToken"]
        assert rewritten["accessToken"] != token["accessToken"]


def test_aws_cli_get_caller_identity(aws: Clients, aws_home: Any) -> None:
    emulator = aws.emulator
    client, token = aws.device_login()
    _write_profile(aws_home, emulator)
    _write_token(aws_home, emulator, client, token, timedelta(minutes=50))
    aws_cli = Path(sys.executable).parent / "aws"
    done = subprocess.run(
        [str(aws_cli), "sts", "get-caller-identity", "--profile", "dev", "--output", "json"],
        env={**aws_home.env, **emulator.env, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ARN.match(json.loads(done.stdout)["Arn"])


BOTO3_TWICE = """
import sys, boto3, botocore.exceptions
sts = boto3.Session(profile_name="dev").client("sts")
print(sts.get_caller_identity()["Arn"], flush=True)
sys.stdin.readline()
try:
    sts.get_caller_identity()
except botocore.exceptions.ClientError as error:
    print(error, flush=True)
"""


def test_botocore_says_expired_token_after_advance_clock(aws: Clients, aws_home: Any) -> None:
    """botocore's SSO provider keeps its role credentials (one hour on its clock); two hours pass on the
    emulator's: STS answers ExpiredToken, the client's expired-token error, not SignatureDoesNotMatch."""
    emulator = aws.emulator
    client, token = aws.device_login()
    _write_profile(aws_home, emulator)
    _write_token(aws_home, emulator, client, token, timedelta(minutes=50))
    process = subprocess.Popen(
        [sys.executable, "-c", BOTO3_TWICE],
        env={**aws_home.env, **emulator.env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert ARN.match(process.stdout.readline().strip())
    emulator.advance_clock(2 * 3600)
    out, err = process.communicate("go\n", timeout=120)
    assert process.returncode == 0, err
    assert out.strip() == (
        "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation:"
        " The security token included in the request is expired"
    )
