"""Role chains from an SSO profile: idc and the real AWS CLI share one AssumeRole through
``~/.aws/cli/cache`` (counted at the local Identity Center), two hops, and what botocore and STS refuse."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from credential_helpers import ACCOUNT, idc_script, run_idc, write_config

WORKLOAD = "210987654321"
SSO_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_*"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _trust(principal: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


DIRECTORY: dict[str, Any] = {
    "users": [{"username": "demo", "password": "demo"}],
    "accounts": [{"id": ACCOUNT, "name": "sandbox"}, {"id": WORKLOAD, "name": "workload"}],
    "permission_sets": [{"name": "AdministratorAccess"}],
    "assignments": [{"account": ACCOUNT, "permission_set": "AdministratorAccess", "user": "demo"}],
    "roles": [
        {
            "account": WORKLOAD,
            "name": "Deployer",
            "trust_policy": _trust(
                f"arn:aws:iam::{ACCOUNT}:root", {"ArnLike": {"aws:PrincipalArn": SSO_ROLES}}
            ),
            "policy": ALLOW_ALL,
        },
        {
            "account": WORKLOAD,
            "name": "Auditor",
            "trust_policy": _trust(f"arn:aws:iam::{WORKLOAD}:role/Deployer"),
        },
        {
            "account": WORKLOAD,
            "name": "Vendor",
            "trust_policy": _trust(ACCOUNT, {"StringEquals": {"sts:ExternalId": "vendor-42"}}),
        },
    ],
}

CHAINED = f"""
[profile chained]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = dev
duration_seconds = 3600
region = eu-west-1

[profile auditor]
role_arn = arn:aws:iam::{WORKLOAD}:role/Auditor
source_profile = chained
role_session_name = audit
region = eu-west-1

[profile vendor]
role_arn = arn:aws:iam::{WORKLOAD}:role/Vendor
source_profile = dev

[profile vendor-ok]
role_arn = arn:aws:iam::{WORKLOAD}:role/Vendor
source_profile = dev
external_id = vendor-42

[profile long]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = dev
duration_seconds = 7200

[profile loop-a]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::{WORKLOAD}:role/Auditor
source_profile = loop-a

[profile half]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer

[profile keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY

[profile from-keys]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = keys
duration_seconds = 7200

[profile from-env]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
credential_source = Environment

[profile from-nowhere]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
credential_source = Laptop

[profile mfa]
role_arn = arn:aws:iam::{WORKLOAD}:role/Deployer
source_profile = dev
mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/demo
"""


@pytest.fixture
def emulator(emulator_factory: Any) -> Any:
    return emulator_factory(DIRECTORY)


@pytest.fixture
def chains(signed_in: Any, emulator: Any) -> Any:
    write_config(signed_in.config_file, emulator.start_url, emulator.region, extra=CHAINED)
    return signed_in


def _cache_key(args: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()


def _aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    aws = str(Path(sys.executable).with_name("aws"))
    return subprocess.run([aws, *args], env=env, capture_output=True, text=True, timeout=120)


def test_idc_and_the_aws_cli_share_one_assume_role_both_ways(chains: Any, emulator: Any) -> None:
    result = run_idc(["credentials", "--profile", "chained"], chains.env)
    assert result.returncode == 0, result.stderr
    handed = json.loads(result.stdout)
    assert emulator.stats().get("AssumeRole") == 1
    key = _cache_key({"RoleArn": f"arn:aws:iam::{WORKLOAD}:role/Deployer", "DurationSeconds": 3600})
    entry_path = chains.cli_cache / f"{key}.json"
    entry = json.loads(entry_path.read_text())
    assert entry["Credentials"]["AccessKeyId"] == handed["AccessKeyId"]
    assert entry["Credentials"]["Expiration"].endswith("UTC")
    assert entry["Credentials"]["AccountId"] == WORKLOAD
    assert entry["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{WORKLOAD}:assumed-role/Deployer/")
    assert "ResponseMetadata" in entry

    # the AWS CLI uses idc's session: no second AssumeRole
    aws = _aws(chains.env, "sts", "get-caller-identity", "--profile", "chained", "--output", "json")
    assert aws.returncode == 0, aws.stderr
    assert json.loads(aws.stdout)["Arn"] == entry["AssumedRoleUser"]["Arn"]
    assert emulator.stats().get("AssumeRole") == 1

    # and idc uses the AWS CLI's
    entry_path.unlink()
    aws = _aws(chains.env, "sts", "get-caller-identity", "--profile", "chained", "--output", "json")
    assert aws.returncode == 0, aws.stderr
    assert emulator.stats().get("AssumeRole") == 2
    written_by_aws = json.loads(entry_path.read_text())
    again = run_idc(["credentials", "--profile", "chained"], chains.env, script=True)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["AccessKeyId"] == written_by_aws["Credentials"]["AccessKeyId"]
    assert emulator.stats().get("AssumeRole") == 2


def test_two_hops_and_whoami(chains: Any, emulator: Any) -> None:
    result = run_idc(["whoami", "--profile", "auditor", "--output", "json"], chains.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == f"arn:aws:sts::{WORKLOAD}:assumed-role/Auditor/audit"
    assert emulator.stats().get("AssumeRole") == 2
    # both hops are cached: the AWS CLI answers from them
    aws = _aws(chains.env, "sts", "get-caller-identity", "--profile", "auditor", "--output", "json")
    assert aws.returncode == 0, aws.stderr
    assert emulator.stats().get("AssumeRole") == 2


@pytest.mark.parametrize(
    ("profile", "code", "line"),
    [
        ("loop-a", 3, "Infinite loop in credential configuration detected"),
        ("long", 3, "duration_seconds = 7200 in profile long is over the 1 hour limit of role chaining"),
        ("half", 3, 'The profile "half" has role_arn but neither source_profile nor credential_source'),
        (
            "vendor",
            6,
            f"STS refused profile vendor the role arn:aws:iam::{WORKLOAD}:role/Vendor: AccessDenied: User:",
        ),
    ],
)
def test_refusals_are_one_line(chains: Any, emulator: Any, profile: str, code: int, line: str) -> None:
    result = run_idc(["credentials", "--profile", profile], chains.env)
    assert result.returncode == code
    assert result.stdout == ""
    assert line in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    if profile != "vendor":
        assert emulator.stats().get("AssumeRole") is None


def test_external_id_from_the_profile(chains: Any) -> None:
    result = run_idc(["whoami", "--profile", "vendor-ok", "--output", "json"], chains.env)
    assert result.returncode == 0, result.stderr
    assert "assumed-role/Vendor/botocore-session-" in json.loads(result.stdout)["Arn"]


@pytest.mark.parametrize("content", ["", '{"Credentials": {"AccessKeyId": "ASIA'])
def test_an_empty_or_partial_cache_file_is_a_miss(chains: Any, emulator: Any, content: str) -> None:
    key = _cache_key({"RoleArn": f"arn:aws:iam::{WORKLOAD}:role/Deployer", "DurationSeconds": 3600})
    chains.cli_cache.mkdir(parents=True, exist_ok=True)
    (chains.cli_cache / f"{key}.json").write_text(content)
    result = run_idc(["credentials", "--profile", "chained"], chains.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
    assert emulator.stats().get("AssumeRole") == 1


CHILD = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


@pytest.mark.parametrize("server", [False, True], ids=["env", "server"])
def test_exec_gives_a_boto3_child_the_assumed_role(chains: Any, server: bool) -> None:
    args = [
        "exec",
        "--profile",
        "chained",
        *(["--server"] if server else []),
        "--",
        sys.executable,
        "-c",
        CHILD,
    ]
    result = run_idc(args, chains.env, script=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"arn:aws:sts::{WORKLOAD}:assumed-role/Deployer/botocore-session-")


@pytest.mark.slow
def test_fifty_cold_processes_make_one_assume_role(chains: Any, emulator: Any) -> None:
    processes = [
        subprocess.Popen(
            [idc_script(), "credentials", "--profile", "chained"],
            env=chains.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(50)
    ]
    keys = set()
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        keys.add(json.loads(out)["AccessKeyId"])
    assert len(keys) == 1
    assert emulator.stats().get("AssumeRole") == 1
    assert emulator.stats().get("GetRoleCredentials") == 1


def test_mfa_serial_without_a_terminal_is_one_clear_line(chains: Any, emulator: Any) -> None:
    result = run_idc(["credentials", "--profile", "mfa"], chains.env)
    assert result.returncode == 3
    assert f"profile mfa needs an MFA code for arn:aws:iam::{ACCOUNT}:mfa/demo (mfa_serial)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert emulator.stats().get("AssumeRole") is None


def test_mfa_serial_asks_on_the_terminal_as_the_aws_cli_does(chains: Any, emulator: Any) -> None:
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: idc on a terminal
        os.execve(idc_script(), [idc_script(), "whoami", "--profile", "mfa", "--output", "json"], chains.env)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and f"Enter MFA code for arn:aws:iam::{ACCOUNT}:mfa/demo: ".encode() in seen:
            os.write(fd, b"123456\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    assert answered, seen
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert f"arn:aws:sts::{WORKLOAD}:assumed-role/Deployer/".encode() in seen
    assert b"mfa/demo: 123456" not in seen  # getpass does not echo the code
    assert emulator.stats().get("AssumeRole") == 1


def test_a_first_hop_from_static_keys_may_ask_for_more_than_an_hour(chains: Any, emulator: Any) -> None:
    """Not role chaining: no refusal before the call; the keys sign AssumeRole (this directory has no
    IAM users, so STS refuses them, which shows the keys reached it)."""
    result = run_idc(["credentials", "--profile", "from-keys"], chains.env)
    assert result.returncode == 6
    assert "STS refused profile from-keys the role" in result.stderr
    assert "InvalidClientTokenId" in result.stderr
    assert emulator.stats().get("AssumeRole") == 1


@pytest.mark.parametrize(
    ("fmt", "line"), [("env", "export AWS_ACCESS_KEY_ID="), ("fish", 'set -gx AWS_ACCESS_KEY_ID "')]
)
def test_every_format_on_a_chain(chains: Any, fmt: str, line: str) -> None:
    for script in (False, True):  # the full path, then the hot path's cache hit
        result = run_idc(["credentials", "--profile", "chained", "--format", fmt], chains.env, script=script)
        assert result.returncode == 0, result.stderr
        assert line in result.stdout


def test_source_credentials_sts_refuses_are_renewed_once(chains: Any, emulator: Any) -> None:
    """The SSO role credentials in the cache were ended early (an administrator, a logout elsewhere): STS
    answers AssumeRole with ExpiredToken, and idc gets new ones and assumes again, once."""
    assert run_idc(["credentials", "--profile", "dev"], chains.env).returncode == 0
    emulator.admin("expire", {"user": "demo", "what": "credentials"})
    result = run_idc(["credentials", "--profile", "chained"], chains.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
    calls = emulator.stats()
    assert calls.get("GetRoleCredentials") == 2
    assert calls.get("AssumeRole") == 2  # refused with the ended credentials, then with new ones


@pytest.mark.parametrize(
    "values",
    [
        {"role_arn": "arn:aws:iam::210987654321:role/Deployer"},
        {"role_arn": "arn:aws:iam::210987654321:role/a/b/Deployer", "role_session_name": "me@corp"},
        {
            "role_arn": "arn:aws:iam::210987654321:role/Vendor",
            "external_id": "x/y:z=1",
            "mfa_serial": "arn:aws:iam::123456789012:mfa/é",
            "duration_seconds": "900",
        },
        {"role_arn": "arn:aws:iam::210987654321:role/D", "duration_seconds": "an hour"},  # dropped
    ],
)
def test_the_cache_key_is_botocores(values: dict[str, str]) -> None:
    """botocore's own fetcher, given the arguments AssumeRoleProvider builds from the profile."""
    from botocore.credentials import AssumeRoleCredentialFetcher

    from idc.credentials.assume_role_cache import assume_role_cache_key

    extra: dict[str, Any] = {}
    for key, name in (
        ("role_session_name", "RoleSessionName"),
        ("external_id", "ExternalId"),
        ("mfa_serial", "SerialNumber"),
    ):
        if key in values:
            extra[name] = values[key]
    if values.get("duration_seconds", "").isdigit():
        extra["DurationSeconds"] = int(values["duration_seconds"])
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=None, source_credentials=None, role_arn=values["role_arn"], extra_args=extra
    )
    assert assume_role_cache_key(values) == fetcher._create_cache_key()


def test_credential_source_environment_signs_with_the_environment_keys(chains: Any, emulator: Any) -> None:
    env = dict(chains.env, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY="x" * 40)
    result = run_idc(["credentials", "--profile", "from-env"], env)
    assert result.returncode == 6
    assert "InvalidClientTokenId" in result.stderr  # the environment's keys reached STS
    assert emulator.stats().get("AssumeRole") == 1
    refused = run_idc(["credentials", "--profile", "from-nowhere"], chains.env)
    assert refused.returncode == 3
    assert (
        'The credential source "Laptop" referenced in profile "from-nowhere" is not valid.' in refused.stderr
    )
    assert len(refused.stderr.strip().splitlines()) == 1
