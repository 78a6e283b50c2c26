"""``idc configure`` where nobody can watch a prompt, or where the session is already signed in: the
valid cached token is used (one line says so), --force-login signs in anyway, the sign-in's URL and
code go to stderr without a terminal, a failed sign-in names the configure command to run again, and
every command configure prints can be pasted into a shell as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from idc.cli import app
from idc.errors import ExitStatus
from story.helpers import child_env, command
from story.test_configure import APPROVER, DENIER, full_flags, idc, sections

pytestmark = pytest.mark.timeout(120)

USING = re.compile(r"^Using the signed-in SSO session my-sso \(valid until \d\d:\d\d UTC\)$", re.MULTILINE)
NO_BROWSER_HERE = {"SSH_CONNECTION": "192.0.2.10 50022 192.0.2.20 22"}


def sign_in_calls(emulator: Any) -> int:
    stats = emulator.stats()
    return stats.get("CreateToken", 0) + stats.get("StartDeviceAuthorization", 0)


def test_a_signed_in_session_is_used_without_signing_in_again(aws_home: Any, emulator: Any) -> None:
    first = idc(full_flags(emulator), child_env(aws_home.env, emulator.env, APPROVER))
    assert first.returncode == 0, first.stderr
    calls = sign_in_calls(emulator)

    # a second profile for the same session, where a sign-in would be refused: none happens
    env = child_env(aws_home.env, emulator.env, DENIER)
    args = ["configure", "sso", "--sso-session", "my-sso", "--role-name", "AdministratorAccess"]
    done = idc([*args, "--account-id", "123456789012", "--profile", "second"], env)
    assert done.returncode == 0, done.stderr
    assert USING.search(done.stdout), done.stdout
    assert "Successfully logged into" not in done.stdout + done.stderr
    assert sign_in_calls(emulator) == calls
    assert sections(aws_home.config_file)["profile second"]["sso_session"] == "my-sso"

    # --force-login signs in even so (and here the approval is refused)
    forced = idc([*args, "--account-id", "123456789012", "--profile", "third", "--force-login"], env)
    assert forced.returncode == ExitStatus.LOGIN_FAILED, (forced.stdout, forced.stderr)
    assert not USING.search(forced.stdout)
    assert "profile third" not in sections(aws_home.config_file)

    # configure sso-session for the same start URL, region and scopes: the token is the proof
    session_args = ["configure", "sso-session", "--sso-session", "my-sso"]
    session_args += ["--start-url", emulator.start_url, "--sso-region", emulator.region]
    done = idc(session_args, env)
    assert done.returncode == 0, done.stderr
    assert USING.search(done.stdout), done.stdout
    assert "Completed configuring SSO session: my-sso" in done.stdout
    # other scopes need a registration (and a token) of their own: a sign-in, refused here
    done = idc([*session_args, "--scopes", "sso:account:access,codewhisperer:completions"], env)
    assert done.returncode == ExitStatus.LOGIN_FAILED, (done.stdout, done.stderr)
    assert "sso:account:access,codewhisperer" not in aws_home.config_file.read_text()


def test_an_expiring_token_is_refreshed_without_a_sign_in(aws_home: Any, emulator: Any) -> None:
    """An hour later the access token is at its end but the SSO session is not: the refresh token gets
    a new one, and nobody has to approve anything."""
    assert idc(full_flags(emulator), child_env(aws_home.env, emulator.env, APPROVER)).returncode == 0
    path = aws_home.sso_cache / f"{hashlib.sha1(b'my-sso').hexdigest()}.json"
    cached = json.loads(path.read_text())
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    cached["expiresAt"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")  # as the token file looks an hour later
    path.write_text(json.dumps(cached))
    before = emulator.stats()

    done = idc(full_flags(emulator, profile="later"), child_env(aws_home.env, emulator.env, DENIER))
    assert done.returncode == 0, done.stderr
    assert USING.search(done.stdout), done.stdout
    after = emulator.stats()
    assert after.get("CreateToken", 0) == before.get("CreateToken", 0) + 1  # the refresh
    assert after.get("StartDeviceAuthorization", 0) == before.get("StartDeviceAuthorization", 0)
    refreshed = json.loads(path.read_text())
    assert refreshed["accessToken"] != cached["accessToken"]
    assert refreshed["expiresAt"] > cached["expiresAt"]
    assert refreshed["accessToken"] not in done.stdout + done.stderr


def test_a_token_ended_on_the_server_is_replaced_by_a_sign_in(aws_home: Any, emulator: Any) -> None:
    env = child_env(aws_home.env, emulator.env, APPROVER)
    assert idc(full_flags(emulator), env).returncode == 0
    emulator.end_sessions()
    done = idc(full_flags(emulator, profile="again"), env)
    assert done.returncode == 0, done.stderr
    assert USING.search(done.stdout)
    assert "The cached SSO token was refused; signing in again." in done.stdout
    assert "Successfully logged into Start URL" in done.stderr
    assert "profile again" in sections(aws_home.config_file)


def _configure_without_a_browser(aws_home: Any, emulator: Any) -> tuple[dict[str, str], Any]:
    """The configure command started in an SSH session with stdin /dev/null (no browser can work):
    (its environment, the running process with stdout and stderr piped)."""
    env = child_env(aws_home.env, emulator.env, NO_BROWSER_HERE)
    env.pop("BROWSER", None)
    child = subprocess.Popen(
        [command("idc"), *full_flags(emulator), "--account-id", "123456789012"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return env, child


def test_without_terminal_or_browser_the_code_goes_to_stderr_and_failure_names_configure(
    aws_home: Any, emulator: Any
) -> None:
    """A container or SSH session, stdin /dev/null: the device code is on stderr, and when it expires
    unapproved the hint is this configure command (the session is not in the config yet, so
    ``idc login --sso-session my-sso`` would not work)."""
    env, child = _configure_without_a_browser(aws_home, emulator)
    assert child.stderr is not None
    seen = []
    for line in child.stderr:  # whoever runs it reads the code on stderr ...
        seen.append(line)
        if line.startswith("Then enter the code:"):
            break
    emulator.advance_clock(601)  # ... and does not approve it: it expires (after 10 minutes)
    stdout, rest = child.communicate(timeout=60)
    stderr = "".join(seen) + rest
    assert child.returncode == ExitStatus.LOGIN_FAILED, (stdout, stderr)
    assert "Not opening a browser: this is an SSH session." in stderr
    assert "Then enter the code:" in stderr and "enter the code" not in stdout
    error = stderr.rstrip().splitlines()[-1]
    assert error.startswith("idc: "), stderr
    assert "idc login" not in error
    pasted = error.split("`")[1]
    assert shlex.split(pasted) == [
        "idc",
        *full_flags(emulator)[:2],
        "--sso-session",
        "my-sso",
        "--start-url",
        emulator.start_url,
        "--sso-region",
        emulator.region,
        "--account-id",
        "123456789012",
        "--region",
        "eu-west-1",
        "--output",
        "json",
        "--profile",
        "AdministratorAccess",
    ]
    assert not aws_home.config_file.exists()

    # approved this time: the same command works
    done = idc([*full_flags(emulator), "--account-id", "123456789012"], child_env(env, APPROVER))
    assert done.returncode == 0, done.stderr


def test_without_a_browser_the_remote_hint_names_configure_and_it_works(aws_home: Any, emulator: Any) -> None:
    """No browser can work here (SSH): the line that offers ``--remote`` names this configure command
    with its answers (``idc login --sso-session my-sso --remote`` fails: the session is not written
    yet), and that command, pasted, signs in with the address pasted back and writes the profile."""
    from idc.emulator.page_approver import PageApprover

    env, child = _configure_without_a_browser(aws_home, emulator)
    assert child.stderr is not None
    offered = ""
    for line in child.stderr:
        if line.startswith("Not opening a browser"):
            offered = line
            break
    child.terminate()
    child.communicate(timeout=60)
    assert offered.startswith("Not opening a browser: this is an SSH session. Using the device code flow"), (
        offered
    )
    assert "idc login" not in offered
    named = shlex.split(offered.split("`")[1])
    flags = full_flags(emulator)
    assert named == ["idc", *flags[:8], "--account-id", "123456789012", *flags[8:], "--remote"]

    pasting = subprocess.Popen(
        [command("idc"), *named[1:]],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert pasting.stdin is not None and pasting.stderr is not None
    for line in pasting.stderr:
        if "/authorize?" in line:
            pasting.stdin.write(PageApprover().walk(line.strip()) + "\n")
            pasting.stdin.flush()
            break
    pasting.stdin.close()
    errors = pasting.stderr.read()
    assert pasting.wait(timeout=60) == 0, errors
    assert sections(aws_home.config_file)["profile AdministratorAccess"]["sso_session"] == "my-sso"


def test_printed_commands_can_be_pasted(aws_home: Any, emulator: Any) -> None:
    done = idc(
        [
            "configure",
            "sso-session",
            "--sso-session",
            "bad name",
            "--start-url",
            "https://d-0000000000.awsapps.com/start",
            "--sso-region",
            "ap-northeast-1",
            "--no-login",
        ],
        child_env(aws_home.env),
    )
    assert done.returncode == 0, done.stderr
    printed = "idc login --sso-session 'bad name'"
    assert printed in done.stdout.splitlines()
    # pasted into a shell, it signs in to that session
    env = child_env(aws_home.env, emulator.env, APPROVER)
    env["PATH"] = f"{Path(command('idc')).parent}{os.pathsep}{env['PATH']}"
    pasted = subprocess.run(["/bin/sh", "-c", printed], env=env, capture_output=True, text=True, timeout=90)
    assert pasted.returncode == 0, pasted.stderr
    assert f"Successfully logged into Start URL: {emulator.start_url}" in pasted.stdout

    done = idc(full_flags(emulator, profile="my admin"), child_env(aws_home.env, emulator.env, APPROVER))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("aws sts get-caller-identity --profile 'my admin'")


def _summary(name: str, text: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(f"{name} "))


@pytest.mark.parametrize("path", [[], ["configure"]], ids=["idc", "configure"])
def test_command_lists_show_whole_summaries(path: list[str]) -> None:
    text = CliRunner().invoke(app, [*path, "--help"], terminal_width=80).output
    names = ["configure", "demo"] if not path else ["sso", "sso-session"]
    for name in names:
        line = _summary(name, text)
        assert not line.rstrip().endswith("..."), line
        # one line: the next line starts the next command
        following = [*text.splitlines(), ""][text.splitlines().index(line) + 1]
        assert not following.startswith(" " * 10), following


@pytest.mark.parametrize(
    "path", [["configure"], ["configure", "sso"], ["configure", "sso-session"], ["demo"]], ids=" ".join
)
def test_configure_and_demo_help_show_examples_within_80_columns(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "idc " + " ".join(path) in result.output.split("Examples:", 1)[1]
    assert all(len(line) <= 80 for line in result.output.splitlines()), result.output
    command = app.get_command(click.Context(app), path[0])
    assert command is not None


@pytest.mark.parametrize("how", ["abandoned-device-code-login", "token-from-another-tool"])
def test_a_valid_token_is_a_signed_in_session_whatever_registration_sits_beside_it(
    aws_home: Any, emulator: Any, how: str
) -> None:
    first = idc(full_flags(emulator), child_env(aws_home.env, emulator.env, APPROVER))
    assert first.returncode == 0, first.stderr
    registrations = [p for p in aws_home.sso_cache.glob("*.json") if "accessToken" not in p.read_text()]
    assert len(registrations) == 1
    if how == "abandoned-device-code-login":
        # `idc login --use-device-code`, left before anyone approved: it registered a device-code client
        # in place of the PKCE one the token was made with.
        login = subprocess.Popen(
            [command("idc"), "login", "--sso-session", "my-sso", "--use-device-code", "--no-browser"],
            env=child_env(aws_home.env, emulator.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert login.stdout is not None
        for line in login.stdout:
            if "enter the code" in line:
                break
        login.terminate()
        login.wait(timeout=30)
        login.stdout.close()
        assert (
            json.loads(registrations[0].read_text())["clientId"]
            not in (aws_home.sso_cache).joinpath(hashlib.sha1(b"my-sso").hexdigest() + ".json").read_text()
        )
    else:
        registrations[0].unlink()  # the AWS CLI's device flow, an exported token: no registration here
    calls = sign_in_calls(emulator)

    env = child_env(aws_home.env, emulator.env, DENIER)  # a sign-in would be refused
    args = ["configure", "sso", "--sso-session", "my-sso", "--role-name", "AdministratorAccess"]
    done = idc([*args, "--account-id", "123456789012", "--profile", "second"], env)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert USING.search(done.stdout), done.stdout
    assert sign_in_calls(emulator) == calls
    session_args = ["configure", "sso-session", "--sso-session", "my-sso"]
    done = idc([*session_args, "--start-url", emulator.start_url, "--sso-region", emulator.region], env)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert USING.search(done.stdout), done.stdout
