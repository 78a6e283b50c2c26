"""``idc demo``: the README's first command runs the whole story, in a throwaway HOME, and fails loudly."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from idc.demo.story import run_demo
from idc.demo.transcript import DemoFailed
from idc.emulator.page_approver import PageApprover
from idc.errors import ExitStatus
from story.helpers import child_env, command

pytestmark = pytest.mark.timeout(120)


def test_idc_demo_runs_the_whole_story_and_leaves_home_alone(aws_home: Any, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = child_env(aws_home.env, {"TMPDIR": str(scratch)})
    started = time.monotonic()
    done = subprocess.run(
        [command("idc"), "demo"], env=env, capture_output=True, text=True, timeout=110, check=False
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for seen in [
        "SSO session name (Recommended): my-sso",
        "The only AWS account available to you is: 123456789012",
        'Using the role name "AdministratorAccess"',
        "Successfully logged into Start URL: https://d-0000000000.awsapps.com/start",
        "123456789012  sandbox      AdministratorAccess",
        ":assumed-role/AWSReservedSSO_AdministratorAccess_",
        "botocore, its own AssumeRole provider: arn:aws:sts::123456789012:assumed-role/Deployer/",
        "The SSO session associated with this profile has expired or is otherwise invalid.",
        "Run `idc login --profile AdministratorAccess-123456789012` to sign in again.",
        "$ idc whoami --profile AdministratorAccess-123456789012",
        "(role credentials cached before the session ended work until they expire)",
        "All 9 steps worked",
    ]:
        assert seen in out, (seen, out)
    assert out.count("✓") == 9
    # the user's ~/.aws saw nothing, and the throwaway HOME is gone
    assert list((aws_home.home / ".aws").iterdir()) == []
    assert list(scratch.iterdir()) == []
    print(f"idc demo: {seconds:.1f} s wall time")


def test_demo_browser_opens_the_system_browser(aws_home: Any) -> None:
    """``--browser`` hands the approval URLs to the user's browser: here BROWSER, a page-walking user."""
    walker = f"{sys.executable} -m idc.emulator.page_approver_cli --detach"
    env = child_env(aws_home.env, {"BROWSER": walker})
    done = subprocess.run(
        [command("idc"), "demo", "--browser"],
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Sign in as demo / demo in the browser that opens." in done.stdout
    assert "All 9 steps worked" in done.stdout


def test_keep_home_leaves_the_demo_files_to_look_at(aws_home: Any, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = child_env(aws_home.env, {"TMPDIR": str(scratch)})
    done = subprocess.run(
        [command("idc"), "demo", "--keep-home"],
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kept = Path(done.stdout.split("The demo's HOME is kept at ", 1)[1].split()[0])
    assert kept.parent == scratch
    config = (kept / ".aws" / "config").read_text()
    assert "[profile AdministratorAccess-123456789012]" in config and "[sso-session my-sso]" in config
    assert list((kept / ".aws" / "sso" / "cache").glob("*.json"))


def test_a_step_that_does_not_work_fails_the_demo_in_one_line(aws_home: Any) -> None:
    environ = dict(os.environ)
    out = io.StringIO()
    with pytest.raises(DemoFailed) as failed:
        run_demo(out=out, opener_factory=lambda: PageApprover("demo", "demo", allow=False))
    message = str(failed.value)
    assert message.startswith("demo step 2 (Configure a profile and approve in the browser) failed:")
    assert "\n" not in message
    assert failed.value.exit_status == ExitStatus.LOGIN_FAILED
    assert dict(os.environ) == environ  # HOME and the endpoint variables are restored
    assert list((aws_home.home / ".aws").iterdir()) == []


def test_sigterm_removes_the_throwaway_home(aws_home: Any, tmp_path: Path) -> None:
    # A demo killed by `kill`, a closed terminal or a CI timeout must not leave tokens in the temp folder.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = child_env(aws_home.env, {"TMPDIR": str(scratch)})
    with subprocess.Popen(
        [command("idc"), "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as demo:
        assert demo.stdout is not None
        for line in demo.stdout:
            if "Successfully logged into Start URL" in line:
                break
        assert list(scratch.iterdir())  # the HOME, with a token in it
        demo.send_signal(signal.SIGTERM)
        rest, _ = demo.communicate(timeout=30)
    assert demo.returncode == 128 + signal.SIGTERM, rest
    assert list(scratch.iterdir()) == []


def test_a_sigterm_whose_exit_a_finalizer_swallowed_still_ends_the_demo() -> None:
    # Python runs a signal handler wherever the main thread is; inside a __del__ its SystemExit is
    # printed and dropped. The demo remembers the signal: the next step, or the end, exits with it.
    from idc.demo.sandbox import Signals
    from idc.demo.transcript import DemoReport, Steps

    class Finalized:
        def __del__(self) -> None:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)  # the handler runs here
            except SystemExit:
                pass  # what the interpreter does with an exception in a finalizer

    with pytest.raises(SystemExit) as ended, Signals() as signals:
        steps = Steps(io.StringIO(), 2, DemoReport(), signals.check)
        steps.start("first")
        Finalized()
        steps.start("second")  # never starts
        pytest.fail("the demo went on after SIGTERM")
    assert ended.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the previous handler is back


def test_the_demo_needs_no_test_tool(aws_home: Any, tmp_path: Path) -> None:
    """`uv run idc demo` (the README's first command) installs no test tool: none of them may load."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pytest itself needs tomli before 3.11, so it is there
        import tomli as tomllib
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    groups = project["dependency-groups"]
    dev = [re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0] for spec in groups["dev"] + groups["test"]]
    blocked = sorted({name.lower().replace("-", "_") for name in dev} | {"boto3", "moto", "playwright"})
    # A sitecustomize in every Python the demo starts (its botocore children too) refuses those imports.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import sys\n"
        f"BLOCKED = {blocked!r}\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'{name} is a test tool (dev group)')\n"
        "sys.meta_path.insert(0, Refuse())\n"
    )
    env = child_env(aws_home.env, {"PYTHONPATH": str(hook)})
    probe = subprocess.run(
        [sys.executable, "-c", "import pytest"], env=env, capture_output=True, text=True, check=False
    )
    assert "is a test tool" in probe.stderr  # the hook works
    done = subprocess.run(
        [command("idc"), "demo"], env=env, capture_output=True, text=True, timeout=110, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All 9 steps worked" in done.stdout
