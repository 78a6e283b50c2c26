"""Profiles for 1,000 accounts x 3 roles under Identity Center's 20 TPS quota: idc against aws-sso-util.

One run, one emulator (``idc emulator --tps-limit 20 --latency-ms 50`` in a subprocess, 1,000 accounts,
3 permission sets each), one signed-in user whose token both tools read from the same
``~/.aws/sso/cache`` (idc under the sso-session key, aws-sso-util, which predates sso-sessions, under
the start-URL key). Each tool writes its own config file from scratch:

- ``idc populate --sso-session bench --region us-east-1 --refresh``
- ``aws-sso-util configure populate --sso-start-url ... --sso-region ... --region us-east-1``, installed
  in an isolated environment at run time (``uv tool run --from aws-sso-util``) and pointed at the
  emulator with the endpoint variables;
- the quota's lower bound: the calls the listing needs (``ceil(accounts / 100)`` ListAccounts pages +
  one ListAccountRoles per account) divided by 20 per second.

Prints wall time, the ratio to the lower bound, the calls the server received, how many of them it
refused with 429 (counted by the emulator), and whether every profile was written. Target: idc within 1.1x
of the lower bound with zero refused calls.

    uv run python benchmarks/populate.py [--accounts 1000] [--roles 3] [--tps 20] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idc.emulator.launch import launch_emulator

PERMISSION_SETS = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "Billing", "SecurityAudit")
SESSION = "bench"
PROFILE_REGION = "us-east-1"


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    base_url: str
    start_url: str
    region: str
    admin_token: str

    def admin(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base_url}/_admin/{action}",
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {self.admin_token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def portal_calls(self, *, reset: bool = False) -> dict[str, int]:
        """ListAccounts/ListAccountRoles calls received, and those refused ("ListAccounts 429")."""
        calls: dict[str, int] = self.admin("stats", {"reset": reset})["calls"]
        return {k: v for k, v in calls.items() if k.startswith(("ListAccounts", "ListAccountRoles"))}


@dataclass
class Result:
    tool: str
    seconds: float | None
    calls: int | None
    refused: int | None
    profiles: int | None
    ok: bool
    note: str = ""


def directory(accounts: int, roles: int) -> dict[str, Any]:
    permission_sets = PERMISSION_SETS[:roles]
    return {
        "users": [
            {"username": "demo", "password": "demo", "display_name": "Demo", "email": "demo@example.com"}
        ],
        "accounts": [
            {"id": f"{100000000000 + i}", "name": f"team-{i:04d} prod", "email": f"aws+{i}@example.com"}
            for i in range(accounts)
        ],
        "permission_sets": [{"name": p, "session_duration": 3600} for p in permission_sets],
        "assignments": [{"account": "*", "permission_set": p, "user": "demo"} for p in permission_sets],
    }


def start_emulator(directory_file: Path, tps: float, latency_ms: float) -> Emulator:
    options = ["--port", "0", "--directory", str(directory_file)]
    options += ["--tps-limit", str(tps), "--latency-ms", str(latency_ms)]
    launched = launch_emulator(options, capture_stderr=False)
    return Emulator(
        process=launched.process,
        base_url=launched.base_url,
        start_url=launched.start_url,
        region=launched.region,
        admin_token=launched.admin_token,
    )


def sign_in(emulator: Emulator, env: dict[str, str]) -> None:
    """Sign in through the emulator's pages (idc login, PKCE) and share the token with aws-sso-util."""
    os.environ.update(env)
    from idc.aws.clients import BotocoreClientFactory
    from idc.emulator.page_approver import PageApprover
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget
    from idc.storage.locations import Locations
    from idc.storage.token_cache import save_token, token_cache_key

    locations = Locations.from_environ(env)
    target = SsoSessionTarget(SESSION, emulator.start_url, emulator.region, ("sso:account:access",))
    approver = PageApprover()
    token = login(
        target,
        locations=locations,
        client_factory=BotocoreClientFactory(),
        opener=approver,
        out=io.StringIO(),
    )
    approver.wait()
    # aws-sso-util has no sso-session support (aws-sso-util #84): it reads the start-URL key.
    save_token(locations, token_cache_key(None, emulator.start_url), token)


def count_profiles(config_file: Path) -> int:
    if not config_file.exists():
        return 0
    return len(re.findall(r"^\[profile [^\]]+\]", config_file.read_text(), flags=re.MULTILINE))


