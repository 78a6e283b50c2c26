"""The local Identity Center in two Regions: own listeners and portal URLs, per-Region registrations and
tokens, replicated user sessions, role credentials and revocations, and each way a Region goes down."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
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

    def __init__(self, regions: RunningRegions, username: str = "demo") -> None:
        self.regions = regions
        self.code = ""
        self.approver = PageApprover(
            username, username, cookies=http.cookiejar.CookieJar(), user_code=lambda: self.code
        )

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
    jar = login.approver.cookies
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
        # The console's federation endpoint of either Region takes them too (a regional sign-in host).
        session = {
            "sessionId": credentials["accessKeyId"],
            "sessionKey": credentials["secretAccessKey"],
            "sessionToken": credentials["sessionToken"],
        }
        form = urllib.parse.urlencode({"Action": "getSigninToken", "Session": json.dumps(session)}).encode()
        request = urllib.request.Request(f"{regions_emulator[verified_in].base_url}/federation", data=form)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["SigninToken"]


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


def test_a_region_that_never_accepts_a_connection(regions_emulator: RunningRegions) -> None:
    primary = regions_emulator[PRIMARY]
    regions_emulator.region_down(PRIMARY, "unaccepted")
    with pytest.raises(TimeoutError):  # the connect itself times out (the kernel drops the SYN)
        socket.create_connection(("127.0.0.1", primary.listener.port), timeout=0.5).close()
    assert _raw_get(regions_emulator[ADDITIONAL].base_url, 5).status == 401
    regions_emulator.region_down(PRIMARY, "refused")  # from one mode to another
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", primary.listener.port), timeout=5).close()
    regions_emulator.clear_faults()
    assert _raw_get(primary.base_url, 5).status == 401


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


def test_the_approver_command_keeps_one_browsers_cookies_across_runs(
    regions_emulator: RunningRegions, tmp_path: Any
) -> None:
    """As a BROWSER command, each run is a process: --cookies FILE makes them one browser, so the second
    Region's approval needs no password (a wrong one proves it was not typed)."""
    jar = tmp_path / "cookies.txt"
    for region, password in ((PRIMARY, "demo"), (ADDITIONAL, "not-the-password")):
        oidc = _client("sso-oidc", regions_emulator, region)
        client = oidc.register_client(clientName="t", clientType="public")
        start = oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=regions_emulator[region].start_url,
        )
        command = [sys.executable, "-m", "idc.emulator.page_approver_cli", "--cookies", str(jar)]
        command += [
            "--password",
            password,
            "--user-code",
            start["userCode"],
            start["verificationUriComplete"],
        ]
        walk = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert walk.returncode == 0, walk.stderr
        token = oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=start["deviceCode"],
        )
        assert token["accessToken"]
    assert oct(jar.stat().st_mode & 0o777) == "0o600"


def test_state_keeps_each_regions_registrations_and_tokens_across_a_restart(
    regions_factory: Any, tmp_path: Any
) -> None:
    state = tmp_path / "state.sqlite"
    first = regions_factory(state=state)
    login = Login(first)
    tokens = {PRIMARY: login.login(PRIMARY)[1], ADDITIONAL: login.login(ADDITIONAL)[1]}
    admin_token = first.emulator.admin_token
    first.emulator.stop()
    assert state.exists() and (tmp_path / f"state.sqlite.{ADDITIONAL}").exists()

    again = regions_factory(state=state)
    assert again.emulator.admin_token == admin_token
    for region, token in tokens.items():
        assert _client("sso", again, region).list_accounts(accessToken=token["accessToken"])["accountList"]
    with pytest.raises(ClientError) as foreign:
        _client("sso", again, ADDITIONAL).list_accounts(accessToken=tokens[PRIMARY]["accessToken"])
    assert _error_code(foreign) == "UnauthorizedException"


def test_one_clock_and_per_region_faults(regions_emulator: RunningRegions) -> None:
    login = Login(regions_emulator)
    tokens = {PRIMARY: login.login(PRIMARY)[1], ADDITIONAL: login.login(ADDITIONAL)[1]}
    regions_emulator.admin("fault", {"region": ADDITIONAL, "operation": "ListAccounts", "status": 500})
    with pytest.raises(ClientError) as failed:
        _client("sso", regions_emulator, ADDITIONAL).list_accounts(
            accessToken=tokens[ADDITIONAL]["accessToken"]
        )
    assert _error_code(failed) == "InternalServerException"
    assert _client("sso", regions_emulator, PRIMARY).list_accounts(accessToken=tokens[PRIMARY]["accessToken"])
    regions_emulator.clear_faults()
    regions_emulator.admin("advance-clock", {"seconds": 3601})  # past the access tokens' hour, everywhere
    for region, token in tokens.items():
        with pytest.raises(ClientError) as expired:
            _client("sso", regions_emulator, region).list_accounts(accessToken=token["accessToken"])
        assert _error_code(expired) == "UnauthorizedException", region


