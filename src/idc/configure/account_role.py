"""The account and role step: list what the token reaches (:mod:`idc.accounts.portal`), pick one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idc.aws.clients import ClientFactory
from idc.configure.prompts import Option, Prompter, pick_given

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class PickTexts:
    """The AWS CLI's words around picking an account or a role."""

    what: str
    flag: str
    title: str
    only: str
    many: str
    using: str


ACCOUNT_TEXTS = PickTexts(
    what="account",
    flag="--account-id",
    title="Select an account:",
    only="The only AWS account available to you is: {}",
    many="There are {} AWS accounts available to you.",
    using="Using the account ID {}",
)
ROLE_TEXTS = PickTexts(
    what="role",
    flag="--role-name",
    title="Select a role:",
    only="The only role available to you is: {}",
    many="There are {} roles available to you.",
    using='Using the role name "{}"',
)


def pick(prompter: Prompter, options: Sequence[Option], given: str | None, texts: PickTexts) -> Option:
    """The only option, or the one the flag names, or the one the user picks; said as the AWS CLI does."""
    wanted = given.strip() if given is not None else None
    if len(options) == 1:
        chosen = options[0]
        if wanted is not None and wanted != chosen.value:
            pick_given(options, wanted, texts.flag, texts.what)
        prompter.say(texts.only.format(chosen.value))
    else:
        prompter.say(texts.many.format(len(options)))
        chosen = prompter.choose(texts.title, options, wanted, texts.flag)
    prompter.say(texts.using.format(chosen.value))
    return chosen


def list_accounts(
    access_token: str, sso_region: str, *, client_factory: ClientFactory, fix: str
) -> list[Option]:
    """Every account the token reaches (:func:`idc.accounts.portal.list_accounts`), as pick-list options,
    sorted as AWS CLI >= 2.34.24 sorts them: by name, else email, else id (case-insensitive); accounts
    with only an id last."""
    from idc.accounts import portal

    accounts = portal.list_accounts(access_token, sso_region, client_factory=client_factory, fix=fix)
    accounts = sorted(accounts, key=_account_sort_key)
    return [Option(value=str(account["accountId"]), label=display_account(account)) for account in accounts]


def _account_sort_key(account: dict[str, Any]) -> tuple[bool, str]:
    name, email = account.get("accountName"), account.get("emailAddress")
    first = next(value for value in (name, email, account["accountId"]) if value is not None)
    return (name is None and email is None, str(first).lower())


def list_roles(
    access_token: str, sso_region: str, account_id: str, *, client_factory: ClientFactory, fix: str
) -> list[Option]:
    """The roles of one account (:func:`idc.accounts.portal.list_account_roles`), as pick-list options,
    sorted by name, case-insensitive (AWS CLI >= 2.34.24)."""
    from idc.accounts import portal

    roles = portal.list_account_roles(
        access_token, sso_region, account_id, client_factory=client_factory, fix=fix
    )
    return [Option(value=role, label=role) for role in sorted(roles, key=str.lower)]


def display_account(account: dict[str, Any]) -> str:
    """As the AWS CLI shows an account: ``name, email (id)``, with whatever of name and email exist."""
    account_id = str(account["accountId"])
    name, email = account.get("accountName"), account.get("emailAddress")
    if name and email:
        return f"{name}, {email} ({account_id})"
    if name or email:
        return f"{name or email} ({account_id})"
    return account_id
