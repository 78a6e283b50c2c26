"""What a credential helper costs every SDK process: idc against its peers, as ratios to a bare interpreter.

One run, one local Identity Center (in this process, on 127.0.0.1), one signed-in user, one legacy SSO
profile (``sso_start_url`` in the profile: aws-sso-util predates sso-sessions), so every tool reads the
same token and the same AWS CLI role cache (``~/.aws/cli/cache``, key with ``startUrl``). Rows, run
interleaved (one of each per round) so machine noise hits them alike:

- ``python -c pass`` with the same interpreter: the baseline;
- ``idc credentials --profile bench``, a cache hit (the venv's console script, not ``uv run``);
- ``idc exec --profile bench -- true``;
- ``idc credentials --profile bench-chained``, a role chain (``role_arn`` + ``source_profile`` of the
  sso-session profile) answered from the AWS CLI's assume-role cache entry;
- ``aws-sso-util credential-process --profile bench``, a cache hit on the same cache, installed from
  PyPI at run time in an isolated venv on the same interpreter and run through its console script;
- boto3's own SSO provider: ``boto3.Session(profile_name=...).get_credentials().get_frozen_credentials()``
  in a fresh process (boto3 keeps role credentials in memory only, so it calls GetRoleCredentials);
- with gnome-keyring and dbus-run-session installed, a session that keeps its sign-in in the OS keychain
  (``idc_token_storage = keychain``, gnome-keyring on a private D-Bus session bus): ``idc credentials``
  of its profile on a role-cache hit and on a miss (the token read from the keychain, GetRoleCredentials),
  next to the same miss for a file session; and what a hit would cost if role credentials lived in the
  keychain too (a fresh interpreter importing keyring and reading one item: the README's decision).

Wall time is the median over ``--runs`` runs; peak memory is the largest max RSS of five runs under GNU
``time`` (a fork()ing C parent, so the figure is the command's own). Then ``--parallel`` (50) ``idc
credentials`` processes start at once on a cold role cache of an sso-session profile, once with a valid
token and once with the token inside its refresh window: wall time until the last exits, and the calls
that reached the server. Targets: idc cache hit <= 2.0x the bare
interpreter's median wall time and <= 1.5x its peak RSS; 50 parallel cold requests within 3 s.

    uv run python benchmarks/credentials.py [--runs 40] [--parallel 50] [--no-peers]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROFILE = "bench"
SESSION_PROFILE = "bench-session"
SESSION = "bench"
KEYCHAIN_PROFILE = "bench-keychain"
KEYCHAIN_SESSION = "bench-keychain"
CHAINED_PROFILE = "bench-chained"
ACCOUNT = "123456789012"
ROLE = "AdministratorAccess"


@dataclass
class Row:
    name: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failures: int = 0
    before: Path | None = None  # a file removed before each run (a role-cache entry: a miss)


def run_once(row: Row, env: dict[str, str]) -> None:
    """One timed run (wall clock, stdout discarded)."""
    if row.before is not None:
        row.before.unlink(missing_ok=True)
    started = time.perf_counter()
    result = subprocess.run(row.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    row.walls.append(time.perf_counter() - started)
    if result.returncode != 0:
        row.failures += 1


def measure_rss(row: Row, env: dict[str, str], scratch: Path) -> None:
    """Peak RSS of one run, from GNU time (a small C parent that fork()s: the child's high-water
    mark is the command's, not this big Python process's, as it would be with vfork/posix_spawn)."""
    out = scratch / "rss.txt"
    time_bin = "/usr/bin/time"
    if not os.access(time_bin, os.X_OK):
        return
    if row.before is not None:
        row.before.unlink(missing_ok=True)
    subprocess.run(
        [time_bin, "-f", "%M", "-o", str(out), *row.argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with contextlib.suppress(OSError, ValueError, IndexError):
        row.rss_kb.append(int(out.read_text().strip().splitlines()[-1]))


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def install_aws_sso_util(directory: Path) -> str | None:
    """aws-sso-util from PyPI in its own venv on this interpreter; its console script, or None."""
    uv = shutil.which("uv")
    if uv is None:
        return None
    base = getattr(sys, "_base_executable", sys.executable)
    venv = directory / "aws-sso-util-venv"
    try:
        subprocess.run([uv, "venv", "-q", "--python", base, str(venv)], check=True, capture_output=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "aws-sso-util"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError) as error:
        print(f"(aws-sso-util could not be installed: {error}; its row is skipped)", file=sys.stderr)
        return None
    script = venv / "bin" / "aws-sso-util"
    return str(script) if script.exists() else None


def sign_in(emulator: object, session: str | None, scopes: tuple[str, ...], storage: str = "file") -> None:
    """A real device-code sign-in of the demo user (idc.signin.login + the emulator's page approver)."""
    from idc.aws.clients import BotocoreClientFactory
    from idc.emulator.page_approver import PageApprover, user_code_in
    from idc.signin.login import login
    from idc.signin.subject import SsoSessionTarget
    from idc.storage.locations import Locations

    # The person compares the code on the page with the one idc printed (AWS's URL no longer carries it).
    terminal = io.StringIO()
    approver = PageApprover(user_code=lambda: user_code_in(terminal.getvalue()))
    target = SsoSessionTarget(session, emulator.start_url, emulator.region, scopes, storage)  # type: ignore[attr-defined]
    login(
        target,
        locations=Locations.from_environ(),
        client_factory=BotocoreClientFactory(),
        opener=approver,
        use_device_code=True,
        out=terminal,
    )
    approver.wait()


@contextlib.contextmanager
def private_secret_service(directory: Path) -> Iterator[str | None]:
    """gnome-keyring, unlocked, on a private D-Bus session bus: its address (None: not installed)."""
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        print("(gnome-keyring or dbus-run-session missing: the keychain rows are skipped)", file=sys.stderr)
        yield None
        return
    keyring_home = directory / "keyring-home"
    keyring_home.mkdir()
    shell = (
        "printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
        'echo "$DBUS_SESSION_BUS_ADDRESS"; exec sleep 86400'
    )
    bus = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", shell],
        env={"PATH": os.environ["PATH"], "HOME": str(keyring_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert bus.stdout is not None
        yield bus.stdout.readline().strip() or None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bus.pid, signal.SIGTERM)
        bus.wait(timeout=10)


def keychain_rows(home: Path, emulator: object, env: dict[str, str]) -> list[Row]:
    """Sign a keychain session in (token in the keychain) and give the rows that measure it."""
    from idc.storage.keychain import Keychain
    from idc.storage.role_cache import role_cache_key

    sign_in(emulator, KEYCHAIN_SESSION, ("sso:account:access",), "keychain")
    idc = venv_bin("idc")
    warm = subprocess.run([idc, "credentials", "--profile", KEYCHAIN_PROFILE], env=env, capture_output=True)
    if warm.returncode != 0:
        raise SystemExit(f"idc credentials (keychain session) failed: {warm.stderr.decode().strip()}")
    cache = home / ".aws" / "cli" / "cache"
    keychain_entry = cache / f"{role_cache_key(ACCOUNT, ROLE, KEYCHAIN_SESSION, '')}.json"
    file_entry = cache / f"{role_cache_key(ACCOUNT, ROLE, SESSION, '')}.json"
    # The alternative not taken: role credentials in the keychain, read by a fresh process.
    Keychain().set("bench-role-credentials", keychain_entry.read_text())
    keyring_read = "import keyring; assert keyring.get_password('idc', 'bench-role-credentials')"
    argv = [idc, "credentials", "--profile", KEYCHAIN_PROFILE]
    return [
        Row("idc credentials, keychain session (hit)", argv),
        Row("idc credentials, keychain session (miss)", argv, before=keychain_entry),
        Row(
            "idc credentials, file session (miss)",
            [idc, "credentials", "--profile", SESSION_PROFILE],
            before=file_entry,
        ),
        Row("role credentials read from the keychain", [sys.executable, "-c", keyring_read]),
    ]


def parallel_cold(
    count: int, env: dict[str, str], cli_cache: Path, emulator: object, token_file: Path | None
) -> tuple[float, int, dict[str, int]]:
    """``count`` cold ``idc credentials`` at once: (wall seconds, valid outputs, server calls)."""
    shutil.rmtree(cli_cache, ignore_errors=True)
    if token_file is not None:  # put the token inside its refresh window: one refresh must happen
        data = json.loads(token_file.read_text())
        soon = datetime.now(timezone.utc) + timedelta(minutes=12)
        data["expiresAt"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
        token_file.write_text(json.dumps(data))
    emulator.admin("stats", {"reset": True})  # type: ignore[attr-defined]
    argv = [venv_bin("idc"), "credentials", "--profile", SESSION_PROFILE]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    wall = time.perf_counter() - started
    valid = 0
    for process, (out, _) in zip(processes, outputs, strict=True):
        with contextlib.suppress(ValueError, KeyError):
            valid += process.returncode == 0 and json.loads(out)["Version"] == 1
    return wall, valid, emulator.stats()  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs per row (median)")
    parser.add_argument("--parallel", type=int, default=50, help="processes in the cold burst")
    parser.add_argument("--no-peers", action="store_true", help="skip aws-sso-util (no PyPI access)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="idc-bench-"))
    home = workdir / "home"
    (home / ".aws").mkdir(parents=True)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    # Installed tools run with their bytecode caches; a developer shell may turn them off.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    from idc.emulator.server import EmulatorServer

    stack = contextlib.ExitStack()
    bus_address = stack.enter_context(private_secret_service(workdir))
    if bus_address:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    server = EmulatorServer().start()
    try:
        os.environ.update(
            AWS_ENDPOINT_URL_SSO_OIDC=server.base_url,
            AWS_ENDPOINT_URL_SSO=server.base_url,
            AWS_ENDPOINT_URL_STS=server.base_url,
        )
        (home / ".aws" / "config").write_text(
            f"[profile {PROFILE}]\n"
            f"sso_start_url = {server.start_url}\n"
            f"sso_region = {server.region}\n"
            f"sso_account_id = {ACCOUNT}\n"
            f"sso_role_name = {ROLE}\n"
            "region = us-east-1\n\n"
            f"[profile {SESSION_PROFILE}]\n"
            f"sso_session = {SESSION}\n"
            f"sso_account_id = {ACCOUNT}\n"
            f"sso_role_name = {ROLE}\n"
            "region = us-east-1\n\n"
            f"[sso-session {SESSION}]\n"
            f"sso_start_url = {server.start_url}\n"
            f"sso_region = {server.region}\n"
            "sso_registration_scopes = sso:account:access\n\n"
            f"[profile {KEYCHAIN_PROFILE}]\n"
            f"credential_process = idc credentials --profile {KEYCHAIN_PROFILE}\n"
            f"sso_session = {KEYCHAIN_SESSION}\n"
            f"idc_sso_account_id = {ACCOUNT}\n"
            f"idc_sso_role_name = {ROLE}\n"
            "region = us-east-1\n\n"
            f"[sso-session {KEYCHAIN_SESSION}]\n"
            f"sso_start_url = {server.start_url}\n"
            f"sso_region = {server.region}\n"
            "sso_registration_scopes = sso:account:access\n"
            "idc_token_storage = keychain\n\n"
            f"[profile {CHAINED_PROFILE}]\n"
            f"role_arn = arn:aws:iam::{ACCOUNT}:role/Deployer\n"
            f"source_profile = {SESSION_PROFILE}\n"
            "region = us-east-1\n"
        )
        emulator = _Admin(server)
        # The legacy profile (no refresh token, as the AWS CLI) for the peers; an sso-session one
        # (with a refresh token) for the parallel bursts.
        sign_in(emulator, None, ())
        sign_in(emulator, SESSION, ("sso:account:access",))
        env = dict(os.environ)
        warm = subprocess.run(
            [venv_bin("idc"), "credentials", "--profile", PROFILE], env=env, capture_output=True, text=True
        )
        if warm.returncode != 0:
            print(f"idc credentials failed: {warm.stderr.strip()}", file=sys.stderr)
            return 1
        chained_argv = [venv_bin("idc"), "credentials", "--profile", CHAINED_PROFILE]
        warm = subprocess.run(chained_argv, env=env, capture_output=True, text=True)
        if warm.returncode != 0:
            print(f"idc credentials (chained) failed: {warm.stderr.strip()}", file=sys.stderr)
            return 1

        rows = [
            Row("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            Row("idc credentials (cache hit)", [venv_bin("idc"), "credentials", "--profile", PROFILE]),
            Row(
                "idc exec -- true (cache hit)", [venv_bin("idc"), "exec", "--profile", PROFILE, "--", "true"]
            ),
            Row("idc credentials, chained (cache hit)", chained_argv),
        ]
        peer = None if args.no_peers else install_aws_sso_util(workdir)
        if peer is not None:
            rows.append(
                Row(
                    "aws-sso-util credential-process (hit)",
                    [peer, "credential-process", "--profile", PROFILE],
                )
            )
        boto3_probe = (
            "import boto3\n"
            f"boto3.Session(profile_name={PROFILE!r}).get_credentials().get_frozen_credentials()\n"
        )
        rows.append(Row("boto3 SSO provider (GetRoleCredentials)", [sys.executable, "-c", boto3_probe]))
        if bus_address:
            rows += keychain_rows(home, emulator, env)

        for row in rows:  # warm-up: bytecode caches, page cache
            for _ in range(2):
                run_once(row, env)
            row.walls.clear()
            row.rss_kb.clear()
            row.failures = 0
        for _ in range(args.runs):
            for row in rows:
                run_once(row, env)
        for _ in range(5):
            for row in rows:
                measure_rss(row, env, workdir)

        cli_cache = home / ".aws" / "cli" / "cache"
        from idc.storage.token_cache import token_cache_key

        token_file = home / ".aws" / "sso" / "cache" / f"{token_cache_key(SESSION, server.start_url)}.json"
        cold = parallel_cold(args.parallel, env, cli_cache, emulator, None)
        refresh = parallel_cold(args.parallel, env, cli_cache, emulator, token_file)
    finally:
        server.stop()
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)

    base_wall = statistics.median(rows[0].walls)
    base_rss = max(rows[0].rss_kb or [1])
    print(f"Credential helpers, {args.runs} interleaved runs each, Python {sys.version.split()[0]}")
    print(f"{'':42} {'median ms':>10} {'x bare':>7} {'peak RSS MB':>12} {'x bare':>7}  failed")
    for row in rows:
        wall = statistics.median(row.walls)
        rss = max(row.rss_kb or [0])
        print(
            f"{row.name:42} {wall * 1000:10.1f} {wall / base_wall:7.2f} {rss / 1024:12.1f} "
            f"{rss / base_rss:7.2f}  {row.failures}"
        )
    for label, (wall, valid, calls) in (("cold role cache", cold), ("cold + token refresh", refresh)):
        print(
            f"{args.parallel} parallel idc credentials, {label}: {wall:.2f} s wall, "
            f"{valid}/{args.parallel} valid, "
            f"server saw GetRoleCredentials={calls.get('GetRoleCredentials', 0)} "
            f"CreateToken={calls.get('CreateToken', 0)}"
        )
    hit = rows[1]
    chained = rows[3]
    checks = [
        ("chained cache hit <= 2.0x bare wall", statistics.median(chained.walls) / base_wall <= 2.0),
        ("idc cache hit <= 2.0x bare wall", statistics.median(hit.walls) / base_wall <= 2.0),
        ("idc cache hit <= 1.5x bare peak RSS", bool(hit.rss_kb) and max(hit.rss_kb) / base_rss <= 1.5),
        (f"{args.parallel} parallel cold within 3 s", cold[0] <= 3.0 and cold[1] == args.parallel),
        (
            "one GetRoleCredentials / one CreateToken per burst",
            cold[2].get("GetRoleCredentials") == 1
            and refresh[2].get("GetRoleCredentials") == 1
            and refresh[2].get("CreateToken") == 1,
        ),
    ]
    print("Targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks))
    return 0 if all(ok for _, ok in checks) else 1


class _Admin:
    """The emulator's admin calls (stats), in process."""

    def __init__(self, server: object) -> None:
        self.server = server
        self.start_url = server.start_url  # type: ignore[attr-defined]
        self.region = server.region  # type: ignore[attr-defined]

    def admin(self, action: str, body: dict[str, object] | None = None) -> dict[str, object]:
        import urllib.request

        request = urllib.request.Request(
            f"{self.server.base_url}/_admin/{action}",  # type: ignore[attr-defined]
            data=json.dumps(body or {}).encode(),
            headers={
                "Authorization": f"Bearer {self.server.admin_token}",  # type: ignore[attr-defined]
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, object] = json.loads(response.read())
            return result

    def stats(self) -> dict[str, int]:
        calls = self.admin("stats")["calls"]
        assert isinstance(calls, dict)
        return {str(k): int(v) for k, v in calls.items()}


if __name__ == "__main__":
    sys.exit(main())
