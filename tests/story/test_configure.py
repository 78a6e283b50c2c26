"""``idc configure sso`` / ``sso-session`` without a terminal (flags), on a terminal (pexpect), and with
bad input: one line, the documented exit code, no traceback, nothing written.

The approvals are done by the emulator's page approver run as the ``BROWSER`` command: it signs the demo
user in through the same HTML forms a browser gets.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from idc.errors import ExitStatus
from story.helpers import child_env, command

pytestmark = pytest.mark.timeout(120)

APPROVER = {"BROWSER": f"{sys.executable} -m idc.emulator.page_approver_cli --detach"}
DENIER = {"BROWSER": f"{sys.executable} -m idc.emulator.page_approver_cli --detach --deny"}


def idc_device(args: list[str], env: dict[str, str], terminal: Path) -> subprocess.CompletedProcess[str]:
    """:func:`idc` for the device flow: its sign-in messages (stderr) go to ``terminal``, where the
    approving user reads the code the page asks to confirm."""
    with terminal.open("w+") as output:
        approver = f"{APPROVER['BROWSER']} --user-code-from {terminal}"
        result = subprocess.run(
            [command("idc"), *args],
            env={**env, "BROWSER": approver},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
            timeout=90,
            check=False,
        )
        output.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, result.stdout, output.read())


def idc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command("idc"), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def sections(path: Path) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read_string(path.read_text())
    return {name: dict(parser[name]) for name in parser.sections()}


def full_flags(emulator: Any, profile: str = "AdministratorAccess") -> list[str]:
    return [
        "configure",
        "sso",
        "--sso-session",
        "my-sso",
        "--start-url",
        emulator.start_url,
        "--sso-region",
        emulator.region,
        "--region",
        "eu-west-1",
        "--output",
        "json",
        "--profile",
        profile,
    ]


def test_flags_configure_without_a_terminal(aws_home: Any, emulator: Any) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc(full_flags(emulator), env)
    assert done.returncode == 0, done.stderr
    # the transcript is what a user would have seen, answers included
    for line in [
        "SSO session name (Recommended): my-sso",
        f"SSO start URL [None]: {emulator.start_url}",
        f"SSO region [None]: {emulator.region}",
        "SSO registration scopes [sso:account:access]: ",
        "The only AWS account available to you is: 123456789012",
        "Using the account ID 123456789012",
        "The only role available to you is: AdministratorAccess",
        'Using the role name "AdministratorAccess"',
        "Default client Region [None]: eu-west-1",
        "CLI default output format (json if not specified) [None]: json",
        "To use this profile, specify the profile name using --profile, as shown:",
        "aws sts get-caller-identity --profile AdministratorAccess",
    ]:
        assert line in done.stdout.splitlines(), (line, done.stdout)
    # without a terminal the sign-in speaks on stderr, where it is seen even when stdout is captured
    assert f"Successfully logged into Start URL: {emulator.start_url}" in done.stderr.splitlines()
    assert sections(aws_home.config_file) == {
        "profile AdministratorAccess": {
            "sso_session": "my-sso",
            "sso_account_id": "123456789012",
            "sso_role_name": "AdministratorAccess",
            "region": "eu-west-1",
            "output": "json",
        },
        "sso-session my-sso": {
            "sso_start_url": emulator.start_url,
            "sso_region": emulator.region,
            "sso_registration_scopes": "sso:account:access",
        },
    }
    # the token is where the AWS CLI and botocore look for it, and no secret of it was printed
    import hashlib
    import json

    token = json.loads((aws_home.sso_cache / f"{hashlib.sha1(b'my-sso').hexdigest()}.json").read_text())
    assert token["startUrl"] == emulator.start_url
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in done.stdout + done.stderr


def test_legacy_format_with_an_empty_session_name(aws_home: Any, emulator: Any, tmp_path: Path) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    args = full_flags(emulator, profile="legacy")
    args[args.index("my-sso")] = ""
    done = idc_device(args, env, tmp_path / "terminal.txt")
    assert done.returncode == 0, done.stderr
    assert "WARNING: Configuring using legacy format (e.g. without an SSO session)." in done.stdout
    assert "SSO registration scopes" not in done.stdout
    assert sections(aws_home.config_file) == {
        "profile legacy": {
            "sso_start_url": emulator.start_url,
            "sso_region": emulator.region,
            "sso_account_id": "123456789012",
            "sso_role_name": "AdministratorAccess",
            "region": "eu-west-1",
            "output": "json",
        }
    }


def test_rerun_offers_the_configured_values(aws_home: Any, emulator: Any, tmp_path: Path) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    assert idc(full_flags(emulator), env).returncode == 0
    child = pexpect.spawn(
        command("idc"),
        ["configure", "sso", "--profile", "AdministratorAccess"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name [my-sso]: ")
    child.sendline("")
    child.expect_exact(f"SSO start URL [{emulator.start_url}]: ")
    child.sendline("")
    child.expect_exact(f"SSO region [{emulator.region}]: ")
    child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("Using the role name")
    child.expect_exact("Default client Region [eu-west-1]: ")
    child.sendline("")
    child.expect_exact("CLI default output format (json if not specified) [json]: ")
    child.sendline("text")
    child.expect_exact("aws sts get-caller-identity --profile AdministratorAccess")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    profile = sections(aws_home.config_file)["profile AdministratorAccess"]
    assert profile["region"] == "eu-west-1"
    assert profile["output"] == "text"

    # without --profile: once the session, account and role are known, the profile configured for
    # them is found, and its name and values are the defaults
    child = pexpect.spawn(command("idc"), ["configure", "sso"], env=env, encoding="utf-8", timeout=30)
    child.logfile_read = (tmp_path / "terminal.txt").open("a")
    child.expect_exact("SSO session name (Recommended): ")
    child.send("my-so\x1b[Ds\r")  # the line is editable: left arrow, insert the missing "s"
    child.expect_exact(f"SSO start URL [{emulator.start_url}]: ")  # so "my-sso", known
    child.sendline("")
    child.expect_exact(f"SSO region [{emulator.region}]: ")
    child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("Default client Region [eu-west-1]: ")
    child.sendline("")
    child.expect_exact("CLI default output format (json if not specified) [text]: ")
    child.sendline("")
    child.expect_exact("Profile name [AdministratorAccess]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert list(sections(aws_home.config_file)) == ["profile AdministratorAccess", "sso-session my-sso"]


def test_a_bad_answer_on_a_terminal_is_one_line_and_asked_again(
    aws_home: Any, emulator: Any, tmp_path: Path
) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    child = pexpect.spawn(command("idc"), ["configure", "sso"], env=env, encoding="utf-8", timeout=30)
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name (Recommended): ")
    child.sendline("my-sso")
    child.expect_exact("SSO start URL [None]: ")
    child.sendline("http://d-0000000000.awsapps.com/start")
    child.expect_exact('The SSO start URL "http://d-0000000000.awsapps.com/start" is not an https URL')
    child.expect_exact("SSO start URL [None]: ")
    child.sendline(emulator.start_url)
    child.expect_exact("SSO region [None]: ")
    child.sendline("Tokyo")
    child.expect_exact('The SSO region "Tokyo" is not an AWS Region name')
    child.expect_exact("SSO region [None]: ")
    child.sendline(emulator.region)
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == ExitStatus.INTERRUPTED
    assert not aws_home.config_file.exists()
    assert "Traceback" not in (tmp_path / "terminal.txt").read_text()


BAD_INPUT = [
    pytest.param(
        [
            "--sso-session",
            "s",
            "--start-url",
            "http://d-0000000000.awsapps.com/start",
            "--sso-region",
            "us-east-1",
        ],
        '--start-url: The SSO start URL "http://d-0000000000.awsapps.com/start" is not an https URL',
        id="http-start-url",
    ),
    pytest.param(
        ["--sso-session", "s", "--start-url", "https://d-1.awsapps.com/start", "--sso-region", "moon-1"],
        '--sso-region: The SSO region "moon-1" is not an AWS Region name',
        id="bad-sso-region",
    ),
    pytest.param(
        [
            "--sso-session",
            "s",
            "--start-url",
            "https://d-1.awsapps.com/start",
            "--sso-region",
            "ap-northest-1",
        ],
        '--sso-region: The SSO region "ap-northest-1" is not an AWS Region (did you mean ap-northeast-1?)',
        id="sso-region-typo",
    ),
    pytest.param(
        ["--region", "xx-nowhere-9"],
        '--region: The default client Region "xx-nowhere-9" is not an AWS Region',
        id="client-region-nowhere",
    ),
    pytest.param(
        ["--account-id", "12345"],
        '--account-id: The account ID "12345" is not a 12-digit AWS account ID',
        id="short-account-id",
    ),
    pytest.param(
        ["--region", "Europe"],
        '--region: The default client Region "Europe" is not an AWS Region name',
        id="bad-client-region",
    ),
    pytest.param(
        ["--output", "xml"], '--output: The output format "xml" is not one of json, text', id="bad-output"
    ),
    pytest.param(
        ["--sso-session", "my[sso"],
        '--sso-session: The SSO session name "my[sso" cannot be written',
        id="session-space",
    ),
    pytest.param(
        ["--profile", "a]b"], '--profile: The profile name "a]b" cannot be written', id="profile-bracket"
    ),
    pytest.param([], "Pass --sso-session NAME", id="no-terminal-no-session"),
    pytest.param(
        ["--region", "us-east-1\nsecret-looking-paste"],
        "--region: the value contains a line break; values must be a single line.",
        id="line-break-not-echoed",
    ),
    pytest.param(
        ["--sso-session", "my-sso"],
        'The specified sso-session does not exist: "my-sso"',
        id="unknown-session",
    ),
    pytest.param(
        ["--sso-session", "s", "--start-url", "https://d-1.awsapps.com/start"],
        "Pass --sso-region",
        id="missing-region",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_one_line_and_exit_3(aws_home: Any, args: list[str], message: str) -> None:
    done = idc(["configure", "sso", *args], child_env(aws_home.env))
    assert done.returncode == ExitStatus.CONFIG, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("idc: ") and message in lines[0], lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert "secret-looking-paste" not in done.stdout + done.stderr
    assert not aws_home.config_file.exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        pytest.param(
            "--account-id",
            "210987654321",
            "--account-id: account 210987654321 is not available",
            id="account",
        ),
        pytest.param("--role-name", "ReadOnly", "--role-name: role ReadOnly is not available", id="role"),
    ],
)
def test_unknown_account_or_role_after_sign_in(
    aws_home: Any, emulator: Any, flag: str, value: str, message: str
) -> None:
    before = "# my config\n[profile keep]\nregion = us-east-1\n"
    aws_home.config_file.write_text(before)
    done = idc([*full_flags(emulator), flag, value], child_env(aws_home.env, emulator.env, APPROVER))
    assert done.returncode == ExitStatus.CONFIG, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("idc: ")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert done.stderr.rstrip().endswith(errors[0])
    assert aws_home.config_file.read_text() == before


def test_refused_approval_is_login_failed_and_writes_nothing(aws_home: Any, emulator: Any) -> None:
    done = idc(full_flags(emulator), child_env(aws_home.env, emulator.env, DENIER))
    assert done.returncode == ExitStatus.LOGIN_FAILED, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("idc: ")]
    assert len(errors) == 1 and done.stderr.rstrip().endswith(errors[0]), done.stderr
    # the session is not configured yet, so `idc login --sso-session my-sso` could not work: the hint
    # is this configure command, ready to paste
    assert "Run `idc configure sso --sso-session my-sso --start-url " in errors[0], errors[0]
    assert "--profile AdministratorAccess` to try again." in errors[0], errors[0]
    assert "Traceback" not in done.stderr
    assert not aws_home.config_file.exists()


def test_sso_session_signs_in_then_writes(aws_home: Any, emulator: Any) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc(
        [
            "configure",
            "sso-session",
            "--sso-session",
            "team",
            "--start-url",
            emulator.start_url,
            "--sso-region",
            emulator.region,
            "--scopes",
            "sso:account:access",
        ],
        env,
    )
    assert done.returncode == 0, done.stderr
    assert "SSO session name: team" in done.stdout
    assert f"Successfully logged into Start URL: {emulator.start_url}" in done.stderr
    assert "Completed configuring SSO session: team" in done.stdout
    assert sections(aws_home.config_file) == {
        "sso-session team": {
            "sso_start_url": emulator.start_url,
            "sso_region": emulator.region,
            "sso_registration_scopes": "sso:account:access",
        }
    }
    assert list(aws_home.sso_cache.glob("*.json"))


def test_sso_session_no_login_writes_and_says_how_to_sign_in(aws_home: Any) -> None:
    done = idc(
        [
            "configure",
            "sso-session",
            "--sso-session",
            "team",
            "--start-url",
            "https://d-1234567890.awsapps.com/start",
            "--sso-region",
            "us-east-1",
            "--no-login",
        ],
        child_env(aws_home.env),
    )
    assert done.returncode == 0, done.stderr
    assert "idc login --sso-session team" in done.stdout
    assert sections(aws_home.config_file)["sso-session team"]["sso_region"] == "us-east-1"
    assert not aws_home.sso_cache.exists() or not list(aws_home.sso_cache.glob("*.json"))


def test_sso_session_bad_input(aws_home: Any) -> None:
    done = idc(
        [
            "configure",
            "sso-session",
            "--sso-session",
            "team",
            "--start-url",
            "http://x.awsapps.com/start",
            "--sso-region",
            "us-east-1",
            "--no-login",
        ],
        child_env(aws_home.env),
    )
    assert done.returncode == ExitStatus.CONFIG
    assert done.stderr.strip().startswith(
        'idc: --start-url: The SSO start URL "http://x.awsapps.com/start" is not an https URL'
    )
    assert not aws_home.config_file.exists()


REAL_WORLD_CONFIG = """\
# ~/.aws/config, kept by hand for years
[default]
region = eu-west-1   ; inline comments stay too
output = json
cli_pager =

