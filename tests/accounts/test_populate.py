"""``idc populate`` against the local Identity Center: golden bytes, no-op re-runs, prune, dry run."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from idc.accounts.listing import AccountListing, AccountRoles
from idc.accounts.populate import PopulateSettings, plan_populate, profile_names
from idc.errors import ConfigError
from story.helpers import VENV_IDC, installed_env, path_without_idc, uv_run_env

from .listing_support import SESSION, directory, sign_in

MARKER = f"idc populate (sso-session {SESSION})"

# A config shaped like real ones: comments, a nested s3 block, a services section, a quoted name, a
# legacy profile, and a profile of the user's own that has a name populate would generate.
USER_CONFIG = """\
# my AWS config; hand-written, keep my comments
[default]
region = eu-west-1
output = json
s3 =
    max_concurrent_requests = 20
    addressing_style = path

[profile "with space"]   ; a quoted name
region = us-west-2

[services local-s3]
s3 =
  endpoint_url = http://127.0.0.1:9000

[profile acct-0001.ReadOnlyAccess]
# mine: populate must not duplicate or touch it
region = eu-central-1
"""

GOLDEN_BLOCK = """
# BEGIN idc populate (sso-session org)
# A profile for every account and role of sso-session org, written by `idc populate`.
# Edits inside this block are replaced when it runs again; add your own profiles outside it.
# A re-run keeps these options; give one again to change it (--no-region... drops one).
# idc populate options: --template '{account_name}.{role_name}' --region ap-southeast-2

[profile acct-0000.AdministratorAccess]
sso_session = org
sso_account_id = 100000000000
sso_role_name = AdministratorAccess
region = ap-southeast-2

[profile acct-0000.ReadOnlyAccess]
sso_session = org
sso_account_id = 100000000000
sso_role_name = ReadOnlyAccess
region = ap-southeast-2

[profile acct-0001.AdministratorAccess]
sso_session = org
sso_account_id = 100000000001
sso_role_name = AdministratorAccess
region = ap-southeast-2

[profile acct-0002.AdministratorAccess]
sso_session = org
sso_account_id = 100000000002
sso_role_name = AdministratorAccess
region = ap-southeast-2

