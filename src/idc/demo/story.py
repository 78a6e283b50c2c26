"""``idc demo``: the whole story against an embedded local Identity Center, in a throwaway HOME.

The steps are the AWS documentation's: configure a profile (``configure sso``, answered from a script
but printed as a user sees it), approve in the browser, list accounts and roles, use the profile (idc's
``whoami`` and a real botocore call through botocore's *own* SSO credential provider, which reads the
token idc cached), end the session on the server as an administrator would, see what that means (the
expired-session message from botocore and ``idc list``, while the role credentials idc cached work on
until they expire), sign in again, and use the profile again.

Every step checks its result; :func:`run_demo` raises :class:`DemoFailed` naming the step that did not
work. Nothing touches the user's ``~/.aws``: HOME, AWS_CONFIG_FILE and the endpoint variables point at a
temporary directory and the local server for the duration of the demo, for this process and every
process it starts (botocore fixes its SSO cache directory from HOME at import, so the botocore steps run
in a subprocess). What the demo prints is :mod:`idc.demo.transcript`; the throwaway HOME's environment
and the signals that must not strand it are :mod:`idc.demo.sandbox`.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from idc.demo.sandbox import Signals, demo_environment
from idc.demo.transcript import DemoFailed, DemoReport, Steps
from idc.errors import IdcError, LoginRequired
from idc.storage.locations import Locations

if TYPE_CHECKING:
    from idc.config import SsoProfile

DEMO_SESSION = "my-sso"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"
DEMO_CLIENT_REGION = "us-west-2"
EXPIRED_MESSAGE = "The SSO session associated with this profile has expired or is otherwise invalid."

# Run by a child interpreter: botocore's own credential chain (its SSOProvider reads the token idc
# cached under HOME) and one STS call. Prints the identity as JSON; on failure, botocore's message.
_BOTOCORE_CALL = """
import json, sys
import botocore.session
session = botocore.session.Session(profile=sys.argv[1])
try:
    identity = session.create_client("sts").get_caller_identity()
