"""The ``emulator`` and ``emulator_factory`` fixtures: a real local Identity Center on 127.0.0.1:0.

Registered from tests/conftest.py (``pytest_plugins``). Every test gets its own server (uvicorn in a
thread, or ``subprocess=True`` for a real ``idc emulator`` process); real AWS clients reach it through
``RunningEmulator.env`` (AWS_ENDPOINT_URL_SSO_OIDC / _SSO / _STS / _SIGNIN).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from idc.emulator.launch import launch_emulator
from idc.emulator.server import EmulatorServer


class RunningEmulator:
    def __init__(
        self,
        *,
        base_url: str,
        start_url: str,
        region: str,
        admin_token: str,
        server: EmulatorServer | None = None,
        process: subprocess.Popen[str] | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.start_url = start_url
        self.region = region
        self.admin_token = admin_token
        self.server = server
        self.process = process
        self.ca_file = ca_file  # with tls=True: the emulator's throwaway CA
        self.env = {
            "AWS_ENDPOINT_URL_SSO_OIDC": base_url,
            "AWS_ENDPOINT_URL_SSO": base_url,
            "AWS_ENDPOINT_URL_STS": base_url,
            "AWS_ENDPOINT_URL_SIGNIN": base_url,
        }

    @property
    def engine(self) -> Any:
        """The in-process engine (None for a subprocess emulator)."""
        return self.server.engine if self.server is not None else None

    def admin(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST to the admin HTTP API (``path`` like "stats" or "/_admin/stats")."""
        action = path.strip("/").removeprefix("_admin/")
        request = urllib.request.Request(
            f"{self.base_url}/_admin/{action}",
            data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {self.admin_token}", "Content-Type": "application/json"},
            method="POST",
        )
        context = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def end_sessions(self, user: str | None = None) -> None:
        self.admin("end-sessions", {"user": user} if user is not None else {})

    def advance_clock(self, seconds: float) -> None:
        self.admin("advance-clock", {"seconds": seconds})

    def set_fault(self, **spec: Any) -> None:
        self.admin("fault", spec)

    def clear_faults(self) -> None:
        self.admin("clear-faults")

    def stats(self) -> dict[str, int]:
        calls: dict[str, int] = self.admin("stats")["calls"]
        return calls

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start_subprocess(
    directory: dict[str, Any] | Path | None, tmp: Path, options: dict[str, Any]
) -> RunningEmulator:
    args = ["--port", "0"]
    if directory is not None:
        path = directory if isinstance(directory, Path) else tmp / "directory.json"
        if not isinstance(directory, Path):
            path.write_text(json.dumps(directory))
        args += ["--directory", str(path)]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    launched = launch_emulator(args)
    return RunningEmulator(
        process=launched.process,
        base_url=launched.base_url,
        start_url=launched.start_url,
        region=launched.region,
        admin_token=launched.admin_token,
    )


EmulatorFactory = Callable[..., RunningEmulator]


@pytest.fixture
def emulator_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorFactory]:
    """``emulator_factory(directory=None, *, subprocess=False, **server_options) -> RunningEmulator``.

    ``server_options`` go to :class:`~idc.emulator.server.EmulatorServer` (state, tps_limit, latency_ms...)
    or, with ``subprocess=True``, become ``idc emulator`` flags.
    """
    running: list[RunningEmulator] = []

    def start(
        directory: dict[str, Any] | Path | None = None, *, subprocess: bool = False, **server_options: Any
    ) -> RunningEmulator:
        if subprocess:
            emulator = _start_subprocess(directory, tmp_path_factory.mktemp("emulator"), server_options)
        else:
            server = EmulatorServer(directory=directory, **server_options).start()
            emulator = RunningEmulator(
                base_url=server.base_url,
                start_url=server.start_url,
                region=server.region,
                admin_token=server.admin_token,
                server=server,
                ca_file=server.ca_file,
            )
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        emulator.stop()


@pytest.fixture
def emulator(emulator_factory: EmulatorFactory) -> RunningEmulator:
    """A local Identity Center with the default directory (demo/demo, account 123456789012)."""
    return emulator_factory()
