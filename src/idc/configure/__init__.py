"""``idc configure sso``: the AWS CLI's wizard, as a library the CLI drives.

:mod:`~idc.configure.wizard` runs the questions in the AWS CLI's order; :mod:`~idc.configure.prompts` is where
answers come from, :mod:`~idc.configure.checks` checks them, :mod:`~idc.configure.session` is the session and
sign-in step, :mod:`~idc.configure.account_role` the account and role step, :mod:`~idc.configure.writing`
reads and writes ``~/.aws/config``.
"""

from idc.configure.prompts import Answers, Option, Prompter, Question, ScriptedPrompter, TerminalPrompter
from idc.configure.wizard import (
    ConfiguredProfile,
    ConfiguredSession,
    configure_sso,
    configure_sso_session,
)

__all__ = [
    "Answers",
    "ConfiguredProfile",
    "ConfiguredSession",
    "Option",
    "Prompter",
    "Question",
    "ScriptedPrompter",
    "TerminalPrompter",
    "configure_sso",
    "configure_sso_session",
]
