"""The local Identity Center in several Regions: one replicated instance, one listener per Region.

``idc emulator --regions us-east-1,eu-west-1`` (the first is the primary). sso-oidc and portal calls are
unsigned, so the listener is the only honest sign of the Region a client reached: each Region has its
own port on 127.0.0.1, its own portal start URL (the primary keeps the directory's; an additional
Region's is ``https://ssoins-<id>.<region>.portal.amazonaws.com``), its own registrations and tokens,
and the replicated user sessions and role credentials (:mod:`.replicated`). A separate admin listener
(never taken down) takes a Region down and back (:mod:`.outage`, :mod:`.admin`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from idc.emulator.app import allowed_hosts_for, create_app
from idc.emulator.clock import EmulatorClock
from idc.emulator.directory import Directory, load_directory
from idc.emulator.regions.admin import admin_app, refer_to_admin
from idc.emulator.regions.idp_pages import idp_routes
from idc.emulator.regions.listener import Listener
from idc.emulator.regions.names import additional_portal_url
from idc.emulator.regions.outage import MODES, RegionGate
from idc.emulator.regions.replicated import RegionalCenter, Replication
from idc.emulator.server import admin_token_of
from idc.emulator.state_store import StateStore
from idc.errors import ConfigError


@dataclasses.dataclass
class Region:
    """One Region: its name, engine, listener and outage gate."""

    name: str
    center: RegionalCenter
    listener: Listener
    gate: RegionGate
    down: str | None = None  # None, or the mode it is down in

    @property
    def base_url(self) -> str:
        return self.listener.base_url

    @property
    def start_url(self) -> str:
        return self.center.start_url

    @property
    def primary(self) -> bool:
        return self.center.primary


class RegionsEmulator:
    """``regions`` (name -> :class:`Region`, the primary first), ``admin_url``, ``admin_token``."""

    def __init__(
        self,
        regions: Sequence[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Directory | Mapping[str, Any] | Path | str | None = None,
        state: Path | str | None = None,
        clock: EmulatorClock | None = None,
        tps_limit: float | None = None,
        latency_ms: float | None = None,
        admin_token: str | None = None,
        access_log: bool = False,
        log_level: str = "warning",
        device_url_style: str = "request-uri",
    ) -> None:
        if not regions:
            raise ConfigError("an emulator in several Regions needs at least one Region")
        loaded = load_directory(directory)
        primary = dataclasses.replace(loaded, region=regions[0])
        self.clock = clock if clock is not None else EmulatorClock()
        self.replication = Replication()
        self._store_lock = threading.RLock()  # one lock for every Region's store (see .replicated)
        self._outage_lock = threading.Lock()
        self._log_level = "info" if access_log and log_level == "warning" else log_level
        self._access_log = access_log
        self.regions: dict[str, Region] = {}
        for index, name in enumerate(regions):
            regional = primary
            if index:
                start_url = additional_portal_url(primary.start_url, name)
                regional = dataclasses.replace(primary, region=name, start_url=start_url)
            store = StateStore(_state_path(state, name, index), lock=self._store_lock)
            center = RegionalCenter(
                regional,
                replication=self.replication,
                store=store,
                clock=self.clock,
                builtin_directory=directory is None,
                primary=index == 0,
                device_url_style=device_url_style,
            )
            if tps_limit is not None:
                center.faults.add({"tps_limit": tps_limit}, baseline=True)
            if latency_ms:
                center.faults.add({"latency_ms": latency_ms}, baseline=True)
            app = create_app(
                center,
                admin_token=None,
                allowed_hosts=allowed_hosts_for(host),
                extra_routes=[refer_to_admin(lambda: self.admin_url), *idp_routes(center)],
            )
            gate = RegionGate(app)
            listener = Listener(
                gate,
                host=host,
                port=port + index if port else 0,
                name=name,
                log_level=self._log_level,
                access_log=access_log,
            )
            self.regions[name] = Region(name, center, listener, gate)
        self.replication.share_administration()
        self.primary = regions[0]
        self.admin_token = admin_token or admin_token_of(self.regions[self.primary].center.store)
        self.admin = Listener(
            admin_app(self, self.admin_token),
            host=host,
            port=port + len(regions) if port else 0,
            name="admin",
            log_level=self._log_level,
            access_log=access_log,
        )

    # --- running ---------------------------------------------------------------------------------------
    @property
    def admin_url(self) -> str:
        return self.admin.base_url

    @property
    def region_names(self) -> list[str]:
        return list(self.regions)

    def start(self) -> RegionsEmulator:
        try:
            self.admin.open()
            for region in self.regions.values():
                region.listener.open()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for region in self.regions.values():
            region.gate.mode = None  # silent requests answer, so the listener closes at once
            region.listener.close()
        self.admin.close()
        for region in self.regions.values():
            region.center.close()

    def __enter__(self) -> RegionsEmulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- outages ---------------------------------------------------------------------------------------
    def region_down(self, name: str, mode: str = "refused") -> None:
        """Take Region ``name`` down: connections ``refused``, never accepted (``unaccepted``), accepted but
        ``silent``, or ``5xx``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._outage_lock:
            region = self.regions[name]
            region.down = mode
            if mode in ("refused", "unaccepted"):
                region.gate.mode = None
                if mode == "refused":
                    region.listener.close()
                else:
                    region.listener.hold()
            else:
                region.gate.mode = mode
                region.listener.open()

    def region_up(self, name: str | None = None) -> None:
        """Bring Region ``name`` (default: every Region) back, on the same port."""
        with self._outage_lock:
            for region in self.regions.values():
                if name is None or region.name == name:
                    region.down = None
                    region.gate.mode = None
                    region.listener.open()

    def down(self) -> dict[str, str]:
        return {name: region.down for name, region in self.regions.items() if region.down is not None}

    def info(self) -> dict[str, Any]:
        return {
            "primary": self.primary,
            "admin_url": self.admin_url,
            "now": self.clock.now(),
            "regions": [
                {
                    "region": region.name,
                    "primary": region.primary,
                    "base_url": region.base_url,
                    "start_url": region.start_url,
                    "down": region.down,
                }
                for region in self.regions.values()
            ],
        }


def _state_path(state: Path | str | None, region: str, index: int) -> Path | None:
    """The primary keeps ``--state FILE``; an additional Region its own file beside it (FILE.eu-west-1)."""
    if state is None:
        return None
    path = Path(state)
    return path if index == 0 else path.with_name(f"{path.name}.{region}")
