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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from idc.aws.clients import default_client_factory, trust_of
from idc.config.keychain_profiles import CREDENTIAL_COMMAND
from idc.config.writable import ensure_writable
from idc.configure.account_role import ACCOUNT_TEXTS, ROLE_TEXTS, list_accounts, list_roles, pick
from idc.configure.checks import (
    DEFAULT_SCOPES,
    check_answers,
    check_output,
    check_profile_name,
    check_region,
)
from idc.configure.failover import ask_failover, sign_in_additional, write_failover
from idc.configure.prompts import Answers, Prompter, question_for
from idc.configure.session import Signer, ask_session, rerun_command, with_remote_command
from idc.configure.token_storage import settle_storage
from idc.configure.writing import check_not_another_kind, profile_for, read_existing, write_sections
from idc.errors import ConfigError, LoginRequired, shell_word
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.signin.subject import SignInOptions


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


def configure_sso(
    answers: Answers,
    *,
    locations: Locations,
    prompter: Prompter,
    sign_in: SignInOptions | None = None,
    sign_in_out: TextIO | None = None,
    force_login: bool = False,
    credential_command: str = CREDENTIAL_COMMAND,
) -> ConfiguredProfile:
    """Run the ``configure sso`` wizard and write the ``[profile]`` (and ``[sso-session]``) section.

    The session's cached token is used when it is still valid (said in one line) unless
    ``force_login``; otherwise the sign-in runs, its messages on ``sign_in_out`` (default: the
    prompter's). A failed sign-in names this configure command, to run again. ``credential_command``
    runs ``idc credentials`` in a keychain session's profiles (:mod:`idc.credentials.invocation`).
    """
    from idc.signin.subject import SignInOptions

    check_answers(answers)
    ensure_writable(locations.config_file)
    sign_in = sign_in or SignInOptions()
    existing = read_existing(locations)
    current = existing.profiles.get(answers.profile or "", {}) if answers.profile else {}
    if answers.profile:
        check_not_another_kind(answers.profile.strip(), existing)

    trust = trust_of(sign_in.client_factory or default_client_factory())
    session = ask_session(answers, prompter, existing, current, required=False, trust=trust)
    fix = rerun_command("sso", answers, session, sign_in)
    sign_in = with_remote_command("sso", answers, session, sign_in)
    signer = Signer(session, locations, sign_in, prompter, sign_in_out or prompter.out, fix)
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
    account = pick(prompter, accounts, answers.account_id, ACCOUNT_TEXTS)

    roles = list_roles(
        token.access_token, session.sso_region, account.value, client_factory=client_factory, fix=fix
    )
    if not roles:
        raise ConfigError(f"No roles are available for the account {account.value}.")
    role = pick(prompter, roles, answers.role_name, ROLE_TEXTS)

    existing_name = None
    if not answers.profile:
        # Run again for the same session, account and role: that profile's values are the defaults.
        existing_name = profile_for(existing, session, account.value, role.value)
        current = existing.profiles.get(existing_name or "", {})
    region = prompter.ask(
        question_for("region", "Default client Region", current.get("region"), check_region),
        answers.region,
    )
    output = prompter.ask(
        question_for(
            "output", "CLI default output format (json if not specified)", current.get("output"), check_output
        ),
        answers.output,
    )
    if answers.profile:
        profile = answers.profile.strip()
    else:
        default_name = existing_name or f"{role.value}-{account.value}"

        def check_profile(name: str) -> str:
            check_not_another_kind(check_profile_name(name), existing)
            return name

        profile = prompter.ask(
            question_for("profile", "Profile name", default_name, check_profile), answers.profile
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
    settle_storage(session, locations, prompter, moved=reused)
    write_sections(
        locations,
        profile=(profile, values),
        session=(session.name, session_values),
        token_storage=session.token_storage,
        credential_command=credential_command,
    )

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
    credential_command: str = CREDENTIAL_COMMAND,
    failover_regions: Sequence[str] = (),
) -> ConfiguredSession:
    """Run the ``configure sso-session`` wizard; sign in (unless ``login`` is False), then write.

    ``failover_regions`` (``REGION=PORTAL_URL``, asked on a terminal when not given) become one
    ``[sso-session]`` per additional Region (:mod:`idc.configure.failover`), signed in to after the
    primary.

    Signing in before writing proves the start URL and region work: a typo is found now, and nothing
    is written for it. A cached token still valid for the same start URL, region and scopes is that
    proof already (unless ``force_login``).
    """
    from idc.signin.subject import SignInOptions

    check_answers(answers)
    ensure_writable(locations.config_file)
    existing = read_existing(locations)
    trust = trust_of((sign_in and sign_in.client_factory) or default_client_factory())
    session = ask_session(answers, prompter, existing, {}, required=True, trust=trust)
    assert session.name is not None  # required=True never yields the legacy format
    additional = ask_failover(failover_regions, prompter, existing, session)
    reused = True  # without a sign-in, the token the session has is the one to keep
    if login:
        options = sign_in or SignInOptions()
        fix = rerun_command("sso-session", answers, session, options)
        options = with_remote_command("sso-session", answers, session, options)
        signer = Signer(session, locations, options, prompter, sign_in_out or prompter.out, fix)
        _token, reused = signer.token(force=force_login)
    settle_storage(session, locations, prompter, moved=reused)
    scopes = session.scopes or DEFAULT_SCOPES
    values: dict[str, str | None] = {
        "sso_start_url": session.start_url,
        "sso_region": session.sso_region,
        "sso_registration_scopes": scopes,
    }
    write_sections(
        locations,
        profile=None,
        session=(session.name, values),
        token_storage=session.token_storage,
        credential_command=credential_command,
    )
    if additional is not None:
        write_failover(locations, session, additional, scopes)
        if login:
            out = sign_in_out or prompter.out
            sign_in_additional(locations, session, additional, scopes, sign_in or SignInOptions(), out)
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
