"""The session step: SSO session name, start URL, region and scopes, then the sign-in.

A cached token still valid (or refreshable) for the same session is used instead of a new sign-in;
a failed sign-in names the configure command to run again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, TextIO

from idc.configure.checks import (
    DEFAULT_SCOPES,
    check_scopes,
    check_session_name,
    check_sso_region,
    check_start_url,
    parse_scopes,
)
from idc.configure.prompts import FLAGS, Answers, Prompter, Question, question_for
from idc.configure.session_answers import SessionAnswers, sign_in_target
from idc.configure.token_storage import FILE, KEYCHAIN, STORAGES, TOKEN_STORAGE_KEY
from idc.configure.writing import ExistingConfig
from idc.errors import (
    CacheError,
    ConfigError,
    KeychainUnavailable,
    LoginFailed,
    LoginRequired,
    ServiceError,
    shell_word,
)
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.signin.subject import SignInOptions
    from idc.storage.token_cache import SsoToken

log = logging.getLogger(__name__)

LEGACY_WARNING = (
    "WARNING: Configuring using legacy format (e.g. without an SSO session).\n"
    'Consider re-running "configure sso" command and providing a session name.'
)


def ask_session(
    answers: Answers,
    prompter: Prompter,
    existing: ExistingConfig,
    profile_values: dict[str, str],
    *,
    required: bool,
    trust: bool | str = True,
) -> SessionAnswers:
    """Session name, start URL, region and scopes, with what the config already holds as defaults.

    A vanity start URL's portal host names the region: then it is not asked (AWS CLI >= 2.35.13).
    ``trust`` is the certificate trust for that lookup (:func:`idc.aws.clients.trust_of`).
    """
    from idc.signin.start_url import region_of_vanity_start_url

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
    sso_region = region_of_vanity_start_url(start_url, verify=trust) or prompter.ask(
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
    current_scopes = None
    if name is not None:
        current_scopes = defaults.get("sso_registration_scopes") or DEFAULT_SCOPES
        scopes = prompter.ask(
            question_for("scopes", "SSO registration scopes", current_scopes, check_scopes),
            answers.scopes,
        )
    stored_in = defaults.get(TOKEN_STORAGE_KEY, FILE) if name is not None else FILE
    if stored_in not in STORAGES:
        stored_in = FILE  # a bad value is replaced by what is written now
    token_storage = answers.token_storage or stored_in
    if name is None and token_storage == KEYCHAIN:
        raise ConfigError(
            "--token-storage keychain needs an sso-session (the legacy format keeps no session).",
            hint="Pass --sso-session NAME.",
        )
    return SessionAnswers(
        name=name,
        start_url=start_url,
        sso_region=sso_region,
        scopes=scopes,
        token_storage=token_storage,
        stored_in=stored_in,
        configured_scopes=current_scopes if name is not None and defaults else None,
    )


def rerun_command(kind: str, answers: Answers, session: SessionAnswers, options: SignInOptions) -> str:
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
    if session.token_storage != session.stored_in:
        words += ["--token-storage", session.token_storage]
    if options.use_device_code:
        words.append("--use-device-code")
    if options.no_browser:
        words.append("--no-browser")
    if options.remote:
        words.append("--remote")
    return " ".join(shell_word(word) for word in words)


def signed_in_token(
    session: SessionAnswers, *, locations: Locations, options: SignInOptions
) -> SsoToken | None:
    """The session's cached token when no sign-in is needed, else None.

    It must be for this start URL and region, made with this session's client registration (so for
    its registration scopes: botocore's registration key includes them) or, when no registration of
    its client is cached, for unchanged scopes (:func:`_scopes_changed`), and valid beyond botocore's
    15-minute expiry window (``botocore.tokens.SSOTokenProvider``), so the profile works right away.
    One that is not is refreshed with its refresh token when it has one (sso-oidc ``CreateToken``,
    ``grantType=refresh_token``, :func:`idc.signin.token_refresh.get_valid_token`): the SSO session outlives
    its access tokens, and nobody needs to approve a refresh.
    """
    from idc.signin.login import EXPIRY_WINDOW
    from idc.storage.registration_cache import registration_cache_key
    from idc.storage.token_cache import token_cache_key
    from idc.storage.token_store import token_store

    store = token_store(locations, session.stored_in, session_name=session.name)
    try:
        token = store.load_token(token_cache_key(session.name, session.start_url))
    except KeychainUnavailable:
        raise
    except CacheError:
        return None  # the sign-in rewrites it
    if token is None or (token.start_url, token.region) != (session.start_url, session.sso_region):
        return None
    if session.name is not None:
        scopes = list(sign_in_target(session).registration_scopes) or None
        key = registration_cache_key(session.sso_region, scopes, session.name, session.start_url)
        registration = store.load_registration(key)
        if (registration is None or registration.client_id != token.client_id) and _scopes_changed(session):
            return None  # the token was made for the old scopes: the new ones need their own sign-in
    if token.expires_at - options.clock() > EXPIRY_WINDOW:
        return token
    if not token.can_refresh:
        return None
    return _refreshed(session, locations=locations, options=options)


def _scopes_changed(session: SessionAnswers) -> bool:
    """Whether the answered scopes differ from those the config gave the session until now.

    Only consulted when no registration of the token's client sits beside the token: the token was
    written by another tool (the AWS CLI, an exported token), or an unfinished sign-in (a device-code
    login nobody approved) registered a new client over the one the token was made with. A valid token
    is a signed-in session then, unless the user is changing the scopes it was made for.
    """
    if session.configured_scopes is None:
        return False
    answered = parse_scopes(session.scopes or DEFAULT_SCOPES)
    return set(answered) != set(parse_scopes(session.configured_scopes))


def _refreshed(session: SessionAnswers, *, locations: Locations, options: SignInOptions) -> SsoToken | None:
    """The session's token refreshed (single flight, :mod:`idc.signin.token_refresh`), or None: sign in."""
    from idc.config import SsoProfile
    from idc.signin.login import EXPIRY_WINDOW
    from idc.signin.token_refresh import get_valid_token

    target = sign_in_target(session)
    sso = SsoProfile(
        profile_name=session.name or session.start_url,
        session_name=session.name,
        start_url=session.start_url,
        sso_region=session.sso_region,
        registration_scopes=tuple(target.registration_scopes),
        token_storage=session.stored_in,
    )
    try:
        token = get_valid_token(
            sso, locations=locations, client_factory=options.client_factory, clock=options.clock
        )
    except (LoginRequired, ServiceError, CacheError) as error:
        log.debug("the cached token could not be refreshed (%s); signing in", type(error).__name__)
        return None
    return token if token.expires_at - options.clock() > EXPIRY_WINDOW else None


class Signer:
    """The token for the session being configured: the cached one while valid, else a sign-in."""

    def __init__(
        self,
        session: SessionAnswers,
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
        from idc.signin.login import login
        from idc.signin.subject import login_command

        target = sign_in_target(self._session)
        options = self._options
        try:
            return login(
                target,
                locations=self._locations,
                client_factory=options.client_factory,
                opener=options.opener,
                use_device_code=options.use_device_code,
                no_browser=options.no_browser,
                remote=options.remote,
                qr=options.qr,
                read_paste=options.read_paste,
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
