"""A mistyped profile, sso-session or start URL: one wording in every command, with "did you mean";
and an error printed under ``--debug`` does not tell the user to add ``--debug`` (issue 17, item 7)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from idc.errors import ConfigError, IdcError, ServiceError, closest_match, render
from idc.signin.start_url import mistyped_start_url

CONFIG = """\
[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1

[profile AdministratorAccess]
sso_session = my-sso
sso_account_id = 123456789012
sso_role_name = AdministratorAccess

[profile dev]
region = eu-west-1
"""

PROFILE_TYPO = (
    "idc: The config profile (AdministratorAcess) could not be found. Did you mean AdministratorAccess? "
    "Otherwise run `idc configure sso --profile AdministratorAcess` to create it."
)
SESSION_TYPO = (
    'idc: The specified sso-session does not exist: "my-ss". Did you mean my-sso? '
    "Otherwise run `idc configure sso-session` to create it."
)


def _idc(aws_home: Any, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idc", *args],
        env={**aws_home.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["credentials"],
        ["credentials", "--format", "env"],
        ["exec", "--", "true"],
        ["exec", "--server", "--", "true"],
        ["whoami"],
        ["console", "--print"],
        ["login"],
        ["logout"],
        ["list"],
        ["populate"],
    ],
    ids=lambda args: "-".join(a for a in args if a not in ("--", "true")),
)
def test_a_mistyped_profile_gets_one_wording_and_did_you_mean(aws_home: Any, args: list[str]) -> None:
    aws_home.config_file.write_text(CONFIG)
    command, rest = args[0], args[1:]
    before_dashes = rest[: rest.index("--")] if "--" in rest else rest
    after = rest[len(before_dashes) :]
    done = _idc(aws_home, command, *before_dashes, "--profile", "AdministratorAcess", *after)
    assert done.returncode == 3, done.stderr
    assert done.stderr == PROFILE_TYPO + "\n"
    if command == "logout":
        return  # without --profile it signs out of every session, as `aws sso logout` does
    # the same through AWS_PROFILE, where no --profile is given
    through_env = _idc(aws_home, *args, env={"AWS_PROFILE": "AdministratorAcess"})
    assert through_env.stderr == PROFILE_TYPO + "\n"


def test_serve_says_it_in_the_same_words(aws_home: Any) -> None:
    aws_home.config_file.write_text(CONFIG)
    child = subprocess.Popen(
        [sys.executable, "-m", "idc", "serve", "--profile", "AdministratorAcess"],
        env=aws_home.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        first = child.stderr.readline()
    finally:
        child.terminate()
        child.wait(timeout=30)
    assert PROFILE_TYPO.removeprefix("idc: ") in first


@pytest.mark.parametrize("command", ["login", "logout", "list", "populate"])
def test_a_mistyped_sso_session_gets_did_you_mean(aws_home: Any, command: str) -> None:
    aws_home.config_file.write_text(CONFIG)
    done = _idc(aws_home, command, "--sso-session", "my-ss")
    assert done.returncode == 3, done.stderr
    assert done.stderr == SESSION_TYPO + "\n"


def test_a_profile_naming_a_mistyped_session_gets_did_you_mean(aws_home: Any) -> None:
    aws_home.config_file.write_text(CONFIG.replace("sso_session = my-sso", "sso_session = my_sso"))
    done = _idc(aws_home, "login", "--profile", "AdministratorAccess")
    assert done.returncode == 3
    assert done.stderr == (
        'idc: The specified sso-session does not exist: "my_sso". Did you mean my-sso? '
        "Fix sso_session in profile AdministratorAccess, or run `idc configure sso-session`.\n"
    )


def test_nothing_close_lists_the_known_names(aws_home: Any) -> None:
    aws_home.config_file.write_text(CONFIG)
    done = _idc(aws_home, "whoami", "--profile", "production")
    assert done.stderr == (
        "idc: The config profile (production) could not be found. Run `idc configure sso --profile "
        "production` to create it (known profiles: AdministratorAccess, dev).\n"
    )


@pytest.mark.parametrize(
    ("word", "known", "expected"),
    [
        pytest.param("AdministratorAcess", ["AdministratorAccess", "dev"], "AdministratorAccess", id="typo"),
        pytest.param("DEV", ["dev", "prod"], "dev", id="case"),
        pytest.param("prd", ["prod", "dev"], "prod", id="missing-letter"),
        pytest.param("staging", ["prod", "dev"], None, id="nothing-close"),
        pytest.param("dve", ["dev", "prod"], "dev", id="short-swapped-pair"),
        pytest.param("dex", ["dev", "prod"], "dev", id="short-one-letter-changed"),
        pytest.param("qa", ["qb", "prod"], None, id="two-letters-too-short-to-guess"),
        pytest.param("vde", ["dev"], None, id="two-slips-are-not-a-typo"),
        pytest.param("eu-wset-1", ["eu-west-1", "eu-west-2", "us-east-1"], "eu-west-1", id="region"),
    ],
)
def test_closest_match(word: str, known: list[str], expected: str | None) -> None:
    assert closest_match(word, known) == expected


# --- --debug -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "plain", "debugging"),
    [
        pytest.param(
            ServiceError(
                "IAM Identity Center refused GetRoleCredentials (X).",
                hint="Try again; run with --debug for details.",
            ),
            "idc: IAM Identity Center refused GetRoleCredentials (X). Try again; "
            "run with --debug for details.",
            "idc: IAM Identity Center refused GetRoleCredentials (X). Try again.",
            id="clause",
        ),
        pytest.param(
            ServiceError(
                "STS refused GetCallerIdentity (X).",
                hint="Run `idc whoami --profile dev --debug` for details.",
            ),
            "idc: STS refused GetCallerIdentity (X). Run `idc whoami --profile dev --debug` for details.",
            "idc: STS refused GetCallerIdentity (X).",
            id="sentence",
        ),
        pytest.param(
            ConfigError(
                "The config profile (x) could not be found", hint="Run `idc configure sso --profile x`."
            ),
            "idc: The config profile (x) could not be found. Run `idc configure sso --profile x`.",
            "idc: The config profile (x) could not be found. Run `idc configure sso --profile x`.",
            id="no-debug-advice",
        ),
        pytest.param(
            ValueError("secret"),
            "idc: unexpected ValueError; run again with --debug for details",
            "idc: unexpected ValueError (the traceback is above)",
            id="unexpected",
        ),
    ],
)
def test_render_leaves_out_debug_advice_under_debug(error: BaseException, plain: str, debugging: str) -> None:
    assert render(error) == plain
    assert render(error, debug=True) == debugging
    if isinstance(error, IdcError):
        assert error.hint is not None  # the error itself is unchanged


# --- start URLs on a mistyped AWS domain -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://d-1234567890.awsaps.com/start", "https://d-1234567890.awsapps.com/start"),
        ("https://d-1234567890.awsapp.com/start", "https://d-1234567890.awsapps.com/start"),
        ("https://d-1234567890.awsapps.co/start", "https://d-1234567890.awsapps.com/start"),
        (
            "https://ssoins-1.eu-west-1.portal.amazonaws.co/start",
            "https://ssoins-1.eu-west-1.portal.amazonaws.com/start",
        ),
        (
            "https://ssoins-1.portal.ap-northeast-1.app.aw/start",
            "https://ssoins-1.portal.ap-northeast-1.app.aws/start",
        ),
        ("https://d-1234567890.awsaps.cn/start", "https://d-1234567890.awsapps.cn/start"),
        ("https://d-1234567890.awsapps.com/start", None),
        ("https://sso.example.com/start", None),
        ("https://awsapps.example.com/start", None),
        ("https://login.mycompany.com/start", None),
    ],
    ids=lambda value: value or "none",
)
def test_mistyped_start_url(url: str, expected: str | None) -> None:
    assert mistyped_start_url(url) == expected


def test_a_sign_in_to_a_mistyped_start_url_says_so_without_a_lookup(aws_home: Any) -> None:
    aws_home.config_file.write_text(CONFIG.replace("awsapps.com", "awsaps.com"))
    # No network is needed for this answer: a lookup would fail on DNS (exit 6), or go to a proxy.
    done = _idc(
        aws_home, "login", "--profile", "AdministratorAccess", env={"HTTPS_PROXY": "http://127.0.0.1:9"}
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr == (
        "idc: The start URL https://d-1234567890.awsaps.com/start is not on an AWS domain: did you mean "
        "https://d-1234567890.awsapps.com/start? "
        "Run `idc configure sso-session --sso-session my-sso` to fix it.\n"
    )


def test_configure_refuses_a_mistyped_start_url_before_any_question(aws_home: Any) -> None:
    args = ["configure", "sso-session", "--sso-session", "s", "--sso-region", "eu-west-1"]
    done = _idc(aws_home, *args, "--start-url", "https://ssoins-1.eu-west-1.portal.amazonaws.co/start")
    assert done.returncode == 3
    assert done.stderr == (
        'idc: --start-url: The SSO start URL "https://ssoins-1.eu-west-1.portal.amazonaws.co/start" is not '
        "on an AWS domain: did you mean https://ssoins-1.eu-west-1.portal.amazonaws.com/start?\n"
    )
