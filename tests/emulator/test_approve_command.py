"""``idc emulator approve``: the page approver as a documented command, usable as BROWSER, named in the
README's local Identity Center section, in ``--help`` and in the emulator's banner."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from docs_files import doc_with
from idc.cli import app

IDC = str(Path(sys.executable).with_name("idc"))


def _emulator_commands() -> list[str]:
    ctx = click.Context(app)
    group = app.get_command(ctx, "emulator")
    assert isinstance(group, click.Group)
    return group.list_commands(ctx)


def _write_config(config_file: Path, emulator: Any) -> None:
    config_file.write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\nregion = eu-west-1\n\n"
        f"[sso-session corp]\nsso_start_url = {emulator.start_url}\nsso_region = {emulator.region}\n"
        "sso_registration_scopes = sso:account:access\n"
    )


def test_idc_login_with_the_approve_command_as_browser(emulator: Any, aws_home: Any) -> None:
    _write_config(aws_home.config_file, emulator)
    env = {**aws_home.env, **emulator.env, "BROWSER": f"{IDC} emulator approve --user demo"}
    done = subprocess.run(
        [IDC, "login", "--profile", "dev"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"Successfully logged into Start URL: {emulator.start_url}" in done.stdout
    assert emulator.stats()["CreateToken"] == 1


def test_a_refused_sign_in_is_one_line_and_a_failing_exit(emulator: Any, aws_home: Any) -> None:
    env = {**aws_home.env, **emulator.env, "IDC_APPROVER_PASSWORD": "s3cret-pw"}
    done = subprocess.run(
        [IDC, "emulator", "approve", "--timeout", "20", f"{emulator.base_url}/device"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "s3cret-pw" not in done.stderr


def test_every_emulator_subcommand_is_in_the_readme_section() -> None:
    text = doc_with("## The local Identity Center with the AWS CLI")
    section = text.split("## The local Identity Center", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in _emulator_commands() if f"idc emulator {name}" not in section]
    assert missing == []
    assert 'BROWSER="idc emulator approve' in section


def test_the_banner_names_every_admin_subcommand_and_the_approver() -> None:
    from idc.emulator.cli import ADMIN_COMMANDS

    assert set(_emulator_commands()) == {*ADMIN_COMMANDS, "approve", "directory"}
    help_text = CliRunner().invoke(app, ["emulator", "--help"], terminal_width=80).output
    assert "approve" in help_text and "BROWSER" in help_text


def test_the_running_banner_lists_them(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [IDC, "emulator", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("export IDC_EMULATOR_ADMIN_TOKEN="):  # the banner's last line
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)
    banner = "\n".join(lines)
    administer = re.search(r"Administer it \(idc emulator ([a-z|-]+)\):", banner)
    assert administer is not None, banner
    assert set(administer[1].split("|")) | {"approve", "directory"} == set(_emulator_commands())
    assert 'export BROWSER="idc emulator approve --user demo"' in banner
