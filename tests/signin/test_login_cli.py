"""``idc login`` / ``idc logout`` as real processes against the local Identity Center.

The browser is a ``BROWSER`` script that hands the URL to the page approver in a detached process, as
a real browser would load it; botocore's own SSO provider (in a subprocess with the tmp HOME) proves
the token is the AWS CLI's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from idc.emulator.page_approver import PageApprover, user_code_in
from idc.storage.role_cache import RoleCredentials, role_cache_key, save_role_credentials

from .conftest import SESSION, SignInWorld, legacy_config, session_config

SUCCESS = "Successfully logged into Start URL: {}"
_VERIFIER_LIKE = re.compile(r"(?<![A-Za-z0-9._~-])[A-Za-z0-9._~-]{64}(?![A-Za-z0-9._~-])")


def _terminal(world: SignInWorld) -> Path:
    """Where the idc processes' output goes: the terminal the user reads the device code from."""
    directory = world.home.home.parent / "terminal"
    directory.mkdir(exist_ok=True)
    return directory


def _browser(world: SignInWorld, *, record: bool = True) -> Path:
    """A BROWSER command: records its own argv (from /proc) and the approver's, then approves detached,
    comparing the device code the page shows with the one idc printed (as a person reads it)."""
    directory = world.home.home.parent
    log = directory / "browser-calls"
    script = directory / "browser"
    script.write_text(
        "#!/bin/sh\n"
        + (f"tr '\\0' ' ' < /proc/$$/cmdline >> {log}; echo >> {log}\n" if record else "")
        + f"exec {sys.executable} -m idc.emulator.page_approver_cli --detach "
        + f'--user-code-from {_terminal(world)} "$1"\n'
    )
    script.chmod(0o755)
    return script


