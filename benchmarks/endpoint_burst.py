"""A burst of parallel connections to the container credentials endpoint, without client retries.

``idc serve`` runs as a real process (the venv's console script) on a role-cache hit (a throwaway HOME
with one profile and its cached role credentials: no Identity Center needed). One thread opens
``--connections`` TCP connections at once (non-blocking connects), sends each one GET with the token
and ``Connection: close``, and times each from its connect to the end of its answer. Beside it, a bare
``ThreadingHTTPServer`` with Python's default listen backlog (5), answering the same bytes: what idc's
endpoint was before. Target (issue 17): every connection of a burst of 500 answered, none waiting more
than a second.

    uv run python benchmarks/endpoint_burst.py [--connections 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from container_server import BARE_SERVER  # benchmarks/container_server.py: the same bare server

PATIENCE_S = 30.0
"""A connection still unanswered after this long counts as unanswered."""

BACKLOG_5_SERVER = BARE_SERVER
"""The bare server: ``ThreadingHTTPServer``'s request_queue_size (its listen backlog) is 5."""


def burst(host: str, port: int, request: bytes, connections: int) -> tuple[list[float], int]:
    """(seconds each answered connection took, how many got no 200 within PATIENCE_S)."""
    selector = selectors.DefaultSelector()
    started: dict[socket.socket, float] = {}
    received: dict[socket.socket, bytes] = {}
    for _ in range(connections):
        client = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        client.setblocking(False)
        started[client] = time.perf_counter()
        client.connect_ex((host, port))
        received[client] = b""
        selector.register(client, selectors.EVENT_WRITE)
    took: list[float] = []
    failed = 0
    deadline = time.perf_counter() + PATIENCE_S
    while selector.get_map() and time.perf_counter() < deadline:
        for key, events in selector.select(timeout=0.5):
            client = key.fileobj
            assert isinstance(client, socket.socket)
            if events & selectors.EVENT_WRITE:
                try:
                    client.sendall(request)
                except OSError:
                    failed += 1
                    selector.unregister(client)
                    client.close()
                    continue
                selector.modify(client, selectors.EVENT_READ)
                continue
            try:
                chunk = client.recv(65536)
            except OSError:
                chunk = b""
                received[client] = b"<reset>"
            if chunk:
                received[client] += chunk
                continue
            selector.unregister(client)
            client.close()
            if received[client].startswith(b"HTTP/1.1 200 ") or received[client].startswith(b"HTTP/1.0 200 "):
                took.append(time.perf_counter() - started[client])
            else:
                failed += 1
    for key in list(selector.get_map().values()):
        failed += 1
        key.fileobj.close()  # type: ignore[union-attr]
    selector.close()
    return took, failed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=500, help="connections per burst")
    parser.add_argument("--rounds", type=int, default=5, help="bursts per server")
    parser.add_argument("--skip-backlog-5", action="store_true", help="only idc serve")
    args = parser.parse_args()

    from idc.storage.role_cache import role_cache_key

    workdir = Path(tempfile.mkdtemp(prefix="idc-burst-"))
    home = workdir / "home"
    (home / ".aws" / "cli" / "cache").mkdir(parents=True, mode=0o700)
    start_url = "https://d-0000000000.awsapps.com/start"
    (home / ".aws" / "config").write_text(
        "[profile bench]\nsso_session = bench\nsso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\nregion = us-east-1\n\n"
        f"[sso-session bench]\nsso_start_url = {start_url}\nsso_region = us-east-1\n"
    )
    expiration = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = role_cache_key("123456789012", "AdministratorAccess", "bench", start_url)
    (home / ".aws" / "cli" / "cache" / f"{key}.json").write_text(
        json.dumps(
            {
                "ProviderType": "sso",
                "Credentials": {
                    "AccessKeyId": "ASIABENCH",
                    "SecretAccessKey": "secret",
                    "SessionToken": "token",
                    "Expiration": expiration,
                },
            }
        )
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws" / "config"))
    children: list[subprocess.Popen[str]] = []
    try:
        idc = subprocess.Popen(
            [str(Path(sys.executable).with_name("idc")), "serve", "--profile", "bench"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        children.append(idc)
        assert idc.stdout is not None
        idc.stdout.readline()
        exports = dict(item.split("=", 1) for item in idc.stdout.readline().split()[1:])
        url = urlsplit(exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
        host, port = url.hostname or "", url.port or 80
        request = (
            f"GET {url.path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
            f"Authorization: {exports['AWS_CONTAINER_AUTHORIZATION_TOKEN']}\r\nConnection: close\r\n\r\n"
        ).encode()
        targets = [("idc serve", host, port)]
        if not args.skip_backlog_5:
            body_file = workdir / "answer.json"
            body_file.write_text('{"AccessKeyId": "ASIABENCH"}')
            bare = subprocess.Popen(
                [sys.executable, "-c", BACKLOG_5_SERVER, str(body_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # its broken pipes, once the clients here gave up
                text=True,
            )
            children.append(bare)
            assert bare.stdout is not None
            targets.append(("backlog 5 (before)", "127.0.0.1", int(bare.stdout.readline())))

        print(f"{args.rounds} bursts of {args.connections} parallel connections (seconds per connection)")
        columns = ("p50", "p90", "p99", "max")
        print(f"{'server':<20}{'round':>6}{''.join(f'{c:>8}' for c in columns)}{'>1 s':>7}{'unanswered':>12}")
        worst: dict[str, tuple[float, int, int]] = {}
        for name, target_host, target_port in targets:
            burst(target_host, target_port, request, 20)  # warm-up
            rounds = args.rounds if name == "idc serve" else 1  # the "before" takes 30 s a round
            for round_number in range(1, rounds + 1):
                took, failed = burst(target_host, target_port, request, args.connections)
                slow = sum(1 for value in took if value > 1.0)
                values = [percentile(took, f) for f in (0.5, 0.9, 0.99, 1.0)]
                shown = "".join(f"{value:>8.3f}" for value in values) if took else f"{'-':>8}" * 4
                print(f"{name:<20}{round_number:>6}{shown}{slow:>7}{failed:>12}")
                before = worst.get(name, (0.0, 0, 0))
                worst[name] = (max(before[0], max(took, default=0.0)), before[1] + slow, before[2] + failed)
                time.sleep(1)  # let TIME_WAIT and the server's threads settle between bursts
        longest, slow, failed = worst["idc serve"]
        met = failed == 0 and slow == 0
        print(
            f"target: every connection answered within 1 s -> {'met' if met else 'MISSED'} "
            f"(idc serve: longest {longest:.3f} s, {slow} over 1 s, {failed} unanswered)"
        )
        return 0
    finally:
        for child in children:
            child.terminate()
            child.wait(10)


if __name__ == "__main__":
    sys.exit(main())
