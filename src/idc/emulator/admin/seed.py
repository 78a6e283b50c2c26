"""Between the directory file and the admin state: seed the state from a directory, rebuild the directory
view the portal serves from the state, and export the state as a directory file.

A directory without an ``identity_center`` section gets ids derived from its names (stable across restarts
without ``--state``): instance ``ssoins-<16 hex>``, identity store ``d-<10 hex>`` (the start URL's own
``d-...`` when it has one), user and group ids UUIDs. A permission set named like an AWS managed policy
(``AdministratorAccess``, ``ReadOnlyAccess``, ...) has that policy attached, as Identity Center's
predefined permission sets do ("Predefined permission sets", IAM Identity Center User Guide).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from idc.emulator.directory import (
    Account,
    Assignment,
    Directory,
    Group,
    PermissionSet,
    User,
    directory_to_dict,
)

PREDEFINED = ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "ViewOnlyAccess")
_STORE_HOST = re.compile(r"^https://(d-[0-9a-f]{10})\.awsapps\.com/")
_NAMESPACE = uuid.UUID("6f1d6a4e-3d36-4d52-9a8e-1d0c2f9c6e11")


def _hex(*parts: str, length: int) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def iso_duration(seconds: int) -> str:
    """``PT1H``, ``PT1H30M``: the SessionDuration form sso-admin uses (ISO-8601)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return (
        "PT"
        + (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{secs}S" if secs or not (hours or minutes) else "")
    )


def fingerprint(directory: Directory) -> str:
    """What a state was seeded from: a changed directory file starts a new state."""
    import json

    data = directory_to_dict(directory)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def state_from(directory: Directory, now: float) -> dict[str, Any]:
    """The admin state of ``directory`` (its ``identity_center`` section, when exported, wins)."""
    saved = directory.identity_center or {}
    if "instance_id" in saved and "users" in saved:
        state = dict(saved)
        state.setdefault("delegated_administrators", [])
        return state
    key = directory.start_url
    store_match = _STORE_HOST.match(directory.start_url)
    accounts = [{"id": a.account_id, "name": a.name, "email": a.email} for a in directory.accounts]
    management = saved.get("management_account") or (accounts[0]["id"] if accounts else "000000000000")
    users: dict[str, Any] = {}
    user_ids: dict[str, str] = {}
    for u in directory.users:
        user_id = str(uuid.uuid5(_NAMESPACE, f"{key}/user/{u.username}"))
        user_ids[u.username] = user_id
        users[user_id] = {
            "UserName": u.username,
            "DisplayName": u.display_name,
            "Emails": [{"Value": u.email, "Type": "work", "Primary": True}] if u.email else [],
            "password": u.password,
        }
    groups: dict[str, Any] = {}
    memberships: dict[str, Any] = {}
    group_ids: dict[str, str] = {}
    for g in directory.groups:
        group_id = str(uuid.uuid5(_NAMESPACE, f"{key}/group/{g.name}"))
        group_ids[g.name] = group_id
        groups[group_id] = {"DisplayName": g.name}
        for member in g.members:
            if member in user_ids:
                membership_id = str(uuid.uuid5(_NAMESPACE, f"{key}/membership/{g.name}/{member}"))
                memberships[membership_id] = {"GroupId": group_id, "UserId": user_ids[member]}
    permission_sets: dict[str, Any] = {}
    set_ids: dict[str, str] = {}
    for s in directory.permission_sets:
        set_id = "ps-" + _hex(key, "ps", s.name, length=16)
        set_ids[s.name] = set_id
        managed = [f"arn:aws:iam::aws:policy/{s.name}"] if s.name in PREDEFINED else []
        definition = {
            "SessionDuration": iso_duration(s.session_duration),
            "InlinePolicy": "",
            "ManagedPolicies": managed,
        }
        permission_sets[set_id] = {
            "Name": s.name,
            "CreatedDate": now,
            "Tags": {},
            **definition,
            "provisioned": dict(definition),
            "accounts": sorted({a.account_id for a in directory.assignments if a.permission_set == s.name}),
        }
    assignments = []
    for a in directory.assignments:
        principal = user_ids[a.principal] if a.principal_type == "USER" else group_ids[a.principal]
        assignments.append([a.account_id, set_ids[a.permission_set], a.principal_type, principal])
    return {
        "version": 1,
        "instance_id": "ssoins-" + _hex(key, "instance", length=16),
        "identity_store_id": store_match[1] if store_match else "d-" + _hex(key, "store", length=10),
        "created": now,
        "management_account": management,
        "delegated_administrators": list(saved.get("delegated_administrators", [])),
        "instance_tags": {},
        "accounts": accounts,
        "users": users,
        "groups": groups,
        "memberships": memberships,
        "permission_sets": permission_sets,
        "assignments": assignments,
        "requests": {},
    }


def seconds_of(duration: str) -> int:
    """Seconds of an ISO-8601 ``PT..H..M..S`` duration (validated before it is stored)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    if match is None:
        return 3600
    hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def primary_email(user: Mapping[str, Any]) -> str:
    emails = user.get("Emails") or []
    for email in emails:
        if email.get("Primary"):
            return str(email.get("Value", ""))
    return str(emails[0].get("Value", "")) if emails else ""


def view(state: Mapping[str, Any], base: Directory) -> Directory:
    """The directory the portal, the pages and STS serve: what the admin state has completed.

    A permission set's role credentials last its *provisioned* session duration: edits reach the
    accounts only through ProvisionPermissionSet (or a new assignment).
    """
    users = state["users"]
    groups = state["groups"]
    members: dict[str, list[str]] = {gid: [] for gid in groups}
    for m in state["memberships"].values():
        members[m["GroupId"]].append(users[m["UserId"]]["UserName"])
    sets = state["permission_sets"]
    directory_users = tuple(
        User(
            u["UserName"],
            u.get("password", u["UserName"]),
            u.get("DisplayName") or u["UserName"],
            primary_email(u) or f"{u['UserName']}@example.com",  # the directory file's default
        )
        for u in users.values()
    )
    assignments = []
    for account_id, set_id, principal_type, principal_id in state["assignments"]:
        if principal_type == "USER":
            name = users[principal_id]["UserName"]
        else:
            name = groups[principal_id]["DisplayName"]
        assignments.append(Assignment(account_id, sets[set_id]["Name"], principal_type, name))
    return replace(
        base,
        users=directory_users,
        groups=tuple(Group(g["DisplayName"], tuple(members[gid])) for gid, g in groups.items()),
        accounts=tuple(Account(a["id"], a["name"], a["email"]) for a in state["accounts"]),
        permission_sets=tuple(
            PermissionSet(s["Name"], seconds_of((s.get("provisioned") or s)["SessionDuration"]))
            for s in sets.values()
        ),
        assignments=tuple(assignments),
    )


def export(state: Mapping[str, Any], base: Directory) -> dict[str, Any]:
    """A directory file that starts an emulator in this state (ids, ARNs, policies and tags kept)."""
    current = view(state, base)
    data = directory_to_dict(current)
    kept = {k: v for k, v in state.items() if k not in ("requests", "seeded_from")}
    data["identity_center"] = {**kept, "requests": {}}
    return data
