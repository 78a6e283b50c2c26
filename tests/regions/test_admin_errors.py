"""What an administrator's setup can break, said as such: the instance's KMS key, RegisterClient's
SlowDownException. Real idc processes and botocore against the local Identity Center."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from idc.storage.token_cache import token_cache_key
from regions.two_regions import PRIMARY, TwoRegions, login_everywhere

pytestmark = pytest.mark.timeout(180)

IDC = [sys.executable, "-m", "idc"]


@pytest.mark.parametrize(
    ("error", "reason", "words"),
    [
        (
            "access_denied",
            "KMS_AccessDeniedException",
            "AccessDeniedException, KMS_AccessDeniedException): Identity Center is denied the use of it "
            "(its key policy)",
        ),
        (
            "invalid_request",
            "KMS_DisabledException",
            "InvalidRequestException, KMS_DisabledException): it is disabled",
        ),
        (
            "invalid_request",
            "KMS_NotFoundException",
            "InvalidRequestException, KMS_NotFoundException): it cannot be found (deleted, or in another "
            "account or Region)",
        ),
    ],
)
def test_a_kms_reason_on_refresh_names_the_key_and_the_administrator(
    signed_in_everywhere: TwoRegions, error: str, reason: str, words: str
) -> None:
    two = signed_in_everywhere
    # The token has to be refreshed now: its access token is over, its refresh token is not.
    path = two.home.home / ".aws" / "sso" / "cache" / f"{token_cache_key('corp', '')}.json"
    token = json.loads(path.read_text())
    token["expiresAt"] = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(token))
    two.running.admin(
        "fault", {"region": PRIMARY, "operation": "CreateToken", "error": error, "reason": reason}
    )
    result = subprocess.run(
        [*IDC, "credentials", "--profile", "dev"], env=two.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 6, result.stderr
    assert result.stderr == (
        f"idc: IAM Identity Center cannot use its instance's KMS key (CreateToken: {words}. Only the "
        "Identity Center administrator can fix the key (signing in again will not help).\n"
    )
    assert two.additional.calls("GetRoleCredentials") == 0  # an answer, not an outage


def test_register_client_slow_down_is_waited_out(two_regions: TwoRegions) -> None:
    two = two_regions
    two.running.admin(
        "fault", {"region": PRIMARY, "operation": "RegisterClient", "error": "slow_down", "count": 2}
    )
    output, _ = login_everywhere(two)
    # Without the pauses RegisterClient's SlowDownException would end the sign-in in the primary.
    assert output.count("Successfully logged into Start URL") == 2