[profile acct-0002.ReadOnlyAccess]
sso_session = org
sso_account_id = 100000000002
sso_role_name = ReadOnlyAccess
region = ap-southeast-2
# END idc populate (sso-session org)
"""


def idc(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args], env=env, capture_output=True, text=True, timeout=300
    )


def populate(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = idc(["populate", "--sso-session", SESSION, *args], env)
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def signed_in_with_user_config(emulator: Any, aws_home: Any, monkeypatch: Any) -> Any:
    signed = sign_in(emulator, aws_home, monkeypatch)
    aws_home.config_file.write_text(USER_CONFIG + "\n" + signed.config_text)
    return signed


def test_block_appended_golden_bytes_outside_untouched(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(3, 2)), aws_home, monkeypatch)
    original = aws_home.config_file.read_bytes()

    summary = populate(signed.env, "--region", "ap-southeast-2")

    assert aws_home.config_file.read_bytes() == original + GOLDEN_BLOCK.encode()
    assert summary["written"] is True
    assert summary["skipped"] == ["acct-0001.ReadOnlyAccess"]
    assert len(summary["added"]) == 5
    assert summary["listing"]["throttled"] == 0


def test_second_run_changes_nothing_not_even_mtime(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(3, 2)), aws_home, monkeypatch)
    populate(signed.env, "--region", "ap-southeast-2")
    before = aws_home.config_file.read_bytes()
    os.utime(aws_home.config_file, ns=(1_000_000_000, 1_000_000_000))  # a visible old mtime

    summary = populate(signed.env, "--region", "ap-southeast-2", "--refresh")  # fresh listing, same result

    assert summary["written"] is False
    assert summary["added"] == summary["updated"] == summary["removed"] == []
    assert summary["unchanged"] == 5
    assert aws_home.config_file.read_bytes() == before
    assert aws_home.config_file.stat().st_mtime_ns == 1_000_000_000


def test_dry_run_shows_the_diff_and_writes_nothing(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(3, 2)), aws_home, monkeypatch)
    original = aws_home.config_file.read_bytes()
    os.utime(aws_home.config_file, ns=(1_000_000_000, 1_000_000_000))

    result = idc(
        ["populate", "--sso-session", SESSION, "--region", "ap-southeast-2", "--dry-run"], signed.env
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"--- {aws_home.config_file}\n+++ {aws_home.config_file} (idc populate)\n"
    )
    added = [
        line[1:] for line in result.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    assert "\n".join(added) + "\n" == GOLDEN_BLOCK
    assert json.loads(result.stderr)["dryRun"] is True
    assert aws_home.config_file.read_bytes() == original
    assert aws_home.config_file.stat().st_mtime_ns == 1_000_000_000


def test_gone_assignments_kept_without_prune_removed_with_it(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    # Five accounts today; tomorrow (a second Identity Center with the same start URL) only three.
    signed = signed_in_with_user_config(emulator_factory(directory(5, 1)), aws_home, monkeypatch)
    installed = installed_env(signed.env, aws_home.home)
    signed.env.update(installed)
    populate(signed.env, "--credential-process")
    text = aws_home.config_file.read_text()
    assert (
        "[profile acct-0004.AdministratorAccess-cp]\ncredential_process = idc credentials --profile "
        "acct-0004.AdministratorAccess\n" in text
    )
    # The user moves the block up and adds a profile after it: both must survive later runs.
    head, block_and_tail = text.split("\n# BEGIN", 1)
    block = "# BEGIN" + block_and_tail
    moved = block + "\n" + head.rstrip("\n") + "\n\n[profile after]\nregion = sa-east-1\n"
    aws_home.config_file.write_text(moved)
    outside_before = moved[moved.index("# END " + MARKER) :]

    signed = sign_in_again(emulator_factory(directory(3, 1)), aws_home, monkeypatch, moved)
    signed.env.update(installed)
    kept = populate(signed.env, "--credential-process")
    assert kept["keptStale"] == ["acct-0003.AdministratorAccess", "acct-0004.AdministratorAccess"]
    assert kept["removed"] == []
    assert kept["written"] is False  # nothing new: stale profiles stay as they were

    pruned = populate(signed.env, "--credential-process", "--prune")
    assert pruned["removed"] == [
        "acct-0003.AdministratorAccess",
        "acct-0003.AdministratorAccess-cp",
        "acct-0004.AdministratorAccess",
        "acct-0004.AdministratorAccess-cp",
    ]
    text = aws_home.config_file.read_text()
    assert "acct-0003" not in text and "acct-0004" not in text
    assert "[profile acct-0002.AdministratorAccess-cp]" in text
    assert text[text.index("# END " + MARKER) :] == outside_before
    assert text.startswith("# BEGIN " + MARKER + "\n")


@pytest.mark.parametrize("how", ["installed", "uv-run-from-a-clone"])
def test_credential_process_runs_from_a_shell_without_idc_on_path(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any, how: str
) -> None:
    # `uv run idc populate` puts the clone's .venv/bin on PATH for itself only: a plain `idc` written
    # into the config fails later in `aws` with "No such file or directory: 'idc'".
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    if how == "installed":
        signed.env.update(installed_env(signed.env, aws_home.home))
        expected = "idc credentials"
    else:
        signed.env.update(uv_run_env(signed.env))
        expected = f"{VENV_IDC} credentials"
    result = subprocess.run(
        [str(VENV_IDC), "populate", "--sso-session", SESSION, "--credential-process"],
        env=signed.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"[profile acct-0000.AdministratorAccess-cp]\ncredential_process = {expected} --profile "
        "acct-0000.AdministratorAccess\n"
    ) in aws_home.config_file.read_text()

    # Another shell (the user's next terminal): only what the user installed is on PATH.
    later = {**signed.env, "VIRTUAL_ENV": ""}
    if how != "installed":
        later["PATH"] = path_without_idc(signed.env)
    code = (
        "import botocore.session\n"
        "s = botocore.session.Session(profile='acct-0000.AdministratorAccess-cp')\n"
        "print(s.get_credentials().get_frozen_credentials().access_key)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=later, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("ASIA")


def sign_in_again(emulator: Any, aws_home: Any, monkeypatch: Any, config_text: str) -> Any:
    """Sign in to another emulator; keep the config file as it is (bar the session's section).

    The other emulator does not know the client registered with the first one: start from an empty
    SSO cache, as a user of a rebuilt Identity Center instance would after `idc logout`.
    """
    for cached in aws_home.sso_cache.iterdir():
        cached.unlink()
    signed = sign_in(emulator, aws_home, monkeypatch)
    aws_home.config_file.write_text(config_text)
    return signed


def test_profiles_read_back_through_botocore(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = signed_in_with_user_config(emulator_factory(directory(2, 2)), aws_home, monkeypatch)
    populate(signed.env, "--template", "{account_id}-{role_name}", "--lowercase", "--output", "yaml")
    code = (
        "import botocore.session, json\n"
        "s = botocore.session.Session(profile='100000000001-readonlyaccess')\n"
        "print(json.dumps(s.get_scoped_config()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=signed.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["sso_session"] == SESSION
    assert config["sso_account_id"] == "100000000001"
    assert config["sso_role_name"] == "ReadOnlyAccess"  # the real role name, not the normalised one
    assert config["output"] == "yaml"


def test_borrowing_a_profiles_session(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(2, 1)), aws_home, monkeypatch)
    aws_home.config_file.write_text(
        signed.config_text + f"\n[profile base]\nsso_session = {SESSION}\nsso_account_id = 100000000000\n"
        "sso_role_name = AdministratorAccess\n"
    )
    result = idc(["populate", "--profile", "base"], signed.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["block"] == MARKER


def test_borrowing_a_legacy_profile_writes_legacy_profiles(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    from idc.storage.token_cache import load_token, save_token, token_cache_key

    emulator = emulator_factory(directory(2, 1))
    signed = sign_in(emulator, aws_home, monkeypatch)
    # A legacy profile's token lives under the start URL's key (same user, same token here).
    token = load_token(signed.locations, token_cache_key(SESSION, emulator.start_url))
    assert token is not None
    save_token(signed.locations, token_cache_key(None, emulator.start_url), token)
    aws_home.config_file.write_text(
        f"[profile old]\nsso_start_url = {emulator.start_url}\nsso_region = {emulator.region}\n"
        "sso_account_id = 100000000000\nsso_role_name = AdministratorAccess\n"
    )
    result = idc(["populate", "--profile", "old"], signed.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["block"] == f"idc populate (start URL {emulator.start_url})"
    text = aws_home.config_file.read_text()
    assert (
        "[profile acct-0001.AdministratorAccess]\n"
        f"sso_start_url = {emulator.start_url}\nsso_region = {emulator.region}\n"
        "sso_account_id = 100000000001\nsso_role_name = AdministratorAccess\n"
    ) in text
    assert "sso_session" not in text


def test_bad_template_is_a_config_error(emulator_factory: Any, aws_home: Any, monkeypatch: Any) -> None:
    signed = sign_in(emulator_factory(directory(1, 1)), aws_home, monkeypatch)
    result = idc(["populate", "--sso-session", SESSION, "--template", "{account}"], signed.env)
    assert result.returncode == 3
    assert "unknown field {account}" in result.stderr
    assert "Traceback" not in result.stderr


def _listing(*accounts: tuple[str, str, tuple[str, ...]]) -> AccountListing:
    return AccountListing(
        start_url="https://d-0000000000.awsapps.com/start",
        sso_region="eu-west-1",
        accounts=tuple(AccountRoles(i, n, f"{i}@example.com", r) for i, n, r in accounts),
        fetched_at=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc),
    )


@pytest.mark.parametrize(
    ("accounts", "template", "lowercase", "expected"),
    [
        pytest.param(
            [("111111111111", "Payments Prod", ("Admin",))],
            "{account_name}.{role_name}",
            False,
            ["Payments-Prod.Admin"],
            id="spaces-become-dashes",
        ),
        pytest.param(
            [("111111111111", "Prod/Payments (EU)!", ("Read Only",))],
            "{account_name}.{role_name}",
            True,
            ["prod-payments-eu.read-only"],
            id="odd-characters-and-lowercase",
        ),
        pytest.param(
            [("111111111111", "dev", ("Admin",)), ("222222222222", "dev", ("Admin",))],
            "{account_name}.{role_name}",
            False,
            ["dev.Admin-111111111111", "dev.Admin-222222222222"],
            id="same-account-name-gets-ids",
        ),
        pytest.param(
            [("222222222222", "dev", ("Admin",)), ("111111111111", "dev", ("Admin",))],
            "{account_name}.{role_name}",
            False,
            ["dev.Admin-111111111111", "dev.Admin-222222222222"],
            id="order-does-not-matter",
        ),
        pytest.param(
            [("111111111111", "dev", ("Admin", "ReadOnly"))],
            "{account_name}",
            False,
            ["dev-111111111111-Admin", "dev-111111111111-ReadOnly"],
            id="template-without-role",
        ),
        pytest.param(
            [("111111111111", "Team", ("Admin",)), ("222222222222", "team", ("Admin",))],
            "{account_name}.{role_name}",
            True,
            ["team.admin-111111111111", "team.admin-222222222222"],
            id="collision-made-by-lowercasing",
        ),
        pytest.param(
            [("111111111111", "", ("Admin",))],
            "{account_name}.{role_name}",
            False,
            ["111111111111.Admin"],
            id="nameless-account-uses-its-id",
        ),
        pytest.param(
            [("111111111111", "Zürich Ärzte", ("Admin",)), ("222222222222", "東京", ("Admin",))],
            "{account_name}.{role_name}",
            False,
            ["222222222222.Admin", "Zurich-Arzte.Admin"],
            id="accents-transliterated",
        ),
        pytest.param(
            [("111111111111", "x", ("Admin",))],
            "{account_id}_{role_name}@{account_email}",
            False,
            ["111111111111_Admin-111111111111-example.com"],
            id="id-and-email-fields",
        ),
    ],
)
def test_profile_names(
    accounts: list[tuple[str, str, tuple[str, ...]]], template: str, lowercase: bool, expected: list[str]
) -> None:
    names = [p.name for p in profile_names(_listing(*accounts), template, lowercase=lowercase)]
    assert names == expected


def test_names_once_written_stay_and_the_newcomer_gets_the_suffix(tmp_path: Path) -> None:
    settings = PopulateSettings(
        start_url="https://d-0000000000.awsapps.com/start", sso_region="eu-west-1", sso_session=SESSION
    )
    config = tmp_path / "config"
    before = _listing(("100000000001", "web-prod", ("ReadOnlyAccess",)))
    first = plan_populate(config, "", before, settings)
    assert "[profile web-prod.ReadOnlyAccess]\n" in first.new_text
    # A second account named web-prod appears: the profile people use keeps its name.
    after = _listing(
        ("100000000001", "web-prod", ("ReadOnlyAccess",)), ("100000720629", "web-prod", ("ReadOnlyAccess",))
    )
    second = plan_populate(config, first.new_text, after, settings)
    assert "[profile web-prod.ReadOnlyAccess]\nsso_session = org\nsso_account_id = 100000000001\n" in (
        second.new_text
    )
    assert "[profile web-prod.ReadOnlyAccess-100000720629]\n" in second.new_text
    # Another template renames, as asked.
    other = replace(settings, template="{account_id}.{role_name}")
    assert (
        "[profile 100000000001.ReadOnlyAccess]"
        in plan_populate(config, second.new_text, after, other).new_text
    )


def test_a_block_without_its_end_line_is_refused(tmp_path: Path) -> None:
    settings = PopulateSettings(
        start_url="https://d-0000000000.awsapps.com/start", sso_region="eu-west-1", sso_session=SESSION
    )
    text = f"[default]\nregion = eu-west-1\n# BEGIN {MARKER}\n[profile x]\n"
    with pytest.raises(ConfigError, match="no '# END"):
        plan_populate(tmp_path / "config", text, _listing(("111111111111", "a", ("Admin",))), settings)


@pytest.mark.slow
def test_thousand_accounts_at_twenty_tps_zero_failures(
    emulator_factory: Any, aws_home: Any, monkeypatch: Any
) -> None:
    """The issue's scale test: 1,000 accounts x 3 roles, the server enforcing 20 TPS (about 51 s)."""
    emulator = emulator_factory(directory(1000, 3), tps_limit=20)
    signed = signed_in_with_user_config(emulator, aws_home, monkeypatch)
    original = aws_home.config_file.read_bytes()
    emulator.admin("stats", {"reset": True})

    summary = populate(signed.env, "--region", "eu-west-1")

    stats = emulator.stats()
    assert stats["ListAccounts"] == 10 and stats["ListAccountRoles"] == 1000
    assert not [op for op in stats if op.endswith(" 429")]  # not a single call refused
    assert summary["listing"]["throttled"] == 0
    assert summary["roles"] == 3000
    assert summary["skipped"] == ["acct-0001.ReadOnlyAccess"]
    assert len(summary["added"]) == 2999
    after = aws_home.config_file.read_bytes()
    assert after.startswith(original + b"\n# BEGIN " + MARKER.encode() + b"\n")
    assert after.endswith(b"\n# END " + MARKER.encode() + b"\n")
    assert after.count(b"\n[profile ") == original.count(b"\n[profile ") + 2999

    os.utime(aws_home.config_file, ns=(1_000_000_000, 1_000_000_000))
    again = populate(signed.env, "--region", "eu-west-1")  # the cached listing: no call, no write
    assert again["written"] is False and again["listing"]["fromCache"] is True
    assert aws_home.config_file.stat().st_mtime_ns == 1_000_000_000
    assert emulator.stats()["ListAccountRoles"] == 1000


def test_a_keychain_session_gets_credential_process_profiles(tmp_path: Path) -> None:
    """botocore's SSO provider runs before credential_process and takes any profile with
    sso_account_id: a keychain session's profiles keep account and role as idc_sso_* keys."""
    from idc.config.loader import AwsConfig, parse_config_text

    settings = PopulateSettings(
        start_url="https://d-0000000000.awsapps.com/start",
        sso_region="eu-west-1",
        sso_session=SESSION,
        credential_process=True,  # no companions: the profiles run idc themselves
        token_storage="keychain",
    )
    session = f"[sso-session {SESSION}]\nsso_start_url = {settings.start_url}\nsso_region = eu-west-1\n"
    session += "idc_token_storage = keychain\n"
    listing = _listing(("111111111111", "dev", ("Admin",)))
    plan = plan_populate(tmp_path / "config", session, listing, settings)
    block = plan.new_text[len(session) :]
    assert "# idc: this session's sign-in is in the OS keychain" in block
    assert "[profile dev.Admin]\nsso_session = org\nidc_sso_account_id = 111111111111\n" in block
    assert "idc_sso_role_name = Admin\ncredential_process = idc credentials --profile dev.Admin\n" in block
    assert "\nsso_account_id" not in block and "-cp]" not in block
    sso = AwsConfig(parse_config_text(plan.new_text, source="config")).resolve_sso("dev.Admin")
    assert (sso.account_id, sso.role_name, sso.token_storage) == ("111111111111", "Admin", "keychain")
    again = plan_populate(tmp_path / "config", plan.new_text, listing, settings)
    assert again.new_text == plan.new_text and again.unchanged == 1
