"""The credential hot path: a cache hit answered with the standard library only; anything else falls
through to the full CLI (``try_answer`` returns None)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from credential_helpers import ACCOUNT, ROLE, SESSION, idc_script, write_config, write_role_cache

from idc.credentials import hotpath
from idc.storage.role_cache import role_cache_key

START_URL = "https://d-0000000000.awsapps.com/start"
REGION = "ap-northeast-1"


@pytest.fixture
def home(aws_home):
    write_config(aws_home.config_file, START_URL, REGION)
    return aws_home


def test_role_cache_key_is_botocores(home) -> None:
    from botocore.credentials import SSOCredentialFetcher

    for session in (SESSION, None):
        fetcher = SSOCredentialFetcher(
            START_URL, REGION, ROLE, ACCOUNT, client_creator=None, sso_session_name=session
        )
        assert role_cache_key(ACCOUNT, ROLE, session, START_URL) == fetcher._create_cache_key()


def test_hit_prints_credential_process_json(home, capsys) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    assert hotpath.try_answer(["credentials", "--profile", "dev"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["Version"] == 1
    assert out["AccessKeyId"] == "ASIACACHED"
    assert out["SecretAccessKey"] == "cached-secret"
    assert out["SessionToken"] == "cached-session-token"
    assert out["Expiration"].endswith("+00:00")


@pytest.mark.parametrize(
    ("args", "expected_line"),
    [
        (["credentials", "--profile=dev", "--format", "env"], "export AWS_ACCESS_KEY_ID=ASIACACHED"),
        (["credentials", "--format=fish", "--profile", "dev"], 'set -gx AWS_ACCESS_KEY_ID "ASIACACHED"'),
        (
            ["credentials", "--profile", "dev", "--format", "powershell"],
            '$Env:AWS_ACCESS_KEY_ID="ASIACACHED"',
        ),
        (["credentials", "--profile", "dev", "--auto-login"], '  "AccessKeyId": "ASIACACHED",'),
    ],
    ids=["env", "fish-equals-form", "powershell", "auto-login-flag"],
)
def test_hit_formats(home, capsys, args: list[str], expected_line: str) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    assert hotpath.try_answer(args) == 0
    assert expected_line in capsys.readouterr().out.splitlines()


def test_profile_from_aws_profile(home, capsys, monkeypatch) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert hotpath.try_answer(["credentials"]) == 0
    assert json.loads(capsys.readouterr().out)["AccessKeyId"] == "ASIACACHED"


def _corrupt(path: Path) -> None:
    path.write_text('{"ProviderType": "sso", "Credentials": {"AccessKeyId": "A"')


def _no_token(path: Path) -> None:
    data = json.loads(path.read_text())
    del data["Credentials"]["SessionToken"]
    path.write_text(json.dumps(data))


def _symlink(path: Path) -> None:
    target = path.with_name("elsewhere.json")
    path.rename(target)
    path.symlink_to(target)


@pytest.mark.parametrize(
    ("expires_in", "damage"),
    [
        (timedelta(minutes=14, seconds=50), None),
        (timedelta(minutes=-5), None),
        (timedelta(hours=1), _corrupt),
        (timedelta(hours=1), _no_token),
        (timedelta(hours=1), _symlink),
        (timedelta(hours=1), lambda p: p.write_text("")),
    ],
    ids=["less-than-15-min", "expired", "corrupt", "no-session-token", "symlink", "empty"],
)
def test_cache_misses_fall_through(home, capsys, expires_in, damage) -> None:
    path = write_role_cache(home.cli_cache, expires_in=expires_in)
    if damage is not None:
        damage(path)
    assert hotpath.try_answer(["credentials", "--profile", "dev"]) is None
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "args",
    [
        ["credentials", "--profile", "dev", "--debug"],
        ["credentials", "--profile", "dev", "--unknown"],
        ["credentials", "--profile"],
        ["credentials", "--profile", "dev", "--format", "yaml"],
        ["credentials", "--profile", "other"],
        ["exec", "--profile", "dev"],
        ["exec", "--profile", "dev", "--"],
        ["exec", "--profile", "dev", "--format", "env", "--", "true"],
        ["whoami", "--profile", "dev"],
    ],
    ids=[
        "debug",
        "unknown-flag",
        "missing-value",
        "bad-format",
        "unknown-profile",
        "exec-no-dashes",
        "exec-no-command",
        "exec-format",
        "not-ours",
    ],
)
def test_unusual_requests_fall_through(home, capsys, args: list[str]) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    assert hotpath.try_answer(args) is None
    assert capsys.readouterr().out == ""


# Configs the small reader must not trust (botocore would read them differently or refuse them).
@pytest.mark.parametrize(
    "config",
    [
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n[profile dev]\nsso_role_name = X",
        '[profile "dev"]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n',
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n  more\n",
        "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_account_id = 2\nsso_role_name = R\n",
        "[profile dev]\nsso_session = nope\nsso_account_id = 123456789012\nsso_role_name = R\n",
        "[profile dev]\nsso_session = corp\nsso_start_url = https://other.awsapps.com/start\n"
        "sso_account_id = 123456789012\nsso_role_name = R\n",
        "[profile dev]\nsso_account_id = 123456789012\nsso_role_name = R\n",
        "sso_region = x\n[profile dev]\nsso_session = corp\n",
        "[ profile dev ]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n",
    ],
    ids=[
        "duplicate-section",
        "quoted-name",
        "continued-key",
        "duplicate-key",
        "unknown-session",
        "inconsistent-start-url",
        "not-sso",
        "key-before-section",
        "spaces-in-brackets",
    ],
)
def test_untrusted_configs_fall_through(home, config: str) -> None:
    session = f"\n[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n"
    home.config_file.write_text(config + session)
    assert hotpath.resolve_role_profile(str(home.config_file), "dev") is None


def test_config_with_comments_nested_blocks_and_legacy_profiles(home) -> None:
    home.config_file.write_text(
        f"""# my config
