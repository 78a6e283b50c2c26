"""Load on the local Identity Center: concurrent keep-alive clients calling GetRoleCredentials.

Starts an emulator on 127.0.0.1 port 0 (in this process: uvicorn in a thread), signs in the way a user
would (boto3 sso-oidc device flow approved by PageApprover on the real pages), then runs ``--clients``
keep-alive HTTP/1.1 connections spread over ``--processes`` load processes. The load generator is raw
asyncio streams (one request in flight per connection, as an SDK client does), so it costs far less CPU
than the server it measures. Bounded by ``--requests`` in total and ``--duration`` seconds.

    uv run python benchmarks/emulator_load.py [--clients 50] [--requests 20000] [--duration 20]

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
    approver = PageApprover()
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
    job: Job, request: bytes, budget: list[int], latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(job.host, job.port)
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


async def _run(job: Job) -> tuple[list[float], list[str]]:
    path = f"/federation/credentials?role_name={ROLE_NAME}&account_id={ACCOUNT_ID}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {job.host}:{job.port}\r\n"
        f"x-amz-sso_bearer_token: {job.token}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    budget = [job.requests]
    latencies: list[float] = []
    errors: list[str] = []
    await asyncio.gather(*(_client(job, request, budget, latencies, errors) for _ in range(job.clients)))
    return latencies, errors


def _worker(job: Job, results: Connection) -> None:
    latencies, errors = asyncio.run(_run(job))
    results.send((latencies, errors))
    results.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(clients: int, requests: int, duration: float, processes: int) -> dict[str, Any]:
    from idc.emulator.server import EmulatorServer

    with EmulatorServer(host="127.0.0.1", port=0) as server:
        token = sign_in(server)
        host, port = "127.0.0.1", server.port
        shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
        context = multiprocessing.get_context("spawn")
        pipes = []
        workers = []
        started = time.perf_counter()
        deadline = time.time() + duration
        for i, share in enumerate(shares):
            if share == 0:
                continue
            receive, send = context.Pipe(duplex=False)
            job = Job(host, port, token, share, requests * share // clients + (1 if i == 0 else 0), deadline)
            process = context.Process(target=_worker, args=(job, send), daemon=True)
            process.start()
            send.close()
            pipes.append(receive)
            workers.append(process)
        latencies: list[float] = []
        errors: list[str] = []
        for receive in pipes:
            got_latencies, got_errors = receive.recv()
            latencies += got_latencies
            errors += got_errors
        elapsed = time.perf_counter() - started
        for process in workers:
            process.join(10)
    latencies.sort()
    return {
        "clients": clients,
        "processes": len(workers),
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="total GetRoleCredentials calls")
    parser.add_argument("--duration", type=float, default=20.0, help="stop starting requests after this")
    parser.add_argument(
        "--processes", type=int, default=1, help="load processes (the server needs the other core)"
    )
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 500 and 1 <= args.requests <= 200_000 and 0 < args.duration <= 120):
        parser.error("keep the load bounded: clients 1..500, requests 1..200000, duration <= 120 s")
    result = run(args.clients, args.requests, args.duration, max(1, min(args.processes, args.clients)))
    ok = result["rps"] >= TARGET_RPS and result["p99_ms"] < TARGET_P99_MS and result["errors"] == 0
    print(f"GetRoleCredentials against the local Identity Center ({os.cpu_count()} CPUs)")
    print()
    header = ("clients", "requests", "errors", "seconds", "requests/s", "p50 ms", "p99 ms", "max ms")
    row = (
        f"{result['clients']}",
        f"{result['requests']}",
        f"{result['errors']}",
        f"{result['seconds']:.2f}",
        f"{result['rps']:.0f}",
        f"{result['p50_ms']:.1f}",
        f"{result['p99_ms']:.1f}",
        f"{result['max_ms']:.1f}",
    )
    widths = [max(len(h), len(v)) for h, v in zip(header, row, strict=True)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    print()
    print(
        f"target: >= {TARGET_RPS:.0f} requests/s ({result['rps'] / TARGET_RPS:.2f}x), "
        f"p99 < {TARGET_P99_MS:.0f} ms ({result['p99_ms'] / TARGET_P99_MS:.2f}x of budget), 0 errors: "
        + ("met" if ok else "NOT met")
    )
    if result["error_kinds"]:
        print(f"errors seen: {', '.join(result['error_kinds'])}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
