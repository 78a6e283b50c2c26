"""`idc credentials`, `idc exec`, `idc whoami` as real processes against the local Identity Center."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from credential_helpers import (
    ACCOUNT,
    ROLE,
    browser_script,
    run_idc,
    secrets_in,
    write_config,
    write_role_cache,
)


def test_credentials_fetches_once_then_answers_from_the_cache(signed_in, emulator) -> None:
    first = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    creds = json.loads(first.stdout)
    assert set(creds) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    expiration = datetime.fromisoformat(creds["Expiration"])
    assert (expiration - datetime.now(timezone.utc)).total_seconds() > 15 * 60
    assert emulator.stats().get("GetRoleCredentials") == 1
    cached = list(signed_in.cli_cache.glob("*.json"))
    assert len(cached) == 1 and cached[0].stat().st_mode & 0o777 == 0o600
    second = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert json.loads(second.stdout) == creds
    assert emulator.stats().get("GetRoleCredentials") == 1


def test_whoami_shows_the_role_session(signed_in) -> None:
    env = dict(signed_in.env, AWS_PROFILE="not-configured")  # --profile wins; no ProfileNotFound
    result = run_idc(["whoami", "--profile", "dev", "--output", "json"], env, script=True)
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["Account"] == ACCOUNT
    assert f":assumed-role/AWSReservedSSO_{ROLE}_" in identity["Arn"]
    assert identity["Profile"] == "dev"
    text = run_idc(["whoami", "--profile", "dev"], signed_in.env, script=True)
    assert text.returncode == 0
    assert f"Account  {ACCOUNT}" in text.stdout


def test_auto_login_from_the_profile(emulator, aws_home, tmp_path) -> None:
    """`idc_auto_login = true` in the profile: a missing token starts one sign-in (browser on stderr
    only), then the credentials are printed."""
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    text = aws_home.config_file.read_text().replace(
        "output = json\n", "output = json\nidc_auto_login = true\n"
    )
    aws_home.config_file.write_text(text)
    browser, launches = browser_script(tmp_path)
    env = dict(aws_home.env, **emulator.env, BROWSER=str(browser))
    result = run_idc(["credentials", "--profile", "dev"], env, script=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    assert f"Successfully logged into Start URL: {emulator.start_url}" in result.stderr
    assert len(launches.read_text().splitlines()) == 1


def test_without_auto_login_a_missing_token_asks_to_log_in(emulator, aws_home) -> None:
    write_config(aws_home.config_file, emulator.start_url, emulator.region)
    result = run_idc(["exec", "--profile", "dev", "--", "true"], dict(aws_home.env, **emulator.env))
    assert result.returncode == 4
    assert "idc login --profile dev" in result.stderr
    assert emulator.stats().get("CreateToken") is None


def test_auto_login_after_the_server_ended_the_session(signed_in, emulator, tmp_path) -> None:
    """The cached token still looks valid but the server ended its session (401): with --auto-login
    idc signs in again once instead of failing."""
    emulator.end_sessions()
    browser, launches = browser_script(tmp_path)
    env = dict(signed_in.env, BROWSER=str(browser))
    without = run_idc(["credentials", "--profile", "dev"], env, script=True)
    assert without.returncode == 4
    result = run_idc(["credentials", "--profile", "dev", "--auto-login"], env, script=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert len(launches.read_text().splitlines()) == 1


def test_exec_runs_the_aws_cli_with_the_role(signed_in) -> None:
    """A real SDK in the child (the aws command) signs STS calls with the credentials idc put there."""
    aws = str(Path(sys.executable).with_name("aws"))
    result = run_idc(
        ["exec", "--profile", "dev", "--", aws, "sts", "get-caller-identity", "--output", "json"],
        dict(signed_in.env, AWS_PROFILE="some-other-profile"),  # removed for the child
        script=True,
    )
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["Account"] == ACCOUNT
    assert f"assumed-role/AWSReservedSSO_{ROLE}_" in identity["Arn"]


@pytest.mark.parametrize("fmt", ["process", "env", "env-no-export", "powershell", "windows-cmd", "fish"])
def test_the_full_path_and_the_hot_path_print_the_same(signed_in, fmt: str) -> None:
    cold = run_idc(["credentials", "--profile", "dev", "--format", fmt], signed_in.env, script=True)
    assert cold.returncode == 0, cold.stderr
    warm = run_idc(["credentials", "--profile", "dev", "--format", fmt], signed_in.env, script=True)
    assert warm.stdout == cold.stdout
    assert "AWS_SECRET_ACCESS_KEY" in cold.stdout or '"SecretAccessKey"' in cold.stdout


def test_an_unwritable_idc_directory_is_one_cache_error_line(signed_in) -> None:
    """~/.aws/idc (locks, refresh notes) cannot be created, as on a read-only ~/.aws: exit 7 with one
    line naming the directory, not 'unexpected OSError'."""
    import shutil

    idc_dir = signed_in.home / ".aws" / "idc"
    shutil.rmtree(idc_dir, ignore_errors=True)
    idc_dir.symlink_to(signed_in.home / "gone" / "idc")  # dangling: mkdir says it exists, stat fails
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 7, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"idc: Cannot use the directory {idc_dir}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_hints_quote_a_profile_name_with_a_space(emulator, aws_home) -> None:
    """`[profile "my admin"]`: the command a hint names can be pasted as it is."""
    write_config(
        aws_home.config_file,
        emulator.start_url,
        emulator.region,
        extra='\n[profile "my admin"]\nsso_session = corp\nsso_account_id = 123456789012\n'
        "sso_role_name = AdministratorAccess\n",
    )
    result = run_idc(["credentials", "--profile", "my admin"], dict(aws_home.env, **emulator.env))
    assert result.returncode == 4
    assert "Run `idc login --profile 'my admin'` to sign in." in result.stderr  # no token yet
    missing = run_idc(["whoami", "--profile", "my  admin"], dict(aws_home.env, **emulator.env))
    assert missing.returncode == 3
    assert (
        "Did you mean 'my admin'? Otherwise run `idc configure sso --profile 'my  admin'` to create it."
    ) in missing.stderr


def test_credentials_are_handed_out_when_the_role_cache_cannot_keep_them(signed_in, emulator) -> None:
    """~/.aws/cli/cache unusable (read-only, or root's after `sudo aws ...`; here a file where the
    directory should be): the fetched credentials are still printed, with one warning on stderr."""
    import shutil

    shutil.rmtree(signed_in.cli_cache, ignore_errors=True)
    signed_in.cli_cache.parent.mkdir(parents=True, exist_ok=True)
    signed_in.cli_cache.write_text("not a directory")
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    creds = json.loads(result.stdout)
    assert creds["Version"] == 1 and creds["AccessKeyId"]
    assert result.stderr == (
        f"idc: warning: {signed_in.cli_cache} is not a directory. The credentials were not cached.\n"
    )
    assert creds["SecretAccessKey"] not in result.stderr
    assert emulator.stats().get("GetRoleCredentials") == 1


def test_credentials_sts_refuses_are_dropped_and_refresh_replaces_them(signed_in, emulator) -> None:
    """Cached role credentials STS no longer accepts (revoked, or from another instance): whoami says so,
    drops them and names `idc credentials --refresh`; `--refresh` fetches new ones past the cache."""
    stale = write_role_cache(signed_in.cli_cache, expires_in=timedelta(hours=1), start_url=emulator.start_url)
    served = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert json.loads(served.stdout)["AccessKeyId"] == "ASIACACHED"  # nothing says they are dead yet

    refused = run_idc(["whoami", "--profile", "dev"], signed_in.env, script=True)
    assert refused.returncode == 6, refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "STS refused the role credentials of profile dev (InvalidClientTokenId)" in refused.stderr
    assert "`idc credentials --profile dev --refresh`" in refused.stderr
    assert not stale.exists()  # dropped: the next `idc credentials` fetches new ones
    assert emulator.stats().get("GetRoleCredentials") is None

    write_role_cache(signed_in.cli_cache, expires_in=timedelta(hours=1), start_url=emulator.start_url)
    fresh = run_idc(["credentials", "--profile", "dev", "--refresh"], signed_in.env, script=True)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["AccessKeyId"] != "ASIACACHED"
    assert emulator.stats().get("GetRoleCredentials") == 1
    again = run_idc(["whoami", "--profile", "dev"], signed_in.env, script=True)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["credentials", "--profile", "dev"], ["GetRoleCredentials", "cached"], id="credentials-miss"
        ),
        pytest.param(
            ["whoami", "--profile", "dev"], ["GetRoleCredentials", "GetCallerIdentity"], id="whoami"
        ),
        pytest.param(
            ["list", "--profile", "dev", "--refresh"], ["ListAccounts", "ListAccountRoles"], id="list"
        ),
    ],
)
def test_debug_logs_what_each_command_does_never_a_secret(signed_in, args: list[str], expected) -> None:
    result = run_idc(["--debug", *args], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    logged = [line for line in result.stderr.splitlines() if " idc." in line and " DEBUG " in line]
    text = "\n".join(logged)
    assert any("profile dev" in line for line in logged), text  # what it resolved
    for word in expected:
        assert word in text, (word, text)
    for secret in secrets_in(signed_in):
        assert secret not in result.stderr


def test_debug_logs_a_cache_hit(signed_in) -> None:
    assert run_idc(["credentials", "--profile", "dev"], signed_in.env).returncode == 0
    hit = run_idc(["--debug", "credentials", "--profile", "dev"], signed_in.env, script=True)
    assert hit.returncode == 0, hit.stderr
    assert "from the cache" in hit.stderr and "GetRoleCredentials" not in hit.stderr


def test_a_token_expired_on_the_server_is_refreshed_for_credentials(signed_in, emulator) -> None:
    """The portal refuses a token whose cached expiresAt still has time left: refresh, not a login."""
    emulator.advance_clock(3700)  # past the access token's hour on the server, inside the session
    result = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    assert emulator.stats().get("CreateToken") == 1


def test_retries_are_said_on_one_terminal_line(signed_in, emulator) -> None:
    """Three 429s with Retry-After 1: on a terminal, one line says what is happening and is rewritten
    (carriage return), then cleared; without a terminal nothing is added to stderr."""
    import pexpect

    emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=1, count=3)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "idc", "credentials", "--profile", "dev", "--format", "env"],
        env=signed_in.env,
        encoding="utf-8",
        timeout=60,
    )
    child.expect_exact("GetRoleCredentials throttled (429 Too Many Requests); retrying in ")
    child.expect_exact("(retry 3)")
    child.expect_exact("\r\x1b[K")  # the line is cleared before the answer
    child.expect_exact("export AWS_ACCESS_KEY_ID=")
    child.expect_exact(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    emulator.set_fault(operation="GetRoleCredentials", status=429, retry_after=1, count=3)
    quiet = run_idc(["credentials", "--profile", "dev", "--refresh"], signed_in.env, script=True)
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.parametrize("fmt", ["env", "fish", "powershell"])
def test_a_role_cache_entry_aws_never_issued_is_not_printed_as_shell(signed_in, emulator, fmt) -> None:
    """A cache value with a newline would be a second shell command: it is a corrupt entry, refetched."""
    first = run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True)
    assert first.returncode == 0, first.stderr
    [path] = signed_in.cli_cache.glob("*.json")
    entry = json.loads(path.read_text())
    entry["Credentials"]["SessionToken"] = "x\ntouch pwned\n"
    path.write_text(json.dumps(entry))
    result = run_idc(["credentials", "--profile", "dev", "--format", fmt], signed_in.env, script=True)
    assert result.returncode == 0, result.stderr
    assert "pwned" not in result.stdout and len(result.stdout.splitlines()) == 4
    assert emulator.stats().get("GetRoleCredentials") == 2  # the planted entry was a miss
    assert "pwned" not in path.read_text()


def test_whoami_names_its_own_debug_command_when_sts_refuses(signed_in, emulator) -> None:
    assert run_idc(["credentials", "--profile", "dev"], signed_in.env, script=True).returncode == 0
    emulator.admin("clock-skew", {"seconds": 16 * 60})  # STS finds every request signed too long ago
    result = run_idc(["whoami", "--profile", "dev"], signed_in.env, script=True)
    assert result.returncode == 6
    assert result.stderr == (
        "idc: STS refused GetCallerIdentity (SignatureDoesNotMatch)."
        " Run `idc whoami --profile dev --debug` for details.\n"
    )


def test_under_debug_the_error_line_does_not_say_to_add_debug(signed_in, emulator) -> None:
    """Issue 17, item 7: the --debug log is already above; the last line must not ask for it again."""
    emulator.set_fault(operation="GetRoleCredentials", status=500)  # retried for 30 s, then refused
    debugging = run_idc(["--debug", "credentials", "--profile", "dev"], signed_in.env)
    assert debugging.returncode == 6
    last = debugging.stderr.splitlines()[-1]
    assert last.startswith("idc: IAM Identity Center refused GetRoleCredentials for role ")
    assert last.endswith(" Try again.") and "--debug" not in last  # without --debug: "; run with --debug..."
