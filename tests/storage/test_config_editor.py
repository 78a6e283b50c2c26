"""idc.config.editor: byte-exact edits of a real-world-shaped config (catalogue 23), atomic saves that
leave the old or the new file (catalogue 24), values with line breaks refused without being echoed."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import botocore.configloader
import pytest

from idc.config.editor import ConfigEditor
from idc.errors import ConfigError

START = "https://d-0000000000.awsapps.com/start"

BEFORE = f"""# ~/.aws/config of a platform team -- hand edited, keep the comments!
[default]
region = eu-west-1
output = json

; --- SSO ---
[sso-session corp]
sso_start_url = {START}
sso_region = ap-northeast-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region=eu-west-1
s3 =
    max_concurrent_requests = 20
    # tuned for the build farm
    addressing_style = path

# production: read only
[profile prod]
sso_session=corp
sso_account_id : 222222222222
sso_role_name = ReadOnly
  # indented comment

[profile "team shared"]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Admin

[services local]
s3 =
  endpoint_url = http://127.0.0.1:5000
sts =
  endpoint_url = http://127.0.0.1:5001

[profile ci]
services = local
credential_process = /usr/local/bin/idc credentials --profile dev
[profile  dev]
sso_session = corp
sso_account_id = 444444444444
sso_role_name = Developer
"""


def edit(text: str, newline: str, action) -> str:  # type: ignore[no-untyped-def]
    editor = ConfigEditor.from_text("config", text.replace("\n", newline))
    action(editor)
    return editor.text()


def changed_lines(before: str, after: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
        if line[:1] in "+-"
    ]


GOLDEN = {
    "set-existing-keys-in-place": (
        lambda e: e.set_section(
            "profile", "prod", {"sso_role_name": "PowerUser", "sso_account_id": "555555555555"}
        ),
        BEFORE.replace("sso_account_id : 222222222222", "sso_account_id : 555555555555").replace(
            "sso_role_name = ReadOnly", "sso_role_name = PowerUser"
        ),
    ),
    "add-key-after-last-setting": (
        lambda e: e.set_section("profile", "prod", {"region": "us-west-2"}),
        BEFORE.replace(
            "sso_role_name = ReadOnly\n  # indented comment\n",
            "sso_role_name = ReadOnly\nregion = us-west-2\n  # indented comment\n",
        ),
    ),
    "key-after-nested-block": (
        # [profile dev] appears twice: botocore reads the last one, so that one is edited
        lambda e: e.set_section("profile", "dev", {"output": "text"}),
        BEFORE + "output = text\n",
    ),
    "set-keeps-no-space-style": (
        lambda e: e.set_section("sso-session", "corp", {"sso_region": "us-east-1"}),
        BEFORE.replace("sso_region = ap-northeast-1", "sso_region = us-east-1"),
    ),
    "quoted-name": (
        lambda e: e.set_section("profile", "team shared", {"sso_role_name": "Owner"}),
        BEFORE.replace("sso_role_name = Admin", "sso_role_name = Owner"),
    ),
    "remove-key": (
        lambda e: e.set_section("default", "default", {"output": None}),
        BEFORE.replace("output = json\n", "", 1),
    ),
    "append-new-section": (
        lambda e: e.set_section(
            "profile",
            "AdministratorAccess-123456789012",
            {"sso_session": "corp", "sso_account_id": "123456789012", "sso_role_name": "AdministratorAccess"},
        ),
        BEFORE
        + "\n[profile AdministratorAccess-123456789012]\nsso_session = corp\n"
        + "sso_account_id = 123456789012\nsso_role_name = AdministratorAccess\n",
    ),
    "append-new-session": (
        lambda e: e.set_section(
            "sso-session",
            "other",
            {"sso_start_url": "https://x.awsapps.com/start", "sso_region": "us-east-1"},
        ),
        BEFORE
        + "\n[sso-session other]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
    ),
    "remove-section-keeps-next-comment": (
        lambda e: e.remove_section("profile", "prod"),
        BEFORE.replace(
            "[profile prod]\nsso_session=corp\nsso_account_id : 222222222222\nsso_role_name = ReadOnly\n", ""
        ),
    ),
    "remove-services": (
        lambda e: e.remove_section("services", "local"),
        BEFORE.replace(
            "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:5000\nsts =\n"
            "  endpoint_url = http://127.0.0.1:5001\n\n",
            "",
        ),
    ),
    "remove-both-duplicates": (
        lambda e: e.remove_section("profile", "dev"),
        BEFORE.replace(
            "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
            "region=eu-west-1\ns3 =\n    max_concurrent_requests = 20\n    # tuned for the build farm\n"
            "    addressing_style = path\n\n",
            "",
        ).replace(
            "credential_process = /usr/local/bin/idc credentials --profile dev\n"
            "[profile  dev]\nsso_session = corp\n"
            "sso_account_id = 444444444444\nsso_role_name = Developer\n",
            "credential_process = /usr/local/bin/idc credentials --profile dev\n",
        ),
    ),
    "block-appended": (
        lambda e: e.replace_block("idc managed profiles", "[profile a]\nsso_session = corp\n"),
        BEFORE
        + "\n# BEGIN idc managed profiles\n[profile a]\nsso_session = corp\n# END idc managed profiles\n",
    ),
}


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", list(GOLDEN))
def test_golden_edits(case: str, newline: str) -> None:
    action, expected = GOLDEN[case]
    assert edit(BEFORE, newline, action) == expected.replace("\n", newline)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_missing_final_newline_is_kept(newline: str) -> None:
    before = BEFORE.rstrip("\n")
    after = edit(before, newline, lambda e: e.set_section("profile", "dev", {"output": "text"}))
    assert after == (before + "\noutput = text").replace("\n", newline)
    after = edit(before, newline, lambda e: e.set_section("profile", "dev", {"sso_role_name": "X"}))
    assert after == before.replace("Developer", "X").replace(
        "sso_role_name = X", "sso_role_name = Developer", 1
    ).replace("\n", newline)


def test_block_replaced_in_place_and_everything_else_kept() -> None:
    text = BEFORE.replace(
        "[services local]",
        "# BEGIN idc managed profiles\n[profile old]\nsso_session = corp\n"
        "# END idc managed profiles\n\n[services local]",
    )
    editor = ConfigEditor.from_text("config", text)
    editor.replace_block(
        "idc managed profiles", "[profile new1]\nsso_session = corp\n\n[profile new2]\nsso_session = corp\n"
    )
    assert editor.text() == text.replace(
        "[profile old]\nsso_session = corp\n",
        "[profile new1]\nsso_session = corp\n\n[profile new2]\nsso_session = corp\n",
    )
    editor.replace_block("idc managed profiles", "")
    assert "# BEGIN idc managed profiles\n# END idc managed profiles\n" in editor.text()


def test_block_without_end_is_refused_and_nothing_changes() -> None:
    text = BEFORE + "# BEGIN idc managed profiles\n[profile x]\nsso_session = corp\n"
    editor = ConfigEditor.from_text("config", text)
    with pytest.raises(ConfigError, match="no '# END idc managed profiles' line"):
        editor.replace_block("idc managed profiles", "[profile y]\nsso_session = corp\n")
    assert editor.text() == text


def test_block_creating_a_duplicate_section_is_refused_and_rolled_back() -> None:
    editor = ConfigEditor.from_text("config", BEFORE)
    with pytest.raises(ConfigError, match="appears twice"):
        editor.replace_block("m", "[profile prod]\nsso_session = corp\n")
    assert editor.text() == BEFORE


def test_untouched_sections_read_the_same_by_botocore(tmp_path: Path) -> None:
    """Random edits on the real-world file: only the target lines change, botocore sees the rest as before."""
    rng = random.Random(7)
    path = tmp_path / "config"
    path.write_text(BEFORE)
    before_view = botocore.configloader.load_config(str(path))
    for round_ in range(60):
        editor = ConfigEditor.from_text(path, BEFORE)
        kind, name = rng.choice(
            [
                ("profile", "prod"),
                ("profile", "team shared"),
                ("sso-session", "corp"),
                ("profile", "new"),
                ("default", "default"),
            ]
        )
        values = {
            rng.choice(["region", "output", "sso_role_name", "cli_pager"]): rng.choice(
                ["x1", "", "a b", None]
            )
        }
        editor.set_section(kind, name, values)
        path.write_text(editor.text())
        view = botocore.configloader.load_config(str(path))
        bucket = "sso_sessions" if kind == "sso-session" else "profiles"
        for other_bucket in ("profiles", "sso_sessions", "services"):
            for other, other_values in before_view[other_bucket].items():
                if (other_bucket, other) != (bucket, name):
                    assert view[other_bucket][other] == other_values, (round_, other)
        target = view[bucket][name]
        for key, value in values.items():
            assert target.get(key) == value
        changed = changed_lines(BEFORE, editor.text())
        assert len(changed) <= 3, changed


@pytest.mark.parametrize("value", ["line1\nline2", "x\r", "a\x0bb", "a\u2028b", "\x00", "a\x1bb"])
def test_values_with_line_breaks_refused_without_echo(value: str) -> None:
    editor = ConfigEditor.from_text("config", BEFORE)
    with pytest.raises(ConfigError) as info:
        editor.set_section("profile", "prod", {"sso_role_name": value})
    assert "sso_role_name" in info.value.message
    assert value not in str(info.value) and value.strip() not in str(info.value).replace("sso_role_name", "")
    assert editor.text() == BEFORE


@pytest.mark.parametrize(
    "name", ["a]b", "x\ny", "[x", 'q"uote', "back\\slash", " lead", "trail ", "", "#c", "a=b", "ctl\x01"]
)
def test_bad_section_names_refused(name: str) -> None:
    editor = ConfigEditor.from_text("config", BEFORE)
    with pytest.raises(ConfigError) as info:
        editor.set_section("profile", name, {"region": "us-east-1"})
    if "\n" in name or "\x01" in name:
        assert name not in str(info.value)
    assert editor.text() == BEFORE


@pytest.mark.parametrize("key", ["Region", "a b", "a=b", "", "k\n"])
def test_bad_keys_refused(key: str) -> None:
    with pytest.raises(ConfigError):
        ConfigEditor.from_text("config", BEFORE).set_section("profile", "prod", {key: "v"})


def test_name_with_spaces_is_quoted_and_read_back_by_botocore(tmp_path: Path) -> None:
    path = tmp_path / "config"
    editor = ConfigEditor(path)
    editor.set_section("profile", "my team", {"region": "us-east-1"})
    editor.set_section("default", "default", {"region": "eu-west-1"})
    editor.save()
    assert path.read_text() == '[profile "my team"]\nregion = us-east-1\n\n[default]\nregion = eu-west-1\n'
    assert botocore.configloader.load_config(str(path))["profiles"] == {
        "my team": {"region": "us-east-1"},
        "default": {"region": "eu-west-1"},
    }


def test_save_is_atomic_keeps_mode_and_follows_a_symlinked_config(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "aws-config"
    real.write_text(BEFORE)
    real.chmod(0o640)
    link = tmp_path / "config"
    link.symlink_to(real)
    editor = ConfigEditor(link)
    editor.set_section("profile", "prod", {"region": "us-west-2"})
    assert editor.save() is True
    assert link.is_symlink()
    assert "region = us-west-2" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in dotfiles.iterdir()) == ["aws-config"]
    assert editor.save() is False  # nothing new to write


def test_new_config_file_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "aws" / "config"
    editor = ConfigEditor(path)
    editor.set_section("profile", "p", {"region": "us-east-1"})
    editor.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_concurrent_change_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(BEFORE)
    editor = ConfigEditor(path)
    editor.set_section("profile", "prod", {"region": "us-west-2"})
    path.write_text(BEFORE + "[profile other]\nregion = x\n")
    with pytest.raises(ConfigError, match="changed while idc was editing it"):
        editor.save()
    assert path.read_text().endswith("[profile other]\nregion = x\n")


def test_unparseable_file_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[default]\nregion = a\nregion = b\n")
    with pytest.raises(ConfigError) as info:
        ConfigEditor(path)
    assert "line 3" in info.value.message and str(path) in info.value.message


def test_non_utf8_bytes_survive(tmp_path: Path) -> None:
    path = tmp_path / "config"
    raw = b"# caf\xe9 latin-1 comment\r\n[default]\r\nregion = a\r\n"
    path.write_bytes(raw)
    editor = ConfigEditor(path)
    editor.set_section("default", "default", {"region": "b"})
    editor.save()
    assert path.read_bytes() == raw.replace(b"region = a", b"region = b")


def test_full_disk_leaves_the_old_config(tmp_path: Path) -> None:
    """Catalogue 24: a write that fails part-way (RLIMIT_FSIZE, like ENOSPC) leaves the old file whole."""
    path = tmp_path / "config"
    path.write_text(BEFORE)
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from idc.config.editor import ConfigEditor
        from idc.errors import CacheError
        editor = ConfigEditor({str(path)!r})
        editor.set_section("profile", "big", {{"x": "y" * 5000}})
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
        try:
            editor.save()
        except CacheError as exc:  # exit 7: the file cannot be written, as for configure's check
            print(exc)
            sys.exit(7)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 7, result.stderr
    assert str(path) in result.stdout and "Nothing was changed" in result.stdout
    assert path.read_text() == BEFORE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_kill_during_save_leaves_old_or_new(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(BEFORE)
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from idc.config.editor import ConfigEditor
        def stop(src, dst):
            print("written", flush=True)
            time.sleep(60)
        os.replace = stop
        editor = ConfigEditor({str(path)!r})
        editor.set_section("profile", "prod", {{"region": "us-west-2"}})
        editor.save()
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline() == "written\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert path.read_text() == BEFORE
    editor = ConfigEditor(path)
    editor.set_section("profile", "prod", {"region": "us-west-2"})
    editor.save()
    assert "region = us-west-2" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]
    assert os.stat(path).st_size > len(BEFORE)


def test_removing_a_key_inherited_from_default_is_explained() -> None:
    text = "[DEFAULT]\noutput = json\n[profile a]\noutput = text\n"
    editor = ConfigEditor.from_text("config", text)
    with pytest.raises(ConfigError, match=r"output comes from the \[DEFAULT\] section"):
        editor.set_section("profile", "a", {"output": None})
    assert editor.text() == text
    editor.set_section("profile", "a", {"output": "yaml"})
    assert editor.text() == text.replace("output = text", "output = yaml")


def test_one_line_changes_in_a_config_of_500_profiles(tmp_path: Path) -> None:
    """Many profiles, comments and nested blocks: setting one value changes exactly one line."""
    parts = [BEFORE]
    for i in range(500):
        parts.append(
            f"\n# account {i:03d}\n[profile acct-{i:03d}]\nsso_session = corp\n"
            f"sso_account_id = {100000000000 + i}\nsso_role_name = Role{i % 7}\n"
            + ("s3 =\n  addressing_style = virtual\n" if i % 5 == 0 else "")
        )
    text = "".join(parts)
    for newline in ("\n", "\r\n"):
        path = tmp_path / "config"
        path.write_bytes(text.replace("\n", newline).encode())
        editor = ConfigEditor(path)
        editor.set_section("profile", "acct-250", {"sso_role_name": "Changed"})
        editor.save()
        after = path.read_bytes().decode()
        assert after == text.replace(
            "sso_role_name = Role5\ns3 =\n  addressing_style = virtual\n\n# account 251",
            "sso_role_name = Changed\ns3 =\n  addressing_style = virtual\n\n# account 251",
        ).replace("\n", newline)
        assert (
            botocore.configloader.load_config(str(path))["profiles"]["acct-250"]["sso_role_name"] == "Changed"
        )


HOLD_CONFIG_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(0.5)
if sys.argv[2] == "rewrite":  # another idc writer: replaces the file, then its lock goes with the old inode
    from idc.storage import fileio
    data = open(sys.argv[1], "rb").read() + b"[profile other]\\n"
    fileio.atomic_write_bytes(sys.argv[1], data, private_dir=False)
"""


