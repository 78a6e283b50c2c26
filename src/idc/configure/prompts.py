"""Where the wizard's answers come from: flags (:class:`Answers`), a terminal or a script.

:class:`TerminalPrompter` asks on a terminal and asks again after a bad answer; :class:`ScriptedPrompter`
never asks: it prints each question with its answer, as a transcript, and a missing answer is a
:class:`~idc.errors.ConfigError` naming the flag that gives it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from idc.errors import ConfigError

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Answers:
    """Answers given up front (the command's flags); ``None`` means "ask"."""

    sso_session: str | None = None
    start_url: str | None = None
    sso_region: str | None = None
    scopes: str | None = None
    account_id: str | None = None
    role_name: str | None = None
    region: str | None = None
    output: str | None = None
    profile: str | None = None
    token_storage: str | None = None  # file | keychain; None: keep the session's


FLAGS: dict[str, str] = {f.name: "--" + f.name.replace("_", "-") for f in fields(Answers)}
FLAGS["scopes"] = "--scopes"


@dataclass(frozen=True)
class Question:
    """One question of the wizard.

    ``prompt`` is the exact text shown (``SSO region [None]: ``); ``default`` is what an empty answer
    means (``None``: nothing); ``check`` turns an answer into the stored value or raises ConfigError.
    """

    key: str
    prompt: str
    default: str | None
    check: Callable[[str], str]
    required: bool = False
    # Without a terminal, an unanswered question with no default is an error when ``explicit``: the
    # session name, because an empty one silently means the legacy format.
    explicit: bool = False

    @property
    def flag(self) -> str:
        return FLAGS[self.key]


@dataclass(frozen=True)
class Option:
    """One entry of a pick list: ``value`` is stored, ``label`` is shown (``name, email (id)``)."""

    value: str
    label: str


class Prompter(Protocol):
    """Where the wizard's answers come from and where its messages go."""

    out: TextIO
    interactive: bool

    def ask(self, question: Question, given: str | None) -> str:
        """The answer to ``question`` (``given``: the flag's value, if any), checked; "" for none."""

    def choose(self, title: str, options: Sequence[Option], given: str | None, flag: str) -> Option:
        """One of ``options`` (two or more), picked by the user or by ``given``."""

    def say(self, text: str) -> None:
        """Print a line of the wizard's own text."""


def _resolve(question: Question, raw: str) -> str:
    value = raw.strip()
    if not value:
        if question.default is not None:
            return question.default
        if question.required:
            raise ConfigError("A value is required.")
        return ""
    return question.check(value)


def _given_error(question: Question, error: ConfigError) -> ConfigError:
    return ConfigError(f"{question.flag}: {error.message}", hint=error.hint)


def _what(flag: str) -> str:
    return "account" if flag == "--account-id" else "role"


def pick_given(options: Sequence[Option], given: str, flag: str, what: str) -> Option:
    for option in options:
        if option.value == given:
            return option
    choices = ", ".join(o.value for o in options[:10]) + (", ..." if len(options) > 10 else "")
    raise ConfigError(f"{flag}: {what} {given} is not available to you (available: {choices}).")


class ScriptedPrompter:
    """Answers from flags only, printing each question and its answer the way a user would see them.

    Used without a terminal (scripts, CI) and by ``idc demo``.
    """

    interactive = False

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out if out is not None else sys.stdout

    def ask(self, question: Question, given: str | None) -> str:
        if given is None and question.default is None and (question.required or question.explicit):
            hint = f"Pass {question.flag}."
            if question.key == "sso_session" and not question.required:
                hint = "Pass --sso-session NAME (or --sso-session '' for the legacy format)."
            raise ConfigError(
                f"No answer for {question.prompt.strip()!r} and no terminal to ask on.", hint=hint
            )
        try:
            value = _resolve(question, given or "")
        except ConfigError as error:
            raise _given_error(question, error) from None
        self.say(question.prompt + (given or ""))
        return value

    def choose(self, title: str, options: Sequence[Option], given: str | None, flag: str) -> Option:
        if given is None:
            raise ConfigError(f"{title} and no terminal to pick one on.", hint=f"Pass {flag}.")
        return pick_given(options, given, flag, _what(flag))

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


SelectFunction = Callable[[str, Sequence[Option]], Option]


def _default_select(title: str, options: Sequence[Option]) -> Option:
    """The type-to-filter picker (:mod:`idc.accounts.selector`); the one place configure calls it."""
    from idc.accounts.selector import Choice, select

    chosen = select(title, [Choice(title=o.label, value=o, search_text=o.label) for o in options])
    return chosen.value


class TerminalPrompter:
    """Asks on the terminal; a bad answer prints one line and the question is asked again."""

    interactive = True

    def __init__(
        self,
        *,
        out: TextIO | None = None,
        read_line: Callable[[str], str] | None = None,
        select: SelectFunction | None = None,
    ) -> None:
        self.out = out if out is not None else sys.stdout
        self._read_line = read_line or _read_line
        self._select = select or _default_select

    def ask(self, question: Question, given: str | None) -> str:
        if given is not None:
            try:
                return _resolve(question, given)
            except ConfigError as error:
                raise _given_error(question, error) from None
        while True:
            raw = self._read_line(question.prompt)
            try:
                return _resolve(question, raw)
            except ConfigError as error:
                self.say(str(error))

    def choose(self, title: str, options: Sequence[Option], given: str | None, flag: str) -> Option:
        if given is not None:
            return pick_given(options, given, flag, _what(flag))
        return self._select(title, options)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _read_line(prompt: str) -> str:
    # Line editing (arrows, Ctrl-A/E, history) for input(), as a terminal user expects.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    try:
        return input(prompt)
    except EOFError:
        raise KeyboardInterrupt from None


def question_for(
    key: str, text: str, current: str | None, check: Callable[[str], str], **kw: Any
) -> Question:
    return Question(key=key, prompt=f"{text} [{current}]: ", default=current, check=check, **kw)
