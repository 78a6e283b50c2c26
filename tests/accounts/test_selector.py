"""The account/role picker, driven the way a user drives it: in a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pexpect
import pytest

from idc.accounts.selector import Choice, filter_choices, select
from idc.errors import ConfigError

# A picker over 1,200 accounts in a child process; it prints what was picked on its last line.
PICKER = textwrap.dedent(
    """
    from idc.accounts.selector import Choice, select
    choices = [
        Choice(
            f"{i:012d}  account-{i:04d}  (owner{i}@example.com)",
            f"{i:012d}",
            search_text=f"{i:012d} account-{i:04d} owner{i}@example.com",
        )
        for i in range(1200)
    ]
    picked = select("Account:", choices)
    print("PICKED=" + picked.value)
    """
)

ACCOUNTS = [
    Choice("111111111111 Payments-Prod", "111111111111", "111111111111 Payments-Prod pay@example.com"),
    Choice("222222222222 payments-dev", "222222222222", "222222222222 payments-dev dev@example.com"),
    Choice("333333333333 Sandbox", "333333333333", "333333333333 Sandbox sandbox@corp.example"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["111111111111", "222222222222", "333333333333"], id="empty-shows-all"),
        pytest.param("PAYMENTS", ["111111111111", "222222222222"], id="case-insensitive-name"),
        pytest.param("2222", ["222222222222"], id="account-id-substring"),
        pytest.param("corp.example", ["333333333333"], id="email"),
        pytest.param("pay prod", ["111111111111"], id="all-words-must-match"),
        pytest.param("nothing-like-this", [], id="no-match"),
    ],
)
def test_filter_matches_id_name_email(query: str, expected: list[str]) -> None:
    assert [c.value for c in filter_choices(ACCOUNTS, query)] == expected


def _spawn_picker() -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-c", PICKER], dimensions=(30, 100), encoding="utf-8", timeout=20)
    child.expect("Filter:")
    return child


def test_typing_filters_and_enter_picks_in_a_terminal() -> None:
    child = _spawn_picker()
    child.expect("1/1200 of 1200")
    child.send("ACCOUNT-0777")
    child.send("\r")  # keys are handled in order: Enter sees the filtered list
    child.expect("PICKED=(\\d+)")
    assert child.match.group(1) == "000000000777"
    child.expect(pexpect.EOF)


def test_arrows_move_within_the_filtered_list() -> None:
    child = _spawn_picker()
    # owner10, owner100..owner109, owner1000..owner1099: 111 matches, in list order
    # The renderer redraws only what changed; a highlight change restyles the whole row ("> " + id).
    child.send("owner10")
    child.send("\x1b[B")  # down
    child.expect("> 000000000100")
    child.send("\x1b[B")
    child.expect("> 000000000101")
    child.send("\x1b[A")  # up
    child.expect("> 000000000100")
    child.send("\r")
    child.expect("PICKED=(\\d+)")
    assert child.match.group(1) == "000000000100"
    child.expect(pexpect.EOF)


def test_ctrl_c_aborts_without_a_pick() -> None:
    child = _spawn_picker()
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    assert "PICKED" not in (child.before or "")
    child.close()
    assert child.exitstatus != 0


def test_not_a_terminal_falls_back_to_a_numbered_prompt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PICKER], input="account-0042\n", capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "1200) 000000001199" in result.stdout
    assert result.stdout.strip().endswith("PICKED=000000000042")


def test_numbered_prompt_narrows_then_takes_a_number() -> None:
    out = io.StringIO()
    answers = io.StringIO("payments\n2\n")
    picked = select("Account:", ACCOUNTS, interactive=False, stdin=answers, stdout=out)
    assert picked.value == "222222222222"
    text = out.getvalue()
    assert "Nothing matches" not in text
    assert "  2) 222222222222 payments-dev" in text


def test_numbered_prompt_says_when_nothing_matches_and_fails_on_eof() -> None:
    out = io.StringIO()
    with pytest.raises(ConfigError, match="no choice was made"):
        select("Account:", ACCOUNTS, interactive=False, stdin=io.StringIO("zzz\n"), stdout=out)
    assert "Nothing matches 'zzz'." in out.getvalue()


def test_nothing_to_choose_from_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="nothing to choose from"):
        select("Role:", [], interactive=False)
