"""idc.storage.fileio: atomic writes, private permissions, symlinks never followed, missing vs corrupt.

Catalogue items 4, 6, 7 and 8."""

from __future__ import annotations

import json
import math
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from idc.errors import CacheError
from idc.storage import fileio


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def umask_000():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "a.json"
    fileio.atomic_write_json(target, {"b": 1, "a": "x"})
    # botocore's JSONFileCache writes json.dumps with default separators, keys in insertion order
    assert target.read_bytes() == b'{"b": 1, "a": "x"}'
    assert fileio.read_json(target) == {"b": 1, "a": "x"}


def test_missing_file_is_none(tmp_path: Path) -> None:
    assert fileio.read_json(tmp_path / "nope.json") is None
    assert fileio.read_json(tmp_path / "no-dir" / "nope.json") is None
    assert fileio.read_bytes(tmp_path / "nope.json") is None


@pytest.mark.parametrize(
    ("content", "what"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b"  \n", "is empty", id="blank"),
        pytest.param(b'{"accessToken": "abc', "not valid JSON", id="partial"),
        pytest.param(b"\xff\xfe{}", "not valid JSON", id="not-utf8"),
        pytest.param(b"[1, 2]", "does not hold a JSON object", id="array"),
        pytest.param(b'{"a": 1} {"b": 2}', "not valid JSON", id="two-objects"),
        pytest.param(b"\xef\xbb\xbf{}", "not valid JSON", id="bom"),
        pytest.param(b'{"a": "\x01"}', "not valid JSON", id="control-char"),
        pytest.param(b'{"a": ' * 100_000, "not valid JSON", id="deep-nesting"),
    ],
)
def test_corrupt_file_names_the_file_and_the_fix(tmp_path: Path, content: bytes, what: str) -> None:
    target = tmp_path / "bad.json"
    target.write_bytes(content)
    with pytest.raises(CacheError) as info:
        fileio.read_json(target, hint="Run `idc login --profile dev` to sign in again.")
    assert str(target) in info.value.message
    assert what in info.value.message
    assert info.value.hint == "Run `idc login --profile dev` to sign in again."
    assert fileio.read_json_or_none(target) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '  {"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "\\u00e9\\n"}}\n\t ',
        '{"n": NaN, "i": Infinity, "m": -Infinity}',
        '{"big": 123456789012345678901234567890}',
        '{"dup": 1, "dup": 2}',
        '{"s": "caf\u00e9 \\ud83d\\ude00 \u00e9"}',
    ],
)
def test_json_reader_agrees_with_json_loads(tmp_path: Path, text: str) -> None:
    target = tmp_path / "x.json"
    target.write_text(text, encoding="utf-8")
    got = fileio.read_json(target)
    want = json.loads(text)
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)
    if "NaN" in text:
        assert got is not None and math.isnan(got["n"])  # type: ignore[arg-type]


def test_umask_000_files_0600_dirs_0700(tmp_path: Path, umask_000: None) -> None:
    target = tmp_path / "new" / "deeper" / "t.json"
    fileio.atomic_write_json(target, {"a": 1})
    assert mode_of(target) == 0o600
    assert mode_of(target.parent) == 0o700
    assert mode_of(target.parent.parent) == 0o700


def test_existing_0644_file_and_0755_dir_are_tightened(tmp_path: Path, umask_000: None) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    target = directory / "t.json"
    target.write_text("{}")
    target.chmod(0o644)
    fileio.atomic_write_json(target, {"a": 1})
    assert mode_of(target) == 0o600
    assert mode_of(directory) == 0o700


def test_public_mode_is_exact_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        target = tmp_path / "config"
        fileio.atomic_write_bytes(target, b"[default]\n", mode=0o644, private_dir=False)
    finally:
        os.umask(old)
    assert mode_of(target) == 0o644


def test_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    link = cache / "token.json"
    link.symlink_to(victim)

    with pytest.raises(CacheError) as info:
        fileio.read_json(link)
    assert str(link) in info.value.message
    assert "symbolic link" in info.value.message
    assert fileio.read_json_or_none(link) is None

    fileio.atomic_write_json(link, {"accessToken": "new"})
    assert victim.read_text() == "precious"
    assert mode_of(victim) == 0o644
    assert not link.is_symlink()
    assert json.loads(link.read_text()) == {"accessToken": "new"}


def test_dangling_symlink_and_removal(tmp_path: Path) -> None:
    link = tmp_path / "t.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(CacheError):
        fileio.read_json(link)
    assert not (tmp_path / "elsewhere.json").exists()
    victim = tmp_path / "victim"
    victim.write_text("x")
    link2 = tmp_path / "u.json"
    link2.symlink_to(victim)
    assert fileio.remove_file(link2) is True
    assert victim.read_text() == "x"
    assert fileio.remove_file(link2) is False


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "t.json"
    os.mkfifo(fifo)
    with pytest.raises(CacheError, match="not a regular file"):
        fileio.read_json(fifo)