@pytest.mark.parametrize("other", ["waits", "rewrite"])
def test_concurrent_idc_writers_never_lose_an_update(tmp_path: Path, other: str) -> None:
    path = tmp_path / "config"
    path.write_text(BEFORE)
    editor = ConfigEditor(path)
    editor.set_section("profile", "prod", {"region": "us-west-2"})
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_CONFIG_LOCK, str(path), other], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    try:
        if other == "waits":
            assert editor.save() is True  # waited for the lock, file unchanged: written
            assert "region = us-west-2" in path.read_text()
        else:
            with pytest.raises(ConfigError, match="changed while idc was editing it"):
                editor.save()
            assert path.read_text() == BEFORE + "[profile other]\n"
    finally:
        holder.wait(timeout=30)


def test_lock_wait_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(BEFORE)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_CONFIG_LOCK.replace("0.5", "10"), str(path), "waits"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    try:
        editor = ConfigEditor(path)
        editor.set_section("profile", "prod", {"region": "us-west-2"})
        with pytest.raises(ConfigError, match=r"Timed out after 0\.3 s"):
            editor.save(lock_timeout=0.3)
        assert path.read_text() == BEFORE
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_set_comment_keeps_one_marked_line_under_the_header(newline: str) -> None:
    text = "[profile a]\nregion = eu-west-1\n# user's note\n\n[profile b]\nregion = us-east-1\n"
    editor = ConfigEditor.from_text("config", text.replace("\n", newline))
    editor.set_comment("profile", "a", "idc:", "first")
    editor.set_comment("profile", "a", "idc:", "second")  # replaces, never stacks
    expected = (
        "[profile a]\n# idc: second\nregion = eu-west-1\n# user's note\n\n[profile b]\nregion = us-east-1\n"
    )
    assert editor.text() == expected.replace("\n", newline)
    assert editor.section_values("profile", "a") == {"region": "eu-west-1"}
    editor.set_comment("profile", "a", "idc:", None)
    editor.set_comment("profile", "missing", "idc:", "ignored")
    assert editor.text() == text.replace("\n", newline)