@pytest.mark.parametrize(
    ("token", "body", "status"),
    [("wrong", b"{}", 403), (None, b"[", 400), (None, b'{"region_down": "eu-west-1", "mode": "off"}', 400)],
    ids=["wrong-token", "not-json", "unknown-mode"],
)
def test_the_admin_listener_refuses_bad_requests(
    regions_emulator: RunningRegions, token: str | None, body: bytes, status: int
) -> None:
    emulator = regions_emulator.emulator
    request = urllib.request.Request(
        f"{emulator.admin_url}/_admin/fault",
        data=body,
        headers={"Authorization": f"Bearer {token or emulator.admin_token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == status
    assert regions_emulator.admin("faults")["down"] == {}


def test_what_the_admin_apis_change_in_the_primary_every_region_serves(
    regions_emulator: RunningRegions,
) -> None:
    """One instance, one configuration: a user created through identitystore at the primary signs in at
    the additional Region (with its own start URL there)."""
    token = Login(regions_emulator, "admin").login(PRIMARY)[1]
    credentials = _client("sso", regions_emulator, PRIMARY).get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="AdministratorAccess"
    )["roleCredentials"]
    signed = {
        "region_name": PRIMARY,
        "endpoint_url": regions_emulator[PRIMARY].base_url,
        "aws_access_key_id": credentials["accessKeyId"],
        "aws_secret_access_key": credentials["secretAccessKey"],
        "aws_session_token": credentials["sessionToken"],
    }
    instance = boto3.client("sso-admin", **signed).list_instances()["Instances"][0]
    boto3.client("identitystore", **signed).create_user(
        IdentityStoreId=instance["IdentityStoreId"], UserName="alice", DisplayName="Alice"
    )
    _eu_client, eu_token = Login(regions_emulator, "alice").login(ADDITIONAL)
    accounts = _client("sso", regions_emulator, ADDITIONAL).list_accounts(accessToken=eu_token["accessToken"])
    assert accounts["accountList"] == []  # signed in; nothing assigned to alice yet
    assert regions_emulator[ADDITIONAL].center.start_url != regions_emulator[PRIMARY].center.start_url


def _sso_admin(regions: RunningRegions, region: str) -> Any:
    """sso-admin at ``region``, signed with the admin's role credentials from that Region's portal."""
    token = Login(regions, "admin").login(region)[1]
    credentials = _client("sso", regions, region).get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="AdministratorAccess"
    )["roleCredentials"]
    return boto3.client(
        "sso-admin",
        region_name=region,
        endpoint_url=regions[region].base_url,
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
    )


@pytest.mark.parametrize("region", [PRIMARY, ADDITIONAL])
def test_sso_admin_reports_the_instance_regions(regions_emulator: RunningRegions, region: str) -> None:
    """ListRegions, DescribeRegion and DescribeInstance (botocore's sso-admin shapes: RegionMetadata)
    name every Region of the instance, the primary first, whichever Region is asked."""
    admin = _sso_admin(regions_emulator, region)
    arn = admin.list_instances()["Instances"][0]["InstanceArn"]
    listed = admin.list_regions(InstanceArn=arn)["Regions"]
    assert [(r["RegionName"], r["IsPrimaryRegion"], r["Status"]) for r in listed] == [
        (PRIMARY, True, "ACTIVE"),
        (ADDITIONAL, False, "ACTIVE"),
    ]
    described = admin.describe_instance(InstanceArn=arn)
    assert described["PrimaryRegion"] == PRIMARY
    assert [r["RegionName"] for r in described["Regions"]] == [PRIMARY, ADDITIONAL]
    assert admin.describe_region(InstanceArn=arn, RegionName=ADDITIONAL)["IsPrimaryRegion"] is False
    first = admin.list_regions(InstanceArn=arn, MaxResults=1)
    second = admin.list_regions(InstanceArn=arn, MaxResults=1, NextToken=first["NextToken"])
    assert [r["RegionName"] for r in first["Regions"] + second["Regions"]] == [PRIMARY, ADDITIONAL]
    with pytest.raises(ClientError) as unknown:
        admin.describe_region(InstanceArn=arn, RegionName="ap-south-1")
    assert _error_code(unknown) == "ResourceNotFoundException"