[default]
region = us-east-1
s3 =
    max_concurrent_requests = 20
; legacy profile
[profile legacy]
sso_start_url = {START_URL}
sso_region: {REGION}
SSO_Account_Id = {ACCOUNT}
sso_role_name = {ROLE}
[services local]
sso =
  endpoint_url = http://127.0.0.1:1
"""
    )
    assert hotpath.resolve_role_profile(str(home.config_file), "legacy") == (
        ACCOUNT,
        ROLE,
        None,
        START_URL,
        None,
    )
    assert hotpath.resolve_role_profile(str(home.config_file), "default") is None


def test_profile_in_shared_credentials_file_falls_through(home, capsys) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    (home.home / ".aws" / "credentials").write_text("[dev]\naws_access_key_id = AKIASTATIC\n")
    assert hotpath.try_answer(["credentials", "--profile", "dev"]) is None


STDLIB = set(sys.stdlib_module_names) | {"__main__"}
HEAVY = {
    "botocore",
    "boto3",
    "click",
    "rich",
    "json",
    "re",
    "configparser",
    "pathlib",
    "dataclasses",
    "typing",
    "hashlib",
    "logging",
    "subprocess",
    "enum",
}


def _imported(stderr: str) -> set[str]:
    pattern = r"^import time:\s+\d+ \|\s+\d+ \|(.*)$"
    return {m.group(1).strip() for m in re.finditer(pattern, stderr, re.MULTILINE)}


def test_cache_hit_imports_only_a_few_stdlib_modules(home) -> None:
    """The console script on a hit, under ``python -X importtime``: beyond what a bare interpreter
    imports (site, sitecustomize), only idc's own and standard-library modules, none of the heavy ones."""
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    bare = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "pass"], env=home.env, capture_output=True, text=True
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", idc_script(), "credentials", "--profile", "dev"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"] == "ASIACACHED"
    extra = _imported(result.stderr) - _imported(bare.stderr)
    roots = {name.split(".")[0] for name in extra}
    assert "idc" in roots
    assert roots - STDLIB - {"idc"} == set(), roots - STDLIB
    assert roots & HEAVY == set()


