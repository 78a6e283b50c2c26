"""idc.config reads ~/.aws/config as botocore does: the same sections, values and nested blocks
(botocore.configloader), the same SSO resolution and the same error texts (SSOProvider and
SSOTokenProvider ``_load_sso_config``), checked side by side with the real botocore."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import botocore.configloader
import botocore.exceptions
import botocore.session
import pytest
from botocore.credentials import SSOProvider
from botocore.tokens import SSOTokenProvider

from idc.config import AwsConfig, SsoProfile, ini, load_config, resolve_sso
from idc.errors import ConfigError, ExitStatus
from idc.storage.locations import Locations

START = "https://d-0000000000.awsapps.com/start"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import AwsHome


def botocore_raw(path: Path) -> dict[str, Any] | Exception:
    try:
        return botocore.configloader.raw_config_parse(str(path))
    except botocore.exceptions.ConfigParseError as exc:
        return exc


def parse_via_scan(text: str) -> dict[str, Any]:
    """The section values rebuilt from ini.scan (the editor's view) for comparison with ini.parse."""
    raw: dict[str, dict[str, list[str]]] = {}
    defaults: dict[str, list[str]] = {}
    current: dict[str, list[str]] | None = None
    for line in ini.scan(text):
        if line.kind == ini.HEADER:
            assert line.section is not None
            current = defaults if line.section == "DEFAULT" else raw.setdefault(line.section, {})
        elif line.kind == ini.OPTION:
            assert current is not None and line.option
            current[line.option] = [line.value]
        elif line.kind == ini.CONTINUATION:
            assert current is not None and line.option
            current[line.option].append(line.value)
        elif line.kind == ini.BLANK and current is not None and line.option:
            current[line.option].append("")
    out: dict[str, Any] = {}
    for name, options in raw.items():
        merged = {k: "\n".join(v).rstrip() for k, v in {**defaults, **options}.items()}
        out[name] = {k: ini.parse_nested(v, k) if v.startswith("\n") else v for k, v in merged.items()}
    return out


def assert_same_as_botocore(tmp_path: Path, text: str, newline: str = "\n") -> None:
    path = tmp_path / "config"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    want = botocore_raw(path)
    try:
        got: dict[str, Any] | Exception = ini.parse(path.read_bytes().decode("utf-8"))
    except ValueError as exc:
        got = exc
    if isinstance(want, Exception):
        assert isinstance(got, Exception), (text, got)
        with pytest.raises(ValueError):  # the editor's scan refuses it too (nested errors: when rebuilt)
            parse_via_scan(path.read_bytes().decode("utf-8"))
        return
    assert got == want, text
    assert parse_via_scan(path.read_bytes().decode("utf-8")) == want
    assert isinstance(got, dict)
    model = AwsConfig(got)
    profile_map = botocore.configloader.build_profile_map(want)
    assert model.profiles == profile_map["profiles"]
    assert model.sso_sessions == profile_map["sso_sessions"]
    assert model.services == profile_map["services"]


REAL_WORLD = f"""# AWS config of a platform team
[default]
region = eu-west-1
output = json
cli_pager =

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1
s3 =
    max_concurrent_requests = 20
    addressing_style = path
; semicolon comment
[profile "with space"]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile legacy]
sso_start_url = {START}
sso_region = us-east-1
sso_account_id = 333333333333
sso_role_name = Admin
	# a comment inside the profile, tab indented
[sso-session corp]
sso_start_url = {START}
sso_region = ap-northeast-1
sso_registration_scopes = sso:account:access

[services local-s3]
s3 =
  endpoint_url = http://127.0.0.1:5000

[profile svc]
services = local-s3
source_profile = dev
role_arn: arn:aws:iam::111111111111:role/Deploy
multi = first line
  second line

  after a blank
[preview]
cloudfront = true
[plugins]
cli_legacy_plugin_path = /opt/plugins
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_real_world_config_reads_as_botocore_reads_it(tmp_path: Path, newline: str) -> None:
    assert_same_as_botocore(tmp_path, REAL_WORLD, newline)
    assert_same_as_botocore(tmp_path, REAL_WORLD.rstrip("\n"), newline)  # no final newline


TRICKY = [
    "[default]\nregion=us-east-1",
    "[default]\nregion : us-east-1\n",
    "[default]\nkey = a = b : c\n",
    "[default]\nkey: a = b\n",
    "[default]\n  indented = option after header\n",
    "[default]\na = 1\n  b = 2\n    c = 3\n",
    "[default]\na =\n  b = 2\n  # comment inside\n\n  c = 3\n\n",
    "[default]\na =\n  b\n",  # nested line without '=' is an error in botocore
    "[default]\na = 1\na = 2\n",
    "[default]\nA = 1\na = 2\n",
    "[default]\n[default]\n",
    "[profile a]\n[profile  a]\nx = 1\n",
    '[profile a]\nx = 1\n[profile "a"]\nx = 2\n',
    "[profile a] trailing text\nx = 1\n",
    "[profile a]]\nx = 1\n",
    "[]\nx = 1\n",
    "[[x]\ny = 1\n",
    "x = 1\n[default]\n",
    "# comment first\n\n[default]\nx = 1\n",
    "[default]\nno delimiter here\n",
    "[default]\n= value\n",
    "[default]\nx = 1 # not a comment\ny = 2 ; nor this\n",
    "[DEFAULT]\nregion = us-west-2\n[profile a]\nx = 1\n[default]\noutput = text\n",
    "[DEFAULT]\nregion = us-west-2\n[DEFAULT]\noutput = text\n[profile a]\n",
    "[profile a b c]\nx = 1\n",
    "[profile 'a b']\nx = 1\n",
    '[profile "unterminated]\nx = 1\n',
    "[profilex y]\nx = 1\n",
    "[sso-session s]\nsso_region = us-east-1\n[sso-sessionfoo bar]\nx = 1\n",
    "[services]\nx = 1\n[services a]\ns3 =\n  endpoint_url = http://x\n",
    "[default]\nx = \u00e9\u00e8\nkey\u00a0with nbsp = 1\n",
    "[default]\nx = 1\n\x0c\ny = 2\n",
    "[default]\ns3 =\n\tmax_concurrent_requests = 10\n\tmultipart_threshold = 64MB\n",
    "[default]\ns3 =\n  a = 1\nregion = x\n  continuation of region\n",
    "[profile a]\n  [profile b]\n",
    "[profile a]\nx =\n  [profile b]\n",
    "[default]\nempty =\nother = 1\n",
    "\n\n\n",
    "",
    "   \n[default]\n",
]


@pytest.mark.parametrize("text", TRICKY, ids=[f"tricky-{i}" for i in range(len(TRICKY))])
def test_tricky_inputs_agree_with_botocore(tmp_path: Path, text: str) -> None:
    if not text.strip():
        path = tmp_path / "config"
        path.write_text(text)
        assert ini.parse(text) == botocore.configloader.raw_config_parse(str(path)) == {}
        return
    assert_same_as_botocore(tmp_path, text)


def test_random_configs_agree_with_botocore(tmp_path: Path) -> None:
    """A grammar of the line shapes above, shuffled: parse, scan and botocore agree on every file."""
    rng = random.Random(20261121)
    pieces = [
        "[default]",
        "[profile p{n}]",
        "  [profile q{n}]",
        "[sso-session s{n}]",
        "[services v{n}]",
        "[DEFAULT]",
        "[profile 'x y{n}']",
        "k{n} = v{n}",
        "K{n}: v = {n}",
        "s3 =",
        "  sub{n} = {n}",
        "\tdeep{n}=x",
        "    bare continuation {n}",
        "",
        "   ",
        "# c{n}",
        "  ; c{n}",
        "k = dup",
        "no delimiter",
    ]
    agreed_ok = agreed_error = 0
    for _ in range(400):
        lines = [rng.choice(pieces).format(n=rng.randint(0, 3)) for _ in range(rng.randint(1, 14))]
        text = "\n".join(lines) + rng.choice(["", "\n"])
        assert_same_as_botocore(tmp_path, text, rng.choice(["\n", "\r\n"]))
        try:
            ini.parse(text)
            agreed_ok += 1
        except ValueError:
            agreed_error += 1
    assert agreed_ok > 50 and agreed_error > 50  # both outcomes were exercised


# --- SSO resolution against botocore's providers ---------------------------------------------------------

SESSION = f"[sso-session corp]\nsso_start_url = {START}\nsso_region = ap-northeast-1\n"


def botocore_sso(config_file: Path, profile: str) -> dict[str, Any] | str | None:
    """botocore's SSOProvider view of the profile (or SSOTokenProvider's for token-only profiles)."""
    session = botocore.session.Session(profile=profile)
    try:
        loaded = SSOProvider(
            load_config=lambda: session.full_config, client_creator=None, profile_name=profile
        )._load_sso_config()
        if loaded is None:
            loaded = SSOTokenProvider(session, profile_name=profile)._load_sso_config()
    except botocore.exceptions.InvalidConfigError as exc:
        return str(exc)
    return loaded


CASES = {
    "session-format": (
        SESSION + "[profile p]\nsso_session = corp\nsso_account_id = 111111111111\n"
        "sso_role_name = Admin\nregion = eu-west-1\noutput = json\n"
    ),
    "legacy-format": (
        f"[profile p]\nsso_start_url = {START}\nsso_region = us-east-1\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
    "same-values-in-both": (
        SESSION + f"[profile p]\nsso_session = corp\nsso_start_url = {START}\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
    "inconsistent": (
        SESSION + "[profile p]\nsso_session = corp\nsso_region = us-east-1\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
    "unknown-session": "[profile p]\nsso_session = nope\nsso_account_id = 111111111111\nsso_role_name = A\n",
    "missing-role": SESSION + "[profile p]\nsso_session = corp\nsso_account_id = 111111111111\n",
    "missing-legacy-keys": "[profile p]\nsso_account_id = 111111111111\n",
    "token-only": SESSION + "[profile p]\nsso_session = corp\n",
    "token-only-unknown-session": "[profile p]\nsso_session = nope\n",
    "token-only-missing-region": (
        f"[sso-session corp]\nsso_start_url = {START}\n[profile p]\nsso_session = corp\n"
    ),
    "token-only-empty-session": "[sso-session corp]\n[profile p]\nsso_session = corp\n",
    "default-profile": (
        SESSION + "[default]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
    "profile-default-section": (
        SESSION + "[profile default]\nsso_session = corp\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
    "quoted-name": (
        SESSION + '[profile "p"]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n'
    ),
    "later-duplicate-wins": (
        SESSION + "[profile p]\nsso_session = corp\nsso_account_id = 111111111111\n"
        "sso_role_name = First\n[profile  p]\nsso_session = corp\n"
        "sso_account_id = 222222222222\nsso_role_name = Second\n"
    ),
    "scopes": (
        f"[sso-session corp]\nsso_start_url = {START}\nsso_region = ap-northeast-1\n"
        "sso_registration_scopes = sso:account:access, ,codecatalyst:read_write\n"
        "[profile p]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n"
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_sso_resolution_agrees_with_botocore(aws_home: AwsHome, case: str) -> None:
    aws_home.config_file.write_text(CASES[case])
    profile = "default" if "default" in case else "p"
    want = botocore_sso(aws_home.config_file, profile)
    config = load_config(Locations.from_environ())
    if isinstance(want, str):
        with pytest.raises(ConfigError) as info:
            config.resolve_sso(profile)
        assert info.value.message == want
        assert info.value.exit_status == ExitStatus.CONFIG
        assert info.value.hint and "idc configure" in info.value.hint
        return
    assert want is not None
    got = config.resolve_sso(profile)
    assert got.profile_name == profile
    assert got.start_url == want["sso_start_url"]
    assert got.sso_region == want["sso_region"]
    assert got.session_name == want.get("sso_session", want.get("session_name"))
    assert got.account_id == want.get("sso_account_id")
    assert got.role_name == want.get("sso_role_name")


def test_resolved_values(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(CASES["scopes"] + "region = eu-west-1\noutput = json\n")
    got = resolve_sso("p")
    assert got == SsoProfile(
        profile_name="p",
        session_name="corp",
        start_url=START,
        sso_region="ap-northeast-1",
        account_id="111111111111",
        role_name="Admin",
        registration_scopes=("sso:account:access", "codecatalyst:read_write"),
        region="eu-west-1",
        output="json",
    )
    assert not got.is_legacy and got.has_role


def test_aws_profile_env_picks_the_profile(aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_home.config_file.write_text(
        SESSION
        + "[profile a]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = A\n"
        + "[profile b]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = B\n"
    )
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "b")
    assert resolve_sso().profile_name == "b"
    monkeypatch.setenv("AWS_PROFILE", "a")  # AWS CLI v2: AWS_PROFILE first
    assert resolve_sso().account_id == "111111111111"
    assert resolve_sso("b").account_id == "222222222222"


def test_unknown_profile_uses_botocores_words_and_lists_profiles(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(CASES["session-format"])
    with pytest.raises(ConfigError) as info:
        resolve_sso("nope")
    assert info.value.message == str(botocore.exceptions.ProfileNotFound(profile="nope"))
    assert info.value.hint is not None and "idc configure sso" in info.value.hint and "p" in info.value.hint


def test_missing_config_file_is_empty(aws_home: AwsHome) -> None:
    config = load_config(Locations.from_environ())
    assert config.profile_names() == []
    with pytest.raises(ConfigError, match=r"The config profile \(default\) could not be found"):
        config.resolve_sso()


def test_credentials_file_profiles_merge_as_botocore(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(CASES["legacy-format"])
    (aws_home.home / ".aws" / "credentials").write_text("[p]\nsso_role_name = FromCreds\n[only]\nx = 1\n")
    config = load_config(Locations.from_environ())
    assert config.resolve_sso("p").role_name == "FromCreds"
    assert "only" in config.profile_names()
    session = botocore.session.Session(profile="p")
    assert session.full_config["profiles"]["p"]["sso_role_name"] == "FromCreds"


@pytest.mark.parametrize(
    ("replace", "with_", "message"),
    [
        (
            START,
            "http://d-0000000000.awsapps.com/start",
            'sso_start_url "http://d-0000000000.awsapps.com/start" of sso-session "corp" is not an https URL',
        ),
        ("ap-northeast-1", "tokyo", 'sso_region "tokyo" of sso-session "corp" is not an AWS Region'),
        ("111111111111", "1111", 'sso_account_id "1111" of profile "p" is not a 12-digit AWS account ID'),
        ("111111111111", "11111111111a", "is not a 12-digit AWS account ID"),
        ("= Admin", "= Ad min", 'sso_role_name "Ad min" of profile "p" is not a valid role name'),
        ("eu-west-1", "EU-WEST-1", 'region "EU-WEST-1" of profile "p" is not an AWS Region'),
    ],
)
def test_bad_values_are_one_clear_line(aws_home: AwsHome, replace: str, with_: str, message: str) -> None:
    aws_home.config_file.write_text(CASES["session-format"].replace(replace, with_, 1))
    with pytest.raises(ConfigError) as info:
        resolve_sso("p")
    assert message in info.value.message
    assert "\n" not in str(info.value)
    assert info.value.hint and "idc configure" in info.value.hint


@pytest.mark.parametrize(
    "region",
    ["us-east-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-4", "eu-isoe-west-1", "il-central-1"],
)
def test_real_regions_pass(region: str) -> None:
    from idc.config import region_problem

    assert region_problem(region) is None


def test_nested_value_where_a_string_is_needed(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(
        CASES["legacy-format"].replace(f"sso_start_url = {START}", "sso_start_url =\n  a = b")
    )
    with pytest.raises(ConfigError, match="must be a single value"):
        resolve_sso("p")


def test_parse_errors_name_the_file_and_line(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text("[default]\nregion = x\nregion = y\n")
    with pytest.raises(ConfigError) as info:
        load_config(Locations.from_environ())
    assert info.value.message.startswith(f"Unable to parse config file: {aws_home.config_file}")
    assert "line 3" in info.value.message


def test_sso_session_lookup(aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(CASES["scopes"] + "[sso-session half]\nsso_region = us-east-1\n")
    config = load_config(Locations.from_environ())
    session = config.sso_session("corp")
    assert (session.name, session.start_url, session.sso_region) == ("corp", START, "ap-northeast-1")
    assert session.registration_scopes == ("sso:account:access", "codecatalyst:read_write")
    assert session.values["sso_region"] == "ap-northeast-1"
    with pytest.raises(ConfigError, match='The specified sso-session does not exist: "nope"'):
        config.sso_session("nope")
    with pytest.raises(ConfigError, match="missing required configuration: sso_start_url"):
        config.sso_session("half")
    assert config.profile("p").get("sso_account_id") == "111111111111"
    assert config.sso_session_names() == ["corp", "half"]


def test_config_file_path_with_variables(aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    (aws_home.home / "elsewhere").mkdir()
    (aws_home.home / "elsewhere" / "config").write_text(CASES["legacy-format"])
    monkeypatch.setenv("IDC_TEST_DIR", str(aws_home.home / "elsewhere"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "$IDC_TEST_DIR/config")
    assert resolve_sso("p").role_name == "Admin"


def test_sign_in_subject_needs_only_the_session_or_start_url_and_region(aws_home: AwsHome) -> None:
    """`aws sso login --profile P` signs in with a profile that has no account or role (yet): so does
    `idc login`. Complete profiles resolve as resolve_sso does; what no sign-in can use still fails."""
    aws_home.config_file.write_text(
        SESSION
        + "[profile no-account]\nsso_session = corp\nsso_role_name = Admin\n"
        + f"[profile legacy-login]\nsso_start_url = {START}\nsso_region = eu-west-1\n"
        + "[profile legacy-no-region]\nsso_start_url = https://d-1.awsapps.com/start\nsso_role_name = A\n"
        + "[profile http]\nsso_start_url = http://d-1.awsapps.com/start\nsso_region = eu-west-1\n"
        + "[profile full]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n"
        + "[profile bad-session]\nsso_session = nope\nsso_role_name = Admin\n"
        + "[profile plain]\nregion = eu-west-1\n"
    )
    config = load_config(Locations.from_environ())
    no_account = config.sign_in_subject("no-account")
    assert (no_account.session_name, no_account.start_url, no_account.account_id) == ("corp", START, None)
    legacy = config.sign_in_subject("legacy-login")
    assert (legacy.session_name, legacy.start_url, legacy.sso_region) == (None, START, "eu-west-1")
    assert config.sign_in_subject("full") == config.resolve_sso("full")
    with pytest.raises(ConfigError, match="missing required configuration: sso_region"):
        config.sign_in_subject("legacy-no-region")
    with pytest.raises(ConfigError, match="https"):
        config.sign_in_subject("http")
    with pytest.raises(ConfigError, match='sso-session does not exist: "nope"'):
        config.sign_in_subject("bad-session")
    with pytest.raises(ConfigError, match="not configured for IAM Identity Center"):
        config.sign_in_subject("plain")
    with pytest.raises(ConfigError, match="could not be found"):
        config.sign_in_subject("nope")
    with pytest.raises(ConfigError, match="missing required configuration: sso_account_id"):
        config.resolve_sso("no-account")  # credentials still need the account


def test_an_implicit_default_profile_that_is_missing_says_how_to_name_one(aws_home: AwsHome) -> None:
    """`idc whoami` with no --profile, no AWS_PROFILE and no [default]: say to pass --profile (listing
    the profiles) before suggesting to create a default profile; an explicit name keeps the old hint."""
    aws_home.config_file.write_text(CASES["session-format"])
    config = load_config(Locations.from_environ())
    with pytest.raises(ConfigError) as implicit:
        config.resolve_sso()
    assert implicit.value.message == "The config profile (default) could not be found"
    assert implicit.value.hint == (
        "Pass --profile NAME or set AWS_PROFILE (known profiles: p); "
        "`idc configure sso --profile default` creates a default one."
    )
    with pytest.raises(ConfigError) as explicit:
        config.resolve_sso("default")
    assert (
        explicit.value.hint == "Run `idc configure sso --profile default` to create it (known profiles: p)."
    )
