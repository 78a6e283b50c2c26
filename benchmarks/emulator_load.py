"""Load on the local Identity Center: concurrent keep-alive clients calling GetRoleCredentials.

Starts an emulator on 127.0.0.1 port 0 (in this process: uvicorn in a thread), signs in the way a user
would (boto3 sso-oidc device flow approved by PageApprover on the real pages), then runs ``--clients``
keep-alive HTTP/1.1 connections spread over ``--processes`` load processes. The load generator is raw
asyncio streams (one request in flight per connection, as an SDK client does), so it costs far less CPU
than the server it measures. Bounded by ``--requests`` in total and ``--duration`` seconds.

    uv run python benchmarks/emulator_load.py [--clients 1,50] [--requests 20000] [--duration 20]

Target on a 2-core machine: >= 1,000 requests/s and p99 < 100 ms with 50 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

TARGET_RPS = 1000.0
TARGET_P99_MS = 100.0
ACCOUNT_ID = "123456789012"
ROLE_NAME = "AdministratorAccess"


@dataclass(frozen=True)
class Job:
    host: str
    port: int
    token: str
    clients: int
    requests: int  # this process's share
    deadline: float  # time.time() after which no new request starts


def sign_in(server: Any) -> str:
    """A real access token: RegisterClient, StartDeviceAuthorization, the pages, CreateToken."""
    import boto3

    from idc.emulator.page_approver import PageApprover

    oidc = boto3.session.Session().client("sso-oidc", region_name=server.region, endpoint_url=server.base_url)
    client = oidc.register_client(clientName="emulator-load", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=server.start_url
    )
    approver = PageApprover(user_code=auth["userCode"])  # compared with the page, as a person does
    approver(auth["verificationUriComplete"])
    approver.wait(30)
    interval = float(auth.get("interval", 1))
    for _ in range(60):
        time.sleep(interval)
        try:
            token = oidc.create_token(
                clientId=client["clientId"],
                clientSecret=client["clientSecret"],
                grantType="urn:ietf:params:oauth:grant-type:device_code",
                deviceCode=auth["deviceCode"],
            )
            return str(token["accessToken"])
        except (oidc.exceptions.AuthorizationPendingException, oidc.exceptions.SlowDownException):
            interval += 0.5
    raise SystemExit("the device authorization never completed")


async def _client(
    job: Job,
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    request: bytes,
    budget: list[int],
    latencies: list[float],
    errors: list[str],
) -> None:
    reader, writer = connection
    try:
        while budget[0] > 0 and time.time() < job.deadline:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200 or b'"accessKeyId"' not in body:
                errors.append(str(status))
    except (OSError, asyncio.IncompleteReadError) as exc:
        errors.append(type(exc).__name__)
    finally:
        writer.close()


async def _run(job: Job, ready: Connection, go: Any) -> tuple[list[float], list[str], float, float]:
    """Open every connection first, say so, wait for the common start, then load."""
    path = f"/federation/credentials?role_name={ROLE_NAME}&account_id={ACCOUNT_ID}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {job.host}:{job.port}\r\n"
        f"x-amz-sso_bearer_token: {job.token}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    connections = [await asyncio.open_connection(job.host, job.port) for _ in range(job.clients)]
    ready.send("ready")
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    budget = [job.requests]
    latencies: list[float] = []
    errors: list[str] = []
    began = time.time()
    await asyncio.gather(*(_client(job, c, request, budget, latencies, errors) for c in connections))
    return latencies, errors, began, time.time()


def _worker(job: Job, results: Connection, go: Any) -> None:
    results.send(asyncio.run(_run(job, results, go)))
    results.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def measure(
    host: str, port: int, token: str, clients: int, requests: int, duration: float, processes: int
) -> dict[str, Any]:
    """One bounded run of ``clients`` connections over ``processes`` load processes."""
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    processes = max(1, min(processes, clients))
    pipes = []
    workers = []
    deadline = time.time() + duration + 10  # spawning and connecting come first
    for share, budget in zip(split(clients, processes), split(requests, processes), strict=True):
        receive, send = context.Pipe(duplex=True)
        job = Job(host, port, token, share, budget, deadline)
        process = context.Process(target=_worker, args=(job, send, go), daemon=True)
        process.start()
        pipes.append(receive)
        workers.append(process)
    for receive in pipes:
        assert receive.recv() == "ready"
    go.set()
    latencies: list[float] = []
    errors: list[str] = []
    began, ended = float("inf"), 0.0
    for receive in pipes:
        got_latencies, got_errors, got_began, got_ended = receive.recv()
        latencies += got_latencies
        errors += got_errors
        began, ended = min(began, got_began), max(ended, got_ended)
    for process in workers:
        process.join(10)
    latencies.sort()
    elapsed = max(ended - began, 1e-9)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--clients", default="1,50", help="comma-separated concurrency levels; the target applies to 50"
    )
    parser.add_argument("--requests", type=int, default=20_000, help="GetRoleCredentials calls per level")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level at most")
    parser.add_argument(
        "--processes", type=int, default=1, help="load processes (the server needs the other core)"
    )
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    if not levels or not all(1 <= c <= 500 for c in levels):
        parser.error("--clients: levels between 1 and 500")
    if not (1 <= args.requests <= 200_000 and 0 < args.duration <= 120):
        parser.error("keep the load bounded: requests 1..200000, duration <= 120 s")
    from idc.emulator.server import EmulatorServer

    with EmulatorServer(host="127.0.0.1", port=0) as server:
        token = sign_in(server)
        rows = [
            measure(
                "127.0.0.1",
                server.port,
                token,
                c,
                args.requests if c > 1 else min(args.requests, 2000),
                args.duration,
                args.processes,
            )
            for c in levels
        ]
    print(f"GetRoleCredentials on the local Identity Center: keep-alive HTTP/1.1, {os.cpu_count()} CPUs")
    print()
    header = ("clients", "requests", "errors", "seconds", "requests/s", "p50 ms", "p99 ms", "max ms")
    table = [header] + [
        (
            f"{r['clients']}",
            f"{r['requests']}",
            f"{r['errors']}",
            f"{r['seconds']:.2f}",
            f"{r['rps']:.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            f"{r['max_ms']:.1f}",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print()
    for r in rows:
        if r["error_kinds"]:
            print(f"errors with {r['clients']} clients: {', '.join(r['error_kinds'])}")
    judged = [r for r in rows if r["clients"] >= 50] or rows[-1:]
    ok = all(r["rps"] >= TARGET_RPS and r["p99_ms"] < TARGET_P99_MS and r["errors"] == 0 for r in judged)
    for r in judged:
        print(
            f"target with {r['clients']} clients: >= {TARGET_RPS:.0f} requests/s "
            f"({r['rps'] / TARGET_RPS:.2f}x), p99 < {TARGET_P99_MS:.0f} ms "
            f"({r['p99_ms'] / TARGET_P99_MS:.2f}x of budget), 0 errors: " + ("met" if ok else "NOT met")
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