[profile AdministratorAccess]
# the old legacy profile, about to become an sso-session profile
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region    = ap-northeast-1
sso_account_id: 123456789012
sso_role_name = AdministratorAccess
region = eu-central-1
s3 =
    max_concurrent_requests = 20
    addressing_style = path

[profile "with spaces"]
credential_process = /usr/local/bin/helper --flag "quoted value"

[services local-s3]
s3 =
  endpoint_url = http://127.0.0.1:9000

[profile  ci ]
role_arn = arn:aws:iam::111111111111:role/ci
source_profile = default
services = local-s3
; the end, with no final newline"""


def test_configure_changes_no_other_byte_of_a_real_world_config(aws_home: Any, emulator: Any) -> None:
    aws_home.config_file.write_text(REAL_WORLD_CONFIG)
    env = child_env(aws_home.env, emulator.env, APPROVER)
    args = full_flags(emulator)
    args[args.index("eu-west-1")] = "eu-central-1"  # the profile's region stays as it was
    done = idc(args, env)
    assert done.returncode == 0, done.stderr
    after = aws_home.config_file.read_text()
    # The legacy keys of the profile go (botocore would call them inconsistent with the session), the
    # session key and the output come in after the profile's last setting, and the new [sso-session]
    # section is appended. Every other byte is as it was: comments, odd spacing, the ':' separator,
    # the nested s3 block, quoted names, the services section, the missing final newline's line.
    expected = (
        REAL_WORLD_CONFIG.replace(
            "sso_start_url = https://d-0000000000.awsapps.com/start\nsso_region    = ap-northeast-1\n", ""
        ).replace(
            "    addressing_style = path\n",
            "    addressing_style = path\nsso_session = my-sso\noutput = json\n",
        )
        + "\n\n[sso-session my-sso]\n"
        + f"sso_start_url = {emulator.start_url}\n"
        + f"sso_region = {emulator.region}\n"
        + "sso_registration_scopes = sso:account:access"  # the file had no final newline: still none
    )
    assert after == expected

    # and botocore reads the result as idc meant it (in a child: botocore reads HOME at import)
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import botocore.session, json; s = botocore.session.Session(profile='AdministratorAccess'); "
            "c = s.full_config; print(json.dumps([c['profiles']['AdministratorAccess'], "
            "c['sso_sessions']['my-sso']]))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    profile, session = json.loads(check.stdout)
    assert profile["sso_session"] == "my-sso" and "sso_start_url" not in profile
    assert profile["s3"] == {"max_concurrent_requests": "20", "addressing_style": "path"}
    assert session["sso_start_url"] == emulator.start_url


MANY_ACCOUNTS = {
    "users": [{"username": "demo", "password": "demo"}],
    "accounts": [
        {"id": "111111111111", "name": "sandbox", "email": "sandbox@example.com"},
        {"id": "222222222222", "name": "production", "email": "prod@example.com"},
        {"id": "333333333333", "name": "staging", "email": "staging@example.com"},
    ],
    "permission_sets": [{"name": "AdministratorAccess"}, {"name": "ReadOnlyAccess"}],
    "assignments": [
        {"account": "*", "permission_set": "AdministratorAccess", "user": "demo"},
        {"account": "222222222222", "permission_set": "ReadOnlyAccess", "user": "demo"},
    ],
}


def answer_cursor_position_request(child: pexpect.spawn) -> None:
    """Answer the picker's "where is the cursor?" (ESC [6n) as a terminal does (ESC [row;col R)."""
    child.expect_exact("\x1b[6n")
    child.send("\x1b[1;1R")


