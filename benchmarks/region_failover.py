"""What a dead primary Region costs: ``idc credentials`` (cold role cache) against the local Identity
Center in two Regions, with the primary up, and down in each way (connections refused, never
accepted, accepted but silent, 503), first with no outage remembered and then with it remembered.

Wall time of a fresh process, median over ``--runs`` runs per row. The promise in the README: a primary
that does not answer costs at most about 2.5 s, once (the silent case waits for the read timeout);
after that the outage is remembered and costs nothing.

    uv run python benchmarks/region_failover.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from idc.emulator.page_approver import PageApprover, user_code_in
from idc.emulator.regions.instance import RegionsEmulator

PRIMARY, ADDITIONAL = "us-east-1", "eu-west-1"


def config(emulator: RegionsEmulator) -> str:
    primary, additional = emulator.regions[PRIMARY], emulator.regions[ADDITIONAL]
    text = (
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = AdministratorAccess\n\n"
        f"[sso-session corp]\nsso_start_url = {primary.start_url}\nsso_region = {PRIMARY}\n"
        f"sso_registration_scopes = sso:account:access\nidc_failover_sessions = corp-{ADDITIONAL}\n"
        f"services = emulator-{PRIMARY}\n\n"
        f"[sso-session corp-{ADDITIONAL}]\nsso_start_url = {additional.start_url}\n"
        f"sso_region = {ADDITIONAL}\n"
        f"sso_registration_scopes = sso:account:access\nservices = emulator-{ADDITIONAL}\n"
    )
    for region in (primary, additional):
        text += (
            f"\n[services emulator-{region.name}]\nsso_oidc =\n  endpoint_url = {region.base_url}\n"
            f"sso =\n  endpoint_url = {region.base_url}\n"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    emulator = RegionsEmulator((PRIMARY, ADDITIONAL)).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            (home / ".aws").mkdir()
            (home / ".aws" / "config").write_text(config(emulator))
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws" / "config"))
            os.environ.update(HOME=env["HOME"], AWS_CONFIG_FILE=env["AWS_CONFIG_FILE"])
            from idc.aws.clients import BotocoreClientFactory
            from idc.config import load_config
            from idc.signin.region_login import login_everywhere
            from idc.storage.locations import Locations

            terminal = io.StringIO()
            approver = PageApprover(
                user_code=lambda: user_code_in(terminal.getvalue()), cookies=http.cookiejar.CookieJar()
            )
            locations = Locations.from_environ()
            target = load_config(locations).sign_in_subject("dev")
            login_everywhere(
                target,
                locations=locations,
                client_factory=BotocoreClientFactory(),
                opener=approver,
                out=terminal,
            )
            approver.wait()
            cache = home / ".aws" / "cli" / "cache"
            outages = home / ".aws" / "idc" / "region-outages.json"

            def admin(action: str, body: dict[str, object]) -> None:
                import urllib.request

                request = urllib.request.Request(
                    f"{emulator.admin_url}/_admin/{action}",
                    data=json.dumps(body).encode(),
                    headers={"Authorization": f"Bearer {emulator.admin_token}"},
                    method="POST",
                )
                urllib.request.urlopen(request, timeout=10).read()

            def timed(remembered: bool) -> float:
                for path in cache.glob("*.json"):
                    path.unlink()
                if not remembered and outages.exists():
                    outages.unlink()
                started = time.monotonic()
                result = subprocess.run(
                    [sys.executable, "-m", "idc", "credentials", "--profile", "dev"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                elapsed = time.monotonic() - started
                if result.returncode != 0:
                    raise SystemExit(f"idc credentials failed: {result.stderr.strip()}")
                return elapsed

            heading = f"{'primary':<28} {'median s':>9} {'max s':>7}"
            print(f"{heading}  (runs: {runs}, fresh process, cold role cache)")
            for mode in (None, "refused", "unaccepted", "silent", "5xx"):
                admin("clear-faults", {})
                if mode:
                    admin("fault", {"region_down": PRIMARY, "mode": mode})
                for remembered in (False, True) if mode else (False,):
                    walls = [timed(remembered) for _ in range(runs)]
                    label = (
                        "up" if mode is None else f"{mode}, {'remembered' if remembered else 'first call'}"
                    )
                    print(f"{label:<28} {statistics.median(walls):9.2f} {max(walls):7.2f}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
