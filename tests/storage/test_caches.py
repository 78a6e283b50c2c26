"""Token, registration and role caches: literal key vectors, exact JSON, and botocore reading ours and
writing what we read (catalogue 6 and 9). botocore fixes its cache dirs from HOME at import, so it runs
in a subprocess with the tmp HOME (``aws_home.env``)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from idc.errors import CacheError
from idc.storage import registration_cache, role_cache, token_cache
from idc.storage.frozen import FrozenInstanceError
from idc.storage.locations import Locations
from idc.storage.registration_cache import ClientRegistration
from idc.storage.role_cache import RoleCredentials
from idc.storage.timestamps import format_timestamp, parse_timestamp
from idc.storage.token_cache import SsoToken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import AwsHome

UTC = timezone.utc
START_URL = "https://d-0000000000.awsapps.com/start"


@pytest.fixture
def locations(aws_home: AwsHome) -> Locations:
    return Locations.from_environ()


# --- keys: literal vectors (computed from botocore's code, quoted in each module's docstring) ---------


@pytest.mark.parametrize(
    ("session_name", "start_url", "key"),
    [
        pytest.param("admin", START_URL, "d033e22ae348aeb5660fc2140aec35850c4da997", id="session-admin"),
        pytest.param(None, START_URL, "b51e627ec5d75dab0c56e37911d5b31610f612e0", id="legacy-start-url"),
    ],
)
def test_token_cache_key_vectors(session_name: str | None, start_url: str, key: str) -> None:
    assert token_cache.token_cache_key(session_name, start_url) == key


@pytest.mark.parametrize(
    ("scopes", "session_name", "key"),
    [
        pytest.param(["sso:account:access"], "dev", "3681c40659df03a6e12a8b0b621c6cab9881d680", id="session"),
        pytest.param(None, None, "be9b955d417951dcb3a55aa4ed3179a287686562", id="legacy"),
    ],
)
def test_registration_cache_key_vectors(scopes: list[str] | None, session_name: str | None, key: str) -> None:
    assert registration_cache.registration_cache_key("ap-northeast-1", scopes, session_name, START_URL) == key
    if scopes is not None:
        assert (
            registration_cache.registration_cache_key(
                "ap-northeast-1", tuple(scopes), session_name, START_URL
            )
            == key
        )


@pytest.mark.parametrize(
    ("account", "role", "session_name", "start_url", "key"),
    [
        pytest.param(
            "123456789012",
            "AdministratorAccess",
            "dev",
            START_URL,
            "b739154fdd2314fe073da9288ba24a5f884b9037",
            id="session",
        ),
        pytest.param(
            "123456789012",
            "AdministratorAccess",
            None,
            START_URL,
            "9fccbfe10e33b37f446c9c897d45a21aa774600c",
            id="legacy",
        ),
        pytest.param(
            "123456789012",
            "Admin",
            'caf\u00e9 "x"',
            START_URL,
            "1b9675bedfea73a57b3e4ea1b55c0926e548032d",
            id="escapes",
        ),
    ],
)
def test_role_cache_key_vectors(
    account: str, role: str, session_name: str | None, start_url: str, key: str
) -> None:
    assert role_cache.role_cache_key(account, role, session_name, start_url) == key


@pytest.mark.parametrize("name", ["dev", "caf\u00e9", 'q"uo\\te', "tab\there", "\U0001f600", "a/b:c", "<>&'"])
def test_role_cache_key_is_botocores_json(name: str) -> None:
    import hashlib

    for session_name, start_url in ((name, START_URL), (None, "https://x/" + name)):
        args = {"roleName": "R" + name, "accountId": "111111111111"}
        if session_name:
            args["sessionName"] = session_name
        else:
            args["startUrl"] = start_url
        want = hashlib.sha1(json.dumps(args, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        assert role_cache.role_cache_key("111111111111", "R" + name, session_name, start_url) == want


# --- JSON content ---------------------------------------------------------------------------------------


def test_token_json_exactly_as_botocore_writes_it(locations: Locations, aws_home: AwsHome) -> None:
    token = SsoToken(
        start_url=START_URL,
        region="ap-northeast-1",
        access_token="at-1",
        expires_at=datetime(2026, 11, 21, 7, 29, 54, 987654, tzinfo=UTC),
        client_id="cid",
        client_secret="csecret",
        registration_expires_at=datetime(2027, 2, 19, 7, 29, 54, tzinfo=UTC),
        refresh_token="rt-1",
    )
    key = token_cache.token_cache_key("admin", START_URL)
    token_cache.save_token(locations, key, token)
    path = aws_home.sso_cache / "d033e22ae348aeb5660fc2140aec35850c4da997.json"
    assert path.read_text() == (
        '{"startUrl": "https://d-0000000000.awsapps.com/start", "region": "ap-northeast-1", '
        '"accessToken": "at-1", "expiresAt": "2026-11-21T07:29:54Z", "clientId": "cid", '
        '"clientSecret": "csecret", "registrationExpiresAt": "2027-02-19T07:29:54Z", "refreshToken": "rt-1"}'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = token_cache.load_token(locations, key)
    assert loaded == token.__class__(
        **{**token.__dict__, "expires_at": datetime(2026, 11, 21, 7, 29, 54, tzinfo=UTC)}
    )
    assert "at-1" not in repr(loaded) and "csecret" not in repr(loaded) and "rt-1" not in repr(loaded)


def test_token_without_refresh_token_omits_the_key(locations: Locations, aws_home: AwsHome) -> None:
    token = SsoToken(START_URL, "us-east-1", "at", datetime(2026, 1, 1, tzinfo=UTC))
    token_cache.save_token(locations, "k", token)
    assert json.loads((aws_home.sso_cache / "k.json").read_text()) == {
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": "at",
        "expiresAt": "2026-01-01T00:00:00Z",
    }
    assert not token.can_refresh


@pytest.mark.parametrize(
    "expires",
    [
        "2026-11-21T07:29:54Z",
        "2026-11-21T07:29:54+00:00",
        "2026-11-21T07:29:54.123456Z",
        "2026-11-21T07:29:54.5+00:00",
        "2026-11-21T07:29:54UTC",
        "2026-11-21T16:29:54+09:00",
        "2026-11-21T07:29:54",
        "2026-11-21 07:29:54Z",
    ],
)
def test_token_expiry_shapes_botocore_and_the_aws_cli_write(
    locations: Locations, aws_home: AwsHome, expires: str
) -> None:
    aws_home.sso_cache.mkdir(parents=True)
    data = {"startUrl": START_URL, "region": "us-east-1", "accessToken": "at", "expiresAt": expires}
    data["receivedAt"] = "2026-11-21T06:29:54Z"  # older AWS CLI versions add it
    (aws_home.sso_cache / "k.json").write_text(json.dumps(data))
    token = token_cache.load_token(locations, "k")
    assert token is not None
    assert token.expires_at.replace(microsecond=0) == datetime(2026, 11, 21, 7, 29, 54, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param('{"startUrl": "x", "accessTo', "not valid JSON", id="partial-write"),
        pytest.param('{"startUrl": "x", "expiresAt": "2026-11-21T07:29:54Z"}', "accessToken", id="no-token"),
        pytest.param('{"accessToken": "at"}', "expiresAt", id="no-expiry"),
        pytest.param('{"accessToken": "at", "expiresAt": "tomorrow"}', "expiresAt", id="bad-expiry"),
        pytest.param('{"accessToken": 5, "expiresAt": "2026-11-21T07:29:54Z"}', "accessToken", id="bad-type"),
    ],
)
def test_corrupt_token_names_file_and_login_command(
    locations: Locations, aws_home: AwsHome, content: str, what: str
) -> None:
    aws_home.sso_cache.mkdir(parents=True)
    path = aws_home.sso_cache / "k.json"
    path.write_text(content)
    with pytest.raises(CacheError) as info:
        token_cache.load_token(locations, "k", login_command="idc login --profile dev")
    assert str(path) in info.value.message and what in info.value.message
    assert "idc login --profile dev" in str(info.value)


def test_list_and_delete_tokens_skip_registrations_and_junk(locations: Locations, aws_home: AwsHome) -> None:
    t = SsoToken(START_URL, "us-east-1", "at", datetime(2026, 1, 1, tzinfo=UTC))
    token_cache.save_token(locations, "aaa", t)
    token_cache.save_token(locations, "bbb", t.__class__(**{**t.__dict__, "access_token": "at2"}))
    reg = ClientRegistration("cid", "cs", datetime(2026, 1, 1, tzinfo=UTC), ("sso:account:access",))
    registration_cache.save_registration(locations, "ccc", reg)
    (aws_home.sso_cache / "ddd.json").write_text("{broken")
    assert [k for k, _ in token_cache.list_tokens(locations)] == ["aaa", "bbb"]
    assert token_cache.delete_token(locations, "aaa") is True
    assert token_cache.delete_token(locations, "aaa") is False
    assert token_cache.load_token(locations, "aaa") is None


def test_registration_json(locations: Locations, aws_home: AwsHome) -> None:
    reg = ClientRegistration(
        "cid",
        "cs",
        datetime(2027, 2, 19, 7, 29, 54, tzinfo=UTC),
        ["sso:account:access"],  # type: ignore[arg-type]  # lists are accepted and kept as tuples
        ("authorization_code", "refresh_token"),
    )
    registration_cache.save_registration(locations, "r", reg)
    assert (aws_home.sso_cache / "r.json").read_text() == (
        '{"clientId": "cid", "clientSecret": "cs", "expiresAt": "2027-02-19T07:29:54Z", '
        '"scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}'
    )
    assert registration_cache.load_registration(locations, "r") == reg
    assert "'cs'" not in repr(reg)
    legacy = ClientRegistration("cid", "cs", datetime(2027, 2, 19, tzinfo=UTC))
    registration_cache.save_registration(locations, "l", legacy)
    assert json.loads((aws_home.sso_cache / "l.json").read_text()) == {
        "clientId": "cid",
        "clientSecret": "cs",
        "expiresAt": "2027-02-19T00:00:00Z",
    }
    (aws_home.sso_cache / "bad.json").write_text('{"clientId": "x"}')
    assert registration_cache.load_registration(locations, "bad") is None
    assert registration_cache.load_registration(locations, "missing") is None


def test_role_cache_json_and_freshness(locations: Locations, aws_home: AwsHome) -> None:
    creds = RoleCredentials(
        access_key_id="ASIA1",
        secret_access_key="s3cr3t-value",
        session_token="stoken",
        expiration=datetime(2026, 11, 21, 8, 0, 0, 500000, tzinfo=UTC),
        account_id="123456789012",
    )
    key = role_cache.role_cache_key("123456789012", "Admin", "dev", START_URL)
    role_cache.save_role_credentials(locations, key, creds)
    path = aws_home.cli_cache / f"{key}.json"
    assert path.read_text() == (
        '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s3cr3t-value", '
        '"SessionToken": "stoken", "Expiration": "2026-11-21T08:00:00Z", "AccountId": "123456789012"}}'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = role_cache.load_role_credentials(locations, key)
    assert loaded == creds.replace(expiration=datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC))
    assert loaded is not None
    assert loaded.is_fresh(datetime(2026, 11, 21, 7, 45, 0, tzinfo=UTC))
    assert not loaded.is_fresh(datetime(2026, 11, 21, 7, 45, 1, tzinfo=UTC))
    assert "s3cr3t-value" not in repr(loaded) and "stoken" not in repr(loaded)
    with pytest.raises(FrozenInstanceError):
        loaded.access_key_id = "x"  # type: ignore[misc]
    assert hash(loaded) == hash(creds.replace(expiration=loaded.expiration))


@pytest.mark.parametrize(
    "content",
    [
        "",
        '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "A"',
        '{"ProviderType": "sso"}',
        '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", '
        '"SessionToken": "T"}}',
        "[]",
    ],
)
def test_corrupt_role_cache_is_a_miss_and_is_rewritten(
    locations: Locations, aws_home: AwsHome, content: str
) -> None:
    aws_home.cli_cache.mkdir(parents=True)
    (aws_home.cli_cache / "k.json").write_text(content)
    assert role_cache.load_role_credentials(locations, "k") is None
    creds = RoleCredentials("A", "S", "T", datetime(2030, 1, 1, tzinfo=UTC), "123456789012")
    role_cache.save_role_credentials(locations, "k", creds)
    assert role_cache.load_role_credentials(locations, "k") == creds


def test_logout_removes_only_sso_role_entries(locations: Locations, aws_home: AwsHome) -> None:
    creds = RoleCredentials("A", "S", "T", datetime(2030, 1, 1, tzinfo=UTC))
    role_cache.save_role_credentials(locations, "sso1", creds)
    role_cache.save_role_credentials(locations, "sso2", creds)
    assume = {"Credentials": {"AccessKeyId": "A"}, "AssumedRoleUser": {}}
    (aws_home.cli_cache / "assume.json").write_text(json.dumps(assume))
    assert role_cache.delete_sso_role_credentials(locations) == 2
    assert sorted(p.name for p in aws_home.cli_cache.iterdir()) == ["assume.json"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-11-21T07:29:54Z", datetime(2026, 11, 21, 7, 29, 54, tzinfo=UTC)),
        ("2026-11-21T07:29:54.1Z", datetime(2026, 11, 21, 7, 29, 54, 100000, tzinfo=UTC)),
        ("2026-11-21T07:29:54.1234567+00:00", datetime(2026, 11, 21, 7, 29, 54, 123456, tzinfo=UTC)),
        ("2026-11-21T02:29:54-0500", datetime(2026, 11, 21, 7, 29, 54, tzinfo=UTC)),
        ("2026-11-21T07:29:54GMT", datetime(2026, 11, 21, 7, 29, 54, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text: str, want: datetime) -> None:
    assert parse_timestamp(text) == want


@pytest.mark.parametrize(
    "text", ["", "2026-11-21", "2026-13-21T07:29:54Z", "2026-11-21T07:29:54+25:00", "x" * 25, None]
)
def test_parse_timestamp_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_format_timestamp_converts_to_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert format_timestamp(datetime(2026, 11, 21, 16, 29, 54, 999, tzinfo=tokyo)) == "2026-11-21T07:29:54Z"


# --- botocore reads ours, we read botocore's (real botocore in a subprocess with the tmp HOME) ----------

CONFIG = f"""[profile dev]
sso_session = admin
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = eu-west-1

