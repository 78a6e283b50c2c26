"""``idc configure sso`` on a terminal with a vanity start URL behind TLS inspection (AWS CLI 2.35.13,
2.34.24): the SSO region is not asked (the portal host names it), accounts and roles are offered
sorted, the session is written with the resolved region and the token lands where the AWS CLI reads it.
"""

from __future__ import annotations

import configparser
import hashlib
import json
from pathlib import Path
from typing import Any

import pexpect
import pytest

from story.helpers import child_env, command
from tls_vanity.support import PORTAL_REGION, VANITY_HOST, approving_browser, vanity_directory

UNSORTED = vanity_directory(
    accounts=[
        {"id": "333333333333", "name": "zeta", "email": "zeta@example.com"},
        {"id": "111111111111", "name": "Alpha", "email": "alpha@example.com"},
        {"id": "222222222222", "name": "beta", "email": "beta@example.com"},
    ],
    permission_sets=[{"name": "ViewOnlyAccess"}, {"name": "AdministratorAccess"}, {"name": "billing"}],
    assignments=[
        {"account": "*", "permission_set": name, "user": "demo"}
        for name in ("ViewOnlyAccess", "AdministratorAccess", "billing")
    ],
    roles=[],  # the built-in directory's role lives in an account this directory does not have
)


def _cursor_position(child: pexpect.spawn) -> None:
    child.expect_exact("\x1b[6n")
    child.send("\x1b[1;1R")


@pytest.mark.timeout(120)
def test_configure_sso_with_a_vanity_start_url(aws_home: Any, emulator_factory: Any, tmp_path: Path) -> None:
    emulator = emulator_factory(UNSORTED, tls=True, vanity_hosts=(VANITY_HOST,))
    vanity_url = emulator.server.vanity_start_url(VANITY_HOST)
    env = child_env(
        aws_home.env,
        emulator.env,
        {"BROWSER": approving_browser(tmp_path, emulator.ca_file), "AWS_CA_BUNDLE": emulator.ca_file},
    )
    child = pexpect.spawn(
        command("idc"), ["configure", "sso"], env=env, encoding="utf-8", timeout=30, dimensions=(40, 120)
    )
    child.logfile_read = (tmp_path / "terminal.txt").open("w")
    child.expect_exact("SSO session name (Recommended): ")
    child.sendline("corp")
    child.expect_exact("SSO start URL [None]: ")
    child.sendline(vanity_url)
    # No "SSO region" question: the vanity URL redirects to a portal host that names it.
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    assert "SSO region" not in child.before
    child.sendline("")
    child.expect_exact("There are 3 AWS accounts available to you.")
    _cursor_position(child)
    child.expect_exact("(type to filter, arrows to move, Enter to pick)")
    shown = child.before
    assert shown.index("Alpha") < shown.index("beta") < shown.index("zeta")  # by name, case-insensitive
    child.send("\r")  # the first one
    child.expect_exact("Using the account ID 111111111111")
    child.expect_exact("There are 3 roles available to you.")
    _cursor_position(child)
    child.expect_exact("(type to filter, arrows to move, Enter to pick)")
    shown = child.before
    assert shown.index("AdministratorAccess") < shown.index("billing") < shown.index("ViewOnlyAccess")
    child.send("\r")
    child.expect_exact('Using the role name "AdministratorAccess"')
    child.expect_exact("Default client Region [None]: ")
    child.sendline("eu-west-1")
    child.expect_exact("CLI default output format (json if not specified) [None]: ")
    child.sendline("json")
    child.expect_exact("Profile name [AdministratorAccess-111111111111]: ")
    child.sendline("admin")
    child.expect_exact("aws sts get-caller-identity --profile admin")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (tmp_path / "terminal.txt").read_text()

    parser = configparser.RawConfigParser()
    parser.read_string(aws_home.config_file.read_text())
    assert dict(parser["sso-session corp"]) == {
        "sso_start_url": vanity_url,
        "sso_region": PORTAL_REGION,
        "sso_registration_scopes": "sso:account:access",
    }
    token = json.loads((aws_home.sso_cache / f"{hashlib.sha1(b'corp').hexdigest()}.json").read_text())
    assert (token["startUrl"], token["region"]) == (vanity_url, PORTAL_REGION)
