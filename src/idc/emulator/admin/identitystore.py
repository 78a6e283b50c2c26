"""identitystore: users, groups and group memberships of the instance's identity store.

Operations and shapes are botocore's ``identitystore`` model. A user created here signs in on the
emulator's pages with its UserName as password (the real service mails an invitation instead; the
emulator has no mail). Ids are UUIDs, ARNs ``arn:aws:identitystore:::user/<id>`` (``group``,
``membership``); ``Revision`` counts a resource's changes and, when a caller passes it, must match
(ConflictException otherwise), as the model's optimistic-concurrency field says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idc.emulator.admin.errors import ConflictException, ResourceNotFoundException, ValidationException
from idc.emulator.admin.operations import Call, Operation, paginate
from idc.emulator.admin.store import new_user_id

State = dict[str, Any]
_HIDDEN = {"password", "Revision", "CreatedAt", "UpdatedAt"}


def _id(value: str) -> str:
    """A ResourceId may come as an ARN (``arn:aws:identitystore:::user/<id>``)."""
    return value.rsplit("/", 1)[-1]


def _check_store(state: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    store_id = str(body["IdentityStoreId"]).rsplit("/", 1)[-1]
    if store_id != state["identity_store_id"]:
        raise ResourceNotFoundException(
            f"Identity store {store_id} does not exist.", ResourceType="IDENTITY_STORE", ResourceId=store_id
        )
    return store_id


def _missing(kind: str, resource_id: str) -> ResourceNotFoundException:
    noun = {"USER": "User", "GROUP": "Group", "GROUP_MEMBERSHIP": "Membership"}[kind]
    return ResourceNotFoundException(
        f"{noun} with id {resource_id} does not exist.", ResourceType=kind, ResourceId=resource_id
    )


def _user(state: State, user_id: str) -> dict[str, Any]:
    user = state["users"].get(_id(user_id))
    if user is None:
        raise _missing("USER", _id(user_id))
    return dict(user)


def _group(state: State, group_id: str) -> dict[str, Any]:
    group = state["groups"].get(_id(group_id))
    if group is None:
        raise _missing("GROUP", _id(group_id))
    return dict(group)


def _check_revision(resource: Mapping[str, Any], body: Mapping[str, Any]) -> None:
    wanted = body.get("Revision")
    if wanted is not None and wanted != str(resource.get("Revision", 1)):
        raise ConflictException(
            "The resource was changed since the revision given.", Reason="CONCURRENT_MODIFICATION"
        )


def _user_out(state: State, user_id: str, user: Mapping[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in user.items() if k not in _HIDDEN}
    return {
        **shown,
        "UserId": user_id,
        "UserArn": f"arn:aws:identitystore:::user/{user_id}",
        "IdentityStoreId": state["identity_store_id"],
        "Revision": str(user.get("Revision", 1)),
        "UserStatus": "ENABLED",
        **({"CreatedAt": user["CreatedAt"]} if "CreatedAt" in user else {}),
        **({"UpdatedAt": user["UpdatedAt"]} if "UpdatedAt" in user else {}),
    }


def _group_out(state: State, group_id: str, group: Mapping[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in group.items() if k not in _HIDDEN}
    return {
        **shown,
        "GroupId": group_id,
        "GroupArn": f"arn:aws:identitystore:::group/{group_id}",
        "IdentityStoreId": state["identity_store_id"],
        "Revision": str(group.get("Revision", 1)),
    }


def _membership_out(state: State, membership_id: str, membership: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "IdentityStoreId": state["identity_store_id"],
        "MembershipId": membership_id,
        "MembershipArn": f"arn:aws:identitystore:::membership/{membership_id}",
        "GroupId": membership["GroupId"],
        "MemberId": {"UserId": membership["UserId"]},
    }


def _unique_user_name(state: State, name: str, *, besides: str | None = None) -> None:
    for user_id, user in state["users"].items():
        if user_id != besides and user["UserName"].lower() == name.lower():
            raise ConflictException(
                f"Duplicate UserName: a user named {name} already exists.",
                Reason="UNIQUENESS_CONSTRAINT_VIOLATION",
            )


def _unique_group_name(state: State, name: str, *, besides: str | None = None) -> None:
    for group_id, group in state["groups"].items():
        if group_id != besides and group["DisplayName"].lower() == name.lower():
            raise ConflictException(
                f"Duplicate GroupDisplayName: a group named {name} already exists.",
                Reason="UNIQUENESS_CONSTRAINT_VIOLATION",
            )


# --- users ------------------------------------------------------------------------------------------
def create_user(call: Call) -> dict[str, Any]:
    body = call.body
    if not body.get("UserName"):
        raise ValidationException("UserName is required.")
    with call.store.changing() as state:
        _check_store(state, body)
        _unique_user_name(state, body["UserName"])
        user_id = new_user_id()
        user = {k: v for k, v in body.items() if k not in ("IdentityStoreId", "Extensions")}
        user.update(password=body["UserName"], Revision=1, CreatedAt=call.now(), UpdatedAt=call.now())
        state["users"][user_id] = user
    return {
        k: v
        for k, v in _user_out(state, user_id, user).items()
        if k in ("IdentityStoreId", "UserId", "UserArn", "Revision")
    }


def describe_user(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        _check_store(state, call.body)
        user_id = _id(call.body["UserId"])
        return _user_out(state, user_id, _user(state, user_id))


def list_users(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        users = list(state["users"].items())
        for item in body.get("Filters") or []:
            if item.get("AttributePath", "").lower() != "username":
                raise ValidationException("Filters on ListUsers may name the attribute UserName only.")
            value = str(item.get("AttributeValue", "")).lower()
            users = [(i, u) for i, u in users if u["UserName"].lower() == value]
        page, more = paginate(users, body)
        return {"Users": [_user_out(state, i, u) for i, u in page], **more}


def _pascal(path: str) -> list[str]:
    return [part[:1].upper() + part[1:] for part in path.split(".")]


def _pascal_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_pascal_value(v) for v in value]
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _pascal_value(v) for k, v in value.items()}
    return value


def _apply(resource: dict[str, Any], operations: list[dict[str, Any]], members: Mapping[str, Any]) -> None:
    """UpdateUser/UpdateGroup ``Operations``: ``AttributePath`` in camel case (``name.givenName``), a value
    (lists of objects with camel-case keys) or none to remove the attribute."""
    for operation in operations:
        path = _pascal(operation["AttributePath"])
        shape = members.get(path[0])
        if shape is None or len(path) > 2 or (len(path) == 2 and path[1] not in shape.members):
            raise ValidationException(f"Invalid attribute path: {operation['AttributePath']}")
        value = _pascal_value(operation.get("AttributeValue"))
        if len(path) == 1:
            if value is None:
                resource.pop(path[0], None)
            else:
                resource[path[0]] = value
        else:
            nested = dict(resource.get(path[0]) or {})
            if value is None:
                nested.pop(path[1], None)
            else:
                nested[path[1]] = value
            resource[path[0]] = nested


def _members(shape_name: str) -> Mapping[str, Any]:
    from idc.emulator.admin.validation import service_model

    return dict(service_model("identitystore").shape_for(shape_name).members)


def update_user(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.changing() as state:
        _check_store(state, body)
        user_id = _id(body["UserId"])
        user = _user(state, user_id)
        _check_revision(user, body)
        members = {
            k: v
            for k, v in _members("User").items()
            if k not in ("UserId", "IdentityStoreId", "UserArn", "Revision", "UserStatus")
        }
        _apply(user, body["Operations"], members)
        if not user.get("UserName"):
            raise ValidationException("UserName cannot be removed.")
        _unique_user_name(state, user["UserName"], besides=user_id)
        user["Revision"] = int(user.get("Revision", 1)) + 1
        user["UpdatedAt"] = call.now()
        state["users"][user_id] = user
    out = _user_out(state, user_id, user)
    return {k: out[k] for k in ("IdentityStoreId", "UserId", "UserArn", "Revision")}


def delete_user(call: Call) -> dict[str, Any]:
    """The user goes with its memberships and account assignments."""
    with call.store.changing() as state:
        _check_store(state, call.body)
        user_id = _id(call.body["UserId"])
        _check_revision(_user(state, user_id), call.body)
        del state["users"][user_id]
        _forget_principal(state, "USER", user_id)
    return {}


def _forget_principal(state: State, kind: str, principal_id: str) -> None:
    key = "UserId" if kind == "USER" else "GroupId"
    state["memberships"] = {m: v for m, v in state["memberships"].items() if v[key] != principal_id}
    state["assignments"] = [a for a in state["assignments"] if not (a[2] == kind and a[3] == principal_id)]


def get_user_id(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        unique = body["AlternateIdentifier"].get("UniqueAttribute")
        if unique is None:
            raise ResourceNotFoundException("No user has this external id.", ResourceType="USER")
        path = str(unique.get("AttributePath", "")).lower()
        if path not in ("username", "emails.value"):
            raise ValidationException("AttributePath must be userName or emails.value.")
        value = unique.get("AttributeValue")
        for user_id, user in state["users"].items():
            emails = [e.get("Value") for e in user.get("Emails") or []]
            named = isinstance(value, str) and user["UserName"].lower() == value.lower()
            if (path == "username" and named) or (path == "emails.value" and value in emails):
                out = _user_out(state, user_id, user)
                return {k: out[k] for k in ("IdentityStoreId", "UserId", "UserArn")}
        raise ResourceNotFoundException("No user has this attribute value.", ResourceType="USER")


# --- groups -----------------------------------------------------------------------------------------
def create_group(call: Call) -> dict[str, Any]:
    body = call.body
    if not body.get("DisplayName"):
        raise ValidationException("DisplayName is required.")
    with call.store.changing() as state:
        _check_store(state, body)
        _unique_group_name(state, body["DisplayName"])
        group_id = new_user_id()
        group = {k: v for k, v in body.items() if k != "IdentityStoreId"}
        group.update(Revision=1, CreatedAt=call.now(), UpdatedAt=call.now())
        state["groups"][group_id] = group
    out = _group_out(state, group_id, group)
    return {k: out[k] for k in ("IdentityStoreId", "GroupId", "GroupArn", "Revision")}


def describe_group(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        _check_store(state, call.body)
        group_id = _id(call.body["GroupId"])
        return _group_out(state, group_id, _group(state, group_id))


def list_groups(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        groups = list(state["groups"].items())
        for item in body.get("Filters") or []:
            if item.get("AttributePath", "").lower() != "displayname":
                raise ValidationException("Filters on ListGroups may name the attribute DisplayName only.")
            value = str(item.get("AttributeValue", "")).lower()
            groups = [(i, g) for i, g in groups if g["DisplayName"].lower() == value]
        page, more = paginate(groups, body)
        return {"Groups": [_group_out(state, i, g) for i, g in page], **more}


def update_group(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.changing() as state:
        _check_store(state, body)
        group_id = _id(body["GroupId"])
        group = _group(state, group_id)
        _check_revision(group, body)
        _apply(
            group,
            body["Operations"],
            {
                "DisplayName": _members("Group")["DisplayName"],
                "Description": _members("Group")["Description"],
            },
        )
        if not group.get("DisplayName"):
            raise ValidationException("DisplayName cannot be removed.")
        _unique_group_name(state, group["DisplayName"], besides=group_id)
        group["Revision"] = int(group.get("Revision", 1)) + 1
        group["UpdatedAt"] = call.now()
        state["groups"][group_id] = group
    out = _group_out(state, group_id, group)
    return {k: out[k] for k in ("IdentityStoreId", "GroupId", "GroupArn", "Revision")}


def delete_group(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        _check_store(state, call.body)
        group_id = _id(call.body["GroupId"])
        _check_revision(_group(state, group_id), call.body)
        del state["groups"][group_id]
        _forget_principal(state, "GROUP", group_id)
    return {}


def get_group_id(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        unique = body["AlternateIdentifier"].get("UniqueAttribute")
        if unique is None:
            raise ResourceNotFoundException("No group has this external id.", ResourceType="GROUP")
        if str(unique.get("AttributePath", "")).lower() != "displayname":
            raise ValidationException("AttributePath must be displayName.")
        value = str(unique.get("AttributeValue", "")).lower()
        for group_id, group in state["groups"].items():
            if group["DisplayName"].lower() == value:
                out = _group_out(state, group_id, group)
                return {k: out[k] for k in ("IdentityStoreId", "GroupId", "GroupArn")}
        raise ResourceNotFoundException("No group has this display name.", ResourceType="GROUP")


# --- memberships ------------------------------------------------------------------------------------
def create_group_membership(call: Call) -> dict[str, Any]:
    body = call.body
    user_id = _id(body["MemberId"].get("UserId") or "")
    with call.store.changing() as state:
        _check_store(state, body)
        group_id = _id(body["GroupId"])
        _group(state, group_id)
        _user(state, user_id)
        for membership in state["memberships"].values():
            if membership == {"GroupId": group_id, "UserId": user_id}:
                raise ConflictException(
                    "The user is already a member of the group.", Reason="UNIQUENESS_CONSTRAINT_VIOLATION"
                )
        membership_id = new_user_id()
        state["memberships"][membership_id] = {"GroupId": group_id, "UserId": user_id}
    out = _membership_out(state, membership_id, state["memberships"][membership_id])
    return {k: out[k] for k in ("IdentityStoreId", "MembershipId", "MembershipArn")}


def _membership(state: State, membership_id: str) -> dict[str, Any]:
    membership = state["memberships"].get(_id(membership_id))
    if membership is None:
        raise _missing("GROUP_MEMBERSHIP", _id(membership_id))
    return dict(membership)


def describe_group_membership(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        _check_store(state, call.body)
        membership_id = _id(call.body["MembershipId"])
        return _membership_out(state, membership_id, _membership(state, membership_id))


def delete_group_membership(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        _check_store(state, call.body)
        membership_id = _id(call.body["MembershipId"])
        _membership(state, membership_id)
        del state["memberships"][membership_id]
    return {}


def get_group_membership_id(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        wanted = {"GroupId": _id(body["GroupId"]), "UserId": _id(body["MemberId"].get("UserId") or "")}
        for membership_id, membership in state["memberships"].items():
            if membership == wanted:
                out = _membership_out(state, membership_id, membership)
                return {k: out[k] for k in ("IdentityStoreId", "MembershipId", "MembershipArn")}
        raise ResourceNotFoundException(
            "The user is not a member of the group.", ResourceType="GROUP_MEMBERSHIP"
        )


def list_group_memberships(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        group_id = _id(body["GroupId"])
        _group(state, group_id)
        found = [(m, v) for m, v in state["memberships"].items() if v["GroupId"] == group_id]
        page, more = paginate(found, body)
        return {"GroupMemberships": [_membership_out(state, m, v) for m, v in page], **more}


def list_group_memberships_for_member(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        user_id = _id(body["MemberId"].get("UserId") or "")
        _user(state, user_id)
        found = [(m, v) for m, v in state["memberships"].items() if v["UserId"] == user_id]
        page, more = paginate(found, body)
        return {"GroupMemberships": [_membership_out(state, m, v) for m, v in page], **more}


def is_member_in_groups(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _check_store(state, body)
        user_id = _id(body["MemberId"].get("UserId") or "")
        _user(state, user_id)
        results = []
        for group_id in body["GroupIds"]:
            _group(state, group_id)
            member = {"GroupId": _id(group_id), "UserId": user_id} in state["memberships"].values()
            results.append(
                {"GroupId": _id(group_id), "MemberId": {"UserId": user_id}, "MembershipExists": member}
            )
        return {"Results": results}


# --- the identity store itself ----------------------------------------------------------------------
def _store_out(state: State) -> dict[str, Any]:
    store_id = state["identity_store_id"]
    return {
        "IdentityStoreId": store_id,
        "IdentityStoreArn": f"arn:aws:identitystore::{state['management_account']}:identitystore/{store_id}",
    }


def describe_identity_store(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        _check_store(state, call.body)
        return _store_out(state)


def list_identity_stores(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        return {"IdentityStores": [_store_out(state)]}


OPERATIONS: dict[str, Operation] = {
    "CreateUser": create_user,
    "DescribeUser": describe_user,
    "ListUsers": list_users,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    "GetUserId": get_user_id,
    "CreateGroup": create_group,
    "DescribeGroup": describe_group,
    "ListGroups": list_groups,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "GetGroupId": get_group_id,
    "CreateGroupMembership": create_group_membership,
    "DescribeGroupMembership": describe_group_membership,
    "DeleteGroupMembership": delete_group_membership,
    "GetGroupMembershipId": get_group_membership_id,
    "ListGroupMemberships": list_group_memberships,
    "ListGroupMembershipsForMember": list_group_memberships_for_member,
    "IsMemberInGroups": is_member_in_groups,
    "DescribeIdentityStore": describe_identity_store,
    "ListIdentityStores": list_identity_stores,
}
