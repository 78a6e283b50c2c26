"""``idc populate`` remembers the options its block was written with: a bare re-run writes the same block;
a change is explicit (the option again, or ``--no-...``) and ``--dry-run`` shows it (issue 17, item 1)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from idc.accounts.listing import AccountListing, AccountRoles
from idc.accounts.populate import PopulateSettings, plan_populate
from idc.accounts.populate_options import (
    BlockOptions,
    GivenOptions,
    merged,
    option_changes,
    remembered_options,
)
from idc.errors import ConfigError

from .listing_support import SESSION, directory
from .test_populate import idc, populate, signed_in_with_user_config

FIRST_RUN = (
    "--template",
    "{account_id}-{role_name}",
    "--lowercase",
    "--region",
    "eu-west-1",
    "--output",
    "json",
    "--credential-process",
)


def _block(text: str) -> str:
    return text[text.index("# BEGIN idc populate") :]


def test_a_bare_rerun_writes_the_same_block(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    populate(signed.env, *FIRST_RUN)
    block = _block(aws_home.config_file.read_text())
    assert (
        "# idc populate options: --template '{account_id}-{role_name}' --lowercase --region eu-west-1"
        " --output json --credential-process\n"
    ) in block
    assert "[profile 100000000001-administratoraccess-cp]\ncredential_process = " in block
    assert block.count("region = eu-west-1\n") == 4  # two profiles and their companions
    before = aws_home.config_file.read_bytes()
    os.utime(aws_home.config_file, ns=(1_000_000_000, 1_000_000_000))

    again = populate(signed.env)  # none of the options: a script's later run, or a user's

    assert again["written"] is False
    assert again["optionsChanged"] == [] and again["removed"] == [] and again["updated"] == []
    assert again["options"] == list(FIRST_RUN)
    assert aws_home.config_file.read_bytes() == before
    assert aws_home.config_file.stat().st_mtime_ns == 1_000_000_000


def test_a_change_is_explicit_and_the_dry_run_shows_it(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    populate(signed.env, "--region", "eu-west-1", "--credential-process")
    before = aws_home.config_file.read_bytes()

    dry = idc(
        ["populate", "--sso-session", SESSION, "--no-credential-process", "--no-region", "--dry-run"],
        signed.env,
    )

    assert dry.returncode == 0, dry.stderr
    assert aws_home.config_file.read_bytes() == before
    removed = [line[1:] for line in dry.stdout.splitlines() if line.startswith("-") and line[:3] != "---"]
    added = [line[1:] for line in dry.stdout.splitlines() if line.startswith("+") and line[:3] != "+++"]
    assert "[profile acct-0000.AdministratorAccess-cp]" in removed
    assert "region = eu-west-1" in removed
    assert "# idc populate options: --template '{account_name}.{role_name}'" in added
    report = json.loads(dry.stderr)
    assert report["optionsChanged"] == [
        "--region eu-west-1 -> --no-region",
        "--credential-process -> --no-credential-process",
    ]
    assert report["removed"] == ["acct-0000.AdministratorAccess-cp", "acct-0001.AdministratorAccess-cp"]

    changed = populate(signed.env, "--no-credential-process", "--no-region")
    assert changed["written"] is True
    text = aws_home.config_file.read_text()
    assert "-cp]" not in text and "region = eu-west-1" not in _block(text)
    assert populate(signed.env)["written"] is False  # and that is what the block remembers now

    again = populate(signed.env, "--region", "us-east-2")  # a new value, given again
    assert again["optionsChanged"] == ["--no-region -> --region us-east-2"]
    assert _block(aws_home.config_file.read_text()).count("region = us-east-2\n") == 2


def test_a_block_from_before_the_options_line_keeps_its_profiles(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    """A block an earlier idc wrote has no options line: a bare run reads them from its profiles."""
    signed = signed_in_with_user_config(emulator_factory(directory(2, 2)), aws_home, monkeypatch)
    populate(signed.env, "--region", "eu-west-1", "--credential-process", "--lowercase", "--output", "text")
    text = aws_home.config_file.read_text()
    old = "".join(
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("# idc populate options:", "# A re-run keeps"))
    )
    aws_home.config_file.write_text(old)

    again = populate(signed.env)

    assert again["removed"] == [] and again["updated"] == [] and again["added"] == []
    assert again["optionsChanged"] == []
    assert aws_home.config_file.read_text() == text  # only the options line is new


def _listing() -> AccountListing:
    import datetime as dt

    return AccountListing(
        start_url="https://d-0000000000.awsapps.com/start",
        sso_region="eu-west-1",
        accounts=(AccountRoles("111111111111", "Dev", "dev@example.com", ("Admin",)),),
        fetched_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
    )


SETTINGS = PopulateSettings(
    start_url="https://d-0000000000.awsapps.com/start", sso_region="eu-west-1", sso_session=SESSION
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(GivenOptions(), [], id="nothing-given"),
        pytest.param(GivenOptions(lowercase=False), ["--lowercase -> --no-lowercase"], id="no-lowercase"),
        pytest.param(
            GivenOptions(template="{account_id}.{role_name}"),
            ["--template '{account_name}.{role_name}' -> --template '{account_id}.{role_name}'"],
            id="template",
        ),
        pytest.param(GivenOptions(output=""), ["--output yaml -> --no-output"], id="no-output"),
        pytest.param(GivenOptions(region="eu-west-1"), [], id="same-region-again"),
    ],
)
def test_option_changes(given: GivenOptions, expected: list[str]) -> None:
    old = BlockOptions(lowercase=True, region="eu-west-1", output="yaml")
    assert list(option_changes(old, merged(old, given))) == expected


@pytest.mark.parametrize(
    ("line", "why"),
    [
        pytest.param("--template '{account_name}", "cannot be read", id="unbalanced-quote"),
        pytest.param("--prune", "'--prune', which is not a populate option", id="not-remembered"),
        pytest.param("--region 'eu west'", "not a Region name", id="bad-region"),
        pytest.param("--output xml", "not one of json", id="bad-output"),
    ],
)
def test_a_damaged_options_line_is_refused(tmp_path: Path, line: str, why: str) -> None:
    first = plan_populate(tmp_path / "config", "", _listing(), SETTINGS, given=GivenOptions())
    damaged = "".join(
        f"# idc populate options: {line}\n" if text.startswith("# idc populate options:") else text
        for text in first.new_text.splitlines(keepends=True)
    )
    with pytest.raises(ConfigError, match=why):
        plan_populate(tmp_path / "config", damaged, _listing(), SETTINGS, given=GivenOptions())


def test_the_options_line_round_trips(tmp_path: Path) -> None:
    given = GivenOptions(
        template="{account_name} {role_name}", lowercase=True, region="us-west-2", credential_process=True
    )
    plan = plan_populate(tmp_path / "config", "", _listing(), SETTINGS, given=given)
    inside = plan.new_text.splitlines(keepends=True)[1:-1]
    assert remembered_options(inside) == merged(BlockOptions(), given)
    assert "[profile dev-admin]\n" in plan.new_text
