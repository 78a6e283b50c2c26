"""Writing and reading a session's Regions, and where each Region's calls go."""

from __future__ import annotations

import subprocess
import sys

import pytest

from idc.aws.clients import BotocoreClientFactory
from idc.config import load_config
from idc.config.session_regions import session_regions
from idc.errors import ConfigError
from idc.signin.regions import regions_of
from idc.storage.locations import Locations

IDC = [sys.executable, "-m", "idc"]
PRIMARY_URL = "https://d-1234567890.awsapps.com/start"
EU_URL = "https://ssoins-1111111111111111.eu-west-1.portal.amazonaws.com"
AP_URL = "https://ssoins-1111111111111111.ap-southeast-2.portal.amazonaws.com"


def configure(aws_home, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*IDC, "configure", "sso-session", "--sso-session", "corp", "--start-url", PRIMARY_URL,
         "--sso-region", "us-east-1", "--no-login", *extra],
        env=aws_home.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_configure_writes_one_standard_session_per_region(aws_home) -> None:
    result = configure(
        aws_home, "--failover-region", f"eu-west-1={EU_URL}", "--failover-region", f"ap-southeast-2={AP_URL}"
    )
    assert result.returncode == 0, result.stderr
    text = aws_home.config_file.read_text()
    assert "idc_failover_sessions = corp-eu-west-1, corp-ap-southeast-2" in text
    assert f"[sso-session corp-eu-west-1]\nsso_start_url = {EU_URL}\nsso_region = eu-west-1\n" in text
    config = load_config(Locations.from_environ())
    sessions = session_regions(config, "corp")
    assert [(s.name, s.sso_region, s.start_url) for s in sessions] == [
        ("corp", "us-east-1", PRIMARY_URL),
        ("corp-eu-west-1", "eu-west-1", EU_URL),
        ("corp-ap-southeast-2", "ap-southeast-2", AP_URL),
    ]
    # botocore reads each Region's session alone, as the AWS CLI does.
    import botocore.session

    full = botocore.session.get_session().full_config["sso_sessions"]
    assert full["corp-eu-west-1"] == {
        "sso_start_url": EU_URL,
        "sso_region": "eu-west-1",
        "sso_registration_scopes": "sso:account:access",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("eu-west-1", "is not REGION=PORTAL_URL"),
        (f"us-east-1={EU_URL}", "is the session's own Region"),
        ("eu-west-1=http://insecure.example", "https"),
        (f"europe={EU_URL}", "Region"),
    ],
)
def test_configure_refuses_a_bad_failover_region(aws_home, value: str, message: str) -> None:
    result = configure(aws_home, "--failover-region", value)
    assert result.returncode == 3
    assert result.stderr.startswith("idc: --failover-region: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not aws_home.config_file.exists() or "corp" not in aws_home.config_file.read_text()


def test_a_failover_session_that_does_not_exist_is_named(aws_home) -> None:
    aws_home.config_file.write_text(
        f"[sso-session corp]\nsso_start_url = {PRIMARY_URL}\nsso_region = us-east-1\n"
        "idc_failover_sessions = corp-eu\n"
    )
    config = load_config(Locations.from_environ())
    with pytest.raises(ConfigError, match='names "corp-eu", which does not exist'):
        session_regions(config, "corp")


def test_a_profile_in_each_region_keeps_its_account_and_role(aws_home) -> None:
    assert configure(aws_home, "--failover-region", f"eu-west-1={EU_URL}").returncode == 0
    with aws_home.config_file.open("a") as config:
        config.write(
            "\n[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        )
    profile = load_config(Locations.from_environ()).resolve_sso("dev")
    primary, additional = regions_of(profile, Locations.from_environ())
    assert primary == profile
    assert (additional.session_name, additional.sso_region, additional.start_url) == (
        "corp-eu-west-1",
        "eu-west-1",
        EU_URL,
    )
    assert (additional.profile_name, additional.account_id, additional.role_name) == (
        "dev",
        "123456789012",
        "Admin",
    )


def test_each_regions_calls_go_to_its_sessions_services_endpoint(aws_home, monkeypatch) -> None:
    aws_home.config_file.write_text(
        f"[sso-session corp]\nsso_start_url = {PRIMARY_URL}\nsso_region = us-east-1\nservices = us\n\n"
        f"[sso-session corp-eu]\nsso_start_url = {EU_URL}\nsso_region = eu-west-1\nservices = eu\n\n"
        "[services us]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:1001\n"
        "sso =\n  endpoint_url = http://127.0.0.1:1002\n\n"
        "[services eu]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:2001\n"
    )
    factory = BotocoreClientFactory()
    assert factory("sso-oidc", "us-east-1").meta.endpoint_url == "http://127.0.0.1:1001"
    assert factory("sso", "us-east-1").meta.endpoint_url == "http://127.0.0.1:1002"
    assert factory("sso-oidc", "eu-west-1").meta.endpoint_url == "http://127.0.0.1:2001"
    assert factory("sso", "eu-west-1").meta.endpoint_url == "https://portal.sso.eu-west-1.amazonaws.com"
    assert factory.quick()("sso-oidc", "eu-west-1").meta.endpoint_url == "http://127.0.0.1:2001"
    # The global variables still win, as in botocore.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:3001")
    assert BotocoreClientFactory()("sso-oidc", "eu-west-1").meta.endpoint_url == "http://127.0.0.1:3001"


def test_configure_on_a_terminal_asks_for_the_additional_regions(aws_home, tmp_path) -> None:
    import pexpect

    from story.helpers import child_env, command

    child = pexpect.spawn(
        command("idc"),
        ["configure", "sso-session", "--sso-session", "corp", "--start-url", PRIMARY_URL, "--no-login"],
        env=child_env(aws_home.env),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO region [None]: ")
    child.sendline("us-east-1")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    question = "Additional Region for failover, as REGION=PORTAL_URL (empty: no more) [None]: "
    child.expect_exact(question)
    child.sendline(f"us-east-1={EU_URL}")
    child.expect_exact("--failover-region: us-east-1 is the session's own Region; name an additional one.")
    child.expect_exact(question)
    child.sendline(f"eu-west-1={EU_URL}")
    child.expect_exact(question)
    child.sendline("")
    child.expect_exact("Completed configuring SSO session: corp")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    sessions = session_regions(load_config(Locations.from_environ()), "corp")
    assert [(s.name, s.sso_region) for s in sessions] == [
        ("corp", "us-east-1"),
        ("corp-eu-west-1", "eu-west-1"),
    ]
