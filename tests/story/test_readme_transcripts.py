"""The README's shell transcripts are what idc (and boto3) print today, against the local Identity Center.

Every fenced block of the README whose first line is ``$ command`` is a transcript: the commands, each
followed by what it prints. Each one is run here as written (the profile ``AdministratorAccess`` of the
story, the emulator's start URL and Region, the page approver as the user who approves) and compared line
by line. A line ``...`` stands for any number of lines, ``...`` inside a line for any text; ports, times,
role-name hashes and role ids are normalized on both sides. A new transcript fails
:func:`test_every_transcript_is_run` until a test here runs it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest

from docs_files import DOCS
from idc.emulator.page_approver import PageApprover
from story.helpers import child_env, command

PROFILE = "AdministratorAccess"
APPROVER = {"BROWSER": f"{sys.executable} -m idc.emulator.page_approver_cli --detach"}

NORMALIZE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "TIME"),
    (re.compile(r"\(in \d+ min\)"), "(in N min)"),
    (re.compile(r"AWSReservedSSO_(\w+?)_[0-9a-f]{16}\b"), r"AWSReservedSSO_\1_HASH"),
    (re.compile(r"\bAROA[0-9A-Z]{17}\b"), "AROAID"),
]


@dataclass(frozen=True)
class Transcript:
    heading: str
    lines: tuple[str, ...]

    @property
    def first_command(self) -> str:
        return self.lines[0][2:]

    def commands(self) -> list[str]:
        return [line[2:] for line in self.lines if line.startswith("$ ")]


def transcripts() -> list[Transcript]:
    found = []
    heading = ""
    block: list[str] | None = None
    for line in "\n".join(path.read_text() for path in DOCS).split("\n"):
        if block is not None:
            if line.startswith("```"):
                if block and block[0].startswith("$ "):
                    found.append(Transcript(heading, tuple(block)))
                block = None
            else:
                block.append(line)
        elif line.startswith("```"):
            block = []
        elif line.startswith("#"):
            heading = line.lstrip("# ").strip()
    return found


def transcript(first_command: str) -> Transcript:
    [found] = [t for t in transcripts() if t.first_command == first_command]
    return found


def normalized(text: str) -> str:
    for pattern, replacement in NORMALIZE:
        text = pattern.sub(replacement, text)
    return text


def assert_matches(expected: list[str] | tuple[str, ...], actual: str) -> None:
    """``actual`` (normalized, trailing spaces dropped) is ``expected`` line by line, ``...`` as above."""
    pattern = ""
    for line in expected:
        line = normalized(line).rstrip()
        if line == "...":
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += r"[^\n]*?".join(re.escape(piece) for piece in line.split("...")) + r"\n"
    text = "\n".join(line.rstrip() for line in normalized(actual).replace("\r\n", "\n").split("\n"))
    text = text.rstrip("\n") + "\n"
    assert re.fullmatch(pattern, text), "\n".join(["expected:", *expected, "", "printed:", text])


POPULATE = "idc populate --sso-session my-sso --region eu-west-1 --credential-process"
KNOWN = {
    "idc configure sso": "story/test_readme.py::test_the_configure_transcript_is_what_idc_prints",
    f"idc whoami --profile {PROFILE}": "test_the_ended_session_transcript",
    f"idc login --profile {PROFILE} --remote": "test_the_remote_login_transcript",
    "idc serve --profile dev --profile prod --port 9911": "test_the_serve_transcript",
    POPULATE: "test_the_populate_transcript",
    "idc emulator --port 8900": "test_the_emulator_banner_transcript",
}


def test_every_transcript_is_run() -> None:
    assert sorted(t.first_command for t in transcripts()) == sorted(KNOWN)


def _configured(aws_home: Any, emulator: Any, *profiles: str) -> dict[str, str]:
    """The story's `idc configure sso` (flags, the page approver signing in); the environment to run in."""
    env = child_env(aws_home.env, emulator.env, APPROVER)
    for number, profile in enumerate(profiles or (PROFILE,)):
        done = subprocess.run(
            [command("idc"), "configure", "sso", "--sso-session", "my-sso", "--start-url", emulator.start_url,
             "--sso-region", emulator.region, "--account-id", "123456789012", "--role-name", PROFILE,
             "--region", "us-east-1", "--output", "json", "--profile", profile],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, (number, done.stderr)
    return env


def _run(command_line: str, env: dict[str, str]) -> str:
    """One transcript command in bash, stdout and stderr together as a terminal shows them."""
    done = subprocess.run(
        ["bash", "-c", command_line + " 2>&1"], env=env, capture_output=True, text=True, timeout=120
    )
    return done.stdout


def _run_on_a_terminal(command_line: str, env: dict[str, str]) -> str:
    """One transcript command in bash on a pseudo-terminal (what idc prints for a person), as the person
    is left to read it: progress bars redrawn away, colours dropped, the home directory as ``~``."""
    child = pexpect.spawn(
        "bash", ["-c", command_line], env=env, encoding="utf-8", timeout=120, dimensions=(50, 200)
    )
    output = str(child.read())
    child.close()
    lines = []
    for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output).replace("\r\n", "\n").split("\n"):
        shown = line.split("\r")[-1]
        if shown.strip() and not shown.startswith("Listing accounts"):
            lines.append(shown.replace(env["HOME"], "~"))
    return "".join(f"{line}\n" for line in lines)