def run_tool(
    tool: str,
    command: list[str],
    env: dict[str, str],
    emulator: Emulator,
    needed: int,
    config_file: Path,
    timeout: float,
) -> Result:
    time.sleep(1.5)  # let the server's token bucket refill between tools
    emulator.portal_calls(reset=True)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        received = emulator.portal_calls()
        calls = sum(v for k, v in received.items() if not k.endswith(" 429"))
        note = f"timed out after {timeout:.0f} s"
        return Result(tool, None, calls, None, count_profiles(config_file), False, note)
    seconds = time.monotonic() - started
    received = emulator.portal_calls()
    calls = sum(v for k, v in received.items() if not k.endswith(" 429"))
    refused = sum(v for k, v in received.items() if k.endswith(" 429"))
    ok = done.returncode == 0
    note = "" if ok else (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1][:100]
    return Result(tool, seconds, calls, refused, count_profiles(config_file), ok, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--tps", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--skip-peer", action="store_true", help="Only idc and the lower bound.")
    parser.add_argument("--timeout", type=float, default=1800.0, help="Seconds allowed to each tool.")
    args = parser.parse_args()

    needed = math.ceil(args.accounts / 100) + args.accounts
    lower_bound = needed / args.tps
    uv = shutil.which("uv")
    run_peer = not args.skip_peer and uv is not None
    uv_cache: dict[str, str] = {}
    if run_peer:
        assert uv is not None
        # The tools run with a throwaway HOME: keep uv's cache where it is, so the timed run reuses
        # the environment installed here instead of installing aws-sso-util again.
        cache_dir = subprocess.run([uv, "cache", "dir"], capture_output=True, text=True, check=True).stdout
        uv_cache = {"UV_CACHE_DIR": cache_dir.strip()}
        # Install (or reuse) aws-sso-util in its own environment before anything is timed.
        subprocess.run(
            [uv, "tool", "run", "--from", "aws-sso-util", "aws-sso-util", "--version"],
            check=True,
            capture_output=True,
            timeout=600,
        )

    with tempfile.TemporaryDirectory(prefix="idc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        directory_file = tmp / "directory.json"
        directory_file.write_text(json.dumps(directory(args.accounts, args.roles)))
        emulator = start_emulator(directory_file, args.tps, args.latency_ms)
        try:
            home = tmp / "home"
            (home / ".aws").mkdir(parents=True)
            base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            base_env.update(
                HOME=str(home),
                AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
                AWS_EC2_METADATA_DISABLED="true",
                AWS_ENDPOINT_URL_SSO_OIDC=emulator.base_url,
                AWS_ENDPOINT_URL_SSO=emulator.base_url,
                AWS_ENDPOINT_URL_STS=emulator.base_url,
            )
            idc_config = home / ".aws" / "config-idc"
            idc_config.write_text(
                f"[sso-session {SESSION}]\nsso_start_url = {emulator.start_url}\n"
                f"sso_region = {emulator.region}\nsso_registration_scopes = sso:account:access\n"
            )
            sign_in(emulator, {**base_env, "AWS_CONFIG_FILE": str(idc_config)})

            results = [
                run_tool(
                    "idc populate",
                    [
                        sys.executable,
                        "-m",
                        "idc",
                        "populate",
                        "--sso-session",
                        SESSION,
                        "--region",
                        PROFILE_REGION,
                        "--refresh",
                    ],
                    {**base_env, "AWS_CONFIG_FILE": str(idc_config)},
                    emulator,
                    needed,
                    idc_config,
                    args.timeout,
                )
            ]
            if run_peer:
                assert uv is not None
                peer_config = home / ".aws" / "config-aws-sso-util"
                results.append(
                    run_tool(
                        "aws-sso-util configure populate",
                        [
                            uv,
                            "tool",
                            "run",
                            "--from",
                            "aws-sso-util",
                            "aws-sso-util",
                            "configure",
                            "populate",
                            "--sso-start-url",
                            emulator.start_url,
                            "--sso-region",
                            emulator.region,
                            "--region",
                            PROFILE_REGION,
                        ],
                        {**base_env, **uv_cache, "AWS_CONFIG_FILE": str(peer_config)},
                        emulator,
                        needed,
                        peer_config,
                        args.timeout,
                    )
                )
        finally:
            emulator.process.terminate()
            emulator.process.wait(timeout=10)

    expected_profiles = args.accounts * args.roles
    print(
        f"\n{args.accounts} accounts x {args.roles} roles = {expected_profiles} profiles; "
        f"server: {args.tps:g} TPS token bucket, {args.latency_ms:g} ms latency; {needed} calls needed\n"
    )
    header = f"{'tool':<34} {'wall s':>8} {'x bound':>8} {'calls':>7} {'429s':>6} {'profiles':>9}  result"
    print(header)
    print("-" * len(header))
    print(f"{'lower bound (calls / TPS)':<34} {lower_bound:>8.2f} {1.0:>8.2f} {needed:>7} {0:>6} {'':>9}")
    for r in results:
        seconds = f"{r.seconds:.2f}" if r.seconds is not None else "-"
        ratio = f"{r.seconds / lower_bound:.2f}" if r.seconds is not None else "-"
        status = "ok" if r.ok and r.profiles == expected_profiles else f"FAILED {r.note}"
        calls = "-" if r.calls is None else str(r.calls)
        refused = "-" if r.refused is None else str(r.refused)
        profiles = "-" if r.profiles is None else str(r.profiles)
        print(f"{r.tool:<34} {seconds:>8} {ratio:>8} {calls:>7} {refused:>6} {profiles:>9}  {status}")


if __name__ == "__main__":
    main()
