"""The server around the engine: subprocess mode of the fixture, extra Host names, bounded state."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from emulator_clients import make_clients

from idc.emulator.server import EmulatorServer


def test_subprocess_emulator_with_a_directory_counts_what_reached_it(emulator_factory: Any) -> None:
    directory = {
        "users": [{"username": "sam", "password": "pw"}],
        "accounts": [{"id": f"{200000000000 + i}", "name": f"a{i}"} for i in range(3)],
        "permission_sets": [{"name": "ReadOnly"}],
        "assignments": [{"account": "*", "permission_set": "ReadOnly", "user": "sam"}],
    }
    emulator = emulator_factory(directory, subprocess=True, tps_limit=50)
    assert emulator.engine is None and emulator.process is not None
    aws = make_clients(emulator)
    client = aws.register()
    aws.oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=emulator.start_url
    )
    emulator.advance_clock(601)
    assert emulator.stats() == {"RegisterClient": 1, "StartDeviceAuthorization": 1}
    assert [f.get("tps_limit") for f in emulator.admin("faults")["faults"]] == [50]


def test_extra_allowed_host_names() -> None:
    with EmulatorServer(allow_hosts=["idc.test"]) as server:

        def status(host: str) -> int:
            return httpx.get(f"{server.base_url}/assignment/accounts", headers={"Host": host}).status_code

        assert status(f"idc.test:{server.port}") == 401
        assert status(f"IDC.test:{server.port}") == 401
        assert status("idc.test:9000") == 401  # a mapped port (docker -p 9000:...)
        assert status(f"other.test:{server.port}") == 400


def test_expired_state_is_purged() -> None:
    with EmulatorServer() as server:
        aws = make_clients(server)
        _, token = aws.device_login()
        credentials = aws.sso.get_role_credentials(
            accessToken=token["accessToken"], accountId="123456789012", roleName="AdministratorAccess"
        )["roleCredentials"]
        engine = server.engine
        assert engine.purge_expired() == 0
        engine.advance_clock(8 * 3600 + 86400 + 1)
        assert engine.purge_expired() >= 4  # session, access + refresh token, role credentials, device code
        identity_row = engine.store.one(
            "SELECT 1 FROM role_credentials WHERE access_key_id = ?", (credentials["accessKeyId"],)
        )
        assert identity_row is None


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_binds_loopback_only_by_default(emulator: Any) -> None:
    port = int(emulator.base_url.rsplit(":", 1)[1])
    assert emulator.server.host == "127.0.0.1"
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
        pass


def test_the_admin_token_is_kept_in_the_state_file(tmp_path: Any) -> None:
    """With --state, the exported IDC_EMULATOR_ADMIN_TOKEN keeps working after a restart."""
    state = tmp_path / "emulator.sqlite"
    with EmulatorServer(state=state) as first:
        token = first.admin_token
    with EmulatorServer(state=state) as second:
        assert second.admin_token == token
        answer = httpx.post(
            f"{second.base_url}/_admin/stats", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    with EmulatorServer() as fresh, EmulatorServer() as other:  # in memory: a new one each start
        assert fresh.admin_token != other.admin_token
