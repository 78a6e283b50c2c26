"""idc.signin.interrupts: the first interrupt during a refresh waits for the block's end, a second one
does not, and the handlers are always put back."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import pytest

from idc.signin.interrupts import held_interrupts


def _interrupt(signum: int = signal.SIGINT) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.05)  # the handler runs here, in the main thread


def test_the_first_ctrl_c_takes_effect_when_the_block_ends() -> None:
    err = io.StringIO()
    finished = False
    with pytest.raises(KeyboardInterrupt), held_interrupts(err):
        _interrupt()
        finished = True  # the token is saved here
    assert finished
    assert err.getvalue().count("\n") == 1 and "interrupt again to stop now" in err.getvalue()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_stops_at_once() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), held_interrupts(io.StringIO()):
        _interrupt()
        _interrupt()
        reached = True
    assert not reached
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_held_sigterm_reaches_the_previous_handler_after_the_block() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: seen.append(signum))
    try:
        with held_interrupts(io.StringIO()):
            _interrupt(signal.SIGTERM)
            assert seen == []
        time.sleep(0.05)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_failing_block_still_lets_the_held_interrupt_through() -> None:
    with pytest.raises(KeyboardInterrupt), held_interrupts(io.StringIO()):
        _interrupt()
        raise RuntimeError("the refresh failed")


def test_nothing_is_held_and_nothing_changes_without_an_interrupt_or_off_the_main_thread() -> None:
    with held_interrupts(io.StringIO()):
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    errors: list[BaseException] = []

    def in_a_thread() -> None:
        try:
            with held_interrupts(io.StringIO()):
                assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        except BaseException as error:  # reported below
            errors.append(error)

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    assert errors == []
