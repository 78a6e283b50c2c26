"""The device flow's QR code: drawn in a real terminal (pexpect), read back into modules, compared with
the encoder's own matrix of the URL the terminal printed; absent when piped, with --no-qr or IDC_NO_QR=1.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pexpect
import pytest
import segno

from idc.emulator.page_approver import PageApprover
from story.helpers import command

from .conftest import SignInWorld, session_config

SSH = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22", "PYTHONUNBUFFERED": "1"}
COMPLETE_URL_LINE = (
    "Alternatively, you may visit the following URL which will autofill the code upon loading:"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# glyph -> (upper module dark, lower module dark): the inverse of idc.signin.qr's drawing
_GLYPH_MODULES = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}
BLACK_ON_WHITE = "\x1b[38;5;16;48;5;231m"


def modules_from_terminal(lines: list[str]) -> list[list[bool]]:
    """The QR symbol's modules as the terminal shows them (half blocks: two module rows per line)."""
    rows: list[list[bool]] = []
    for line in lines:
        glyphs = _ANSI.sub("", line)
        pairs = [_GLYPH_MODULES[glyph] for glyph in glyphs]
        rows.append([upper for upper, _ in pairs])
        rows.append([lower for _, lower in pairs])
    return rows


def without_quiet_zone(rows: list[list[bool]]) -> list[list[bool]]:
    """The symbol inside its light border; the border must be light all round and at least 2 modules."""
    dark_rows = [i for i, row in enumerate(rows) if any(row)]
    dark_cols = [j for j in range(len(rows[0])) if any(row[j] for row in rows)]
    top, bottom, left, right = dark_rows[0], dark_rows[-1], dark_cols[0], dark_cols[-1]
    assert top >= 2 and left >= 2 and len(rows[0]) - 1 - right >= 2 and len(rows) - 1 - bottom >= 2
    return [row[left : right + 1] for row in rows[top : bottom + 1]]


def _spawn(world: SignInWorld, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    return pexpect.spawn(
        command("idc"),
        ["login", "--profile", "dev", *args],
        env=env or {**world.env, **SSH},
        encoding="utf-8",
        timeout=30,
        dimensions=(60, 120),
    )


def test_the_terminal_shows_a_qr_code_of_the_url(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    child = _spawn(world)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect(r"Then enter the code:\r\n\r\n([A-Z]{4}-[A-Z]{4})\r\n")
    user_code = child.match.group(1)
    child.expect_exact(COMPLETE_URL_LINE)
    child.expect(r"(http://\S+)\r\n")
    url = child.match.group(1)
    child.expect_exact("Or scan this QR code with your phone:")

    # The user scans it, compares the code the page shows with the terminal's, and approves.
    approver = PageApprover(user_code=user_code)
    approver(url)
    approver.wait()
    child.expect_exact(f"Successfully logged into Start URL: {world.emulator.start_url}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    after = transcript.getvalue().split("Or scan this QR code with your phone:\r\n\r\n", 1)[1]
    drawn = re.match(r"((?:\x1b\[[0-9;]*m[ ▀▄█]+\x1b\[0m\r\n)+)", after)
    assert drawn is not None
    lines = drawn.group(1).split("\r\n")[:-1]
    # Both colours are set on every line, so the code reads the same on dark and light terminals.
    assert all(line.startswith(BLACK_ON_WHITE) and line.endswith("\x1b[0m") for line in lines)
    symbol = without_quiet_zone(modules_from_terminal(lines))
    encoded = segno.make(url, micro=False)
    assert symbol == [[module == 1 for module in row] for row in encoded.matrix]
    assert len(lines) == (len(encoded.matrix) + 4 + 1) // 2  # compact: two module rows per line
    assert "request_uri=" in url and user_code not in url  # the code is only on the terminal


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--no-qr"], {}), ([], {"IDC_NO_QR": "1"})],
    ids=["--no-qr", "IDC_NO_QR=1"],
)
def test_no_qr_when_turned_off(world: SignInWorld, args: list[str], env: dict[str, str]) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    child = _spawn(world, *args, env={**world.env, **SSH, **env})
    child.expect_exact(COMPLETE_URL_LINE)
    child.expect(r"(http://\S+)\r\n")
    # Nothing follows the URL until the sign-in ends: stop it here.
    index = child.expect([r"scan this QR", pexpect.TIMEOUT], timeout=2)
    child.sendintr()
    child.expect(pexpect.EOF)
    assert index == 1
    assert "▀" not in (child.before or "") and "\x1b[38;5;16" not in (child.before or "")


def test_no_qr_when_piped(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "login", "--profile", "dev"],
        env={**world.env, **SSH},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    code = ""
    for line in process.stdout:
        lines.append(line)
        if re.fullmatch(r"[A-Z]{4}-[A-Z]{4}\n", line):
            code = line.strip()
        if lines[-2:-1] == [COMPLETE_URL_LINE + "\n"]:
            approver = PageApprover(user_code=code)
            approver(line.strip())
            approver.wait()
            break
    rest, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    text = "".join(lines) + rest
    assert "QR" not in text and "\x1b[" not in text and "▀" not in text
    assert text.rstrip().endswith(world.emulator.start_url)
