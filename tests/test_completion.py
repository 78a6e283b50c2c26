"""Shell completion: ``idc completion SHELL`` and profile / sso-session names from a 2,000-profile config.

Runs the real thing: the console script called as the shell scripts call it (``_IDC_COMPLETE``), a real
bash (pexpect) that sourced ``idc completion bash`` and gets a TAB, and a check that a completion loads
neither botocore, rich nor prompt_toolkit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

BIN = Path(sys.executable).parent
PROFILES = [f"team-{i}" for i in range(2000)]


def write_config(path: Path) -> None:
    """2,000 sso-session profiles, plus a default, a legacy profile and two sessions."""
    parts = ["[default]\nregion = eu-west-1\n\n"]
    for i, name in enumerate(PROFILES):
        parts.append(
            f"[profile {name}]\nsso_session = {'corp' if i % 2 else 'lab'}\nsso_account_id = 123456789012\n"
            "sso_role_name = AdministratorAccess\nregion = eu-west-1\n\n"
        )
    parts.append(
        "[profile legacy]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n\n"
    )
    for session in ("corp", "lab"):
        parts.append(
            f"[sso-session {session}]\nsso_start_url = https://d-0000000000.awsapps.com/start\n"
            "sso_region = us-east-1\n\n"
        )
    path.write_text("".join(parts))


@pytest.fixture
def big_config(aws_home: Any) -> dict[str, str]:
    write_config(aws_home.config_file)
    return {**aws_home.env, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}


def complete(env: dict[str, str], line: str, shell: str = "bash") -> list[str]:
    """What ``idc`` answers a shell's completion request for ``line`` (the cursor at its end)."""
    words = line.split(" ")
    result = subprocess.run(
        [str(BIN / "idc")],
        env={
            **env,
            "_IDC_COMPLETE": f"{shell}_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [entry.split(",", 1)[1] for entry in result.stdout.splitlines() if entry]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("idc login --profile ", ["default", *PROFILES, "legacy"]),
        ("idc login --profile team-199", ["team-199", *(f"team-199{d}" for d in range(10))]),
        ("idc credentials --profile leg", ["legacy"]),
        ("idc exec --profile team-1999", ["team-1999"]),
        ("idc whoami --profile nothing-like-it", []),
        ("idc logout --sso-session ", ["corp", "lab"]),
        ("idc list --sso-session co", ["corp"]),
        ("idc populate --profile defa", ["default"]),
        ("idc console --profile team-1999", ["team-1999"]),
        ("idc serve --profile team-1999", ["team-1999"]),
        ("idc configure role --source-profile team-1999", ["team-1999"]),
        ("idc configure role --ext", ["--external-id"]),
        ("idc serve --policy", ["--policy", "--policy-arn"]),
    ],
    ids=[
        "login-all-2002",
        "login-prefix",
        "credentials",
        "exec",
        "whoami-none",
        "logout-sessions",
        "list",
        "populate",
        "console",
        "serve",
        "configure-role-source",
        "configure-role-flags",
        "serve-policy-flags",
    ],
)
def test_names_complete_from_the_config(big_config: dict[str, str], line: str, expected: list[str]) -> None:
    assert complete(big_config, line) == expected


TRICKY_CONFIG = """\
# [profile commented]
[default]
region = eu-west-1
[profile a]
s3 =
  [profile not-a-header] = x
  addressing_style = path
   ; [profile also-not]
[profile   b  ]
[profile two words]
[profile "quoted name"]
[sso-session corp]
sso_region = us-east-1
[sso-session]
[services s]
[DEFAULT]
output = json
[profilex]
[plain]
"""


def test_section_names_agree_with_the_full_reader(aws_home: Any) -> None:
    """The header-only reader completion uses lists what botocore's full parse (``load_config``) lists."""
    from idc.config import load_config
    from idc.config.loader import section_names
    from idc.storage.locations import Locations

    aws_home.config_file.write_text(TRICKY_CONFIG)
    (aws_home.home / ".aws" / "credentials").write_text("[DEFAULT]\n[from-credentials]\nx = 1\n[a]\n")
    locations = Locations.from_environ()
    config = load_config(locations)
    assert section_names(locations) == (config.profile_names(), config.sso_session_names())
    assert config.profile_names() == ["default", "a", "b", "quoted name", "from-credentials"]