def _idc(world: SignInWorld, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    """Run idc; its stdout goes to a file of :func:`_terminal` (and is returned as ``stdout``)."""
    with tempfile.NamedTemporaryFile("w+", dir=_terminal(world), suffix=".txt", delete=False) as output:
        result = subprocess.run(
            [sys.executable, "-m", "idc", *args],
            env=env or world.env,
            stdout=output,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
        output.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, output.read(), result.stderr)


def _browser_env(world: SignInWorld) -> dict[str, str]:
    return {**world.env, "BROWSER": str(_browser(world))}


def _browser_calls(world: SignInWorld) -> list[str]:
    log = world.home.home.parent / "browser-calls"
    return log.read_text().splitlines() if log.exists() else []


BOTOCORE_STS = """
import json, boto3
session = boto3.Session(profile_name="dev")
identity = session.client("sts", region_name="eu-west-1").get_caller_identity()
print(json.dumps({"Account": identity["Account"], "Arn": identity["Arn"]}))
"""


def test_idc_login_token_works_for_botocore(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    result = _idc(world, "login", "--profile", "dev", env=_browser_env(world))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith(SUCCESS.format(world.emulator.start_url))
    assert "/authorize?" in result.stdout  # PKCE: the default for sso-session profiles
    assert len(_browser_calls(world)) == 1

    # botocore's own SSO provider reads the token idc wrote and gets role credentials from the server.
    check = subprocess.run(
        [sys.executable, "-c", BOTOCORE_STS], env=world.env, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stderr
    identity = json.loads(check.stdout)
    assert identity["Account"] == "123456789012"
    assert "AWSReservedSSO_AdministratorAccess_" in identity["Arn"]
    assert world.emulator.stats()["GetRoleCredentials"] == 1


def test_aws_profile_and_legacy_profile_use_the_device_flow(world: SignInWorld) -> None:
    world.write_config(legacy_config(world.emulator.start_url, world.emulator.region))
    env = {**_browser_env(world), "AWS_PROFILE": "legacy"}
    result = _idc(world, "login", env=env)
    assert result.returncode == 0, result.stderr
    assert "\nThen enter the code:\n" in result.stdout
    assert world.emulator.stats()["StartDeviceAuthorization"] == 1


@pytest.mark.parametrize(
    ("where", "flags", "note"),
    [
        pytest.param(
            {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"},
            [],
            "Not opening a browser: this is an SSH session. Using the device code flow instead (or run "
            "`idc login --profile dev --remote` and paste back the address your browser lands on).\n",
            id="ssh",
        ),
        # asked for the device code already: no note about browsers (it used to name the container)
        pytest.param({"container": "podman"}, ["--use-device-code"], "", id="container-device-code"),
    ],
)
def test_ssh_session_falls_back_to_the_device_flow(
    world: SignInWorld, where: dict[str, str], flags: list[str], note: str
) -> None:
    """No browser can reach our loopback listener over SSH: say so, then print URL and code."""
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    env = {k: v for k, v in world.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    env.update(where, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "idc", "login", "--profile", "dev", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "/device?request_uri=" in line:
            # the user opens the printed URL on another device, and compares the code
            approver = PageApprover(user_code=user_code_in("".join(lines)))
            approver(line.strip())
            break
    approver.wait()
    rest, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    text = "".join(lines) + rest
    assert text.startswith(note + "Browser will not be automatically opened.\n"), text
    assert text.rstrip().endswith(SUCCESS.format(world.emulator.start_url))


@pytest.mark.parametrize("flow", [[], ["--use-device-code"]], ids=["pkce", "device-code"])
def test_twenty_parallel_logins_make_one_authorization(world: SignInWorld, flow: list[str]) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    env = _browser_env(world)
    outputs = [_terminal(world) / f"parallel-{i}.txt" for i in range(20)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "idc", "login", "--profile", "dev", *flow],
            env=env,
            stdout=output.open("w"),
            stderr=subprocess.PIPE,
            text=True,
        )
        for output in outputs
    ]
    results = [
        (p.wait(timeout=120), output.read_text(), p.communicate()[1])
        for p, output in zip(processes, outputs, strict=True)
    ]
    for code, out, err in results:
        assert code == 0, err
        assert out.rstrip().endswith(SUCCESS.format(world.emulator.start_url))
    assert len(_browser_calls(world)) == 1  # one browser tab
    calls = world.emulator.stats()
    assert calls["RegisterClient"] == 1
    if flow:
        assert calls["StartDeviceAuthorization"] == 1  # one device code
    else:
        assert calls["CreateToken"] == 1  # one authorization code exchanged
    assert len(world.tokens()) == 1


def test_debug_output_and_browser_argv_hold_no_secret(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    env = _browser_env(world)
    pkce = _idc(world, "--debug", "login", "--profile", "dev", env=env)
    device = _idc(world, "--debug", "login", "--profile", "dev", "--use-device-code", env=env)
    assert pkce.returncode == 0 and device.returncode == 0, pkce.stderr + device.stderr
    assert "DEBUG" in pkce.stderr  # --debug really logged
    assert "registered client" in pkce.stderr and "+00:00" not in pkce.stderr  # times written with Z

    secrets = set()
    for data in world.cache_files().values():
        for key in ("accessToken", "refreshToken", "clientSecret"):
            if key in data:
                secrets.add(data[key])
    assert len(secrets) >= 3
    argv = "\n".join(_browser_calls(world))
    assert "/authorize?" in argv and "/device?request_uri=" in argv, device.stdout + device.stderr
    for text in (pkce.stdout, pkce.stderr, device.stdout, device.stderr, argv):
        for secret in secrets:
            assert secret not in text
        assert "code_verifier" not in text and "codeVerifier" not in text
        # The PKCE verifier is 64 characters of [A-Za-z0-9-._~]: nothing that shape may show.
        assert not _VERIFIER_LIKE.search(text)


def _role_entry(world: SignInWorld, account: str, role: str, session: str | None) -> str:
    key = role_cache_key(account, role, session, world.emulator.start_url)
    credentials = RoleCredentials(
        access_key_id="ASIAEXAMPLE",
        secret_access_key="secret",
        session_token="session",
        expiration=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1),
        account_id=account,
    )
    save_role_credentials(world.locations, key, credentials)
    return key


def _portal_call(world: SignInWorld, token: str) -> str:
    """GetRoleCredentials with ``token`` through botocore; the error code, or "ok"."""
    from botocore.exceptions import ClientError

    client = world.factory("sso", world.emulator.region)
    try:
        client.get_role_credentials(
            roleName="AdministratorAccess", accountId="123456789012", accessToken=token
        )
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"


def test_logout_all(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    assert _idc(world, "login", "--profile", "dev", env=_browser_env(world)).returncode == 0
    token = next(iter(world.tokens().values()))["accessToken"]
    assert _portal_call(world, token) == "ok"
    sso_entry = _role_entry(world, "123456789012", "AdministratorAccess", "dev")
    assume_role = world.locations.cli_cache_dir / "assume-role-entry.json"
    assume_role.write_text(json.dumps({"ProviderType": "assume-role", "Credentials": {}}))
    registrations = world.registrations()

    result = _idc(world, "logout")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Signed out of 1 SSO session; removed the cached credentials of 1 role."
    assert world.tokens() == {}
    assert not (world.locations.cli_cache_dir / f"{sso_entry}.json").exists()
    assert assume_role.exists()  # not ours to remove
    assert world.registrations() == registrations  # kept, as the AWS CLI keeps them
    assert world.emulator.stats()["Logout"] == 1
    assert _portal_call(world, token) == "UnauthorizedException"

    # Logging out again: nothing to do, still fine.
    again = _idc(world, "logout", "--all")
    assert again.returncode == 0 and "Signed out of 0" in again.stdout


def test_logout_one_session_keeps_the_others(world: SignInWorld) -> None:
    config = session_config(world.emulator.start_url, world.emulator.region)
    config += "\n" + session_config(
        world.emulator.start_url, world.emulator.region, session="ops", profile="ops"
    )
    world.write_config(config)
    env = _browser_env(world)
    for profile in ("dev", "ops"):
        assert _idc(world, "login", "--profile", profile, env=env).returncode == 0
    dev_role = _role_entry(world, "123456789012", "AdministratorAccess", "dev")
    ops_role = _role_entry(world, "123456789012", "AdministratorAccess", "ops")

    result = _idc(world, "logout", "--profile", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Signed out of 1 SSO session; removed the cached credentials of 1 role."
    remaining = world.tokens()
    assert list(remaining) == [hashlib.sha1(b"ops").hexdigest() + ".json"]
    assert not (world.locations.cli_cache_dir / f"{dev_role}.json").exists()
    assert (world.locations.cli_cache_dir / f"{ops_role}.json").exists()


@pytest.mark.parametrize(
    ("config", "args", "status", "message"),
    [
        pytest.param("", ["login", "--profile", "nope"], 3, "could not be found", id="unknown-profile"),
        pytest.param(
            "[profile p]\nsso_session = missing\nsso_account_id = 123456789012\nsso_role_name = R\n",
            ["login", "--profile", "p"],
            3,
            'sso-session does not exist: "missing"',
            id="unknown-session",
        ),
        pytest.param(
            "[profile p]\nsso_account_id = 123456789012\nsso_role_name = R\n",
            ["login", "--profile", "p"],
            3,
            "missing required configuration",
            id="missing-keys",
        ),
        pytest.param(
            "[sso-session s]\nsso_start_url = http://d-0000000000.awsapps.com/start\n"
            "sso_region = eu-west-1\n",
            ["login", "--sso-session", "s"],
            3,
            "https",
            id="http-start-url",
        ),
        pytest.param("", ["login", "--sso-session", "nope"], 3, "does not exist", id="unknown-sso-session"),
        pytest.param("", ["login", "--profile", "a", "--sso-session", "b"], 2, "not both", id="both"),
        pytest.param("", ["logout", "--all", "--profile", "a"], 2, "not both", id="logout-both"),
    ],
)
def test_bad_input_is_one_line_and_a_documented_exit_code(
    world: SignInWorld, config: str, args: list[str], status: int, message: str
) -> None:
    world.write_config(config)
    result = _idc(world, *args)
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("idc: ")  # usage errors too (exit 2)


def test_denied_login_exits_5(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    script = world.home.home.parent / "deny-browser"
    script.write_text(
        f'#!/bin/sh\nexec {sys.executable} -m idc.emulator.page_approver_cli --deny --detach "$1"\n'
    )
    script.chmod(0o755)
    started = time.monotonic()
    result = _idc(world, "login", "--profile", "dev", env={**world.env, "BROWSER": str(script)})
    assert result.returncode == 5
    assert result.stderr.strip() == (
        "idc: The sign-in request was denied in the browser. Run `idc login --profile dev` to try again."
    )
    assert time.monotonic() - started < 30
    assert world.tokens() == {}


def test_abandoned_login_ends_at_the_timeout_with_one_line(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    # A browser that starts and never comes back (the user closed the tab).
    result = _idc(world, "login", "--profile", "dev", "--timeout", "1", env={**world.env, "BROWSER": "true"})
    assert result.returncode == 5
    assert result.stderr.strip() == (
        "idc: No sign-in arrived from the browser within 1 seconds; the login was abandoned. "
        "Run `idc login --profile dev` again (add --use-device-code to sign in on another device)."
    )
    assert world.emulator.stats().get("CreateToken", 0) == 0


def test_logout_removes_a_corrupt_token_file(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    world.locations.sso_cache_dir.mkdir(parents=True)
    path = world.locations.sso_cache_dir / (hashlib.sha1(b"dev").hexdigest() + ".json")
    path.write_text('{"accessToken": "half-writ')
    result = _idc(world, "logout", "--sso-session", "dev")
    assert result.returncode == 0, result.stderr
    assert not path.exists()
    assert world.emulator.stats().get("Logout", 0) == 0


def test_logout_with_the_portal_unreachable_says_the_session_lives_on(world: SignInWorld) -> None:
    """The local token goes, but the user is told the server never heard the Logout: the session
    stays valid there (a copied token still works) until it expires."""
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    assert _idc(world, "login", "--profile", "dev", env=_browser_env(world)).returncode == 0
    token = next(iter(world.tokens().values()))["accessToken"]
    dead = {**world.env, "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:1"}
    result = _idc(world, "logout", env=dead)
    assert result.returncode == 0, result.stderr
    assert world.tokens() == {}
    assert "Signed out of 1 SSO session;" in result.stdout
    assert result.stderr.startswith("idc: warning: IAM Identity Center could not be reached to end 1 ")
    assert result.stderr.count("\n") == 1 and token not in result.stderr
    assert world.emulator.stats().get("Logout", 0) == 0
    assert _portal_call(world, token) == "ok"  # what the warning is about


def test_login_with_the_oidc_endpoint_unreachable_names_the_profile(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    dead = {**world.env, "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:1"}
    result = _idc(world, "login", "--profile", "dev", "--use-device-code", env=dead)
    assert result.returncode == 6, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("idc: Could not reach IAM Identity Center in ")
    assert last.endswith("then run `idc login --profile dev` again.")
    assert "Traceback" not in result.stderr


def test_login_with_a_profile_that_has_no_role_yet(world: SignInWorld) -> None:
    """A login-only profile (sso_session and nothing else but a role, or a legacy start URL and
    region): `aws sso login --profile P` signs in with it, and so does idc."""
    start, region = world.emulator.start_url, world.emulator.region
    world.write_config(
        session_config(start, region)
        + "\n[profile login-only]\nsso_session = dev\nsso_role_name = AdministratorAccess\n"
        + f"\n[profile legacy-login]\nsso_start_url = {start}\nsso_region = {region}\n"
    )
    result = _idc(world, "login", "--profile", "login-only", env=_browser_env(world))
    assert result.returncode == 0, result.stderr
    assert SUCCESS.format(start) in result.stdout
    assert list(world.tokens()) == [hashlib.sha1(b"dev").hexdigest() + ".json"]
    legacy = _idc(world, "login", "--profile", "legacy-login", "--use-device-code", env=_browser_env(world))
    assert legacy.returncode == 0, legacy.stderr
    assert len(world.tokens()) == 2  # the legacy token is keyed by its start URL
    credentials = _idc(world, "credentials", "--profile", "login-only")
    assert credentials.returncode == 3
    assert "missing required configuration: sso_account_id" in credentials.stderr


def test_login_without_a_profile_uses_the_only_sso_session(world: SignInWorld) -> None:
    """No --profile, no AWS_PROFILE, no [default]: the config's only sso-session (as `idc list`
    picks it), instead of 'The config profile (default) could not be found'."""
    start, region = world.emulator.start_url, world.emulator.region
    world.write_config(session_config(start, region))
    result = _idc(world, "login", env=_browser_env(world))
    assert result.returncode == 0, result.stderr
    assert SUCCESS.format(start) in result.stdout
    assert list(world.tokens()) == [hashlib.sha1(b"dev").hexdigest() + ".json"]

    world.write_config(
        session_config(start, region) + "\n" + session_config(start, region, session="ops", profile="ops")
    )
    two = _idc(world, "login")
    assert two.returncode == 3
    assert two.stderr == (
        "idc: No --profile or --sso-session given and there is no default profile "
        "(profiles: dev, ops; sso-sessions: dev, ops). "
        "Run `idc login --profile NAME` (or `idc configure sso` to create one).\n"
    )


def test_a_mistyped_start_url_says_so_and_what_to_run(world: SignInWorld) -> None:
    # StartDeviceAuthorization is where Identity Center checks the start URL ("Invalid start url").
    typo = world.emulator.start_url.replace("/start", "/strat")
    world.write_config(session_config(typo, world.emulator.region))
    result = _idc(world, "login", "--profile", "dev", "--use-device-code", "--no-browser")
    assert result.returncode == 3, result.stderr
    line = result.stderr.strip()
    assert "\n" not in line
    assert f"IAM Identity Center in {world.emulator.region} does not know the start URL {typo}" in line
    assert "`idc configure sso-session --sso-session dev`" in line


AWS_CLI_WRITES_TOKEN = """
import json, os, sys
from botocore.utils import JSONFileCache, SSOTokenLoader
token = json.load(sys.stdin)
cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "sso", "cache")))
SSOTokenLoader(cache=cache).save_token(token["startUrl"], token, session_name=sys.argv[1])
"""


def test_the_signed_out_marker_falls_silent_once_another_tool_signed_in(world: SignInWorld) -> None:
    """After `idc logout`, `aws sso login` writes the token (botocore's SSOTokenLoader, as AWS CLI v2
    does) and `aws sso logout` removes it: idc must not blame `idc logout` for what followed."""
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    assert _idc(world, "login", "--profile", "dev", env=_browser_env(world)).returncode == 0
    (name, token), *_ = world.tokens().items()
    assert _idc(world, "logout").returncode == 0
    assert "signed out (`idc logout`)" in _idc(world, "credentials", "--profile", "dev").stderr

    # Another tool signs in: its token (this one is no longer valid on the server; only the files
    # matter here) goes into ~/.aws/sso/cache as the AWS CLI writes it, then its logout removes it.
    written = subprocess.run(
        [sys.executable, "-c", AWS_CLI_WRITES_TOKEN, SESSION],
        input=json.dumps(token),
        env=world.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert written.returncode == 0, written.stderr
    assert (world.locations.sso_cache_dir / name).exists()
    (world.locations.sso_cache_dir / name).unlink()  # `aws sso logout` removes the token file

    after = _idc(world, "credentials", "--profile", "dev")
    assert after.returncode == 4
    assert after.stderr == (
        f"idc: Error loading SSO Token: Token for {SESSION} does not exist. "
        "Run `idc login --profile dev` to sign in.\n"
    )


def test_a_mistyped_start_url_is_refused_in_the_authorization_code_flow_too(world: SignInWorld) -> None:
    """The PKCE flow's RegisterClient carries the start URL (issuerUrl): the emulator refuses a typo
    there (its own InvalidRequestException), and idc says it as for the device flow."""
    typo = world.emulator.start_url.replace("/start", "/strat")
    world.write_config(session_config(typo, world.emulator.region))
    result = _idc(world, "login", "--profile", "dev", env=_browser_env(world))
    assert result.returncode == 3, result.stderr
    line = result.stderr.strip()
    assert "\n" not in line
    assert f"IAM Identity Center in {world.emulator.region} does not know the start URL {typo}" in line
    assert "(RegisterClient: InvalidRequestException)" in line
    assert world.emulator.stats().get("CreateToken") is None


def test_after_logout_commands_say_signed_out_not_expired(world: SignInWorld) -> None:
    world.write_config(session_config(world.emulator.start_url, world.emulator.region))
    never = _idc(world, "credentials", "--profile", "dev")
    assert never.returncode == 4
    assert f"Error loading SSO Token: Token for {SESSION} does not exist." in never.stderr  # AWS CLI's
    assert _idc(world, "login", "--profile", "dev", env=_browser_env(world)).returncode == 0
    assert _idc(world, "logout").returncode == 0

    by_profile = _idc(world, "credentials", "--profile", "dev")
    assert by_profile.returncode == 4
    assert by_profile.stderr == (
        f"idc: The SSO session {SESSION} is signed out (`idc logout`). "
        "Run `idc login --profile dev` to sign in.\n"
    )
    # No profile was given: the message names the session, never "this profile".
    by_session = _idc(world, "list", "--sso-session", SESSION)
    assert by_session.returncode == 4
    assert by_session.stderr == (
        f"idc: The SSO session {SESSION} is signed out (`idc logout`). "
        f"Run `idc login --sso-session {SESSION}` to sign in.\n"
    )

    # Signed in again, then the token is over: "expired", naming the session when a session was given.
    assert _idc(world, "login", "--sso-session", SESSION, env=_browser_env(world)).returncode == 0
    (name, token), *_ = world.tokens().items()
    token["expiresAt"] = "2020-01-01T00:00:00Z"
    token.pop("refreshToken")
    (world.locations.sso_cache_dir / name).write_text(json.dumps(token))
    expired = _idc(world, "list", "--sso-session", SESSION)
    assert expired.returncode == 4
    assert "associated with this profile" not in expired.stderr
    assert f"The SSO session {SESSION} has expired or is otherwise invalid." in expired.stderr
    by_profile = _idc(world, "credentials", "--profile", "dev")
    assert "The SSO session associated with this profile has expired" in by_profile.stderr  # botocore's
