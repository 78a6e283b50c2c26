"""Who may use what: the directory's assignments indexed once, at start, for per-request lookups.

Assignments name a user or a group; a user's effective access is the union of both. The portal answers
from these indexes (dict and set lookups), never by scanning the directory per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from idc.emulator.directory import Account, Directory, PermissionSet, User


@dataclass(frozen=True)
class AccountAssignment:
    """One account a user can reach and the roles (permission sets) they may assume in it."""

    account_id: str
    account_name: str
    email: str
    role_names: tuple[str, ...]


class AssignmentIndex:
    def __init__(self, directory: Directory) -> None:
        self.users: dict[str, User] = {u.username: u for u in directory.users}
        self.accounts: dict[str, Account] = {a.account_id: a for a in directory.accounts}
        self.permission_sets: dict[str, PermissionSet] = {s.name: s for s in directory.permission_sets}
        groups_of: dict[str, set[str]] = {}
        for group in directory.groups:
            for member in group.members:
                groups_of.setdefault(member, set()).add(group.name)
        roles: dict[str, dict[str, set[str]]] = {u: {} for u in self.users}
        for assignment in directory.assignments:
            if assignment.principal_type == "USER":
                members = [assignment.principal]
            else:
                members = [u for u, groups in groups_of.items() if assignment.principal in groups]
            for username in members:
                roles[username].setdefault(assignment.account_id, set()).add(assignment.permission_set)
        self._by_user: dict[str, tuple[AccountAssignment, ...]] = {}
        self._roles: dict[str, dict[str, tuple[str, ...]]] = {}
        self._allowed: set[tuple[str, str, str]] = set()
        for username, by_account in roles.items():
            listing = []
            for account_id in sorted(by_account, key=lambda a: (self.accounts[a].name.lower(), a)):
                account = self.accounts[account_id]
                names = tuple(sorted(by_account[account_id]))
                listing.append(AccountAssignment(account_id, account.name, account.email, names))
                for name in names:
                    self._allowed.add((username, account_id, name))
            self._by_user[username] = tuple(listing)
            self._roles[username] = {a.account_id: a.role_names for a in listing}

    def assignments_for(self, username: str) -> tuple[AccountAssignment, ...]:
        """The user's accounts, sorted by account name, each with its role names."""
        return self._by_user.get(username, ())

    def roles_for(self, username: str, account_id: str) -> tuple[str, ...] | None:
        """The user's role names in the account, or None when the user has no access to it."""
        return self._roles.get(username, {}).get(account_id)

    def may_assume(self, username: str, account_id: str, role_name: str) -> bool:
        return (username, account_id, role_name) in self._allowed
