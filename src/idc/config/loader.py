"""Reading ``~/.aws/config`` (and the profile names of ``~/.aws/credentials``) the way botocore does.

``load_config`` = botocore's ``Session.full_config``: the config file through ``raw_config_parse`` +
``build_profile_map`` (``[profile NAME]``, ``[default]``, ``[sso-session NAME]``, ``[services NAME]``,
names split with ``shlex``, a later section of the same name wins), then the credentials file's sections
merged into the profiles (its values override). ``AwsConfig.resolve_sso`` = botocore's
``SSOProvider._load_sso_config`` (profiles with ``sso_account_id``/``sso_role_name``) or
``SSOTokenProvider._load_sso_config`` (a profile that only names an ``sso_session``), with botocore's
error texts, then checks botocore leaves to the service: https start URL, Region names, a 12-digit
account ID and a valid role name. Every problem is a one-line ConfigError naming the fix.
"""

from __future__ import annotations

import os

from idc.config import ini
from idc.config.missing import CONFIGURE_COMMAND, SESSION_COMMAND
from idc.config.validate import (
    account_id_problem,
    region_problem,
    role_name_problem,
    shown,
    start_url_problem,
)
from idc.config.values import (
    KEYCHAIN_ROLE_KEYS,
    TOKEN_STORAGE_KEY,
    TOKEN_STORAGES,
    Profile,
    SsoProfile,
    SsoSession,
    parse_registration_scopes,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from idc.config.ini import Value
    from idc.errors import ConfigError
    from idc.storage.locations import Locations

_PROFILE_REQUIRED = ("sso_role_name", "sso_account_id")
_SSO_REQUIRED = ("sso_start_url", "sso_region")


def _error(message: str, hint: str | None = None) -> ConfigError:
    from idc.errors import ConfigError  # only on failure: keeps enum off the hot path

    return ConfigError(message, hint=hint)


def _word(value: str) -> str:
    from idc.errors import shell_word  # only for messages: keeps enum off the hot path

    return shell_word(value)


def read_config_text(path: str | os.PathLike[str]) -> str | None:
    """The file's text, or None when it does not exist (a missing file is an empty config to botocore)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise _error(f"Cannot read the config file {name}: {exc.strerror}.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(
            f"Unable to parse config file: {name} (it is not UTF-8 text).", f"Fix or re-save {name} as UTF-8."
        ) from None


def parse_config_text(text: str, *, source: str) -> dict[str, dict[str, Value]]:
    """botocore's ``raw_config_parse`` of ``text``; ConfigError ("Unable to parse config file") if bad."""
    try:
        return ini.parse(text)
    except ValueError as exc:
        raise _error(
            f"Unable to parse config file: {source} ({exc}).", f"Fix {source} and try again."
        ) from None


class AwsConfig:
    """The AWS config as botocore sees it, plus the environment that picks the default profile."""

    def __init__(
        self,
        sections: Mapping[str, Mapping[str, Value]],
        *,
        config_file: str = "",
        credentials_sections: Mapping[str, Mapping[str, Value]] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config_file = config_file
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.profiles: dict[str, dict[str, Value]] = {}
        self.sso_sessions: dict[str, dict[str, Value]] = {}
        self.services: dict[str, dict[str, Value]] = {}
        self.other_sections: dict[str, dict[str, Value]] = {}
        # botocore.configloader.build_profile_map, in file order (a later duplicate name wins)
        for key, values in sections.items():
            copied = dict(values)
            if key.startswith("profile"):
                name = ini.profile_section_name(key, "profile")
                if name is not None:
                    self.profiles[name] = copied
            elif key.startswith("sso-session"):
                name = ini.profile_section_name(key, "sso-session")
                if name is not None:
                    self.sso_sessions[name] = copied
            elif key.startswith("services"):
                name = ini.profile_section_name(key, "services")
                if name is not None:
                    self.services[name] = copied
            elif key == "default":
                self.profiles[key] = copied
            else:
                self.other_sections[key] = copied
        # botocore.session.Session.full_config: credentials-file sections are profiles too
        for name, values in (credentials_sections or {}).items():
            self.profiles.setdefault(name, {}).update(values)

    # --- lookups -------------------------------------------------------------------------------------

    def profile_names(self) -> list[str]:
        return list(self.profiles)

    def sso_session_names(self) -> list[str]:
        return list(self.sso_sessions)

    def has_profile(self, name: str) -> bool:
        return name in self.profiles

    def default_profile_name(self) -> str:
        """AWS_PROFILE, then AWS_DEFAULT_PROFILE (AWS CLI v2's order), then ``default``."""
        return self.environ.get("AWS_PROFILE") or self.environ.get("AWS_DEFAULT_PROFILE") or "default"

    def profile(self, name: str | None = None) -> Profile:
        """The profile ``name`` (default: from the environment); ConfigError when there is none."""
        implicit = not name
        name = name or self.default_profile_name()
        values = self.profiles.get(name)
        if values is None:
            raise self._profile_not_found(name, implicit=implicit)
        return Profile(name, values)

    def sso_session(self, name: str) -> SsoSession:
        """The ``[sso-session NAME]`` ready for a sign-in: start URL and region present and valid."""
        values = self.sso_sessions.get(name)
        if values is None:
            raise self._session_not_found(name)
        missing = [key for key in _SSO_REQUIRED if key not in values]
        if missing:
            raise _error(
                f'The sso-session "{name}" is missing required configuration: {", ".join(missing)}',
                f"Run `{SESSION_COMMAND}` to set it up.",
            )
        where = f'sso-session "{name}"'
        start_url = self._text(values, "sso_start_url", where)
        sso_region = self._text(values, "sso_region", where)
        self._check(start_url_problem, "sso_start_url", start_url, where, SESSION_COMMAND)
        self._check(region_problem, "sso_region", sso_region, where, SESSION_COMMAND)
        scopes = self._text_or_none(values, "sso_registration_scopes", where)
        self._token_storage(values, where)
        return SsoSession(
            name=name,
            start_url=start_url,
            sso_region=sso_region,
            registration_scopes=parse_registration_scopes(scopes) if scopes is not None else (),
            values=values,
        )

    # --- SSO resolution ------------------------------------------------------------------------------

    def resolve_sso(self, profile_name: str | None = None) -> SsoProfile:
        """The SSO settings of a profile, resolved and checked; ConfigError with botocore's wording."""
        name = profile_name or self.default_profile_name()
        profile = self.profiles.get(name)
        if profile is None:
            raise self._profile_not_found(name, implicit=not profile_name)
        profile = _with_keychain_role_keys(profile)
        if any(key in profile for key in _PROFILE_REQUIRED):
            resolved, session_name = self._resolve_role_profile(name, profile)
        elif "sso_session" in profile:
            resolved, session_name = self._resolve_token_profile(name, profile)
        else:
            raise _error(
                f'The profile "{name}" is not configured for IAM Identity Center '
                "(it has no sso_session, sso_account_id or sso_role_name).",
                f"Run `{CONFIGURE_COMMAND} --profile {_word(name)}` to set it up.",
            )
        session = self.sso_sessions.get(session_name) if session_name else None

        def where(key: str) -> str:
            if session is not None and session_name and key in session:
                return f'sso-session "{session_name}"'
            return f'profile "{name}"'

        def fix(key: str) -> str:
            return (
                SESSION_COMMAND
                if where(key).startswith("sso-session")
                else f"{CONFIGURE_COMMAND} --profile {_word(name)}"
            )

        values: dict[str, str | None] = {}
        for key in ("sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "region", "output"):
            values[key] = self._text_or_none(resolved, key, where(key))
        scopes = self._text_or_none(resolved, "sso_registration_scopes", where("sso_registration_scopes"))
        checks = (
            ("sso_start_url", start_url_problem),
            ("sso_region", region_problem),
            ("sso_account_id", account_id_problem),
            ("sso_role_name", role_name_problem),
            ("region", region_problem),
        )
        for key, problem in checks:
            value = values[key]
            if value is not None and problem(value):  # fix() only on failure: it imports idc.errors
                self._check(problem, key, value, where(key), fix(key))
        start_url, sso_region = values["sso_start_url"], values["sso_region"]
        assert start_url is not None and sso_region is not None  # required above
        storage = self._token_storage(session, f'sso-session "{session_name}"') if session else "file"
        return SsoProfile(
            profile_name=name,
            session_name=session_name,
            start_url=start_url,
            sso_region=sso_region,
            account_id=values["sso_account_id"],
            role_name=values["sso_role_name"],
            registration_scopes=parse_registration_scopes(scopes) if scopes is not None else (),
            region=values["region"],
            output=values["output"],
            token_storage=storage,
        )

    def sign_in_subject(self, profile_name: str | None = None) -> SsoProfile:
        """What signing in as a profile needs: its sso-session, or its legacy start URL and region.

        ``aws sso login --profile P`` requires only ``sso_start_url`` and ``sso_region`` (awscli's
        ``BaseSSOCommand._get_sso_config``), so a profile that has no account or role yet, or a
        login-only profile, can sign in. A complete profile is resolved (and checked) as
        :meth:`resolve_sso` does; for the others ``account_id`` and ``role_name`` are None.
        """
        name = profile_name or self.default_profile_name()
        profile = self.profiles.get(name)
        if profile is None:
            raise self._profile_not_found(name, implicit=not profile_name)
        profile = _with_keychain_role_keys(profile)
        session_name = profile.get("sso_session")
        has_role = [key for key in _PROFILE_REQUIRED if key in profile]
        partial = 0 < len(has_role) < len(_PROFILE_REQUIRED)
        legacy_login_only = not has_role and session_name is None and any(k in profile for k in _SSO_REQUIRED)
        if not (partial or legacy_login_only):
            return self.resolve_sso(name)
        if isinstance(session_name, str):
            if session_name not in self.sso_sessions:
                raise self._session_not_found(session_name, profile=name)
            session = self.sso_session(session_name)
            return SsoProfile(
                profile_name=name,
                session_name=session.name,
                start_url=session.start_url,
                sso_region=session.sso_region,
                account_id=None,
                role_name=None,
                registration_scopes=session.registration_scopes,
                token_storage=session.token_storage,
            )
        where = f'profile "{name}"'
        fix = f"{CONFIGURE_COMMAND} --profile {_word(name)}"
        missing = [key for key in _SSO_REQUIRED if key not in profile]
        if missing:
            raise _error(
                f'The profile "{name}" is configured to use SSO but is missing required configuration: '
                f"{', '.join(missing)}",
                f"Run `{fix}` to set it up.",
            )
        start_url = self._text(profile, "sso_start_url", where)
        sso_region = self._text(profile, "sso_region", where)
        self._check(start_url_problem, "sso_start_url", start_url, where, fix)
        self._check(region_problem, "sso_region", sso_region, where, fix)
        scopes = self._text_or_none(profile, "sso_registration_scopes", where)
        return SsoProfile(
            profile_name=name,
            session_name=None,
            start_url=start_url,
            sso_region=sso_region,
            account_id=None,
            role_name=None,
            registration_scopes=parse_registration_scopes(scopes) if scopes is not None else (),
        )

    def _resolve_role_profile(
        self, name: str, profile: dict[str, Value]
    ) -> tuple[dict[str, Value], str | None]:
        """botocore ``SSOProvider._load_sso_config`` + ``_resolve_sso_session_reference``."""
        session_name = profile.get("sso_session")
        extra: tuple[str, ...] = ()
        resolved = profile
        if session_name is not None:
            if not isinstance(session_name, str) or session_name not in self.sso_sessions:
                raise self._session_not_found(_plain(session_name), profile=name)
            resolved = dict(profile)
            for key, value in self.sso_sessions[session_name].items():
                if resolved.get(key, value) != value:
                    raise _error(
                        f"The value for {key} is inconsistent between profile ({_plain(resolved[key])}) "
                        f"and sso-session ({_plain(value)}).",
                        f"Remove {key} from profile {name} (the sso-session holds it), "
                        f"or run `{CONFIGURE_COMMAND} --profile {_word(name)}`.",
                    )
                resolved[key] = value
            extra = ("sso_session",)
        missing = [key for key in (*_PROFILE_REQUIRED, *_SSO_REQUIRED, *extra) if key not in resolved]
        if missing:
            raise _error(
                f'The profile "{name}" is configured to use SSO but is missing required configuration: '
                f"{', '.join(missing)}",
                f"Run `{CONFIGURE_COMMAND} --profile {_word(name)}` to set it up.",
            )
        return resolved, session_name if isinstance(session_name, str) else None

    def _resolve_token_profile(self, name: str, profile: dict[str, Value]) -> tuple[dict[str, Value], str]:
        """botocore ``SSOTokenProvider._load_sso_config``: a profile naming only an sso-session."""
        session_name = _plain(profile["sso_session"])
        session = self.sso_sessions.get(session_name)
        if not session:
            raise _error(  # botocore's wording for this case; the hint as for any missing sso-session
                f'The profile "{name}" is configured to use the SSO token provider but the '
                f'"{session_name}" sso_session configuration does not exist.',
                self._session_not_found(session_name, profile=name).hint,
            )
        missing = [key for key in _SSO_REQUIRED if key not in session]
        if missing:
            raise _error(
                f'The profile "{name}" is configured to use the SSO token provider but is missing the '
                f"following configuration: {missing}.",
                f"Run `{SESSION_COMMAND}` to set it up.",
            )
        resolved = dict(profile)
        for key in ("sso_start_url", "sso_region", "sso_registration_scopes"):
            if key in session:
                resolved[key] = session[key]
        return resolved, session_name

    # --- helpers ---------------------------------------------------------------------------------------

    def _session_not_found(self, name: str, *, profile: str | None = None) -> ConfigError:
        from idc.config.missing import session_not_found  # only on failure

        return session_not_found(name, self.sso_sessions, profile=profile)

    def _profile_not_found(self, name: str, *, implicit: bool = False) -> ConfigError:
        from idc.config.missing import profile_not_found  # only on failure

        return profile_not_found(name, self.profiles, implicit=implicit)

    @staticmethod
    def _text_or_none(values: Mapping[str, Value], key: str, where: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _error(f"The value of {key} in {where} must be a single value, not a nested block.")
        return value

    def _text(self, values: Mapping[str, Value], key: str, where: str) -> str:
        value = self._text_or_none(values, key, where)
        assert value is not None
        return value

    def _token_storage(self, values: Mapping[str, Value], where: str) -> str:
        value = self._text_or_none(values, TOKEN_STORAGE_KEY, where)
        if value is None:
            return "file"
        if value not in TOKEN_STORAGES:
            raise _error(
                f"The {TOKEN_STORAGE_KEY} {shown(value)} of {where} is not one of: "
                f"{', '.join(TOKEN_STORAGES)}.",
                f"Run `{SESSION_COMMAND} --token-storage file` (or keychain) to fix it.",
            )
        return value

    @staticmethod
    def _check(problem: object, key: str, value: str, where: str, command: str) -> None:
        assert callable(problem)
        reason = problem(value)
        if reason:
            raise _error(f"The {key} {shown(value)} of {where} {reason}.", f"Run `{command}` to fix it.")


def _with_keychain_role_keys(profile: dict[str, Value]) -> dict[str, Value]:
    """A keychain session's profile keeps account and role as ``idc_sso_*`` (out of botocore's sight):
    read them as the ``sso_*`` keys they stand for."""
    if not any(idc_key in profile for idc_key in KEYCHAIN_ROLE_KEYS.values()):
        return profile
    resolved = dict(profile)
    for key, idc_key in KEYCHAIN_ROLE_KEYS.items():
        if key not in resolved and idc_key in resolved:
            resolved[key] = resolved[idc_key]
    return resolved


def _plain(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def load_config(locations: Locations, *, environ: Mapping[str, str] | None = None) -> AwsConfig:
    """Read the config file (and the credentials file's profile names) as botocore does.

    A missing file is an empty config. ``environ`` (default ``os.environ``) picks the default profile.
    """
    # botocore expands variables and ~ in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE
    config_file = os.path.expanduser(os.path.expandvars(os.fspath(locations.config_file)))
    text = read_config_text(config_file)
    sections = parse_config_text(text, source=config_file) if text else {}
    credentials_file = os.path.expanduser(os.path.expandvars(os.fspath(locations.credentials_file)))
    credentials_text = read_config_text(credentials_file)
    credentials = parse_config_text(credentials_text, source=credentials_file) if credentials_text else {}
    return AwsConfig(sections, config_file=config_file, credentials_sections=credentials, environ=environ)


def section_names(locations: Locations) -> tuple[list[str], list[str]]:
    """(profile names, sso-session names) as :class:`AwsConfig` lists them, from the section headers only.

    For shell completion: no value is parsed or checked, so thousands of profiles cost little; a file
    that cannot be read gives no names.
    """
    profiles: dict[str, None] = {}
    sessions: dict[str, None] = {}
    for section in ini.section_headers(_text_or_empty(locations.config_file)):
        if section.startswith("sso-session"):
            name = ini.profile_section_name(section, "sso-session")
            if name is not None:
                sessions[name] = None
            continue
        if section.startswith("profile"):
            name = ini.profile_section_name(section, "profile")
        else:
            name = section if section == "default" else None
        if name is not None:
            profiles[name] = None
    for section in ini.section_headers(_text_or_empty(locations.credentials_file)):
        if section != ini.DEFAULT_SECTION:
            profiles.setdefault(section, None)
    return list(profiles), list(sessions)


def _text_or_empty(path: str | os.PathLike[str]) -> str:
    from idc.errors import IdcError

    try:
        return read_config_text(os.path.expanduser(os.path.expandvars(os.fspath(path)))) or ""
    except (IdcError, OSError, ValueError):
        return ""


def resolve_sso(
    profile_name: str | None = None,
    *,
    locations: Locations | None = None,
    environ: Mapping[str, str] | None = None,
) -> SsoProfile:
    """Load the config from the environment's locations and resolve one SSO profile."""
    if locations is None:
        from idc.storage.locations import Locations

        locations = Locations.from_environ(environ)
    return load_config(locations, environ=environ).resolve_sso(profile_name)