def test_completion_loads_nothing_heavy(big_config: dict[str, str]) -> None:
    probe = (
        "import sys\n"
        "from idc.entry import main\n"
        "try:\n    main([])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'rich', 'prompt_toolkit',"
        " 'boto3', 'starlette', 'uvicorn', 'segno'))\n"
        "print('HEAVY:', ','.join(heavy), file=sys.stderr)\n"
    )
    env = {
        **big_config,
        "_IDC_COMPLETE": "bash_complete",
        "COMP_WORDS": "idc login --profile team-1",
        "COMP_CWORD": "3",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert "plain,team-1999" in result.stdout.splitlines()
    assert "HEAVY: \n" in result.stderr or result.stderr.rstrip().endswith("HEAVY:"), result.stderr


def test_bash_completes_a_profile_on_tab(big_config: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "idc-completion.bash"
    printed = subprocess.run(
        [str(BIN / "idc"), "completion", "bash"], env=big_config, capture_output=True, text=True, timeout=60
    )
    assert printed.returncode == 0 and "_IDC_COMPLETE=bash_complete" in printed.stdout
    script.write_text(printed.stdout)
    shell = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], env={**big_config, "PS1": "$ "}, encoding="utf-8", timeout=90
    )
    shell.expect_exact("$ ")
    shell.sendline(
        f"source {script}; bind 'set show-all-if-ambiguous on'; bind 'set completion-query-items 0'"
    )
    shell.expect_exact("$ ")
    shell.send("idc login --profile team-19\t")
    shell.expect_exact("team-1999")  # the ambiguous candidates are listed
    for name in ("team-19", "team-190", "team-1900", "team-1950"):
        assert name in shell.before + "team-1999"
    shell.send("\x15")  # Ctrl-U: drop the line
    shell.send("idc login --profile legac\t")
    shell.expect_exact("idc login --profile legacy ")  # a single candidate is completed in place
    shell.sendcontrol("c")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)


def _bash_with_completion(env: dict[str, str], tmp_path: Path) -> pexpect.spawn:
    script = tmp_path / "idc-completion.bash"
    printed = subprocess.run(
        [str(BIN / "idc"), "completion", "bash"], env=env, capture_output=True, text=True, timeout=60
    )
    assert printed.returncode == 0, printed.stderr
    script.write_text(printed.stdout)
    shell = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], env={**env, "PS1": "$ "}, encoding="utf-8", timeout=90
    )
    shell.expect_exact("$ ")
    shell.sendline(f"source {script}; bind 'set completion-query-items 0'")
    shell.expect_exact("$ ")
    return shell


def test_a_hostile_profile_name_is_inserted_quoted_and_never_run(aws_home: Any, tmp_path: Path) -> None:
    """A profile named ``a$(touch${IFS}FILE)``: TAB then Enter in a real bash must not create FILE."""
    ran = tmp_path / "ran"
    hostile = f"a$(touch${{IFS}}{ran})"
    aws_home.config_file.write_text(f"[profile {hostile}]\nregion = eu-west-1\n\n[profile ok]\n")
    env = {**aws_home.env, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    shell = _bash_with_completion(env, tmp_path)
    shell.send("idc whoami --profile a\t")
    shell.expect(re.escape(f"{ran})") + "'? ")  # the completed name is on the line, then a space
    completed = str(shell.before) + str(shell.after)
    shell.sendline("; echo exit=$?")  # Enter
    shell.expect(r"exit=(\d+)")
    status = shell.match.group(1)
    shell.expect_exact("$ ")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
    assert not ran.exists()
    assert f"'{hostile}' " in completed  # inserted quoted ...
    assert status != "0"  # ... so idc got (and refused, it has no SSO settings) the literal name


@pytest.mark.parametrize(
    ("shell", "offered"),
    [
        ("bash", ["'a$(touch${IFS}x)'", "'a&b'", "'a`b`'", "a-b.c@d"]),
        ("zsh", ["a-b.c@d"]),
        ("fish", ["a-b.c@d"]),
    ],
)
def test_names_that_are_not_shell_words_are_quoted_for_bash_and_left_out_elsewhere(
    aws_home: Any, shell: str, offered: list[str]
) -> None:
    aws_home.config_file.write_text(
        "[profile a$(touch${IFS}x)]\n[profile a&b]\n[profile a`b`]\n[profile a-b.c@d]\n"
    )
    env = {**aws_home.env, "_IDC_COMPLETE": f"{shell}_complete"}
    if shell == "bash":
        env.update(COMP_WORDS="idc whoami --profile a", COMP_CWORD="3")
        answer = complete(aws_home.env, "idc whoami --profile a")
    else:
        env.update(COMP_WORDS="idc whoami --profile a", COMP_CWORD="3" if shell == "zsh" else "a")
        result = subprocess.run([str(BIN / "idc")], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        answer = lines[1::3] if shell == "zsh" else [line.split(",", 1)[1] for line in lines]
    assert answer == offered


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script(shell: str, big_config: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "idc"), "completion", shell], env=big_config, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"_IDC_COMPLETE={shell}_complete" in result.stdout.replace('"', "").replace("'", "")


def test_completion_of_an_unknown_shell_is_a_usage_error(big_config: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "idc"), "completion", "tcsh"], env=big_config, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "tcsh" in result.stderr
