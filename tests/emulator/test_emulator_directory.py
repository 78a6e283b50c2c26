"""The directory file, the state file across restarts, and the ``idc emulator`` command itself."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import make_clients

from idc.emulator.assignments import AssignmentIndex
from idc.emulator.directory import DirectoryError, default_directory, load_directory
from idc.emulator.launch import launch_emulator
from idc.emulator.server import EmulatorServer

VALID: dict[str, Any] = {
    "users": [{"username": "ann", "password": "pw"}],
    "accounts": [{"id": "111111111111", "name": "one"}],
    "permission_sets": [{"name": "ReadOnly"}],
    "assignments": [{"account": "111111111111", "permission_set": "ReadOnly", "user": "ann"}],
}


def test_default_directory_mirrors_the_aws_documentation() -> None:
    directory = default_directory()
    assert directory.start_url == "https://d-0000000000.awsapps.com/start"
    assert directory.region == "ap-northeast-1"
    assert [(a.account_id, a.name) for a in directory.accounts] == [
        ("123456789012", "sandbox"),
        ("111111111111", "management"),  # the Identity Center administrator's account
    ]
    assert [(u.username, u.password) for u in directory.users] == [("demo", "demo"), ("admin", "admin")]
    assert [s.name for s in directory.permission_sets] == ["AdministratorAccess"]
    # demo still reaches exactly one account with one role
    index = AssignmentIndex(directory)
    assert [(a.account_id, a.role_names) for a in index.assignments_for("demo")] == [
        ("123456789012", ("AdministratorAccess",))
    ]


# (id, change to VALID, fragment of the one-line error)
BROKEN = [
    ("http-start-url", {"start_url": "http://x.awsapps.com/start"}, "start_url must be an https:// URL"),
    ("bad-region", {"region": "mars-1"}, "region is not an AWS region name"),
    ("short-account-id", {"accounts": [{"id": "1234", "name": "x"}]}, "accounts[0].id must be 12 digits"),
    ("users-not-list", {"users": {"ann": "pw"}}, "users must be a list of objects"),
    ("missing-password", {"users": [{"username": "ann"}]}, "users[0].password is missing"),
    (
        "duplicate-user",
        {"users": [{"username": "ann", "password": "a"}] * 2},
        "two entries with username 'ann'",
    ),
    ("unknown-field", {"colour": "red"}, "colour is not a known field"),
    (
        "unknown-permission-set",
        {"assignments": [{"account": "111111111111", "permission_set": "Admin", "user": "ann"}]},
        "unknown permission set 'Admin'",
    ),
    (
        "unknown-account",
        {"assignments": [{"account": "222222222222", "permission_set": "ReadOnly", "user": "ann"}]},
        "unknown account '222222222222'",
    ),
    (
        "user-and-group",
        {"assignments": [{"account": "*", "permission_set": "ReadOnly", "user": "ann", "group": "g"}]},
        "exactly one of 'user' or 'group'",
    ),
    ("group-unknown-member", {"groups": [{"name": "g", "members": ["zed"]}]}, "unknown user 'zed'"),
    (
        "negative-lifetime",
        {"lifetimes": {"access_token": -1}},
        "lifetimes.access_token must be a whole number",
    ),
    ("unknown-lifetime", {"lifetimes": {"forever": 1}}, "lifetimes.forever is not a known field"),
    (
        "iam-user-key-id",
        {
            "iam_users": [
                {
                    "account": "111111111111",
                    "name": "ci",
                    "access_key_id": "ASIAX",
                    "secret_access_key": "s" * 40,
                }
            ]
        },
        "iam_users[0].access_key_id must be AKIA",
    ),
    (
        "iam-user-unknown-account",
        {
            "iam_users": [
                {
                    "account": "2",
                    "name": "ci",
                    "access_key_id": "AKIA" + "A" * 16,
                    "secret_access_key": "s" * 40,
                }
            ]
        },
        "iam_users[0].account names an unknown account",
    ),
    (
        "duration-too-long",
        {"permission_sets": [{"name": "ReadOnly", "session_duration": 86400}]},
        "session_duration",
    ),
]


@pytest.mark.parametrize(("change", "fragment"), [pytest.param(c, f, id=i) for i, c, f in BROKEN])
def test_broken_directory_is_one_clear_line(tmp_path: Path, change: dict[str, Any], fragment: str) -> None:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({**VALID, **change}))
    with pytest.raises(DirectoryError) as failure:
        load_directory(path)
    assert fragment in str(failure.value)
    assert str(path) in str(failure.value) and "\n" not in str(failure.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param("{not json", "is not valid JSON (line 1, column 2", id="not-json"),
        pytest.param("[]", "must hold a JSON object", id="json-list"),
        pytest.param(None, "cannot read the directory file", id="missing-file"),
    ],
)
def test_unreadable_directory_file(tmp_path: Path, content: str | None, fragment: str) -> None:
    path = tmp_path / "directory.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DirectoryError, match=r".") as failure:
        load_directory(path)
    assert fragment in str(failure.value)


def test_groups_lifetimes_and_wildcard_assignments(emulator_factory: Any) -> None:
    directory = {
        "start_url": "https://d-1234567890.awsapps.com/start",
        "region": "eu-west-1",
        "users": [{"username": "ann", "password": "pw"}, {"username": "ben", "password": "pw2"}],
        "groups": [{"name": "ops", "members": ["ben"]}],
        "accounts": [{"id": "111111111111", "name": "one"}, {"id": "222222222222", "name": "two"}],
        "permission_sets": [{"name": "ReadOnly"}, {"name": "Ops", "session_duration": 7200}],
        "assignments": [
            {"account": "*", "permission_set": "ReadOnly", "user": "ann"},
            {"account": ["222222222222"], "permission_set": "Ops", "group": "ops"},
        ],
        "lifetimes": {"access_token": 600, "device_code": 120, "device_poll_interval": 2},
    }
    emulator = emulator_factory(directory)
    assert (emulator.start_url, emulator.region) == ("https://d-1234567890.awsapps.com/start", "eu-west-1")
    aws = make_clients(emulator)
    client = aws.register()
    start = aws.oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=emulator.start_url
    )
    assert (start["expiresIn"], start["interval"]) == (120, 2)
    _, ann = aws.device_login("ann", "pw")
    assert ann["expiresIn"] == 600
    assert len(aws.sso.list_accounts(accessToken=ann["accessToken"])["accountList"]) == 2
    _, ben = aws.device_login("ben", "pw2")
    accounts = aws.sso.list_accounts(accessToken=ben["accessToken"])["accountList"]
    assert [a["accountId"] for a in accounts] == ["222222222222"]
    assert aws.emulator.engine.authenticate("ben", "wrong") is None


def test_state_file_keeps_registrations_sessions_and_tokens_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state" / "emulator.sqlite"
    with EmulatorServer(state=state) as first:
        aws = make_clients(first)
        client, token = aws.device_login()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    with EmulatorServer(state=state) as second:
        aws = make_clients(second)
        aws.sso.list_accounts(accessToken=token["accessToken"])
        renewed = aws.oidc.create_token(
            grantType="refresh_token",
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            refreshToken=token["refreshToken"],
        )
        aws.sso.list_accounts(accessToken=renewed["accessToken"])
    raw = state.read_bytes()
    assert token["accessToken"].encode() not in raw and client["clientSecret"].encode() not in raw


def test_without_state_nothing_survives_a_restart() -> None:
    with EmulatorServer() as first:
        _, token = make_clients(first).device_login()
    with EmulatorServer() as second:
        aws = make_clients(second)
        with pytest.raises(aws.sso.exceptions.UnauthorizedException):
            aws.sso.list_accounts(accessToken=token["accessToken"])


def _idc_emulator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", "emulator", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("case", ["broken-directory", "corrupt-state", "port-in-use"])
def test_startup_errors_are_one_line_without_traceback(tmp_path: Path, case: str) -> None:
    import socket

    holder = None
    if case == "broken-directory":
        (tmp_path / "d.json").write_text(json.dumps({**VALID, "region": "nowhere"}))
        args, code, fragment = (
            ["--directory", str(tmp_path / "d.json")],
            3,
            "region is not an AWS region name",
        )
    elif case == "corrupt-state":
        (tmp_path / "s.db").write_bytes(b"this is not sqlite" * 100)
        args, code, fragment = ["--state", str(tmp_path / "s.db")], 3, "is not an emulator state database"
    else:
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        args, code, fragment = ["--port", str(holder.getsockname()[1])], 3, "cannot listen on 127.0.0.1"
    try:
        done = _idc_emulator(*args)
    finally:
        if holder is not None:
            holder.close()
    assert done.returncode == code, done.stderr
    assert fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def directory_with(*, users: int, accounts: int) -> dict[str, object]:
    """A directory of ``users`` users (none called demo) who all reach ``accounts`` accounts."""
    names = [f"user{i}" for i in range(users)]
    return {
        "users": [{"username": n, "password": f"pw-{n}", "email": f"{n}@example.com"} for n in names],
        "accounts": [{"id": f"{200000000000 + i}", "name": f"team-{i}"} for i in range(accounts)],
        "permission_sets": [{"name": "ReadOnly"}],
        "assignments": [{"account": "*", "permission_set": "ReadOnly", "user": n} for n in names],
    }


def _banner(*options: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``idc emulator OPTIONS``; its banner lines, up to the admin token's (the last)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "emulator", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):
            break
    return process, lines


def test_banner_names_a_loaded_directory_and_never_the_demo_password(tmp_path: Path) -> None:
    org = tmp_path / "org.json"
    org.write_text(json.dumps(directory_with(users=2, accounts=3)))
    process, lines = _banner("--port", "0", "--directory", str(org))
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert f"Directory: {org} (2 users, 3 accounts)" in lines
    assert not any("demo" in line for line in lines)
    launched = launch_emulator(["--port", "0", "--directory", str(org)])  # launch.py still reads it
    launched.process.terminate()
    launched.process.communicate(timeout=20)
    assert launched.base_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_foreground_server_prints_how_to_use_it_and_stops_cleanly(stop_signal: int) -> None:
    process, lines = _banner("--port", "0", "--tps-limit", "20", "--latency-ms", "1")
    assert "Directory: built-in (2 users, 2 accounts)" in lines
    assert "Sign in as demo, password demo (administrator: admin, password admin)." in lines
    base = next(line.split(": ", 1)[1] for line in lines if line.startswith("Base URL: "))
    assert base.startswith("http://127.0.0.1:")
    assert "Start URL: https://d-0000000000.awsapps.com/start" in lines
    assert "Region: ap-northeast-1" in lines
    assert (
        f"export AWS_ENDPOINT_URL_SSO_OIDC={base} AWS_ENDPOINT_URL_SSO={base} AWS_ENDPOINT_URL_STS={base}"
        f" AWS_ENDPOINT_URL_SIGNIN={base} AWS_ENDPOINT_URL_SSO_ADMIN={base}"
        f" AWS_ENDPOINT_URL_IDENTITYSTORE={base}" in lines
    )
    import urllib.request

    token = lines[-1].split("=", 1)[1]
    request = urllib.request.Request(
        f"{base}/_admin/faults", data=b"{}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        faults = json.loads(response.read())["faults"]
    assert {(f.get("tps_limit"), f.get("latency_ms")) for f in faults} == {(20.0, None), (None, 1.0)}
    process.send_signal(stop_signal)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert stderr.strip() == "Stopped."


def test_directory_round_trips_through_its_json_shape() -> None:
    from idc.emulator.directory import directory_from_dict, directory_to_dict

    directory = load_directory(
        {
            **VALID,
            "groups": [{"name": "g", "members": ["ann"]}],
            "assignments": [
                {"account": "*", "permission_set": "ReadOnly", "group": "g"},
                {"account": "111111111111", "permission_set": "ReadOnly", "user": "ann"},
            ],
            "lifetimes": {"session": 3600},
            "rotate_refresh_tokens": False,
            "iam_users": [
                {
                    "account": "111111111111",
                    "name": "ci",
                    "path": "/build/",
                    "access_key_id": "AKIA" + "A" * 16,
                    "secret_access_key": "s" * 40,
                    "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                }
            ],
        }
    )
    assert directory.iam_users[0].arn == "arn:aws:iam::111111111111:user/build/ci"
    assert "s" * 40 not in repr(directory)  # the secret key is never in a repr (logs, tracebacks)
    assert directory_from_dict(directory_to_dict(directory)) == directory


def test_directory_command_prints_a_template_that_starts_an_emulator(tmp_path: Path) -> None:
    template = _idc_emulator("directory")
    assert template.returncode == 0, template.stderr
    path = tmp_path / "org.json"
    path.write_text(template.stdout)
    assert load_directory(path) == default_directory()
    checked = _idc_emulator("directory", "--directory", str(path))
    assert checked.returncode == 0 and json.loads(checked.stdout) == json.loads(template.stdout)
    path.write_text(template.stdout.replace('"123456789012"', '"1234"', 1))
    broken = _idc_emulator("directory", "--directory", str(path))
    assert broken.returncode == 3 and "accounts[0].id must be 12 digits" in broken.stderr


def test_access_log_prints_one_line_per_request() -> None:
    import urllib.error
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "emulator", "--access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    base = ""
    for line in process.stdout:
        if line.startswith("Base URL: "):
            base = line.split(": ", 1)[1].strip()
        if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):
            break
    request = urllib.request.Request(f"{base}/assignment/accounts", headers={"x-amz-sso_bearer_token": "x"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=20)
    assert '"GET /assignment/accounts HTTP/1.1" 401' in stdout