def test_many_accounts_are_picked_by_typing_to_filter(
    aws_home: Any, emulator_factory: Any, tmp_path: Path
) -> None:
    emulator = emulator_factory(MANY_ACCOUNTS)
    env = child_env(aws_home.env, emulator.env, APPROVER)
    child = pexpect.spawn(
        command("idc"), ["configure", "sso"], env=env, encoding="utf-8", timeout=30, dimensions=(40, 120)
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name (Recommended): ")
    child.sendline("my-sso")
    child.expect_exact("SSO start URL [None]: ")
    child.sendline(emulator.start_url)
    child.expect_exact("SSO region [None]: ")
    child.sendline(emulator.region)
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("There are 3 AWS accounts available to you.")
    answer_cursor_position_request(child)
    child.expect_exact("(type to filter, arrows to move, Enter to pick)")
    child.send("prod")
    child.expect_exact("prod")
    child.send("\r")
    child.expect_exact("Select an account: production, prod@example.com (222222222222)")
    child.expect_exact("Using the account ID 222222222222")
    child.expect_exact("There are 2 roles available to you.")
    answer_cursor_position_request(child)
    child.expect_exact("(type to filter, arrows to move, Enter to pick)")
    child.send("read")
    child.expect_exact("read")
    child.send("\r")
    child.expect_exact("Select a role: ReadOnlyAccess")
    child.expect_exact('Using the role name "ReadOnlyAccess"')
    child.expect_exact("Default client Region [None]: ")
    child.sendline("")
    child.expect_exact("CLI default output format (json if not specified) [None]: ")
    child.sendline("")
    child.expect_exact("Profile name [ReadOnlyAccess-222222222222]: ")
    child.sendline("")
    child.expect_exact("aws sts get-caller-identity --profile ReadOnlyAccess-222222222222")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (tmp_path / "terminal.txt").read_text()
    assert sections(aws_home.config_file)["profile ReadOnlyAccess-222222222222"] == {
        "sso_session": "my-sso",
        "sso_account_id": "222222222222",
        "sso_role_name": "ReadOnlyAccess",
    }


def test_many_accounts_without_a_terminal_need_the_flags(aws_home: Any, emulator_factory: Any) -> None:
    emulator = emulator_factory(MANY_ACCOUNTS)
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc(full_flags(emulator), env)
    assert done.returncode == ExitStatus.CONFIG
    assert "There are 3 AWS accounts available to you." in done.stdout
    assert done.stderr.strip().endswith("Pass --account-id.")
    done = idc([*full_flags(emulator), "--account-id", "333333333333"], env)
    assert done.returncode == 0, done.stderr
    assert sections(aws_home.config_file)["profile AdministratorAccess"]["sso_account_id"] == "333333333333"


def test_use_device_code_signs_in_with_the_device_flow(aws_home: Any, emulator: Any, tmp_path: Path) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc_device([*full_flags(emulator), "--use-device-code"], env, tmp_path / "terminal.txt")
    assert done.returncode == 0, done.stderr
    assert "Then enter the code:" in done.stderr
    assert "/authorize?" not in done.stdout + done.stderr
    assert emulator.stats().get("StartDeviceAuthorization", 0) == 1


def test_the_default_profile_gets_the_aws_cli_closing_words(aws_home: Any, emulator: Any) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc(full_flags(emulator, profile="default"), env)
    assert done.returncode == 0, done.stderr
    assert "The AWS CLI is now configured to use the default profile." in done.stdout
    assert done.stdout.rstrip().endswith("aws sts get-caller-identity")
    assert aws_home.config_file.read_text().startswith("[default]\nsso_session = my-sso\n")


def test_a_large_organisation_costs_a_few_calls(aws_home: Any, emulator_factory: Any) -> None:
    """250 accounts: ListAccounts pages of 100, and the roles of the chosen account only (the AWS CLI's
    way), not a ListAccountRoles per account."""
    directory = {
        "users": [{"username": "demo", "password": "demo"}],
        "accounts": [
            {"id": f"{n:012d}", "name": f"account-{n:03d}"} for n in range(100000000001, 100000000251)
        ],
        "permission_sets": [{"name": "AdministratorAccess"}],
        "assignments": [{"account": "*", "permission_set": "AdministratorAccess", "user": "demo"}],
    }
    emulator = emulator_factory(directory)
    env = child_env(aws_home.env, emulator.env, APPROVER)
    done = idc([*full_flags(emulator), "--account-id", "100000000200"], env)
    assert done.returncode == 0, done.stderr
    assert "There are 250 AWS accounts available to you." in done.stdout
    stats = emulator.stats()
    assert stats.get("ListAccounts") == 3
    assert stats.get("ListAccountRoles") == 1


def test_a_terminal_with_output_to_a_log_still_asks(
    aws_home: Any, emulator_factory: Any, tmp_path: Path
) -> None:
    """stdin a terminal, stdout a pipe (``| tee log``): the questions are asked, and the picker is the
    numbered list, where text narrows it."""
    emulator = emulator_factory(MANY_ACCOUNTS)
    env = child_env(aws_home.env, emulator.env, APPROVER)
    log = tmp_path / "configure.log"
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", f"{command('idc')} configure sso --profile prod | tee {log}"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name (Recommended): ")
    child.sendline("my-sso")
    child.expect_exact("SSO start URL [None]: ")
    child.sendline(emulator.start_url)
    child.expect_exact("SSO region [None]: ")
    child.sendline(emulator.region)
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("There are 3 AWS accounts available to you.")
    child.expect_exact("or text to filter: ")
    child.sendline("prod")
    child.expect_exact("Using the account ID 222222222222")
    child.expect_exact("or text to filter: ")
    child.sendline("read")
    child.expect_exact('Using the role name "ReadOnlyAccess"')
    child.expect_exact("Default client Region [None]: ")
    child.sendline("eu-west-1")
    child.expect_exact("CLI default output format (json if not specified) [None]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (tmp_path / "terminal.txt").read_text()
    assert "aws sts get-caller-identity --profile prod" in log.read_text()
    assert sections(aws_home.config_file)["profile prod"]["sso_role_name"] == "ReadOnlyAccess"


def test_sso_session_again_offers_its_values(aws_home: Any, tmp_path: Path) -> None:
    aws_home.config_file.write_text(
        "[sso-session team]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"
    )
    child = pexpect.spawn(
        command("idc"),
        ["configure", "sso-session", "--no-login"],
        env=child_env(aws_home.env),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name: ")
    child.sendline("")
    child.expect_exact("A value is required.")
    child.expect_exact("SSO session name: ")
    child.sendline("team")
    child.expect_exact("SSO start URL [https://d-1234567890.awsapps.com/start]: ")
    child.sendline("")
    child.expect_exact("SSO region [us-east-1]: ")
    child.sendline("eu-west-1")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("Additional Region for failover, as REGION=PORTAL_URL (empty: no more) [None]: ")
    child.sendline("")
    child.expect_exact("Completed configuring SSO session: team")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert aws_home.config_file.read_text() == (
        "[sso-session team]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )


@pytest.mark.parametrize(
    ("other", "keys"),
    [
        pytest.param(
            "credential_process = /usr/local/bin/vault-creds app\n", "credential_process", id="process"
        ),
        pytest.param(
            "role_arn = arn:aws:iam::123456789012:role/app\nsource_profile = base\n",
            "role_arn and source_profile",
            id="assume-role",
        ),
    ],
)
def test_a_profile_with_other_credentials_is_refused_before_any_question(
    aws_home: Any, emulator: Any, other: str, keys: str
) -> None:
    before = f"[profile app]\n{other}region = eu-west-1\n"
    aws_home.config_file.write_text(before)
    done = idc(
        [*full_flags(emulator, profile="app")], child_env(aws_home.env, emulator.env, DENIER)
    )  # a sign-in would be refused: none may start
    assert done.returncode == ExitStatus.CONFIG, (done.stdout, done.stderr)
    assert done.stderr == (
        f'idc: The profile "app" already gets credentials from {keys}; SSO keys beside them would be '
        "ignored by the AWS CLI and SDKs. Choose another profile name (--profile), or remove those keys "
        "from it first.\n"
    )
    assert done.stdout == ""
    assert aws_home.config_file.read_text() == before
    assert emulator.stats().get("CreateToken") is None


@pytest.mark.parametrize("command", ["sso", "sso-session"])
def test_a_config_that_cannot_be_written_is_found_before_any_question(
    aws_home: Any, emulator: Any, command: str
) -> None:
    # A directory nobody may create files in (sysfs refuses even root, for whom permission bits do not
    # count): the wizard used to ask everything and sign in, then fail to write with exit 3.
    unwritable = Path("/sys/idc-test/config")
    assert not unwritable.parent.exists()
    env = child_env(aws_home.env, emulator.env, DENIER, {"AWS_CONFIG_FILE": str(unwritable)})
    args = full_flags(emulator) if command == "sso" else full_flags(emulator)[:8]
    args[1] = command
    done = idc(args, env)
    assert done.returncode == ExitStatus.CACHE, (done.stdout, done.stderr)
    assert done.stderr.startswith(f"idc: The config file {unwritable} cannot be written (")
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""
    assert emulator.stats().get("CreateToken") is None
