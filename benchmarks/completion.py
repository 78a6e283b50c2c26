"""What a TAB costs: ``idc login --profile <TAB>`` against a config of 2,000 profiles, beside a bare
interpreter and the AWS CLI's own completer.

Rows, run interleaved (one of each per round) so machine noise hits them alike; wall time is the median
over ``--runs`` runs of a fresh process, as the shell starts one per TAB:

- ``python -c pass`` with the same interpreter: the baseline;
- ``idc login --profile team-19<TAB>``: the 11 names that start with it (bash's protocol, ``_IDC_COMPLETE``);
- ``idc login --profile <TAB>``: all 2,002 names;
- ``aws --profile team-19<TAB>`` through ``aws_completer`` (awscli's completer, installed with the dev
  dependencies), when it is there.

    uv run python benchmarks/completion.py [--runs 30] [--profiles 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class Row:
    name: str
    argv: list[str]
    env: dict[str, str]
    walls: list[float] = field(default_factory=list)
    answers: int = 0
    failures: int = 0


def write_config(path: Path, profiles: int) -> None:
    parts = ["[default]\nregion = eu-west-1\n\n"]
    for i in range(profiles):
        parts.append(
            f"[profile team-{i}]\nsso_session = corp\nsso_account_id = 123456789012\n"
            "sso_role_name = AdministratorAccess\nregion = eu-west-1\n\n"
        )
    parts.append(
        "[sso-session corp]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n"
    )
    path.write_text("".join(parts))


def run_once(row: Row) -> None:
    started = time.perf_counter()
    result = subprocess.run(row.argv, env=row.env, capture_output=True, text=True)
    row.walls.append(time.perf_counter() - started)
    row.answers = len([line for line in result.stdout.splitlines() if line.strip()])
    if result.returncode != 0:
        row.failures += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        (home / ".aws").mkdir()
        config = home / ".aws" / "config"
        write_config(config, args.profiles)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_IDC_", "COMP_"))}
        # As installed by pip/uv: bytecode cached (the warm-up run writes it), not compiled per TAB.
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base.update(HOME=str(home), AWS_CONFIG_FILE=str(config))

        def idc_tab(line: str) -> dict[str, str]:
            words = line.split(" ")
            return {
                **base,
                "_IDC_COMPLETE": "bash_complete",
                "COMP_WORDS": line,
                "COMP_CWORD": str(len(words) - 1),
            }

        rows = [
            Row("python -c pass", [sys.executable, "-c", "pass"], base),
            Row(
                "idc login --profile team-19<TAB>", [str(BIN / "idc")], idc_tab("idc login --profile team-19")
            ),
            Row(
                f"idc login --profile <TAB> (all {args.profiles + 1})",
                [str(BIN / "idc")],
                idc_tab("idc login --profile "),
            ),
        ]
        completer = BIN / "aws_completer"
        if not completer.exists():
            found = shutil.which("aws_completer")
            completer = Path(found) if found else completer
        if completer.exists():
            line = "aws --profile team-19"
            env = {**base, "COMP_LINE": line, "COMP_POINT": str(len(line))}
            rows.append(Row("aws_completer: aws --profile team-19<TAB>", [str(completer)], env))

        for row in rows:  # warm the page cache and the bytecode
            run_once(row)
            row.walls.clear()
        for _ in range(args.runs):
            for row in rows:
                run_once(row)

    baseline = statistics.median(rows[0].walls)
    print(f"Completion with {args.profiles} profiles, median of {args.runs} runs (one process per TAB)\n")
    print(f"{'command':<48} {'median ms':>10} {'x python':>9} {'answers':>8} {'failed':>7}")
    for row in rows:
        median = statistics.median(row.walls)
        print(
            f"{row.name:<48} {median * 1000:>10.1f} {median / baseline:>9.2f} "
            f"{row.answers:>8} {row.failures:>7}"
        )


if __name__ == "__main__":
    main()
