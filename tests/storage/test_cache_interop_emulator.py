"""Caches against the real protocol: a token idc writes is what botocore's own SSO provider uses to call
GetRoleCredentials on the local Identity Center, and the token botocore writes after its own refresh
(CreateToken, refresh_token grant) is read back by idc (catalogue 9).

The token is obtained with plain sso-oidc calls (botocore client, device grant approved through the
emulator's pages), then stored with :func:`idc.storage.token_cache.save_token` only: this test is about the
files.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

from idc.storage import token_cache
from idc.storage.locations import Locations
from idc.storage.token_cache import SsoToken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import AwsHome
    from emulator_fixture import RunningEmulator

UTC = timezone.utc

BOTOCORE_USES_OUR_TOKEN = textwrap.dedent(
    """
    import json
    import botocore.session
    session = botocore.session.Session(profile="dev")
    creds = session.get_credentials().get_frozen_credentials()
    print(json.dumps({"access_key": creds.access_key, "has_secret": bool(creds.secret_key)}))
    """
)


def device_token(emulator: RunningEmulator) -> SsoToken:
    from idc.emulator.page_approver import PageApprover

    client = botocore.session.get_session().create_client(
        "sso-oidc",
        region_name=emulator.region,
        endpoint_url=emulator.base_url,
        config=Config(signature_version=UNSIGNED),
    )
    registration = client.register_client(
        clientName="idc-storage-test", clientType="public", scopes=["sso:account:access"]
    )
    authorization = client.start_device_authorization(
        clientId=registration["clientId"],
        clientSecret=registration["clientSecret"],
        startUrl=emulator.start_url,
    )
    approver = PageApprover(user_code=authorization["userCode"])
    approver(authorization["verificationUriComplete"])
    approver.wait()
    response = client.create_token(
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        clientId=registration["clientId"],
        clientSecret=registration["clientSecret"],
        deviceCode=authorization["deviceCode"],
    )
    now = datetime.now(UTC).replace(microsecond=0)
    return SsoToken(
        start_url=emulator.start_url,
        region=emulator.region,
        access_token=response["accessToken"],
        expires_at=now + timedelta(seconds=response["expiresIn"]),
        client_id=registration["clientId"],
        client_secret=registration["clientSecret"],
        registration_expires_at=datetime.fromtimestamp(registration["clientSecretExpiresAt"], UTC),
        refresh_token=response.get("refreshToken"),
    )


def test_botocore_calls_the_service_with_our_token_and_we_read_its_refresh(
    emulator: RunningEmulator, aws_home: AwsHome
) -> None:
    aws_home.config_file.write_text(
        f"""[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = AdministratorAccess

[sso-session corp]
sso_start_url = {emulator.start_url}
sso_region = {emulator.region}
sso_registration_scopes = sso:account:access
"""
    )
    locations = Locations.from_environ()
    token = device_token(emulator)
    assert token.refresh_token  # registered with scopes: a refresh token is issued
    key = token_cache.token_cache_key("corp", emulator.start_url)
    token_cache.save_token(locations, key, token)
    env = {**aws_home.env, **emulator.env}

    before = emulator.stats()
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE_USES_OUR_TOKEN], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["has_secret"] is True
    after = emulator.stats()
    assert after.get("GetRoleCredentials", 0) == before.get("GetRoleCredentials", 0) + 1
    assert after.get("CreateToken", 0) == before.get("CreateToken", 0)  # our token was used as is

    # Inside botocore's 15-minute refresh window: botocore refreshes with our refresh token and client
    # registration, and writes the new token with its own JSONFileCache; idc reads that file.
    token_cache.save_token(
        locations,
        key,
        token.__class__(**{**token.__dict__, "expires_at": datetime.now(UTC) + timedelta(minutes=5)}),
    )
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE_USES_OUR_TOKEN], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert emulator.stats().get("CreateToken", 0) == after.get("CreateToken", 0) + 1
    refreshed = token_cache.load_token(locations, key)
    assert refreshed is not None
    assert refreshed.access_token != token.access_token
    assert refreshed.expires_at > datetime.now(UTC) + timedelta(minutes=30)
    assert (refreshed.client_id, refreshed.client_secret) == (token.client_id, token.client_secret)
    assert refreshed.registration_expires_at == token.registration_expires_at
    assert refreshed.refresh_token  # botocore keeps the rotated (or the old) refresh token
    assert (refreshed.start_url, refreshed.region) == (emulator.start_url, emulator.region)
