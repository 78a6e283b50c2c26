"""``idc configure role``: checks before writing, a byte-exact edit, and a profile botocore reads."""

from __future__ import annotations

from typing import Any

import pytest
from credential_helpers import run_idc

CONFIG = """# my config\r
[profile sso]\r
sso_session = corp\r
sso_account_id = 123456789012\r
sso_role_name = AdministratorAccess\r
\r
[sso-session corp]\r
sso_start_url = https://d-0000000000.awsapps.com/start\r
sso_region = eu-west-1\r
\r
[profile b]\r
role_arn = arn:aws:iam::210987654321:role/B\r
source_profile = a\r
"""

ROLE = "arn:aws:iam::210987654321:role/ci/Deployer"


@pytest.fixture
def home(aws_home: Any) -> Any:
    aws_home.config_file.write_bytes(CONFIG.encode())
    return aws_home


def test_writes_one_section_and_keeps_the_rest_byte_for_byte(home: Any) -> None:
    result = run_idc(
        [
            "configure",
            "role",
            "--profile",
            "deployer",
            "--source-profile",
            "sso",
            "--role-arn",
            ROLE,
            "--external-id",
            "vendor-42",
            "--duration-seconds",
            "3600",
            "--region",
            "eu-west-1",
        ],
        home.env,
    )
    assert result.returncode == 0, result.stderr
    text = home.config_file.read_bytes().decode()
    assert text.startswith(CONFIG)
    assert text[len(CONFIG) :] == (
        "\r\n[profile deployer]\r\n"
        f"role_arn = {ROLE}\r\n"
        "source_profile = sso\r\n"
        "external_id = vendor-42\r\n"
        "duration_seconds = 3600\r\n"
        "region = eu-west-1\r\n"
    )
    import botocore.session

    profile = botocore.session.Session(profile="deployer").get_scoped_config()
    assert profile["role_arn"] == ROLE and profile["source_profile"] == "sso"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--source-profile", "nobody", "--role-arn", ROLE], 'The source profile "nobody" does not exist.'),
        (["--source-profile", "sso", "--role-arn", "arn:aws:iam::1:role/x"], "is not a role ARN"),
        (["--source-profile", "b", "--role-arn", ROLE], "Infinite loop in credential configuration detected"),
        (
            ["--source-profile", "sso", "--role-arn", ROLE, "--duration-seconds", "7200"],
            "over the 1 hour limit of role chaining",
        ),
    ],
    ids=["no-source", "arn-shape", "loop", "chaining-limit"],
)
def test_refuses_before_writing_in_one_line(home: Any, args: list[str], line: str) -> None:
    result = run_idc(["configure", "role", "--profile", "a", *args], home.env)
    assert result.returncode == 3, result.stderr
    assert line in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert home.config_file.read_bytes() == CONFIG.encode()
