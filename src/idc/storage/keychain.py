"""Secrets in the OS keychain through the ``keyring`` library, in pieces small enough for Windows.

Backends (keyring picks one): macOS Keychain, Windows Credential Locker, the Secret Service on Linux
(gnome-keyring, KWallet's bridge, KeePassXC). Every item is ``service="idc"``, ``username=<name>``.

Windows refuses a credential blob over ``CRED_MAX_CREDENTIAL_BLOB_SIZE`` = 2560 bytes, and keyring
stores UTF-16 there (about 1280 characters; ``CredWrite`` error 1783, jaraco/keyring#355), while an SSO
token with its refresh token and client secret is several kilobytes. keyring does not split values
(jaraco/keyring#540), so this module does, the same way on every platform (one tested layout):

- a value of at most :data:`CHUNK_CHARS` characters is stored as it is;
- a longer one goes into items ``<name>#<generation>.<i>`` (``i`` from 0), and the item ``<name>``
  holds ``idc-chunked:<generation>:<count>``. A rewrite uses a new generation and removes the old
  pieces only after the new pointer is in place, so a reader never joins pieces of two versions.

Every failure of the keychain (none available, locked, refused) is :class:`KeychainUnavailable`,
one line saying what is missing and what to do; the secret never appears in it. ``keyring`` is imported
when a keychain is first used: never on the credential hot path.
"""

from __future__ import annotations

import secrets
from typing import Any

from idc.errors import KeychainUnavailable

SERVICE = "idc"
WINDOWS_BLOB_LIMIT = 2560
"""``CRED_MAX_CREDENTIAL_BLOB_SIZE`` (wincred.h): the most a Windows credential holds, in bytes."""
CHUNK_CHARS = 1200
"""Characters per item: 2400 bytes of UTF-16 for ASCII text, under :data:`WINDOWS_BLOB_LIMIT`."""
_POINTER = "idc-chunked:"
# Backends that store nothing: writing there would silently lose the sign-in.
_NO_STORAGE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")


class Keychain:
    """Named text values in the OS keychain under ``service``.

    ``fix`` is the sentence an error ends with (how to use file storage instead), e.g.
    ``Or keep the token in a file: `idc configure sso-session --sso-session S --token-storage file`.``
    """

    def __init__(self, service: str = SERVICE, *, fix: str = "") -> None:
        self.service = service
        self.fix = fix

    def get(self, name: str) -> str | None:
        """The value stored as ``name``, or None when there is none (or a piece of it is missing)."""
        for _attempt in range(2):  # a writer may have replaced the pieces between two reads
            head = self._call("get_password", name)
            if head is None or not head.startswith(_POINTER):
                return None if head is None else str(head)
            generation, count = _parse_pointer(head)
            parts = [self._call("get_password", _piece(name, generation, i)) for i in range(count)]
            if all(part is not None for part in parts):
                return "".join(part for part in parts if part is not None)
        return None

    def set(self, name: str, value: str) -> None:
        """Store ``value`` as ``name`` (in pieces when longer than :data:`CHUNK_CHARS`)."""
        old = self._call("get_password", name)
        size = CHUNK_CHARS if value.isascii() else CHUNK_CHARS // 2  # astral characters: 4 bytes
        if len(value) <= size and not value.startswith(_POINTER):
            self._call("set_password", name, value)
        else:
            generation = secrets.token_hex(4)
            pieces = [value[at : at + size] for at in range(0, len(value), size)]
            for i, piece in enumerate(pieces):
                self._call("set_password", _piece(name, generation, i), piece)
            self._call("set_password", name, f"{_POINTER}{generation}:{len(pieces)}")
        if old is not None and old.startswith(_POINTER):
            self._delete_pieces(name, old)

    def delete(self, name: str) -> bool:
        """Remove ``name`` and its pieces; False when there was nothing."""
        head = self._call("get_password", name)
        if head is None:
            return False
        self._call("delete_password", name)
        if head.startswith(_POINTER):
            self._delete_pieces(name, head)
        return True

    def check(self) -> None:
        """Raise :class:`KeychainUnavailable` unless a keychain is there and unlocked."""
        self._call("get_password", "idc-probe")

    def _delete_pieces(self, name: str, pointer: str) -> None:
        generation, count = _parse_pointer(pointer)
        for i in range(count):
            self._call("delete_password", _piece(name, generation, i))

    def _call(self, operation: str, *args: str) -> Any:
        """One keyring call; every failure becomes one line naming what is missing (no secret)."""
        import keyring
        from keyring import errors

        backend = keyring.get_keyring()
        if type(backend).__module__ in _NO_STORAGE_BACKENDS:
            raise self._unavailable(
                "No OS keychain is available (no Secret Service on the D-Bus session bus, "
                "or keyring's backend is disabled)",
                "Start and unlock a keyring (gnome-keyring or KWallet in your desktop or D-Bus session)",
            )
        try:
            return getattr(backend, operation)(self.service, *args)
        except errors.PasswordDeleteError:
            return None  # already gone: what a delete wanted
        except errors.KeyringLocked:
            raise self._unavailable(
                "The OS keychain is locked", "Unlock it and run the command again"
            ) from None
        except errors.NoKeyringError:
            raise self._unavailable(
                "No OS keychain is available (no Secret Service on the D-Bus session bus)",
                "Start and unlock a keyring (gnome-keyring or KWallet in your desktop or D-Bus session)",
            ) from None
        except Exception as error:  # secretstorage/jeepney/OS errors: name the type, never the text
            raise self._unavailable(
                f"The OS keychain refused to {operation.split('_')[0]} an item ({type(error).__name__})",
                "Check that your keyring is running and unlocked",
            ) from None

    def _unavailable(self, what: str, how: str) -> KeychainUnavailable:
        return KeychainUnavailable(f"{what}.", hint=f"{how}. {self.fix}".strip())


def _piece(name: str, generation: str, index: int) -> str:
    return f"{name}#{generation}.{index}"


def _parse_pointer(head: str) -> tuple[str, int]:
    generation, _, count = head[len(_POINTER) :].partition(":")
    try:
        return generation, max(0, int(count))
    except ValueError:
        return generation, 0
