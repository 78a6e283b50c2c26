"""``idc serve`` and ``idc exec --server`` keep handing out credentials when the primary is down."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regions.two_regions import ADDITIONAL, PRIMARY, TwoRegions, start_serve

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]
ANNOUNCED = f"idc: IAM Identity Center in {PRIMARY} does not answer; using {ADDITIONAL}"


def test_exec_server_boto3_child_gets_credentials_from_the_additional_region(
    signed_in_everywhere: TwoRegions,
) -> None:
    two = signed_in_everywhere
    two.primary.down("silent")
    child = (
        "import boto3; "
        "c = boto3.Session().get_credentials().get_frozen_credentials(); "
        "print(c.access_key[:4], bool(c.secret_key), bool(c.token))"
    )
    result = subprocess.run(
        [*IDC, "exec", "--profile", "dev", "--server", "--", sys.executable, "-c", child],
        env=two.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == ["True", "True"]
    assert result.stderr.count(ANNOUNCED) == 1
    assert two.additional.calls("GetRoleCredentials") >= 1


def test_serve_serves_from_the_additional_region_while_the_primary_is_down(
    signed_in_everywhere: TwoRegions,
) -> None:
    from botocore.credentials import ContainerProvider

    two = signed_in_everywhere
    two.primary.down("5xx")
    process, exports = start_serve(two)
    try:
        for _ in range(2):
            credentials = ContainerProvider(environ=exports).load()
            assert credentials is not None
            assert credentials.get_frozen_credentials().access_key
        assert two.additional.calls("GetRoleCredentials") == 1  # then the endpoint's own cache
        assert two.primary.calls("GetRoleCredentials") == 0  # its listener answers 503 itself
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert err.count(ANNOUNCED) == 1