KEYCHAIN_PROFILE = f"""[profile kc]
# idc: this session's sign-in is in the OS keychain (a comment line the hot path skips)
credential_process = idc credentials --profile kc
sso_session = {SESSION}
idc_sso_account_id = {ACCOUNT}
idc_sso_role_name = {ROLE}
"""


@pytest.mark.parametrize("profile", ["dev", "kc"], ids=["file-session", "keychain-session"])
def test_cache_hit_sys_modules_in_a_subprocess(home, profile: str) -> None:
    """A keychain session's profile is answered from the role cache too: keyring is never imported."""
    write_config(
        home.config_file, START_URL, REGION, extra="idc_token_storage = keychain\n\n" + KEYCHAIN_PROFILE
    )
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    probe = (
        "import sys\n"
        "from idc.entry import main\n"
        f"code = main(['credentials', '--profile', {profile!r}])\n"
        "sys.stderr.write(repr((code, sorted({m.split('.')[0] for m in sys.modules}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=home.env, capture_output=True, text=True, timeout=30
    )
    code, roots = eval(result.stderr)
    assert code == 0
    assert set(roots) - STDLIB - {"idc"} == set()
    assert set(roots) & (HEAVY | {"keyring", "secretstorage", "jeepney"}) == set()


# -- idc exec --------------------------------------------------------------------------------------

SHOW_ENV = (
    "import json, os; print(json.dumps({k: os.environ.get(k) for k in ("
    "'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',"
    "'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE')}))"
)


def test_exec_sets_credentials_and_region_and_removes_aws_profile(home) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    env = dict(home.env, AWS_PROFILE="dev", AWS_DEFAULT_PROFILE="dev")
    result = subprocess.run(
        [idc_script(), "exec", "--", sys.executable, "-c", SHOW_ENV],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["AWS_ACCESS_KEY_ID"] == "ASIACACHED"
    assert seen["AWS_SECRET_ACCESS_KEY"] == "cached-secret"
    assert seen["AWS_SESSION_TOKEN"] == "cached-session-token"
    assert seen["AWS_CREDENTIAL_EXPIRATION"].endswith("+00:00")
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert seen["AWS_PROFILE"] is None and seen["AWS_DEFAULT_PROFILE"] is None


def test_exec_replaces_the_process_so_exit_codes_and_signals_pass_through(home) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    base = [idc_script(), "exec", "--profile", "dev", "--", sys.executable, "-c"]
    exited = subprocess.run([*base, "import sys; sys.exit(7)"], env=home.env, timeout=30)
    assert exited.returncode == 7
    killed = subprocess.run(
        [*base, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], env=home.env, timeout=30
    )
    assert killed.returncode == -15  # the child's own death, not a wrapper's exit code
    process = subprocess.Popen(
        [*base, "import os; print(os.getpid())"], env=home.env, stdout=subprocess.PIPE, text=True
    )
    out, _ = process.communicate(timeout=30)
    assert int(out) == process.pid  # exec'd in place: no idc process left in between


def test_exec_unknown_command_exits_127_with_one_line(home) -> None:
    write_role_cache(home.cli_cache, expires_in=timedelta(hours=1))
    result = subprocess.run(
        [idc_script(), "exec", "--profile", "dev", "--", "no-such-program-xyz"],
        env=home.env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 127
    assert result.stderr == "idc: command not found: no-such-program-xyz\n"


def test_hot_path_module_is_not_importing_heavy_modules_at_import() -> None:
    source = Path(hotpath.__file__).read_text()
    assert not re.search(r"^(import|from) (json|re|configparser|pathlib|dataclasses|typing)\b", source, re.M)
    assert os.path.basename(hotpath.__file__) == "hotpath.py"


def test_a_miss_keeps_the_role_lock_for_the_full_cli_of_this_process(home) -> None:
    """The hot path waits for a fetch in progress; on a miss it keeps the lock and the library adopts
    it (taking it again in the same process would wait for itself)."""
    from idc.storage.locations import Locations
    from idc.storage.locking import ProcessLock, lock_path_for

    assert hotpath.cached_credentials("dev", dict(os.environ), wait=True) is None
    path = lock_path_for(Locations.from_environ(), "role", role_cache_key(ACCOUNT, ROLE, SESSION, START_URL))
    other = ProcessLock(path, timeout=0)
    with pytest.raises(Exception, match="Timed out"):
        other.acquire()  # held by the hot path
    adopted = hotpath.adopt_role_lock(path)
    assert adopted is not None and adopted.held
    assert hotpath.adopt_role_lock(path) is None  # handed over once
    adopted.release()
    with ProcessLock(path, timeout=0):
        pass


# -- a role chain's session from the AWS CLI's assume-role cache --------------------------------------

CHAINED_PROFILE = """
[profile chained]
role_arn = arn:aws:iam::210987654321:role/Deployer
source_profile = dev
role_session_name = me
duration_seconds = 3600
"""


def _write_assumed(home, expires_in: timedelta) -> Path:
    """An entry as the AWS CLI writes it: the whole response, ``Expiration`` in botocore's ``...UTC``."""
    from datetime import datetime, timezone

    args = {
        "RoleArn": "arn:aws:iam::210987654321:role/Deployer",
        "RoleSessionName": "me",
        "DurationSeconds": 3600,
    }
    key = __import__("hashlib").sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
    expiration = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SUTC")
    home.cli_cache.mkdir(parents=True, exist_ok=True)
    path = home.cli_cache / f"{key}.json"
    path.write_text(
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": "ASIACHAINED",
                    "SecretAccessKey": "chained-secret",
                    "SessionToken": "chained-token",
                    "Expiration": expiration,
                    "AccountId": "210987654321",
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": "AROAEXAMPLE:me",
                    "Arn": "arn:aws:sts::210987654321:assumed-role/Deployer/me",
                },
                "ResponseMetadata": {
                    "RequestId": "x",
                    "HTTPStatusCode": 200,
                    "HTTPHeaders": {},
                    "RetryAttempts": 0,
                },
            }
        )
    )
    return path