except Exception as error:
    print(f"{type(error).__name__}: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({k: identity[k] for k in ("Account", "Arn", "UserId")}))
"""


def _pairs(count: int) -> str:
    return f"{count} account/role pair" + ("" if count == 1 else "s")


def botocore_identity(profile: str, env: dict[str, str], timeout: float = 60) -> dict[str, str]:
    """STS GetCallerIdentity through botocore's own SSO provider, in a child with ``env``.

    Raises :class:`RuntimeError` carrying botocore's last line (its message) on failure.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BOTOCORE_CALL, profile],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"botocore did not answer within {timeout:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"exit status {done.returncode}")
    identity: dict[str, str] = json.loads(done.stdout)
    return identity


def run_demo(
    *,
    out: TextIO | None = None,
    browser: bool = False,
    keep_home: bool = False,
    opener_factory: Callable[[], Any] | None = None,
) -> DemoReport:
    """Run the story; return the report, or raise DemoFailed naming the first step that failed."""
    from idc.emulator.server import EmulatorServer

    stream = out if out is not None else sys.stdout
    report = DemoReport()
    started = time.monotonic()
    with Signals() as signals:
        home = Path(tempfile.mkdtemp(prefix="idc-demo-"))
        try:
            (home / ".aws").mkdir(mode=0o700)
            with EmulatorServer(port=0) as server:
                endpoints = {
                    "AWS_ENDPOINT_URL_SSO_OIDC": server.base_url,
                    "AWS_ENDPOINT_URL_SSO": server.base_url,
                    "AWS_ENDPOINT_URL_STS": server.base_url,
                }
                with demo_environment(home, endpoints) as env:
                    story = _Story(
                        server=server,
                        env=env,
                        out=stream,
                        report=report,
                        browser=browser,
                        opener_factory=opener_factory,
                        check=signals.check,
                    )
                    try:
                        story.run(home)
                    except DemoFailed:
                        raise
                    except IdcError as error:
                        raise story.steps.fail(error.message, cause=error) from None
                    except Exception as error:
                        # Chained, so --debug still shows where it came from.
                        raise story.steps.fail(f"unexpected {type(error).__name__}") from error
        finally:
            if keep_home:
                stream.write(f"\nThe demo's HOME is kept at {home}\n")
            else:
                shutil.rmtree(home, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


class _Story:
    TOTAL_STEPS = 9

    def __init__(
        self,
        *,
        server: Any,
        env: dict[str, str],
        out: TextIO,
        report: DemoReport,
        browser: bool,
        opener_factory: Callable[[], Any] | None,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        from idc.aws.clients import BotocoreClientFactory

        self.server = server
        self.env = env
        self.out = out
        self.report = report
        self.browser = browser
        self.opener_factory = opener_factory
        self.steps = Steps(out, self.TOTAL_STEPS, report, check)
        self.locations = Locations.from_environ(env)
        # Made inside the demo environment, so botocore sees the local endpoints.
        self.client_factory = BotocoreClientFactory()

    # -- the browser: a person at the approval pages, or the real browser with --browser ---------------

    def _opener(self) -> Any:
        if self.opener_factory is not None:
            return self.opener_factory()
        if self.browser:
            from idc.signin.browser import SystemBrowserOpener

            return SystemBrowserOpener()
        from idc.emulator.page_approver import PageApprover

        return PageApprover(DEMO_USER, DEMO_PASSWORD)

    def _approved(self, opener: Any) -> None:
        wait = getattr(opener, "wait", None)
        if wait is not None:
            wait(timeout=30)

    def run(self, home: Path) -> None:
        steps = self.steps
        steps.start("Start a local IAM Identity Center", "idc emulator --port 0")
        steps.transcript.write(
            f"Listening on {self.server.base_url}\n"
            f"Start URL {self.server.start_url}, region {self.server.region}\n"
            f"Throwaway HOME {home} (your ~/.aws is not touched)\n"
        )
        steps.ok("serving OIDC, the access portal, STS and the approval pages on loopback")

        profile = self.configure()
        self.report.profile = profile
        self.list_assignments(profile)
        self.use(profile, again=False)
        self.chain(profile)
        self.end_session()
        self.see_expired(profile)
        self.login(profile)
        self.use(profile, again=True)

    def configure(self) -> str:
        from idc.configure import Answers, ScriptedPrompter, configure_sso
        from idc.signin.subject import SignInOptions

        steps = self.steps
        steps.start("Configure a profile and approve in the browser", "idc configure sso")
        if self.browser:
            steps.transcript.write(f"Sign in as {DEMO_USER} / {DEMO_PASSWORD} in the browser that opens.\n")
        else:
            steps.transcript.write(
                f"(the demo user {DEMO_USER!r} signs in through the same pages a browser shows)\n"
            )
        opener = self._opener()
        answers = Answers(
            sso_session=DEMO_SESSION,
            start_url=self.server.start_url,
            sso_region=self.server.region,
            region=DEMO_CLIENT_REGION,
            output="json",
        )
        result = configure_sso(
            answers,
            locations=self.locations,
            prompter=ScriptedPrompter(out=steps.transcript),  # type: ignore[arg-type]
            sign_in=SignInOptions(opener=opener, client_factory=self.client_factory, environ=self.env),
        )
        self._approved(opener)
        config_text = self.locations.config_file.read_text()
        if (
            f"[profile {result.profile}]" not in config_text
            or f"[sso-session {DEMO_SESSION}]" not in config_text
        ):
            raise steps.fail("the profile or the sso-session section is missing from the config file")
        from idc.storage.token_cache import load_token, token_cache_key

        key = token_cache_key(DEMO_SESSION, self.server.start_url)
        if load_token(self.locations, key) is None:
            raise steps.fail("no token was cached in ~/.aws/sso/cache")
        steps.ok(
            f"wrote [profile {result.profile}] and [sso-session {DEMO_SESSION}] to ~/.aws/config; "
            f"the token is in ~/.aws/sso/cache/{key}.json"
        )
        return result.profile

    def _sso(self, profile: str) -> SsoProfile:
        from idc.config import load_config

        return load_config(self.locations, environ=self.env).resolve_sso(profile)

    def _listing(self, profile: str) -> list[tuple[str, str, str]]:
        """``idc list``: every account and role, fetched from the server (no listing cache)."""
        from idc.accounts.listing import list_accounts_and_roles
        from idc.signin.token_refresh import get_valid_token

        sso = self._sso(profile)
        token = get_valid_token(sso, locations=self.locations, client_factory=self.client_factory)
        listing = list_accounts_and_roles(
            token.access_token,
            start_url=sso.start_url,
            sso_region=sso.sso_region,
            client_factory=self.client_factory,
            fix=f"idc login --profile {profile}",
        )
        return [(a.account_id, a.account_name, role) for a in listing.accounts for role in a.roles]

    def list_assignments(self, profile: str) -> None:
        steps = self.steps
        steps.start("List the accounts and roles you can use", f"idc list --profile {profile}")
        rows = self._listing(profile)
        for account_id, account_name, role in rows:
            steps.transcript.write(f"{account_id}  {account_name:<12} {role}\n")
        if not any(role == "AdministratorAccess" for _, _, role in rows):
            raise steps.fail("AdministratorAccess is not among the roles listed")
        steps.ok(f"{_pairs(len(rows))}, straight from the portal API")

    def _whoami(self, profile: str) -> str:
        """``idc whoami``: role credentials (cache, else GetRoleCredentials), then STS GetCallerIdentity."""
        from idc.aws.sts import caller_identity
        from idc.credentials.role_credentials import get_role_credentials

        sso = self._sso(profile)
        role = get_role_credentials(sso, locations=self.locations, client_factory=self.client_factory)
        return caller_identity(role, sso.region or sso.sso_region)["Arn"]

    def use(self, profile: str, *, again: bool) -> None:
        steps = self.steps
        steps.start(
            "Use the profile again" if again else "Use the profile",
            f"idc whoami --profile {profile}; python -c 'botocore ... sts.get_caller_identity()'",
        )
        arn = self._whoami(profile)
        steps.transcript.write(f"idc whoami: {arn}\n")
        try:
            identity = botocore_identity(profile, self.env)
        except RuntimeError as error:
            raise steps.fail(f"botocore could not use the profile: {error}") from None
        steps.transcript.write(f"botocore, its own SSO provider, in a child process: {identity['Arn']}\n")
        if identity["Arn"] != arn or ":assumed-role/AWSReservedSSO_AdministratorAccess_" not in arn:
            raise steps.fail(f"unexpected identity {identity['Arn']}")
        if again:
            rows = self._listing(profile)
            steps.transcript.write(f"idc list: {_pairs(len(rows))}\n")
        steps.ok("idc and botocore both got role credentials, and STS knows whose they are")

    def chain(self, profile: str) -> None:
        """A role chain: ``[profile deployer]`` assumes the built-in directory's Deployer role from the SSO
        profile; idc (AssumeRole, cached for the AWS CLI) and botocore's own AssumeRoleProvider use it."""
        from idc.aws.sts import caller_identity
        from idc.config import load_config
        from idc.credentials.chain import chained_credentials, resolve_chain

        steps = self.steps
        steps.start("Use a role chained from the profile", "idc whoami --profile deployer")
        role_arn = f"arn:aws:iam::{self.server.engine.directory.accounts[0].account_id}:role/Deployer"
        section = (
            f"\n[profile deployer]\nrole_arn = {role_arn}\nsource_profile = {profile}\n"
            f"region = {DEMO_CLIENT_REGION}\n"
        )
        with self.locations.config_file.open("a", encoding="utf-8") as config_file:
            config_file.write(section)
        steps.transcript.write(section.lstrip())
        config = load_config(self.locations, environ=self.env)
        chain = resolve_chain(config, "deployer")
        session = chained_credentials(chain, config=config, locations=self.locations)
        arn = caller_identity(session, chain.region or DEMO_CLIENT_REGION)["Arn"]
        steps.transcript.write(f"idc whoami: {arn}\n")
        try:
            identity = botocore_identity("deployer", self.env)
        except RuntimeError as error:
            raise steps.fail(f"botocore could not use the chained profile: {error}") from None
        steps.transcript.write(f"botocore, its own AssumeRole provider: {identity['Arn']}\n")
        if ":assumed-role/Deployer/" not in arn or ":assumed-role/Deployer/" not in identity["Arn"]:
            raise steps.fail(f"unexpected identity {arn} / {identity['Arn']}")
        steps.ok("AssumeRole from the SSO role's credentials; the session is in ~/.aws/cli/cache")

    def end_session(self) -> None:
        from idc.emulator.admin_client import AdminClient

        steps = self.steps
        steps.start(
            "End the SSO session on the server, as an administrator would",
            f"idc emulator end-sessions --user {DEMO_USER}",
        )
        answer = AdminClient(self.server.base_url, self.server.admin_token).call(
            "end-sessions", {"user": DEMO_USER}
        )
        if not answer.get("ended"):
            raise steps.fail(f"the server ended no session ({answer})")
        ended = int(answer["ended"])
        sessions = "1 session" if ended == 1 else f"{ended} sessions"
        steps.ok(f"{sessions} of user {DEMO_USER!r} ended: their tokens are now refused")

    def see_expired(self, profile: str) -> None:
        steps = self.steps
        steps.start(
            "See what the ended session means",
            f"python -c 'botocore ... sts.get_caller_identity()'; idc list --profile {profile}; "
            f"idc whoami --profile {profile}",
        )
        try:
            botocore_identity(profile, self.env)
        except RuntimeError as error:
            message = str(error)
        else:
            raise steps.fail("botocore still got credentials after the session ended")
        steps.transcript.write(f"botocore: {message}\n")
        if EXPIRED_MESSAGE not in message:
            raise steps.fail(f"botocore said something else: {message}")
        try:
            self._listing(profile)
        except LoginRequired as error:
            steps.transcript.write(f"$ idc list --profile {profile}\nidc: {error}\n")
            if error.fix != f"idc login --profile {profile}":
                raise steps.fail(f"idc named another fix: {error.fix}") from None
        else:
            raise steps.fail("idc still listed accounts after the session ended")
        # What was handed out lives on: ending a session does not cut role credentials short (the
        # AWS SSO team in aws-cli issue #7104); idc (and AWS CLI v2) answer from their cache.
        try:
            arn = self._whoami(profile)
        except IdcError as error:
            raise steps.fail(f"the cached role credentials stopped working: {error}") from None
        steps.transcript.write(
            f"$ idc whoami --profile {profile}\n{arn}\n"
            "(role credentials cached before the session ended work until they expire)\n"
        )
        steps.ok(
            "what needs the session says it is over and names the one command that fixes it; "
            "cached role credentials last until they expire"
        )

    def login(self, profile: str) -> None:
        from idc.signin.login import login

        steps = self.steps
        steps.start("Sign in again", f"idc login --profile {profile}")
        opener = self._opener()
        token = login(
            self._sso(profile),
            locations=self.locations,
            client_factory=self.client_factory,
            opener=opener,
            out=steps.transcript,  # type: ignore[arg-type]
        )
        self._approved(opener)
        if token.expires_at <= self._now():
            raise steps.fail("the new token is already expired")
        steps.ok(f"a new token is in ~/.aws/sso/cache, valid until {token.expires_at:%H:%M:%S} UTC")

    @staticmethod
    def _now() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)
