"""The asynchronous side of sso-admin: account assignment creation and deletion and permission set
provisioning answer with a request status that is ``IN_PROGRESS`` before it is ``SUCCEEDED`` (or ``FAILED``).

Deterministically: the work is done when the request is first polled (``Describe...Status``), and that first
poll still answers ``IN_PROGRESS``; the next answers the outcome. A client that never polls sees nothing
assigned yet, as a client that does not wait on AWS may; one that polls until done, as Terraform's waiters
and the AWS CLI's scripts do, sees it. A new assignment provisions the permission set to the account (the
version already provisioned elsewhere, or the current one the first time); edits reach the accounts through
ProvisionPermissionSet.
"""

from __future__ import annotations

from typing import Any

State = dict[str, Any]


def permission_set_arn(state: State, set_id: str) -> str:
    return f"arn:aws:sso:::permissionSet/{state['instance_id']}/{set_id}"


def definition(permission_set: dict[str, Any]) -> dict[str, Any]:
    return {
        "SessionDuration": permission_set["SessionDuration"],
        "InlinePolicy": permission_set.get("InlinePolicy", ""),
        "ManagedPolicies": list(permission_set.get("ManagedPolicies", [])),
    }


def _principal_exists(state: State, principal_type: str, principal_id: str) -> bool:
    return principal_id in state["users" if principal_type == "USER" else "groups"]


def _fail(request: dict[str, Any], reason: str) -> None:
    request["Status"] = "FAILED"
    request["FailureReason"] = reason


def apply(state: State, request: dict[str, Any]) -> None:
    """Do the work of an IN_PROGRESS request; leave it SUCCEEDED or FAILED."""
    set_id = request["PermissionSetArn"].rsplit("/", 1)[-1]
    permission_set = state["permission_sets"].get(set_id)
    request["Status"] = "SUCCEEDED"
    if permission_set is None:
        _fail(request, f"Permission set {request['PermissionSetArn']} does not exist.")
        return
    accounts = {a["id"] for a in state["accounts"]}
    kind = request["kind"]
    if kind == "provision":
        targets = (
            [request["AccountId"]] if request.get("AccountId") else list(permission_set.get("accounts", []))
        )
        for account_id in targets:
            if account_id not in accounts:
                _fail(request, f"Account {account_id} is not a member of the organization.")
                return
        permission_set["provisioned"] = definition(permission_set)
        permission_set["accounts"] = sorted({*permission_set.get("accounts", []), *targets})
        return
    account_id = request["TargetId"]
    key = [account_id, set_id, request["PrincipalType"], request["PrincipalId"]]
    if kind == "create":
        if account_id not in accounts:
            _fail(request, f"Account {account_id} is not a member of the organization.")
            return
        if not _principal_exists(state, request["PrincipalType"], request["PrincipalId"]):
            _fail(request, f"Principal {request['PrincipalId']} does not exist.")
            return
        if key not in state["assignments"]:
            state["assignments"].append(key)
        if not permission_set.get("provisioned"):
            permission_set["provisioned"] = definition(permission_set)
        permission_set["accounts"] = sorted({*permission_set.get("accounts", []), account_id})
        return
    if key in state["assignments"]:
        state["assignments"].remove(key)
    if not any(a[0] == account_id and a[1] == set_id for a in state["assignments"]):
        permission_set["accounts"] = [a for a in permission_set.get("accounts", []) if a != account_id]


def poll(state: State, request_id: str) -> dict[str, Any] | None:
    """The request as this poll answers it (the first poll of an IN_PROGRESS request does the work and
    still answers IN_PROGRESS), or None when there is no such request."""
    request = state["requests"].get(request_id)
    if request is None:
        return None
    answer = dict(request)
    if request["Status"] == "IN_PROGRESS":
        apply(state, request)
    return answer


def assignment_status(request: dict[str, Any]) -> dict[str, Any]:
    keys = ("Status", "RequestId", "FailureReason", "TargetId", "TargetType", "PermissionSetArn")
    out = {k: request[k] for k in keys if k in request}
    out.update(
        PrincipalType=request["PrincipalType"],
        PrincipalId=request["PrincipalId"],
        CreatedDate=request["CreatedDate"],
    )
    if out["Status"] == "IN_PROGRESS":
        out.pop("FailureReason", None)
    return out


def provisioning_status(request: dict[str, Any]) -> dict[str, Any]:
    keys = ("Status", "RequestId", "AccountId", "PermissionSetArn", "FailureReason", "CreatedDate")
    out = {k: request[k] for k in keys if k in request}
    if out["Status"] == "IN_PROGRESS":
        out.pop("FailureReason", None)
    return out
