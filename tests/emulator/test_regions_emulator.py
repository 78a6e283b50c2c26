"""The local Identity Center in two Regions: own listeners and portal URLs, per-Region registrations and
tokens, replicated user sessions, role credentials and revocations, and each way a Region goes down."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from idc.emulator.page_approver import PageApprover
from regions_fixture import ADDITIONAL, PRIMARY, RunningRegions

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _client(service: str, regions: RunningRegions, region: str) -> Any:
    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=regions[region].base_url,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )


class Login:
    """A device-flow sign-in in each Region, approved by one browser (one cookie jar)."""

    def __init__(self, regions: RunningRegions) -> None:
        self.regions = regions
        self.code = ""
        self.approver = PageApprover(keep_cookies=True, user_code=lambda: self.code)

    def login(self, region: str) -> tuple[dict[str, Any], dict[str, Any]]:
        oidc = _client("sso-oidc", self.regions, region)
        client = oidc.register_client(
            clientName="idc-tests", clientType="public", scopes=["sso:account:access"]
        )
        start = oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=self.regions[region].start_url,
        )
        self.code = start["userCode"]
        self.approver(start["verificationUriComplete"])
        self.approver.wait()
        token = oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=start["deviceCode"],
        )
        return client, token


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_each_region_has_its_own_listener_and_portal_start_url(regions_emulator: RunningRegions) -> None:
    primary, additional = regions_emulator[PRIMARY], regions_emulator[ADDITIONAL]
    assert primary.base_url != additional.base_url
    assert primary.start_url == "https://d-0000000000.awsapps.com/start"  # the directory's
    host = additional.start_url.removeprefix("https://")
    instance, region, rest = host.split(".", 2)
    assert (region, rest) == (ADDITIONAL, "portal.amazonaws.com")
    assert instance.startswith("ssoins-") and len(instance) == len("ssoins-") + 16
    info = regions_emulator.admin("info")
    assert [(r["region"], r["primary"], r["base_url"]) for r in info["regions"]] == [
        (PRIMARY, True, primary.base_url),
        (ADDITIONAL, False, additional.base_url),
    ]
    # Each Region refuses the other's start URL: it is how a client is authorized *there*.
    oidc = _client("sso-oidc", regions_emulator, ADDITIONAL)
    client = oidc.register_client(clientName="t", clientType="public")
    with pytest.raises(ClientError) as refused:
        oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=primary.start_url
        )
    assert _error_code(refused) == "InvalidRequestException"


def test_a_registration_or_token_from_another_region_is_refused(regions_emulator: RunningRegions) -> None:
    client, token = Login(regions_emulator).login(PRIMARY)
    eu_oidc = _client("sso-oidc", regions_emulator, ADDITIONAL)
    with pytest.raises(ClientError) as foreign_client:
        eu_oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=regions_emulator[ADDITIONAL].start_url,
        )
    assert _error_code(foreign_client) == "InvalidClientException"
    with pytest.raises(ClientError) as foreign_refresh:
        eu_oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )
    assert _error_code(foreign_refresh) == "InvalidClientException"
    with pytest.raises(ClientError) as foreign_token:
        _client("sso", regions_emulator, ADDITIONAL).list_accounts(accessToken=token["accessToken"])
    assert _error_code(foreign_token) == "UnauthorizedException"
    # ...while at home they work.
    accounts = _client("sso", regions_emulator, PRIMARY).list_accounts(accessToken=token["accessToken"])
    assert [a["accountId"] for a in accounts["accountList"]] == ["123456789012"]


def test_one_password_signs_in_every_region_and_each_keeps_its_own_token(
    regions_emulator: RunningRegions,
) -> None:
    login = Login(regions_emulator)
    _us_client, us_token = login.login(PRIMARY)
    _eu_client, eu_token = login.login(ADDITIONAL)
    assert login.approver.passwords_typed == 1  # the second Region: "Continue as demo", no password
    for region, token in ((PRIMARY, us_token), (ADDITIONAL, eu_token)):
        sso = _client("sso", regions_emulator, region)
        assert sso.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert regions_emulator.stats(ADDITIONAL)["CreateToken"] == 1
    assert regions_emulator.stats(PRIMARY)["CreateToken"] == 1
    assert us_token["accessToken"] != eu_token["accessToken"]


def test_the_regions_keep_their_cookies_apart(regions_emulator: RunningRegions) -> None:
    login = Login(regions_emulator)
    login.login(PRIMARY)
    jar = login.approver._jar
    assert jar is not None
    names = {cookie.name for cookie in jar}
    assert f"idc_session_{PRIMARY}" in names
    assert not any(name.endswith(ADDITIONAL) and name.startswith("idc_session") for name in names)
    # The browser sends the primary's cookies to the other port too (cookies ignore ports): the
    # additional Region's portal still wants its own sign-in, offered through the identity provider.
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    eu = regions_emulator[ADDITIONAL]
    with opener.open(f"{eu.base_url}{eu.center.start_path}", timeout=10) as response:
        page = response.read().decode()
        assert response.url.startswith(f"{eu.base_url}/login")
    assert "Continue as demo" in page and 'type="password"' not in page


def test_end_sessions_ends_the_session_in_every_region(regions_emulator: RunningRegions) -> None:
    login = Login(regions_emulator)
    us_client, us_token = login.login(PRIMARY)
    _eu_client, eu_token = login.login(ADDITIONAL)
    assert regions_emulator.end_sessions() >= 1
    for region, token in ((PRIMARY, us_token), (ADDITIONAL, eu_token)):
        with pytest.raises(ClientError) as ended:
            _client("sso", regions_emulator, region).list_accounts(accessToken=token["accessToken"])
        assert _error_code(ended) == "UnauthorizedException", region
    with pytest.raises(ClientError) as refresh:
        _client("sso-oidc", regions_emulator, PRIMARY).create_token(
            clientId=us_client["clientId"],
            clientSecret=us_client["clientSecret"],
            grantType="refresh_token",
            refreshToken=us_token["refreshToken"],
        )
    assert _error_code(refresh) == "InvalidGrantException"
    # The identity provider's offer ended with the session: the next sign-in types the password.
    login.login(ADDITIONAL)
    assert login.approver.passwords_typed == 2


def test_a_sign_out_in_one_region_ends_the_session_everywhere(regions_emulator: RunningRegions) -> None:
    login = Login(regions_emulator)
    _us_client, us_token = login.login(PRIMARY)
    _eu_client, eu_token = login.login(ADDITIONAL)
    _client("sso", regions_emulator, ADDITIONAL).logout(accessToken=eu_token["accessToken"])
    with pytest.raises(ClientError) as ended:
        _client("sso", regions_emulator, PRIMARY).list_accounts(accessToken=us_token["accessToken"])
    assert _error_code(ended) == "UnauthorizedException"


def test_role_credentials_from_either_portal_verify_at_either_sts(regions_emulator: RunningRegions) -> None:
    login = Login(regions_emulator)
    tokens = {PRIMARY: login.login(PRIMARY)[1], ADDITIONAL: login.login(ADDITIONAL)[1]}
    for issued_in, verified_in in ((ADDITIONAL, PRIMARY), (PRIMARY, ADDITIONAL)):
        credentials = _client("sso", regions_emulator, issued_in).get_role_credentials(
            accessToken=tokens[issued_in]["accessToken"],
            accountId="123456789012",
            roleName="AdministratorAccess",
        )["roleCredentials"]
        sts = boto3.session.Session().client(
            "sts",
            region_name=verified_in,
            endpoint_url=regions_emulator[verified_in].base_url,
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=credentials["secretAccessKey"],
            aws_session_token=credentials["sessionToken"],
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert regions_emulator.stats(verified_in)["GetCallerIdentity"] >= 1


def _raw_get(base_url: str, timeout: float) -> http.client.HTTPResponse:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    connection.request("GET", "/assignment/accounts", headers={"x-amz-sso_bearer_token": "x"})
    return connection.getresponse()


def test_a_region_refusing_connections_and_back(regions_emulator: RunningRegions) -> None:
    primary = regions_emulator[PRIMARY]
    port = primary.listener.port
    regions_emulator.region_down(PRIMARY, "refused")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert _raw_get(regions_emulator[ADDITIONAL].base_url, 5).status == 401  # the other Region is up
    regions_emulator.clear_faults()
    assert primary.listener.port == port
    assert _raw_get(primary.base_url, 5).status == 401  # answers again, as itself


def test_a_silent_region_accepts_and_never_answers(regions_emulator: RunningRegions) -> None:
    primary = regions_emulator[PRIMARY]
    regions_emulator.region_down(PRIMARY, "silent")
    with pytest.raises(TimeoutError):
        _raw_get(primary.base_url, 0.5)
    socket.create_connection(("127.0.0.1", primary.listener.port), timeout=5).close()  # accepted
    assert regions_emulator.admin("faults")["down"] == {PRIMARY: "silent"}
    regions_emulator.clear_faults()
    assert _raw_get(primary.base_url, 5).status == 401


def test_a_region_answering_503(regions_emulator: RunningRegions) -> None:
    primary = regions_emulator[PRIMARY]
    regions_emulator.region_down(PRIMARY, "5xx")
    response = _raw_get(primary.base_url, 5)
    assert response.status == 503
    assert response.getheader("x-amzn-ErrorType") == "ServiceUnavailableException"
    assert json.loads(response.read()) == {"message": "Service Unavailable"}
    with pytest.raises(ClientError) as unavailable:
        _client("sso-oidc", regions_emulator, PRIMARY).register_client(clientName="t", clientType="public")
    assert unavailable.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    regions_emulator.clear_faults()
    assert _raw_get(primary.base_url, 5).status == 401


def test_the_admin_api_lives_on_its_own_listener(regions_emulator: RunningRegions) -> None:
    with pytest.raises(urllib.error.HTTPError) as elsewhere:
        urllib.request.urlopen(
            urllib.request.Request(f"{regions_emulator[PRIMARY].base_url}/_admin/stats", data=b"{}"),
            timeout=5,
        )
    assert elsewhere.value.code == 404
    assert regions_emulator.emulator.admin_url in json.loads(elsewhere.value.read())["message"]
    with pytest.raises(urllib.error.HTTPError) as unknown:
        regions_emulator.region_down("ap-south-1")
    assert unknown.value.code == 400
