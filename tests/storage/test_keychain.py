"""idc.storage.keychain through the real ``keyring`` API, with Windows' blob limit applied.

The backend below is a keyring backend (``keyring.set_keyring``) that stores in memory and refuses,
as Windows' ``CredWrite`` does (error 1783), any value over 2560 bytes of UTF-16: what keyring's
WinVaultKeyring would hit with an SSO token holding its refresh token and client secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError

from idc.errors import KeychainUnavailable
from idc.storage.keychain import SERVICE, WINDOWS_BLOB_LIMIT, Keychain
from idc.storage.token_cache import SsoToken
from idc.storage.token_store import KeychainTokenStore


class WindowsSizedKeyring(KeyringBackend):
    """In memory; ``set_password`` fails past CRED_MAX_CREDENTIAL_BLOB_SIZE, as on Windows."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > WINDOWS_BLOB_LIMIT:
            raise PasswordSetError("The stub received bad data (1783)")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture
def windows_keyring() -> Iterator[WindowsSizedKeyring]:
    previous = keyring.get_keyring()
    backend = WindowsSizedKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_the_backend_refuses_what_windows_refuses(windows_keyring: WindowsSizedKeyring) -> None:
    with pytest.raises(PasswordSetError):
        keyring.set_password("idc", "big", "x" * 1281)  # 2562 bytes of UTF-16


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 1200, id="one-item-at-the-limit"),
        pytest.param("x" * 1201, id="two-pieces"),
        pytest.param("".join(chr(33 + i % 90) for i in range(9000)), id="eight-pieces"),
        pytest.param("é€" * 900, id="non-ascii"),
        pytest.param("\U0001f511" * 700, id="astral"),
    ],
)
def test_values_of_any_size_round_trip(windows_keyring: WindowsSizedKeyring, value: str) -> None:
    chain = Keychain()
    chain.set("item", value)
    assert chain.get("item") == value
    assert all(len(v.encode("utf-16-le")) <= WINDOWS_BLOB_LIMIT for v in windows_keyring.items.values())
    assert all(service == SERVICE for service, _name in windows_keyring.items)
    assert chain.delete("item") is True
    assert windows_keyring.items == {}
    assert chain.get("item") is None
    assert chain.delete("item") is False


def test_a_rewrite_leaves_no_stale_pieces(windows_keyring: WindowsSizedKeyring) -> None:
    chain = Keychain()
    chain.set("item", "a" * 5000)
    assert len(windows_keyring.items) == 6  # the pointer and five pieces
    chain.set("item", "b" * 3000)
    assert chain.get("item") == "b" * 3000
    assert len(windows_keyring.items) == 4
    chain.set("item", "short")
    assert windows_keyring.items == {(SERVICE, "item"): "short"}


def test_a_missing_piece_is_a_miss_not_a_wrong_value(windows_keyring: WindowsSizedKeyring) -> None:
    chain = Keychain()
    chain.set("item", "c" * 4000)
    piece = next(key for key in windows_keyring.items if key[1] != "item")
    del windows_keyring.items[piece]
    assert chain.get("item") is None


def test_a_whole_sso_token_in_windows_sized_items(windows_keyring: WindowsSizedKeyring) -> None:
    """A real-sized token (IdC refresh tokens and client secrets run to kilobytes) round-trips."""
    token = SsoToken(
        start_url="https://d-0000000000.awsapps.com/start",
        region="ap-northeast-1",
        access_token="aoa" + "A" * 1500,
        expires_at=dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc),
        client_id="client-" + "i" * 40,
        client_secret="eyJraWQ" + "s" * 2000,
        registration_expires_at=dt.datetime(2027, 2, 24, 12, 0, tzinfo=dt.timezone.utc),
        refresh_token="aor" + "R" * 1500,
    )
    store = KeychainTokenStore("my-sso")
    store.save_token("d033e22ae348aeb5660fc2140aec35850c4da997", token)
    assert len(windows_keyring.items) > 4
    assert store.load_token("d033e22ae348aeb5660fc2140aec35850c4da997") == token
    assert store.delete_token("d033e22ae348aeb5660fc2140aec35850c4da997") is True
    assert windows_keyring.items == {}


@pytest.mark.parametrize(
    ("backend", "says"),
    [
        pytest.param("keyring.backends.fail.Keyring", "No OS keychain is available", id="no-keychain"),
        pytest.param("keyring.backends.null.Keyring", "No OS keychain is available", id="disabled"),
    ],
)
def test_no_keychain_is_one_line_naming_the_fix(backend: str, says: str) -> None:
    from keyring.core import load_keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(load_keyring(backend))
    try:
        with pytest.raises(KeychainUnavailable) as caught:
            KeychainTokenStore("my-sso").load_token("abc")
    finally:
        keyring.set_keyring(previous)
    line = str(caught.value)
    assert says in line
    assert "idc configure sso-session --sso-session my-sso --token-storage file" in line
    assert "\n" not in line
