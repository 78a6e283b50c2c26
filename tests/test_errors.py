import pytest

from idc.errors import (
    CacheError,
    ConfigError,
    ExitStatus,
    IdcError,
    LockTimeout,
    LoginFailed,
    LoginRequired,
    ServiceError,
    Throttled,
    exit_status_for,
    render,
    shell_word,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        pytest.param(IdcError("x"), ExitStatus.ERROR, id="root"),
        pytest.param(ConfigError("x"), ExitStatus.CONFIG, id="config"),
        pytest.param(LoginRequired("x", fix="idc login --profile p"), ExitStatus.LOGIN_REQUIRED, id="login"),
        pytest.param(LoginFailed("x"), ExitStatus.LOGIN_FAILED, id="login-failed"),
        pytest.param(Throttled("x"), ExitStatus.SERVICE, id="throttled"),
        pytest.param(ServiceError("x"), ExitStatus.SERVICE, id="service"),
        pytest.param(CacheError("x"), ExitStatus.CACHE, id="cache"),
        pytest.param(LockTimeout("x"), ExitStatus.LOCK_TIMEOUT, id="lock"),
        pytest.param(KeyboardInterrupt(), ExitStatus.INTERRUPTED, id="interrupt"),
        pytest.param(ValueError("secret-value"), ExitStatus.ERROR, id="unexpected"),
    ],
)
def test_exit_status(error: BaseException, status: ExitStatus) -> None:
    assert exit_status_for(error) == status
    line = render(error)
    assert "\n" not in line
    assert line.startswith("idc: ")


def test_login_required_names_the_fix() -> None:
    error = LoginRequired("The SSO session for profile dev has expired.", fix="idc login --profile dev")
    assert render(error) == (
        "idc: The SSO session for profile dev has expired. Run `idc login --profile dev` to sign in again."
    )


def test_unexpected_error_text_is_not_shown() -> None:
    assert "secret-value" not in render(ValueError("secret-value"))


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        pytest.param("The config profile (dev) could not be found", "could not be found. Run", id="bare"),
        pytest.param('The specified sso-session does not exist: "s"', '"s". Run', id="quoted"),
        pytest.param("Already a sentence.", "sentence. Run", id="period"),
        pytest.param("Is it?", "it? Run", id="question"),
    ],
)
def test_message_and_hint_read_as_two_sentences(message: str, shown: str) -> None:
    line = render(ConfigError(message, hint="Run `idc configure sso --profile dev` to create it."))
    assert shown in line
    assert ".." not in line
    assert render(ConfigError(message)) == f"idc: {message}"


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("AdministratorAccess-123456789012", "AdministratorAccess-123456789012"),
        ("team.prod/admin@x", "team.prod/admin@x"),
        ("my admin", "'my admin'"),
        ("it's", "'it'\"'\"'s'"),
        ("$(rm -rf ~)", "'$(rm -rf ~)'"),
        ("", "''"),
    ],
)
def test_shell_word_quotes_as_shlex_does(value: str, word: str) -> None:
    import shlex

    assert shell_word(value) == word == shlex.quote(value)
    assert shlex.split(f"idc login --profile {word}") == ["idc", "login", "--profile", value]
