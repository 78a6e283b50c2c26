"""The container credentials endpoint's latency on a cached answer: ``idc serve`` beside a bare
``http.server`` answering the same JSON, as ratios.

One local Identity Center (in this process), one signed-in sso-session profile, ``idc serve --profile
bench`` as a real process (the venv's console script), and a bare ``ThreadingHTTPServer`` child that
returns the same bytes without checking anything: the floor for a Python HTTP answer (with TCP_NODELAY,
as idc's: without it Nagle and delayed ACKs add ~40 ms per kept-alive answer to both). The client sends
what botocore's ContainerMetadataFetcher sends (GET, ``Accept: application/json``, the token as
``Authorization``), alternating between the two servers so machine noise hits both alike, once with a
new TCP connection per request (what an SDK refreshing every 45 minutes does) and once over one kept-alive
connection. Target: idc's p99 under 5 ms on a cached answer.

    uv run python benchmarks/container_server.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from credentials import sign_in  # benchmarks/credentials.py: a real device-code sign-in

PROFILE = "bench"
SESSION = "bench"

BARE_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
body = open(sys.argv[1], "rb").read()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Target:
    def __init__(self, name: str, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.name, self.host, self.port, self.path = name, parts.hostname or "", parts.port or 80, parts.path
        self.headers = {"Accept": "application/json", "Authorization": token}
        self.kept: http.client.HTTPConnection | None = None
        self.samples: dict[str, list[float]] = {"new connection": [], "keep-alive": []}

    def get(self, keep_alive: bool) -> bytes:
        if keep_alive:
            if self.kept is None:
                self.kept = http.client.HTTPConnection(self.host, self.port, timeout=5)
            connection = self.kept
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
        started = time.perf_counter()
        connection.request("GET", self.path, headers=self.headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{self.name}: HTTP {response.status}")
        if not keep_alive:
            connection.close()
        self.samples["keep-alive" if keep_alive else "new connection"].append(elapsed * 1000)
        return body


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per server and mode")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="idc-bench-"))
    home = workdir / "home"
    (home / ".aws").mkdir(parents=True)
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws" / "config"))

    from idc.emulator.server import EmulatorServer

    server = EmulatorServer().start()
    children: list[subprocess.Popen[str]] = []
    try:
        os.environ.update(
            AWS_ENDPOINT_URL_SSO_OIDC=server.base_url,
            AWS_ENDPOINT_URL_SSO=server.base_url,
            AWS_ENDPOINT_URL_STS=server.base_url,
        )
        (home / ".aws" / "config").write_text(
            f"[profile {PROFILE}]\nsso_session = {SESSION}\nsso_account_id = 123456789012\n"
            f"sso_role_name = AdministratorAccess\nregion = us-east-1\n\n"
            f"[sso-session {SESSION}]\nsso_start_url = {server.start_url}\nsso_region = {server.region}\n"
            "sso_registration_scopes = sso:account:access\n"
        )
        sign_in(server, SESSION, ("sso:account:access",))
        idc = subprocess.Popen(
            [str(Path(sys.executable).with_name("idc")), "serve", "--profile", PROFILE],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        children.append(idc)
        assert idc.stdout is not None
        idc.stdout.readline()
        exports = dict(item.split("=", 1) for item in idc.stdout.readline().split()[1:])
        served = Target(
            "idc serve",
            exports["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
            exports["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
        )
        body_file = workdir / "answer.json"
        body_file.write_bytes(served.get(keep_alive=False))
        served.samples["new connection"].clear()
        bare_process = subprocess.Popen(
            [sys.executable, "-c", BARE_SERVER, str(body_file)], stdout=subprocess.PIPE, text=True
        )
        children.append(bare_process)
        assert bare_process.stdout is not None
        port = int(bare_process.stdout.readline())
        bare = Target("bare http.server", f"http://127.0.0.1:{port}/", "-")

        for keep_alive in (False, True):
            for _ in range(100):  # warm-up, not counted
                served.get(keep_alive), bare.get(keep_alive)
            for target in (served, bare):
                target.samples["keep-alive" if keep_alive else "new connection"].clear()
            for _ in range(args.requests):
                served.get(keep_alive)
                bare.get(keep_alive)

        print(f"Cached-answer latency, {args.requests} requests each (ms; ratio = idc / bare)")
        print(f"{'mode':<16}{'server':<20}{'p50':>8}{'p99':>8}{'mean':>8}{'p50 x':>8}{'p99 x':>8}")
        for mode in ("new connection", "keep-alive"):
            floor = bare.samples[mode]
            for target in (served, bare):
                values = target.samples[mode]
                p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
                r50, r99 = p50 / percentile(floor, 0.50), p99 / percentile(floor, 0.99)
                print(
                    f"{mode:<16}{target.name:<20}{p50:>8.3f}{p99:>8.3f}{statistics.fmean(values):>8.3f}"
                    f"{r50:>7.2f}x{r99:>7.2f}x"
                )
        worst = max(percentile(served.samples[m], 0.99) for m in served.samples)
        print(f"target: idc p99 < 5 ms -> {'met' if worst < 5 else 'MISSED'} ({worst:.3f} ms)")
        return 0
    finally:
        for child in children:
            child.terminate()
            child.wait(10)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
