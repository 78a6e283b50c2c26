"""The README stays true: its quick start is exactly the two commands, and every command is in it."""

from __future__ import annotations

import re
from pathlib import Path

from docs_files import DOCS, ROOT, doc_with
from idc.cli import COMMANDS
from idc.errors import ExitStatus

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quick_start_is_exactly_the_two_commands() -> None:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    # The demo must not need the test tools (test_demo checks it loads none of them); uv's default
    # group holds pytest alone, and the first `uv run pytest` installs the rest (tests/toolchain.py).
    assert blocks[0].splitlines() == ["uv run idc demo", "uv run pytest"]


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text()
    for name in COMMANDS:
        assert f"`idc {name}" in text, name


def test_every_exit_code_is_in_the_readme() -> None:
    section = README.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, flags=re.M)}
    assert documented == {int(status) for status in ExitStatus}


def test_the_configure_transcript_is_what_idc_prints(aws_home, emulator) -> None:
    """The README's `idc configure sso` transcript, line by line ("..." for the sign-in URL), is what
    idc prints for the same answers (flags, no terminal: the transcript a user would have seen)."""
    import sys

    from story.helpers import child_env
    from story.test_configure import idc

    section = README.read_text().split("## The story, as the AWS documentation tells it", 1)[1]
    block = re.findall(r"```\n(.*?)```", section, flags=re.S)[0].splitlines()
    assert block[0] == "$ idc configure sso"
    answers = dict(line.rsplit(": ", 1) for line in block if "]: " in line or "(Recommended): " in line)
    approver = {"BROWSER": f"{sys.executable} -m idc.emulator.page_approver_cli --detach"}
    done = idc(
        [
            "configure", "sso",
            "--sso-session", answers["SSO session name (Recommended)"],
            "--start-url", answers["SSO start URL [None]"],
            "--sso-region", answers["SSO region [None]"],
            "--region", answers["Default client Region [None]"],
            "--output", answers["CLI default output format (json if not specified) [None]"],
            "--profile", answers["Profile name [AdministratorAccess-123456789012]"],
        ],
        child_env(aws_home.env, emulator.env, approver),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # --profile answers the last question without printing it (a terminal user sees and types it)
    block = [line for line in block if not line.startswith("Profile name [")]
    # (without a terminal the sign-in speaks on stderr and the questions on stdout)
    printed = {line.rstrip() for line in (done.stderr + done.stdout).splitlines()}
    for expected in block[1:]:
        if expected != "...":
            assert expected.rstrip() in printed, (expected, sorted(printed))


def test_the_local_identity_center_section_runs_as_written(tmp_path) -> None:
    """ "The local Identity Center with the AWS CLI": `idc emulator` in one process, the block's commands
    in a shell with the printed variables exported, a page approver as the user who signs in."""
    import os
    import subprocess
    import sys

    section = doc_with("## The local Identity Center with the AWS CLI").split(
        "## The local Identity Center with the AWS CLI", 1
    )[1]
    server_block, shell_block = re.findall(r"```\n(.*?)```", section.split("\n## ", 1)[0], flags=re.S)[:2]
    assert server_block.startswith("$ idc emulator --port 8900\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDC_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["BROWSER"] = f"{sys.executable} -m idc.emulator.page_approver_cli --detach"  # the user: demo / demo
    server = subprocess.Popen(
        [sys.executable, "-m", "idc", "emulator", "--port", "0"],  # 8900 may be taken on a shared machine
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        exports = []
        for line in server.stdout:
            if line.startswith("export "):
                exports.append(line.strip())
            if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):
                break
        commands = shell_block.replace("\\\n", " ").strip().splitlines()
        script = "set -u\n" + "\n".join(exports) + "\n"
        for number, command in enumerate(commands):
            code = command.split("  #", 1)[0].strip()
            script += f'echo "--- {number}"; {code}; echo "--- rc $?"\n'
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=240)
    finally:
        server.terminate()
        server.wait(timeout=30)
    steps = re.split(r"^--- \d+\n", done.stdout, flags=re.M)[1:]
    outcome = [(step.rsplit("--- rc ", 1)[1].strip(), step.rsplit("--- rc ", 1)[0]) for step in steps]
    assert len(outcome) == len(commands), done.stdout + done.stderr
    assert [rc for rc, _ in outcome] == ["0", "0", "0", "0", "0", "255", "0"], done.stdout + done.stderr
    arn = r"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/demo"
    assert re.search(arn, outcome[2][1]) and re.search(arn, outcome[3][1])
    assert outcome[4][1].strip() == "Ended 1 session."
    assert "has expired or is otherwise invalid" in done.stderr


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_guide_is_linked_from_the_readme_and_every_link_lands() -> None:
    """The README links every guide under docs/; every link between them names a file and a heading
    that exist (a section moved or renamed breaks its links here, not for a reader)."""
    readme = README.read_text()
    guides = [path for path in DOCS if path != README]
    assert guides, "docs/ holds the guides"
    assert [p.name for p in guides if f"docs/{p.name}" not in readme] == []
    for source in DOCS:
        for target, anchor in re.findall(r"\]\(([\w./-]+\.md)(?:#([\w-]+))?\)", source.read_text()):
            path = (source.parent / target).resolve()
            assert path.is_file(), (source.relative_to(ROOT), target)
            if anchor:
                headings = re.findall(r"^#+ (.+)$", path.read_text(), flags=re.M)
                assert anchor in {_anchor(h) for h in headings}, (source.relative_to(ROOT), target, anchor)
