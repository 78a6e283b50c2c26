"""``configure sso`` and ``configure sso-session``: the AWS CLI v2 wizard, scriptable.

The questions, their texts and their order are the AWS CLI's (``awscli/customizations/configure/sso.py``):
SSO session name, start URL, region, registration scopes, the sign-in, the account, the role, the default
client region, the output format, the profile name, then the closing hint. Values already in the config
are offered as the defaults (``[value]``) when the wizard is run again.

Every question can be answered up front (:class:`Answers`, the command's flags). Answers come from a
:class:`Prompter`: :class:`TerminalPrompter` asks on a terminal and asks again after a bad answer;
:class:`ScriptedPrompter` never asks: it prints each question with its answer, as a transcript, and a
missing answer is a :class:`~idc.errors.ConfigError` naming the flag that gives it.

Nothing is written until every answer is in and the sign-in worked; the file is then changed through
:class:`idc.config.editor.ConfigEditor`, which leaves every other byte of it as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from idc.aws.clients import ClientFactory, default_client_factory
from idc.config.validate import (
    account_id_problem,
    region_problem,
    role_name_problem,
    shown,
    start_url_problem,
)
from idc.errors import CacheError, ConfigError, LoginFailed, LoginRequired, ServiceError, shell_word
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.signin.login import SignInOptions, SsoSessionTarget
    from idc.storage.token_cache import SsoToken

log = logging.getLogger(__name__)

DEFAULT_SCOPES = "sso:account:access"
OUTPUT_FORMATS = ("json", "text", "table", "yaml", "yaml-stream")
LEGACY_WARNING = (
    "WARNING: Configuring using legacy format (e.g. without an SSO session).\n"
    'Consider re-running "configure sso" command and providing a session name.'
)


# --- answers and questions ----------------------------------------------------------------------------


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


def _pick_given(options: Sequence[Option], given: str, flag: str, what: str) -> Option:
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
        return _pick_given(options, given, flag, _what(flag))

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
            return _pick_given(options, given, flag, _what(flag))
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


# --- checks: each bad value is one line saying what to fix -------------------------------------------


def check_session_name(value: str) -> str:
    from idc.config.editor import check_name

    check_name("sso-session", value)
    return value


def check_profile_name(value: str) -> str:
    from idc.config.editor import check_name

    check_name("profile", value)
    return value


def check_start_url(value: str) -> str:
    """The start URL must be https (AWS CLI v2 >= 2.35.13 refuses anything else)."""
    return _checked("The SSO start URL", value, start_url_problem(value))


def check_sso_region(value: str) -> str:
    return _checked("The SSO region", value, region_problem(value))


def check_region(value: str) -> str:
    return _checked("The default client Region", value, region_problem(value))


def _checked(what: str, value: str, problem: str | None) -> str:
    if problem is not None:
        raise ConfigError(f"{what} {shown(value)} {problem}.")
    return value


def check_scopes(value: str) -> str:
    scopes = [s.strip() for s in value.split(",")]
    bad = not all(scopes) or any(re.search(r"\s", s) for s in scopes)
    return _checked("The scopes", value, "must be separated by commas" if bad else None)


def check_output(value: str) -> str:
    return _checked(
        "The output format",
        value,
        None if value in OUTPUT_FORMATS else f"is not one of {', '.join(OUTPUT_FORMATS)}",
    )


def check_account_id(value: str) -> str:
    return _checked("The account ID", value, account_id_problem(value))


def check_role_name(value: str) -> str:
    return _checked("The role name", value, role_name_problem(value))


def _question(key: str, text: str, current: str | None, check: Callable[[str], str], **kw: Any) -> Question:
    return Question(key=key, prompt=f"{text} [{current}]: ", default=current, check=check, **kw)


def check_answers(answers: Answers) -> None:
    """Check the values given up front before anything else happens (no sign-in for a typo)."""
    for field in fields(Answers):
        value = getattr(answers, field.name)
        if value is not None and any(ch in value for ch in "\r\n\x0b\x0c\x85\u2028\u2029"):
            # Never echoed: it may be a secret pasted into the wrong place.
            raise ConfigError(
                f"{FLAGS[field.name]}: the value contains a line break; values must be a single line."
            )
    checks: dict[str, Callable[[str], str]] = {
        "start_url": check_start_url,
        "sso_region": check_sso_region,
        "scopes": check_scopes,
        "account_id": check_account_id,
        "role_name": check_role_name,
        "region": check_region,
        "output": check_output,
        "profile": check_profile_name,
    }
    for key, check in checks.items():
        value = getattr(answers, key)
        if value:
            try:
                check(value.strip())
            except ConfigError as error:
                raise ConfigError(f"{FLAGS[key]}: {error.message}", hint=error.hint) from None
    if answers.sso_session:
        try:
            check_session_name(answers.sso_session.strip())
        except ConfigError as error:
            raise ConfigError(f"--sso-session: {error.message}", hint=error.hint) from None


# --- the wizard ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfiguredProfile:
    """What ``configure sso`` wrote."""

    profile: str
    sso_session: str | None
    start_url: str
    sso_region: str
    account_id: str
    role_name: str
    region: str | None
    output: str | None


@dataclass(frozen=True)
class ConfiguredSession:
    """What ``configure sso-session`` wrote."""

    sso_session: str
    start_url: str
    sso_region: str
    scopes: str
    signed_in: bool


@dataclass(frozen=True)
class ExistingConfig:
    """The single-line values of the profiles and sso-sessions already in the config (the defaults)."""

    profiles: dict[str, dict[str, str]]
    sessions: dict[str, dict[str, str]]


def read_existing(locations: Locations) -> ExistingConfig:
    """The config as botocore reads it (:func:`idc.config.load_config`); nested blocks left out."""
    from idc.config import load_config

    config = load_config(locations)

    def flat(sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
        return {
            name: {key: value for key, value in values.items() if isinstance(value, str)}
            for name, values in sections.items()
        }

    return ExistingConfig(profiles=flat(config.profiles), sessions=flat(config.sso_sessions))


@dataclass(frozen=True)
class _SessionAnswers:
    name: str | None  # None: legacy format
    start_url: str
    sso_region: str
    scopes: str | None


def configure_sso(
    answers: Answers,
    *,
    locations: Locations,
    prompter: Prompter,
    sign_in: SignInOptions | None = None,
    sign_in_out: TextIO | None = None,
    force_login: bool = False,
) -> ConfiguredProfile:
    """Run the ``configure sso`` wizard and write the ``[profile]`` (and ``[sso-session]``) section.

    The session's cached token is used when it is still valid (said in one line) unless
    ``force_login``; otherwise the sign-in runs, its messages on ``sign_in_out`` (default: the
    prompter's). A failed sign-in names this configure command, to run again.
    """
    from idc.signin.login import SignInOptions

    check_answers(answers)
    sign_in = sign_in or SignInOptions()
    existing = read_existing(locations)
    current = existing.profiles.get(answers.profile or "", {}) if answers.profile else {}

    session = _ask_session(answers, prompter, existing, current, required=False)
    fix = rerun_command("sso", answers, session, sign_in)
    signer = _Signer(session, locations, sign_in, prompter, sign_in_out or prompter.out, fix)
    token, reused = signer.token(force=force_login)

    client_factory = sign_in.client_factory or default_client_factory()
    try:
        accounts = list_accounts(
            token.access_token, session.sso_region, client_factory=client_factory, fix=fix
        )
    except LoginRequired:
        if not reused:
            raise
        # Ended on the server before its time (logout elsewhere, an administrator): sign in once.
        prompter.say("The cached SSO token was refused; signing in again.")
        token, reused = signer.token(force=True)
        accounts = list_accounts(
            token.access_token, session.sso_region, client_factory=client_factory, fix=fix
        )
    if not accounts:
        raise ConfigError("No AWS accounts are available to you.", hint="Ask your administrator.")
    account = _pick(prompter, accounts, answers.account_id, _ACCOUNT_TEXTS)

    roles = list_roles(
        token.access_token, session.sso_region, account.value, client_factory=client_factory, fix=fix
    )
    if not roles:
        raise ConfigError(f"No roles are available for the account {account.value}.")
    role = _pick(prompter, roles, answers.role_name, _ROLE_TEXTS)

    existing_name = None
    if not answers.profile:
        # Run again for the same session, account and role: that profile's values are the defaults.
        existing_name = _profile_for(existing, session, account.value, role.value)
        current = existing.profiles.get(existing_name or "", {})
    region = prompter.ask(
        _question("region", "Default client Region", current.get("region"), check_region), answers.region
    )
    output = prompter.ask(
        _question(
            "output", "CLI default output format (json if not specified)", current.get("output"), check_output
        ),
        answers.output,
    )
    if answers.profile:
        profile = answers.profile.strip()
    else:
        default_name = existing_name or f"{role.value}-{account.value}"
        profile = prompter.ask(
            _question("profile", "Profile name", default_name, check_profile_name), answers.profile
        )

    values: dict[str, str | None] = {}
    if session.name is not None:
        # The session holds the start URL and region; stale legacy keys in the profile would make
        # botocore complain that they are inconsistent with the session, so they go.
        values.update(sso_session=session.name, sso_start_url=None, sso_region=None)
    else:
        values.update(sso_session=None, sso_start_url=session.start_url, sso_region=session.sso_region)
    values.update(sso_account_id=account.value, sso_role_name=role.value)
    if region:
        values["region"] = region
    if output:
        values["output"] = output
    session_values: dict[str, str | None] | None = None
    if session.name is not None:
        session_values = {
            "sso_start_url": session.start_url,
            "sso_region": session.sso_region,
            "sso_registration_scopes": session.scopes or DEFAULT_SCOPES,
        }
    write_sections(locations, profile=(profile, values), session=(session.name, session_values))

    prompter.say("")
    if profile.lower() == "default":
        prompter.say("The AWS CLI is now configured to use the default profile.")
        prompter.say("Run the following command to verify your configuration:")
        prompter.say("")
        prompter.say("aws sts get-caller-identity")
    else:
        prompter.say("To use this profile, specify the profile name using --profile, as shown:")
        prompter.say("")
        prompter.say(f"aws sts get-caller-identity --profile {shell_word(profile)}")
    return ConfiguredProfile(
        profile=profile,
        sso_session=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        account_id=account.value,
        role_name=role.value,
        region=region or None,
        output=output or None,
    )


def configure_sso_session(
    answers: Answers,
    *,
    locations: Locations,
    prompter: Prompter,
    sign_in: SignInOptions | None = None,
    login: bool = True,
    sign_in_out: TextIO | None = None,
    force_login: bool = False,
) -> ConfiguredSession:
    """Run the ``configure sso-session`` wizard; sign in (unless ``login`` is False), then write.

    Signing in before writing proves the start URL and region work: a typo is found now, and nothing
    is written for it. A cached token still valid for the same start URL, region and scopes is that
    proof already (unless ``force_login``).
    """
    from idc.signin.login import SignInOptions

    check_answers(answers)
    existing = read_existing(locations)
    session = _ask_session(answers, prompter, existing, {}, required=True)
    assert session.name is not None  # required=True never yields the legacy format
    if login:
        options = sign_in or SignInOptions()
        fix = rerun_command("sso-session", answers, session, options)
        _Signer(session, locations, options, prompter, sign_in_out or prompter.out, fix).token(
            force=force_login
        )
    scopes = session.scopes or DEFAULT_SCOPES
    values: dict[str, str | None] = {
        "sso_start_url": session.start_url,
        "sso_region": session.sso_region,
        "sso_registration_scopes": scopes,
    }
    write_sections(locations, profile=None, session=(session.name, values))
    prompter.say("")
    prompter.say(f"Completed configuring SSO session: {session.name}")
    if not login:
        prompter.say("Run the following to login and refresh access token for this session:")
        prompter.say("")
        prompter.say(f"idc login --sso-session {shell_word(session.name)}")
    return ConfiguredSession(
        sso_session=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        scopes=scopes,
        signed_in=login,
    )


def _profile_for(
    existing: ExistingConfig, session: _SessionAnswers, account_id: str, role: str
) -> str | None:
    """The name of a profile already configured for this session (or start URL), account and role."""
    for name, values in existing.profiles.items():
        if values.get("sso_account_id") != account_id or values.get("sso_role_name") != role:
            continue
        if session.name is not None and values.get("sso_session") == session.name:
            return name
        if (
            session.name is None
            and "sso_session" not in values
            and values.get("sso_start_url") == session.start_url
        ):
            return name
    return None


@dataclass(frozen=True)
class _PickTexts:
    """The AWS CLI's words around picking an account or a role."""

    what: str
    flag: str
    title: str
    only: str
    many: str
    using: str


_ACCOUNT_TEXTS = _PickTexts(
    what="account",
    flag="--account-id",
    title="Select an account:",
    only="The only AWS account available to you is: {}",
    many="There are {} AWS accounts available to you.",
    using="Using the account ID {}",
)
_ROLE_TEXTS = _PickTexts(
    what="role",
    flag="--role-name",
    title="Select a role:",
    only="The only role available to you is: {}",
    many="There are {} roles available to you.",
    using='Using the role name "{}"',
)


def _pick(prompter: Prompter, options: Sequence[Option], given: str | None, texts: _PickTexts) -> Option:
    """The only option, or the one the flag names, or the one the user picks; said as the AWS CLI does."""
    wanted = given.strip() if given is not None else None
    if len(options) == 1:
        chosen = options[0]
        if wanted is not None and wanted != chosen.value:
            _pick_given(options, wanted, texts.flag, texts.what)
        prompter.say(texts.only.format(chosen.value))
    else:
        prompter.say(texts.many.format(len(options)))
        chosen = prompter.choose(texts.title, options, wanted, texts.flag)
    prompter.say(texts.using.format(chosen.value))
    return chosen


def _ask_session(
    answers: Answers,
    prompter: Prompter,
    existing: ExistingConfig,
    profile_values: dict[str, str],
    *,
    required: bool,
) -> _SessionAnswers:
    """Session name, start URL, region and scopes, with what the config already holds as defaults."""
    current_name = profile_values.get("sso_session")
    if current_name:
        text = f"SSO session name [{current_name}]: "
    elif required:
        text = "SSO session name: "
    else:
        text = "SSO session name (Recommended): "
    name_question = Question(
        key="sso_session",
        prompt=text,
        default=current_name,
        check=check_session_name,
        required=required,
        explicit=True,
    )
    name = prompter.ask(name_question, answers.sso_session) or None

    if name is None:
        prompter.say(LEGACY_WARNING)
        defaults = profile_values
    else:
        defaults = existing.sessions.get(name, {})
        if (
            not defaults
            and answers.sso_session is not None
            and answers.start_url is None
            and not prompter.interactive
        ):
            raise ConfigError(
                f'The specified sso-session does not exist: "{name}".',
                hint="Pass --start-url and --sso-region to create it.",
            )
    start_url = prompter.ask(
        Question(
            key="start_url",
            prompt=f"SSO start URL [{defaults.get('sso_start_url')}]: ",
            default=defaults.get("sso_start_url"),
            check=check_start_url,
            required=True,
        ),
        answers.start_url,
    )
    sso_region = prompter.ask(
        Question(
            key="sso_region",
            prompt=f"SSO region [{defaults.get('sso_region')}]: ",
            default=defaults.get("sso_region"),
            check=check_sso_region,
            required=True,
        ),
        answers.sso_region,
    )
    scopes = None
    if name is not None:
        current_scopes = defaults.get("sso_registration_scopes") or DEFAULT_SCOPES
        scopes = prompter.ask(
            _question("scopes", "SSO registration scopes", current_scopes, check_scopes), answers.scopes
        )
    return _SessionAnswers(name=name, start_url=start_url, sso_region=sso_region, scopes=scopes)


# --- the parts other modules own, each called from one place ------------------------------------------


def parse_scopes(value: str | None) -> tuple[str, ...]:
    """``sso_registration_scopes`` as botocore parses it: comma separated, blanks dropped."""
    if not value:
        return ()
    return tuple(s.strip() for s in value.split(",") if s.strip())


def _target(session: _SessionAnswers) -> SsoSessionTarget:
    from idc.signin.login import SsoSessionTarget

    return SsoSessionTarget(
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=parse_scopes(session.scopes or DEFAULT_SCOPES) if session.name else (),
    )


def rerun_command(kind: str, answers: Answers, session: _SessionAnswers, options: SignInOptions) -> str:
    """``idc configure KIND`` with the answers given so far as flags, ready to paste (for hints).

    A new ``[sso-session]`` is not in the config until configure finishes, so ``idc login
    --sso-session NAME`` could not sign in to it: configure itself is the command to run again.
    """
    words = ["idc", "configure", kind, "--sso-session", session.name or ""]
    words += ["--start-url", session.start_url, "--sso-region", session.sso_region]
    if session.name is not None and session.scopes and session.scopes != DEFAULT_SCOPES:
        words += ["--scopes", session.scopes]
    for key in ("account_id", "role_name", "region", "output", "profile"):
        value = getattr(answers, key)
        if value is not None:
            words += [FLAGS[key], value.strip()]
    if options.use_device_code:
        words.append("--use-device-code")
    if options.no_browser:
        words.append("--no-browser")
    return " ".join(shell_word(word) for word in words)


def signed_in_token(
    session: _SessionAnswers, *, locations: Locations, options: SignInOptions
) -> SsoToken | None:
    """The session's cached token when no sign-in is needed, else None.

    It must be for this start URL and region, made with this session's client registration (so for
    its registration scopes: botocore's registration key includes them), and valid beyond botocore's
    15-minute expiry window (``botocore.tokens.SSOTokenProvider``), so the profile works right away.
    One that is not is refreshed with its refresh token when it has one (sso-oidc ``CreateToken``,
    ``grantType=refresh_token``, :func:`idc.signin.token_refresh.get_valid_token`): the SSO session outlives
    its access tokens, and nobody needs to approve a refresh.
    """
    from idc.signin.login import EXPIRY_WINDOW
    from idc.storage.registration_cache import load_registration, registration_cache_key
    from idc.storage.token_cache import load_token, token_cache_key

    try:
        token = load_token(locations, token_cache_key(session.name, session.start_url))
    except CacheError:
        return None  # the sign-in rewrites it
    if token is None or (token.start_url, token.region) != (session.start_url, session.sso_region):
        return None
    if session.name is not None:
        scopes = list(_target(session).registration_scopes) or None
        key = registration_cache_key(session.sso_region, scopes, session.name, session.start_url)
        try:
            registration = load_registration(locations, key)
        except CacheError:
            return None
        if registration is None or registration.client_id != token.client_id:
            return None
    if token.expires_at - options.clock() > EXPIRY_WINDOW:
        return token
    if not token.can_refresh:
        return None
    return _refreshed(session, locations=locations, options=options)


def _refreshed(session: _SessionAnswers, *, locations: Locations, options: SignInOptions) -> SsoToken | None:
    """The session's token refreshed (single flight, :mod:`idc.signin.token_refresh`), or None: sign in."""
    from idc.config import SsoProfile
    from idc.signin.login import EXPIRY_WINDOW
    from idc.signin.token_refresh import get_valid_token

    target = _target(session)
    sso = SsoProfile(
        profile_name=session.name or session.start_url,
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=tuple(target.registration_scopes),
    )
    try:
        token = get_valid_token(
            sso, locations=locations, client_factory=options.client_factory, clock=options.clock
        )
    except (LoginRequired, ServiceError, CacheError) as error:
        log.debug("the cached token could not be refreshed (%s); signing in", type(error).__name__)
        return None
    return token if token.expires_at - options.clock() > EXPIRY_WINDOW else None


class _Signer:
    """The token for the session being configured: the cached one while valid, else a sign-in."""

    def __init__(
        self,
        session: _SessionAnswers,
        locations: Locations,
        options: SignInOptions,
        prompter: Prompter,
        out: TextIO,
        fix: str,
    ) -> None:
        self._session = session
        self._locations = locations
        self._options = options
        self._prompter = prompter
        self._out = out
        self._fix = fix

    def token(self, *, force: bool) -> tuple[SsoToken, bool]:
        """(token, whether it was the cached one)."""
        if not force:
            cached = signed_in_token(self._session, locations=self._locations, options=self._options)
            if cached is not None:
                which = self._session.name or f"of {self._session.start_url}"
                until = cached.expires_at.astimezone(dt.timezone.utc).strftime("%H:%M")
                self._prompter.say(f"Using the signed-in SSO session {which} (valid until {until} UTC)")
                return cached, True
        return self._sign_in(), False

    def _sign_in(self) -> SsoToken:
        """Sign in (``idc.signin.login``): the AWS CLI's messages go to ``out``; failures name configure."""
        from idc.signin.login import login, login_command

        target = _target(self._session)
        options = self._options
        try:
            return login(
                target,
                locations=self._locations,
                client_factory=options.client_factory,
                opener=options.opener,
                use_device_code=options.use_device_code,
                no_browser=options.no_browser,
                clock=options.clock,
                monotonic=options.monotonic,
                sleep=options.sleep,
                out=self._out,
                timeout=options.timeout,
                lock_timeout=options.lock_timeout,
                environ=options.environ,
            )
        except LoginFailed as error:
            if "--use-device-code" in (error.hint or "") and not options.use_device_code:
                hint = f"Run `{self._fix}` again (add --use-device-code to sign in on another device)."
            else:
                hint = f"Run `{self._fix}` to try again."
            raise LoginFailed(error.message, hint=hint) from None
        except ServiceError as error:
            named = f"`{login_command(target)}`"
            if not (error.hint and named in error.hint):
                raise
            raise type(error)(error.message, hint=error.hint.replace(named, f"`{self._fix}`")) from None


def _portal_call(client: Any, operation: str, fix: str, **params: Any) -> dict[str, Any]:
    """One portal call, throttling retried (:mod:`idc.aws.retry`), errors mapped to idc's tree."""
    from botocore.exceptions import BotoCoreError, ClientError

    from idc.aws.retry import call_with_retry

    try:
        result: dict[str, Any] = call_with_retry(lambda: getattr(client, operation)(**params))
    except ClientError as error:
        response = error.response or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code = (response.get("Error") or {}).get("Code", "")
        if status == 401 or code == "UnauthorizedException":
            raise LoginRequired(
                "The SSO session has expired or is otherwise invalid (Identity Center refused the token).",
                fix=fix,
            ) from None
        raise ServiceError(f"IAM Identity Center answered {code or status} to {operation}.") from None
    except BotoCoreError as error:
        raise ServiceError(
            f"Could not reach IAM Identity Center for {operation}: {type(error).__name__}.",
            hint="Check the network (or AWS_ENDPOINT_URL_SSO) and try again.",
        ) from None
    return result


def _display_account(account: dict[str, Any]) -> str:
    """As the AWS CLI shows an account: ``name, email (id)``, with whatever of name and email exist."""
    account_id = str(account["accountId"])
    name, email = account.get("accountName"), account.get("emailAddress")
    if name and email:
        return f"{name}, {email} ({account_id})"
    if name or email:
        return f"{name or email} ({account_id})"
    return account_id


def list_accounts(
    access_token: str, sso_region: str, *, client_factory: ClientFactory, fix: str
) -> list[Option]:
    """Every account the token reaches (portal ListAccounts, all pages), as pick-list options."""
    client = client_factory("sso", sso_region)
    options: list[Option] = []
    next_token: str | None = None
    while True:
        params: dict[str, Any] = {"accessToken": access_token, "maxResults": 100}
        if next_token:
            params["nextToken"] = next_token
        page = _portal_call(client, "list_accounts", fix, **params)
        for account in page.get("accountList") or []:
            options.append(Option(value=str(account["accountId"]), label=_display_account(account)))
        next_token = page.get("nextToken") or None
        if not next_token:
            return options


def list_roles(
    access_token: str, sso_region: str, account_id: str, *, client_factory: ClientFactory, fix: str
) -> list[Option]:
    """The roles of one account (portal ListAccountRoles, all pages), as pick-list options."""
    client = client_factory("sso", sso_region)
    options: list[Option] = []
    next_token: str | None = None
    while True:
        params: dict[str, Any] = {"accessToken": access_token, "accountId": account_id, "maxResults": 100}
        if next_token:
            params["nextToken"] = next_token
        page = _portal_call(client, "list_account_roles", fix, **params)
        for role in page.get("roleList") or []:
            options.append(Option(value=str(role["roleName"]), label=str(role["roleName"])))
        next_token = page.get("nextToken") or None
        if not next_token:
            return options


def write_sections(
    locations: Locations,
    *,
    profile: tuple[str, dict[str, str | None]] | None,
    session: tuple[str | None, dict[str, str | None] | None],
) -> None:
    """Write the sections through :class:`idc.config.editor.ConfigEditor` (byte-exact elsewhere).

    A value of ``None`` removes that key from the section.
    """
    from idc.config.editor import ConfigEditor

    for value_map in (profile[1] if profile else {}, session[1] or {}):
        for value in value_map.values():
            if value is not None and any(c in value for c in "\r\n\x00"):
                raise ConfigError("A configuration value cannot contain a line break.")
    editor = ConfigEditor(locations.config_file)
    if profile is not None:
        name, values = profile
        if name == "default":
            editor.set_section("default", name, values)
        else:
            editor.set_section("profile", name, values)
    session_name, session_values = session
    if session_name is not None and session_values is not None:
        editor.set_section("sso-session", session_name, session_values)
    editor.save()