def test_the_ended_session_transcript(aws_home: Any, emulator: Any) -> None:
    """The story's "when the SSO session ends": cached role credentials go on working (idc whoami);
    what needs the session (idc list, boto3 at start-up) says so; idc login fixes it."""
    found = transcript(f"idc whoami --profile {PROFILE}")
    env = _configured(aws_home, emulator)
    assert "Expires" in _run(f"idc whoami --profile {PROFILE}", env)  # used once: role credentials cached
    emulator.end_sessions(user="demo")
    printed = "".join(f"$ {line}\n{_run(line, env)}" for line in found.commands())
    assert_matches(found.lines, printed)


def test_the_remote_login_transcript(aws_home: Any, emulator: Any) -> None:
    """In a terminal (the pasted address is echoed after the prompt, as the README shows it)."""
    found = transcript(f"idc login --profile {PROFILE} --remote")
    env = _configured(aws_home, emulator)
    env = {**env, "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}
    env.pop("BROWSER")
    shown = io.StringIO()
    child = pexpect.spawn(
        "bash", ["-c", found.commands()[0]], env=env, encoding="utf-8", timeout=60, dimensions=(40, 400)
    )
    child.logfile_read = shown
    child.expect(r"(http://\S+/authorize\?\S+)\r\n")
    url = child.match.group(1)
    child.expect_exact("Address from the browser: ")
    child.sendline(PageApprover().walk(url))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, shown.getvalue()
    # the emulator's OIDC endpoint stands where Identity Center's is
    printed = shown.getvalue().replace(emulator.base_url, f"https://oidc.{emulator.region}.amazonaws.com")
    assert_matches(found.lines, f"$ {found.commands()[0]}\n{printed}")


def test_the_serve_transcript(aws_home: Any, emulator: Any) -> None:
    found = transcript("idc serve --profile dev --profile prod --port 9911")
    env = _configured(aws_home, emulator, "dev", "prod")
    serve = subprocess.Popen(
        ["bash", "-c", "exec " + found.commands()[0].replace("--port 9911", "--port 0") + " 2>&1"],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        lines = []
        for line in serve.stdout:
            lines.append(line)
            if line.startswith("export ") and "/credentials/prod " in line:
                break
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert_matches(found.lines, f"$ {found.commands()[0]}\n" + "".join(lines))


def test_the_populate_transcript(aws_home: Any, emulator: Any) -> None:
    """populate's header remembers its options: a bare run afterwards writes the same block."""
    found = transcript(POPULATE)
    env = _configured(aws_home, emulator)
    printed = ""
    for line in found.commands():
        printed += f"$ {line}\n{_run_on_a_terminal(line, env)}"
        if line.startswith("idc populate") and "--region" in line:
            after_first = aws_home.config_file.read_bytes()
    assert_matches(found.lines, printed)
    assert aws_home.config_file.read_bytes() == after_first


def test_the_emulator_banner_transcript(tmp_path: Path) -> None:
    found = transcript("idc emulator --port 8900")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDC_"))}
    env.update(HOME=str(tmp_path), PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [command("idc"), "emulator", "--port", "0"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):
                break
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert_matches(found.lines, "$ idc emulator --port 8900\n" + "".join(lines))


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        (["a", "...", "b"], "a\nx\ny\nb\n", True),
        (["a", "...", "b"], "a\nb\n", True),
        (["a...c"], "abbbc\n", True),
        (["a", "b"], "a\nb\nc\n", False),
        (["Expires  2026-11-21T08:29:54Z (in 41 min)"], "Expires  2027-01-01T00:00:00Z (in 7 min)\n", True),
        (["http://127.0.0.1:8900"], "http://127.0.0.1:40001\n", True),
        (["http://127.0.0.1:8900"], "http://127.0.0.2:8900\n", False),
    ],
    ids=["ellipsis-lines", "ellipsis-no-lines", "ellipsis-in-line", "extra-line", "times", "ports", "host"],
)
def test_the_matcher(expected: list[str], actual: str, matches: bool) -> None:
    if matches:
        assert_matches(expected, actual)
    else:
        with pytest.raises(AssertionError):
            assert_matches(expected, actual)
