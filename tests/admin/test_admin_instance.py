"""The instance as sso-admin describes it with one Region: DescribeInstance, ListRegions and
DescribeRegion in botocore's shapes (``RegionMetadata``), the Region the emulator serves as primary."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .admin_support import admin_of


def test_one_region_instance_reports_its_region(idc_center: Any) -> None:
    admin = admin_of(idc_center)
    region = idc_center.region
    described = admin.sso.describe_instance(InstanceArn=admin.instance_arn)
    assert described["PrimaryRegion"] == region
    assert [(r["RegionName"], r["IsPrimaryRegion"], r["Status"]) for r in described["Regions"]] == [
        (region, True, "ACTIVE")
    ]
    assert admin.sso.list_regions(InstanceArn=admin.instance_arn)["Regions"] == described["Regions"]
    assert admin.sso.describe_region(InstanceArn=admin.instance_arn, RegionName=region)["IsPrimaryRegion"]
    with pytest.raises(ClientError) as other:
        admin.sso.describe_region(InstanceArn=admin.instance_arn, RegionName="eu-central-1")
    assert other.value.response["Error"]["Code"] == "ResourceNotFoundException"
