"""idc's pytest plugin as another project meets it: the README's example test runs as written, the
plugin loads through its entry point, imports nothing heavy, and ``-p no:idc`` switches it off."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from docs_files import doc_with


def readme_example() -> str:
    """The Python block after the README's ``<!-- pytest-kit-example -->`` marker."""
    text = doc_with("<!-- pytest-kit-example -->")
    match = re.search(r"<!-- pytest-kit-example -->\n```python\n(.*?)\n```", text, re.S)
    assert match is not None, "the documentation lost its pytest kit example"
    return match.group(1) + "\n"


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a project of its own (no idc conftest or settings), as another project runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env.update(
        HOME=str(directory), AWS_CONFIG_FILE=str(directory / "config"), AWS_EC2_METADATA_DISABLED="true"
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_readme_example_passes_through_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_signin.py").write_text(readme_example())
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b3 passed\b", done.stdout), done.stdout


def test_no_idc_switches_the_plugin_off(tmp_path: Path) -> None:
    (tmp_path / "test_uses_it.py").write_text("def test_it(idc_center):\n    pass\n")
    done = run_pytest(tmp_path, "-p", "no:idc")
    assert done.returncode != 0
    assert "fixture 'idc_center' not found" in done.stdout


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    probe = (
        "import sys; import idc.testing.pytest_plugin; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', 'starlette', 'uvicorn')"
        " or m.startswith(('idc.emulator', 'idc.testing.kit'))]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
