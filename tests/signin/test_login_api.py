"""login() and ensure_logged_in() as other modules call them (auto-login; catalogue item 2)."""

from __future__ import annotations

import io
import threading

import pytest

from idc.errors import LockTimeout
from idc.signin.login import ensure_logged_in, login
from idc.signin.subject import SignInOptions
from idc.storage.locking import ProcessLock, lock_path_for
from idc.storage.token_cache import token_cache_key

from .conftest import SESSION, SignInWorld


def _options(world: SignInWorld, opener: object, **kwargs: object) -> SignInOptions:
    return SignInOptions(client_factory=world.factory, opener=opener, sleep=world.sleep, **kwargs)  # type: ignore[arg-type]


def test_ensure_logged_in_signs_in_once_then_reuses(world: SignInWorld) -> None:
    approver = world.approver()
    first = ensure_logged_in(
        world.target(), locations=world.locations, options=_options(world, approver), out=world.out
    )
    approver.wait()
    again = ensure_logged_in(
        world.target(), locations=world.locations, options=_options(world, world.approver()), out=world.out
    )
    assert again == first
    assert len(approver.opened) == 1
    assert world.emulator.stats()["CreateToken"] == 1


def test_explicit_login_signs_in_again(world: SignInWorld) -> None:
    """``idc login`` with a valid token still signs in (the session may have ended on the server)."""
    for _ in range(2):
        approver = world.approver()
        login(
            world.target(),
            locations=world.locations,
            client_factory=world.factory,
            opener=approver,
            out=world.out,
        )
        approver.wait()
    # two code exchanges, and before the second browser the cached registration was checked
    assert world.emulator.stats()["CreateToken"] == 3


def test_parallel_callers_in_one_process_share_one_sign_in(world: SignInWorld) -> None:
    approver = world.approver()
    results: list[object] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(
                login(
                    world.target(),
                    locations=world.locations,
                    client_factory=world.factory,
                    opener=approver,
                    out=io.StringIO(),
                )
            )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    approver.wait()
    assert not errors
    assert len(results) == 5 and len({t.access_token for t in results}) == 1  # type: ignore[attr-defined]
    assert len(approver.opened) == 1
    assert world.emulator.stats()["CreateToken"] == 1


def test_waiting_for_another_sign_in_is_bounded(world: SignInWorld) -> None:
    key = token_cache_key(SESSION, world.emulator.start_url)
    holder = ProcessLock(lock_path_for(world.locations, "login", key), timeout=1)
    with holder, pytest.raises(LockTimeout, match="sign-in to session 'dev'"):
        login(
            world.target(),
            locations=world.locations,
            client_factory=world.factory,
            opener=world.approver(),
            out=world.out,
            lock_timeout=0.2,
        )
    assert world.emulator.stats().get("RegisterClient", 0) == 0