def test_chained_cache_hit_stays_on_the_stdlib_path(home) -> None:
    write_config(home.config_file, START_URL, REGION, extra=CHAINED_PROFILE)
    _write_assumed(home, timedelta(hours=1))
    probe = (
        "import sys\n"
        "from idc.entry import main\n"
        "code = main(['credentials', '--profile', 'chained'])\n"
        "sys.stderr.write(repr((code, sorted({m.split('.')[0] for m in sys.modules}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=home.env, capture_output=True, text=True, timeout=30
    )
    code, roots = eval(result.stderr)
    assert code == 0
    assert json.loads(result.stdout)["AccessKeyId"] == "ASIACHAINED"
    assert set(roots) - STDLIB - {"idc"} == set()
    assert set(roots) & HEAVY == set()


@pytest.mark.parametrize(
    "change",
    ["expiring", "loop", "chaining-limit", "credential-source"],
)
def test_chained_profiles_the_hot_path_leaves_to_the_full_cli(home, change: str) -> None:
    profile = CHAINED_PROFILE
    if change == "loop":
        profile = profile.replace("source_profile = dev", "source_profile = chained")
    elif change == "chaining-limit":
        profile += (
            "\n[profile long]\nrole_arn = arn:aws:iam::210987654321:role/Deployer\n"
            "source_profile = dev\nduration_seconds = 7200\n"
        )
    elif change == "credential-source":
        profile = profile.replace("source_profile = dev", "credential_source = Environment")
    write_config(home.config_file, START_URL, REGION, extra=profile)
    _write_assumed(home, timedelta(minutes=14) if change == "expiring" else timedelta(hours=1))
    name = "long" if change == "chaining-limit" else "chained"
    assert hotpath.cached_credentials(name, home.env) is None
    if change == "expiring":
        assert hotpath.cached_credentials("chained", home.env, now=0) is not None  # the same entry, earlier
