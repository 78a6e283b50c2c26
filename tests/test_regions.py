"""Region names against the Regions botocore knows: known, a plausible new one (warning), a mistake."""

from __future__ import annotations

import pytest

from idc.aws.regions import KnownRegions, check_region_name, known_regions


@pytest.mark.parametrize(
    ("region", "problem", "warned"),
    [
        pytest.param("ap-northeast-1", None, False, id="known"),
        pytest.param("us-gov-west-1", None, False, id="known-govcloud"),
        pytest.param("cn-northwest-1", None, False, id="known-china"),
        pytest.param("ap-southeast-99", None, True, id="new-region-of-a-known-partition"),
        pytest.param(
            "ap-northest-1", "is not an AWS Region (did you mean ap-northeast-1?)", False, id="typo"
        ),
        pytest.param("xx-nowhere-9", "is not an AWS Region (like us-east-1)", False, id="nowhere"),
        pytest.param("eu-westt-1", "is not an AWS Region (did you mean eu-west-1?)", False, id="typo-2"),
    ],
)
def test_region_names(region: str, problem: str | None, warned: bool) -> None:
    result = check_region_name(region)
    assert result.problem == problem
    assert (result.warning is not None) == warned
    if warned:
        assert result.warning is not None and region in result.warning and "botocore" in result.warning


def test_a_region_newer_than_botocore_is_a_warning_not_a_refusal() -> None:
    # The installed botocore without a Region it does not know yet (as an older botocore would be).
    real = known_regions()
    older = KnownRegions(real.regions - {"ap-southeast-7"}, real.patterns, "1.0.0")
    result = check_region_name("ap-southeast-7", older)
    assert result.problem is None
    assert result.warning is not None and "botocore 1.0.0" in result.warning