[sso-session admin]
sso_start_url = {START_URL}
sso_region = ap-northeast-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = {START_URL}
sso_region = ap-northeast-1
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
"""

BOTOCORE_READS = textwrap.dedent(
    """
    import json, os, sys
    import botocore.session
    from botocore.credentials import SSOCredentialFetcher
    from botocore.tokens import SSOTokenProvider
    from botocore.utils import JSONFileCache, SSOTokenLoader

    out = {}
    session = botocore.session.Session(profile="dev")
    frozen = SSOTokenProvider(session).load_token().get_frozen_token()
    out["session_token"] = [frozen.token, frozen.expiration.isoformat()]
    # the legacy loader (start URL key), as botocore's SSOProvider uses it
    loader = SSOTokenLoader(JSONFileCache(os.path.expanduser("~/.aws/sso/cache")))
    out["legacy_token"] = loader(sys.argv[1])["accessToken"]

    def no_client(*args, **kwargs):
        raise AssertionError("botocore missed the role cache and tried to call GetRoleCredentials")

    cli_cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
    for name, session_name in (("dev", "admin"), ("legacy", None)):
        fetcher = SSOCredentialFetcher(
            sys.argv[1], "ap-northeast-1", "AdministratorAccess", "123456789012",
            client_creator=no_client, cache=cli_cache, sso_session_name=session_name,
        )
        creds = fetcher.fetch_credentials()
        out[name] = [creds["access_key"], creds["secret_key"], creds["token"], creds["expiry_time"]]
    print(json.dumps(out))
    """
)


def test_botocore_reads_our_token_and_role_caches(locations: Locations, aws_home: AwsHome) -> None:
    aws_home.config_file.write_text(CONFIG)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    token = SsoToken(START_URL, "ap-northeast-1", "session-at", expires, "cid", "cs", expires, "rt")
    token_cache.save_token(locations, token_cache.token_cache_key("admin", START_URL), token)
    legacy = SsoToken(START_URL, "ap-northeast-1", "legacy-at", expires)
    token_cache.save_token(locations, token_cache.token_cache_key(None, START_URL), legacy)
    for session_name, secret in (("admin", "S-dev"), (None, "S-legacy")):
        key = role_cache.role_cache_key("123456789012", "AdministratorAccess", session_name, START_URL)
        creds = RoleCredentials("ASIA" + secret, secret, "T" + secret, expires, "123456789012")
        role_cache.save_role_credentials(locations, key, creds)

    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE_READS, START_URL],
        env=aws_home.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["session_token"] == ["session-at", expires.isoformat()]
    assert out["legacy_token"] == "legacy-at"
    # botocore hands the cached Expiration string through unchanged
    assert out["dev"] == ["ASIAS-dev", "S-dev", "TS-dev", format_timestamp(expires)]
    assert out["legacy"] == ["ASIAS-legacy", "S-legacy", "TS-legacy", format_timestamp(expires)]


BOTOCORE_WRITES = textwrap.dedent(
    """
    import datetime, os, sys
    import botocore.session
    from botocore.credentials import SSOCredentialFetcher
    from botocore.stub import Stubber
    from botocore.tokens import _sso_json_dumps
    from botocore.utils import JSONFileCache, SSOTokenLoader

    start_url, expires_ms = sys.argv[1], int(sys.argv[2])
    now = datetime.datetime.now(datetime.timezone.utc)
    token_cache = JSONFileCache(os.path.expanduser("~/.aws/sso/cache"), dumps_func=_sso_json_dumps)
    # what SSOTokenProvider._refresher saves after a refresh (datetime expiresAt, no refresh token issued)
    SSOTokenLoader(cache=token_cache).save_token(
        start_url,
        {
            "startUrl": start_url, "region": "ap-northeast-1", "accessToken": "botocore-at",
            "expiresAt": now + datetime.timedelta(seconds=3600),
            "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2027-02-19T07:29:54Z",
        },
        session_name="admin",
    )
    session = botocore.session.Session()
    client = session.create_client(
        "sso", region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    stubber = Stubber(client)
    stubber.add_response(
        "get_role_credentials",
        {"roleCredentials": {"accessKeyId": "ASIABOTO", "secretAccessKey": "boto-secret",
                             "sessionToken": "boto-session", "expiration": expires_ms}},
    )
    stubber.activate()
    fetcher = SSOCredentialFetcher(
        start_url, "ap-northeast-1", "AdministratorAccess", "123456789012",
        client_creator=lambda *a, **k: client,
        cache=JSONFileCache(os.path.expanduser("~/.aws/cli/cache")),
        token_loader=lambda url: {"accessToken": "botocore-at", "expiresAt": "2099-01-01T00:00:00Z"},
        sso_session_name=None,
    )
    fetcher.fetch_credentials()
    """
)


def test_we_read_what_botocore_writes(locations: Locations, aws_home: AwsHome) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE_WRITES, START_URL, str(int(expires.timestamp() * 1000))],
        env=aws_home.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    token = token_cache.load_token(locations, token_cache.token_cache_key("admin", START_URL))
    assert token is not None
    assert (token.access_token, token.client_id, token.refresh_token) == ("botocore-at", "cid", None)
    assert token.registration_expires_at == datetime(2027, 2, 19, 7, 29, 54, tzinfo=UTC)
    key = role_cache.role_cache_key("123456789012", "AdministratorAccess", None, START_URL)
    creds = role_cache.load_role_credentials(locations, key)
    assert creds == RoleCredentials("ASIABOTO", "boto-secret", "boto-session", expires, "123456789012")


def test_symlink_planted_at_token_and_role_paths(locations: Locations, aws_home: AwsHome, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Catalogue 8 at the cache level: reading refuses (token) or misses (role); writing replaces the
    link; the file it pointed to is untouched."""
    victim = tmp_path / "victim.json"
    victim.write_text('{"accessToken": "not yours", "expiresAt": "2030-01-01T00:00:00Z"}')
    victim.chmod(0o644)
    aws_home.sso_cache.mkdir(parents=True)
    aws_home.cli_cache.mkdir(parents=True)
    token_link = aws_home.sso_cache / "k.json"
    token_link.symlink_to(victim)
    role_link = aws_home.cli_cache / "k.json"
    role_link.symlink_to(victim)

    with pytest.raises(CacheError) as info:
        token_cache.load_token(locations, "k", login_command="idc login --profile dev")
    assert str(token_link) in info.value.message and "idc login --profile dev" in str(info.value)
    assert role_cache.load_role_credentials(locations, "k") is None
    assert [k for k, _ in token_cache.list_tokens(locations)] == []

    token_cache.save_token(
        locations, "k", SsoToken(START_URL, "us-east-1", "mine", datetime(2030, 1, 1, tzinfo=UTC))
    )
    role_cache.save_role_credentials(
        locations, "k", RoleCredentials("A", "S", "T", datetime(2030, 1, 1, tzinfo=UTC))
    )
    assert not token_link.is_symlink() and not role_link.is_symlink()
    assert victim.read_text() == '{"accessToken": "not yours", "expiresAt": "2030-01-01T00:00:00Z"}'
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert token_cache.delete_token(locations, "k") and role_cache.delete_role_credentials(locations, "k")
    assert victim.exists()


def test_caches_private_under_umask_000(locations: Locations, aws_home: AwsHome) -> None:
    """Catalogue 7: 0600 files in 0700 directories whatever the umask; a 0644 file is tightened."""
    import os

    old = os.umask(0)
    try:
        token_cache.save_token(
            locations, "t", SsoToken(START_URL, "us-east-1", "at", datetime(2030, 1, 1, tzinfo=UTC))
        )
        reg = ClientRegistration("cid", "cs", datetime(2030, 1, 1, tzinfo=UTC))
        registration_cache.save_registration(locations, "r", reg)
        aws_home.cli_cache.mkdir(parents=True, mode=0o777)
        loose = aws_home.cli_cache / "c.json"
        loose.write_text("{}")
        loose.chmod(0o644)
        role_cache.save_role_credentials(
            locations, "c", RoleCredentials("A", "S", "T", datetime(2030, 1, 1, tzinfo=UTC))
        )
    finally:
        os.umask(old)
    for path in (aws_home.sso_cache / "t.json", aws_home.sso_cache / "r.json", loose):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for directory in (aws_home.sso_cache, aws_home.sso_cache.parent, aws_home.cli_cache):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