def test_failed_write_keeps_old_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    fileio.atomic_write_json(target, {"v": "old"})

    class Boom:
        pass

    with pytest.raises(TypeError):
        fileio.atomic_write_json(target, {"v": Boom()})
    assert json.loads(target.read_text()) == {"v": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_full_disk_keeps_old_content(tmp_path: Path) -> None:
    """A write that fails part-way (file size limit: EFBIG, like ENOSPC) leaves the old file and no temp."""
    target = tmp_path / "t.json"
    fileio.atomic_write_json(target, {"v": "old"})
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))
        from idc.storage import fileio
        from idc.errors import CacheError
        try:
            fileio.atomic_write_json({str(target)!r}, {{"v": "x" * 1000}})
        except CacheError as exc:
            print(exc.message)
            sys.exit(3)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 3, result.stderr
    assert str(target) in result.stdout
    assert json.loads(target.read_text()) == {"v": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


KILL_BETWEEN_WRITE_AND_RENAME = """
import os, sys, time
from idc.storage import fileio
real_replace = os.replace
def stop_before_rename(src, dst):
    sys.stdout.write("written\\n"); sys.stdout.flush()
    time.sleep(60)
os.replace = stop_before_rename
fileio.atomic_write_json(sys.argv[1], {"v": "new"})
"""


def test_kill_between_write_and_rename_leaves_old_and_no_temp(tmp_path: Path) -> None:
    """Catalogue 4: SIGKILL after the temp file is written and fsynced, before the rename."""
    target = tmp_path / "cache" / "t.json"
    fileio.atomic_write_json(target, {"v": "old"})
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_BETWEEN_WRITE_AND_RENAME, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "written\n"
    temps = [p for p in target.parent.iterdir() if p.name != "t.json"]
    assert len(temps) == 1 and temps[0].name.startswith(".t.json.")  # the child's fsynced temp file
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert fileio.read_json(target) == {"v": "old"}
    # the next write sweeps the dead writer's temp file and lands the new content
    fileio.atomic_write_json(target, {"v": "newer"})
    assert fileio.read_json(target) == {"v": "newer"}
    assert [p.name for p in target.parent.iterdir()] == ["t.json"]


def test_temp_files_of_live_writers_are_not_swept(tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    live = tmp_path / f".t.json.{os.getpid()}.abc.tmp"
    live.write_text("{}")
    dead = tmp_path / ".t.json.999999999.abc.tmp"
    dead.write_text("{}")
    other = tmp_path / ".other.json.999999999.abc.tmp"
    other.write_text("{}")
    fileio.atomic_write_json(target, {})
    assert live.exists() and other.exists() and not dead.exists()


def test_not_a_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("")
    with pytest.raises(CacheError, match="not a directory"):
        fileio.ensure_private_dir(blocker)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="Linux /proc: mkdir fails there even for root")
def test_a_directory_that_cannot_be_created_is_a_cache_error() -> None:
    """A read-only ~/.aws (or one without write permission): one CacheError line, not a bare OSError."""
    with pytest.raises(CacheError, match=r"Cannot create the directory /proc/idc-test-\d+: ") as caught:
        fileio.ensure_private_dir(f"/proc/idc-test-{os.getpid()}/locks")
    assert "writable" in str(caught.value)


def test_a_dangling_symlink_in_place_of_a_directory_is_a_cache_error(tmp_path: Path) -> None:
    (tmp_path / "locks").symlink_to(tmp_path / "gone" / "locks")
    with pytest.raises(CacheError, match="Cannot use the directory"):
        fileio.ensure_private_dir(tmp_path / "locks" / "token")
    assert not (tmp_path / "gone").exists()


READER = """
import os, sys
from idc.storage import fileio
from idc.errors import CacheError
target, done = sys.argv[1], sys.argv[2]
reads = errors = 0
while True:
    finished = os.path.exists(done)
    try:
        data = fileio.read_json(target)
        if data is not None:
            if data["pad"] != "x" * (data["n"] % 700):
                errors += 1
            reads += 1
    except (CacheError, KeyError):
        errors += 1
    if finished:
        break
print(reads, errors)
"""


@pytest.mark.slow
def test_1000_rewrites_under_20_readers_zero_parse_errors(tmp_path: Path) -> None:
    """Catalogue 5 (botocore #3213): readers never see a partial file."""
    target = tmp_path / "cache" / "t.json"
    done = tmp_path / "done"
    fileio.atomic_write_json(target, {"n": 0, "pad": ""})
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(target), str(done)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(20)
    ]
    try:
        for n in range(1, 1001):
            fileio.atomic_write_json(target, {"n": n, "pad": "x" * (n % 700)})
    finally:
        done.touch()
    results = [tuple(map(int, r.communicate(timeout=120)[0].split())) for r in readers]
    assert all(r.returncode == 0 for r in readers)
    assert sum(reads for reads, _ in results) > 0
    assert [errors for _, errors in results] == [0] * 20
    assert fileio.read_json(target) == {"n": 1000, "pad": "x" * 300}
    assert [p.name for p in target.parent.iterdir()] == ["t.json"]


def test_corrupt_json_in_a_fresh_process_without_json_imported(tmp_path: Path) -> None:
    """The hot path reads without importing json; bad JSON must still be a CacheError there."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"accessToken": "x", "expiresAt": }')
    good = tmp_path / "good.json"
    good.write_text('{"a": [1, {"b": null}]}')
    script = textwrap.dedent(
        f"""
        import sys
        from idc.storage import fileio
        assert "json" not in sys.modules
        print(fileio.read_json({str(good)!r}))
        try:
            fileio.read_json({str(bad)!r})
        except Exception as exc:
            print(type(exc).__name__, exc.message)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'a': [1, {'b': None}]}",
        f"CacheError The cache file {bad} is not valid JSON.",
    ]
