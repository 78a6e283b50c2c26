"""Credentials narrowed for what runs them: a session policy and a duration on credentials, exec --server
and serve; the emulator's STS enforces the policy; narrowed sessions never reach ~/.aws/cli/cache; the
endpoints answer from memory and write an audit log without secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from credential_helpers import idc_script, run_idc, write_config
from test_chain import CHAINED, DIRECTORY, WORKLOAD

S3_ONLY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)

# A boto3 child: who am I, and may I take the next hop (Auditor trusts Deployer)?
CHILD = f"""
import json, boto3
sts = boto3.client("sts")
result = {{"arn": sts.get_caller_identity()["Arn"]}}
try:
    sts.assume_role(RoleArn="arn:aws:iam::{WORKLOAD}:role/Auditor", RoleSessionName="next")
    result["hop"] = "allowed"
except Exception as error:
    result["hop"] = error.response["Error"]["Code"]
print(json.dumps(result))
"""


@pytest.fixture
def emulator(emulator_factory: Any) -> Any:
    return emulator_factory(DIRECTORY)


@pytest.fixture
def chains(signed_in: Any, emulator: Any) -> Any:
    write_config(signed_in.config_file, emulator.start_url, emulator.region, extra=CHAINED)
    return signed_in


def _cached_keys(home: Any, *, assumed_only: bool = False) -> set[str]:
    """The access key ids in ~/.aws/cli/cache (``assumed_only``: of assume-role entries only)."""
    keys = set()
    for path in home.cli_cache.glob("*.json"):
        entry = json.loads(path.read_text())
        if not assumed_only or "AssumedRoleUser" in entry:
            keys.add(entry["Credentials"]["AccessKeyId"])
    return keys


def test_credentials_with_a_session_policy_and_a_duration(chains: Any, emulator: Any) -> None:
    result = run_idc(
        ["credentials", "--profile", "chained", "--policy", S3_ONLY, "--duration", "900"], chains.env
    )
    assert result.returncode == 0, result.stderr
    narrowed = json.loads(result.stdout)
    assert emulator.stats().get("AssumeRole") == 1
    lifetime = datetime.fromisoformat(narrowed["Expiration"].replace("Z", "+00:00")).timestamp()
    assert 800 < lifetime - datetime.now().timestamp() <= 900
    assert narrowed["AccessKeyId"] not in _cached_keys(chains)  # never in the AWS CLI's cache
    env = dict(
        chains.env,
        AWS_ACCESS_KEY_ID=narrowed["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=narrowed["SecretAccessKey"],
        AWS_SESSION_TOKEN=narrowed["SessionToken"],
        AWS_DEFAULT_REGION="eu-west-1",
    )
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(child.stdout) == {
        "arn": json.loads(child.stdout)["arn"],
        "hop": "AccessDenied",  # the session policy reached STS: only s3:* is left
    }
    assert "assumed-role/Deployer/botocore-session-" in json.loads(child.stdout)["arn"]
    # the policy file form, and the full session (no policy) may take the next hop
    policy_file = chains.home / "s3.json"
    policy_file.write_text(S3_ONLY)
    assert (
        run_idc(["credentials", "--profile", "chained", "--policy", str(policy_file)], chains.env).returncode
        == 0
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--profile", "dev", "--policy", S3_ONLY], "profile dev assumes no role"),
        (["--profile", "chained", "--policy", "{nope"], "--policy is not valid JSON"),
        (["--profile", "chained", "--policy-arn", "ReadOnlyAccess"], "is not a managed policy ARN"),
        (["--profile", "chained", "--duration", "7200"], "--duration 7200 is over the 1 hour limit"),
    ],
)
def test_what_cannot_be_narrowed_is_one_line(chains: Any, emulator: Any, args: list[str], line: str) -> None:
    result = run_idc(["credentials", *args], chains.env)
    assert result.returncode == 3
    assert line in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert emulator.stats().get("AssumeRole") is None


def _audit(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_exec_server_with_a_session_policy_and_an_audit_log(chains: Any, emulator: Any) -> None:
    log = chains.home / "audit.jsonl"
    result = run_idc(
        [
            "exec",
            "--profile",
            "chained",
            "--server",
            "--policy",
            S3_ONLY,
            "--audit-log",
            str(log),
            "--",
            sys.executable,
            "-c",
            CHILD,
        ],
        chains.env,
        script=True,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert "assumed-role/Deployer/" in seen["arn"]
    assert seen["hop"] == "AccessDenied"
    lines = _audit(log)
    assert lines and all(line["profile"] == "chained" and line["status"] == 200 for line in lines)
    assert all(line["caller"].startswith("127.0.0.1:") for line in lines)
    assert len({line["access_key_id"] for line in lines}) == 1
    assert lines[0]["access_key_id"] not in _cached_keys(chains)
    assert "Secret" not in log.read_text() and "Token" not in log.read_text()
    assert emulator.stats().get("AssumeRole") == 2  # the narrowed session, and the child's refused hop


def test_serve_hands_out_the_narrowed_session_never_the_full_one(chains: Any, emulator: Any) -> None:
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    full = subprocess.run(
        [aws, "sts", "get-caller-identity", "--profile", "chained"],
        env=chains.env,
        capture_output=True,
        text=True,
    )
    assert full.returncode == 0, full.stderr
    full_keys = _cached_keys(chains, assumed_only=True)
    log = chains.home / "audit.jsonl"
    server = subprocess.Popen(
        [
            idc_script(),
            "serve",
            "--profile",
            "chained",
            "--policy",
            S3_ONLY,
            "--duration",
            "900",
            "--audit-log",
            str(log),
        ],
        env=chains.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        header = server.stdout.readline()
        assert header == "# profile chained\n", header + (
            server.stderr.read() if server.poll() is not None else ""
        )
        exports = dict(item.split("=", 1) for item in server.stdout.readline().split()[1:])
        answers = []
        for _ in range(3):  # an SDK that refreshes on every call: answered from memory
            request = urllib.request.Request(
                exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                headers={"Authorization": exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append(json.loads(response.read()))
        assert len({a["AccessKeyId"] for a in answers}) == 1
        assert answers[0]["AccessKeyId"] not in full_keys
        assert emulator.stats().get("AssumeRole") == 2  # aws's full session, then one narrowed session
        env = dict(chains.env, **exports, AWS_DEFAULT_REGION="eu-west-1")
        child = subprocess.run(
            [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60
        )
        assert json.loads(child.stdout)["hop"] == "AccessDenied", child.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = _audit(log)
    assert len(lines) >= 4  # the prime is no answer; three requests and the child's
    assert {line["access_key_id"] for line in lines} == {answers[0]["AccessKeyId"]}
    assert _cached_keys(chains, assumed_only=True) == full_keys
    assert answers[0]["AccessKeyId"] not in _cached_keys(chains)


def test_a_short_narrowed_session_is_renewed_only_when_little_is_left() -> None:
    """A 15-minute session is 'stale' to botocore at once: the endpoint answers it from memory until a
    quarter of it is left, not on every request (nor, for full sessions, below 15 minutes)."""
    from datetime import timezone

    from idc.credentials.hotpath import CachedCredentials
    from idc.credentials.narrowed import Narrowing
    from idc.credentials.server import ProfileSource

    now = [1_000_000.0]
    fetched: list[float] = []

    def fetch(profile: str) -> CachedCredentials:
        fetched.append(now[0])
        expiry = datetime.fromtimestamp(now[0] + 900, timezone.utc)
        return CachedCredentials(f"ASIA{len(fetched)}", "secret", "token", expiry, None)

    narrowed = ProfileSource(
        "p", fetch, clock=lambda: now[0], renew_below=Narrowing(None, (), 900).renew_below
    )
    assert narrowed.get().access_key_id == "ASIA1"
    now[0] += 600  # 300 s left: still more than a quarter
    assert narrowed.get().access_key_id == "ASIA1"
    now[0] += 100  # 200 s left
    assert narrowed.get().access_key_id == "ASIA2"
    assert len(fetched) == 2
    full = ProfileSource("p", fetch, clock=lambda: now[0])
    assert full.get().access_key_id == "ASIA3"
    now[0] += 1
    assert full.get().access_key_id == "ASIA4"  # 899 s left is under botocore's 15-minute window
