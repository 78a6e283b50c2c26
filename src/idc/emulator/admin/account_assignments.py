"""sso-admin's asynchronous operations: account assignments and permission set provisioning, each a
request whose status a client polls (:mod:`.requests` says when the work is done), and the listings of
what is assigned and provisioned.
"""

from __future__ import annotations

from typing import Any

from idc.emulator.admin import lookup as _lookup
from idc.emulator.admin import requests
from idc.emulator.admin.errors import ResourceNotFoundException, ValidationException
from idc.emulator.admin.operations import Call, Operation, paginate
from idc.emulator.admin.store import new_request_id

State = dict[str, Any]


def _principal(state: State, principal_type: str, principal_id: str) -> None:
    if principal_id not in state["users" if principal_type == "USER" else "groups"]:
        noun = "User" if principal_type == "USER" else "Group"
        raise ResourceNotFoundException(f"{noun} with id {principal_id} does not exist.")


def _assignment_request(call: Call, kind: str) -> dict[str, Any]:
    body = call.body
    sso = _lookup
    with call.store.changing() as state:
        sso.check_instance(state, body)
        set_id, _ = sso.permission_set(state, body["PermissionSetArn"])
        _principal(state, body["PrincipalType"], body["PrincipalId"])
        request_id = new_request_id()
        request = {
            "kind": kind,
            "Status": "IN_PROGRESS",
            "RequestId": request_id,
            "TargetId": body["TargetId"],
            "TargetType": body["TargetType"],
            "PermissionSetArn": requests.permission_set_arn(state, set_id),
            "PrincipalType": body["PrincipalType"],
            "PrincipalId": body["PrincipalId"],
            "CreatedDate": call.now(),
        }
        state["requests"][request_id] = request
    return requests.assignment_status(request)


def create_account_assignment(call: Call) -> dict[str, Any]:
    return {"AccountAssignmentCreationStatus": _assignment_request(call, "create")}


def delete_account_assignment(call: Call) -> dict[str, Any]:
    return {"AccountAssignmentDeletionStatus": _assignment_request(call, "delete")}


def _describe(call: Call, kind: str, key: str) -> dict[str, Any] | None:
    with call.store.changing() as state:
        _lookup.check_instance(state, call.body)
        request = state["requests"].get(call.body[key])
        if request is None or request["kind"] != kind:
            raise ResourceNotFoundException(f"Request {call.body[key]} does not exist.")
        return requests.poll(state, call.body[key])


def describe_creation_status(call: Call) -> dict[str, Any]:
    answer = _describe(call, "create", "AccountAssignmentCreationRequestId")
    assert answer is not None
    return {"AccountAssignmentCreationStatus": requests.assignment_status(answer)}


def describe_deletion_status(call: Call) -> dict[str, Any]:
    answer = _describe(call, "delete", "AccountAssignmentDeletionRequestId")
    assert answer is not None
    return {"AccountAssignmentDeletionStatus": requests.assignment_status(answer)}


def _list_requests(call: Call, kind: str, key: str) -> dict[str, Any]:
    with call.store.reading() as state:
        _lookup.check_instance(state, call.body)
        wanted = (call.body.get("Filter") or {}).get("Status")
        found = [
            {"Status": r["Status"], "RequestId": r["RequestId"], "CreatedDate": r["CreatedDate"]}
            for r in state["requests"].values()
            if r["kind"] == kind and (wanted is None or r["Status"] == wanted)
        ]
        page, more = paginate(found, call.body)
        return {key: page, **more}


def list_creation_status(call: Call) -> dict[str, Any]:
    return _list_requests(call, "create", "AccountAssignmentsCreationStatus")


def list_deletion_status(call: Call) -> dict[str, Any]:
    return _list_requests(call, "delete", "AccountAssignmentsDeletionStatus")


def list_account_assignments(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.reading() as state:
        _lookup.check_instance(state, body)
        set_id, _ = _lookup.permission_set(state, body["PermissionSetArn"])
        found = [
            {
                "AccountId": a[0],
                "PermissionSetArn": body["PermissionSetArn"],
                "PrincipalType": a[2],
                "PrincipalId": a[3],
            }
            for a in state["assignments"]
            if a[0] == body["AccountId"] and a[1] == set_id
        ]
        page, more = paginate(found, body)
        return {"AccountAssignments": page, **more}


def list_account_assignments_for_principal(call: Call) -> dict[str, Any]:
    body = call.body
    account = (body.get("Filter") or {}).get("AccountId")
    with call.store.reading() as state:
        _lookup.check_instance(state, body)
        _principal(state, body["PrincipalType"], body["PrincipalId"])
        found = [
            {
                "AccountId": a[0],
                "PermissionSetArn": requests.permission_set_arn(state, a[1]),
                "PrincipalType": a[2],
                "PrincipalId": a[3],
            }
            for a in state["assignments"]
            if a[2] == body["PrincipalType"] and a[3] == body["PrincipalId"] and account in (None, a[0])
        ]
        page, more = paginate(found, body)
        return {"AccountAssignments": page, **more}


# --- provisioning -----------------------------------------------------------------------------------
def provision_permission_set(call: Call) -> dict[str, Any]:
    body = call.body
    if body["TargetType"] == "AWS_ACCOUNT" and not body.get("TargetId"):
        raise ValidationException("TargetId is required when TargetType is AWS_ACCOUNT.")
    sso = _lookup
    with call.store.changing() as state:
        sso.check_instance(state, body)
        set_id, _ = sso.permission_set(state, body["PermissionSetArn"])
        request_id = new_request_id()
        request = {
            "kind": "provision",
            "Status": "IN_PROGRESS",
            "RequestId": request_id,
            "PermissionSetArn": requests.permission_set_arn(state, set_id),
            "CreatedDate": call.now(),
        }
        if body["TargetType"] == "AWS_ACCOUNT":
            request["AccountId"] = body["TargetId"]
        state["requests"][request_id] = request
    return {"PermissionSetProvisioningStatus": requests.provisioning_status(request)}


def describe_provisioning_status(call: Call) -> dict[str, Any]:
    answer = _describe(call, "provision", "ProvisionPermissionSetRequestId")
    assert answer is not None
    return {"PermissionSetProvisioningStatus": requests.provisioning_status(answer)}


def list_provisioning_status(call: Call) -> dict[str, Any]:
    return _list_requests(call, "provision", "PermissionSetsProvisioningStatus")


def _latest(found: dict[str, Any]) -> bool:
    return found.get("provisioned") == requests.definition(found)


def list_permission_sets_provisioned_to_account(call: Call) -> dict[str, Any]:
    body = call.body
    status = body.get("ProvisioningStatus")
    with call.store.reading() as state:
        _lookup.check_instance(state, body)
        arns = [
            requests.permission_set_arn(state, set_id)
            for set_id, found in state["permission_sets"].items()
            if body["AccountId"] in found.get("accounts", [])
            and (status is None or (status == "LATEST_PERMISSION_SET_PROVISIONED") == _latest(found))
        ]
        page, more = paginate(arns, body)
        return {"PermissionSets": page, **more}


def list_accounts_for_provisioned_permission_set(call: Call) -> dict[str, Any]:
    body = call.body
    status = body.get("ProvisioningStatus")
    with call.store.reading() as state:
        _lookup.check_instance(state, body)
        _, found = _lookup.permission_set(state, body["PermissionSetArn"])
        accounts = list(found.get("accounts", []))
        if status is not None and (status == "LATEST_PERMISSION_SET_PROVISIONED") != _latest(found):
            accounts = []
        page, more = paginate(accounts, body)
        return {"AccountIds": page, **more}


OPERATIONS: dict[str, Operation] = {
    "CreateAccountAssignment": create_account_assignment,
    "DeleteAccountAssignment": delete_account_assignment,
    "DescribeAccountAssignmentCreationStatus": describe_creation_status,
    "DescribeAccountAssignmentDeletionStatus": describe_deletion_status,
    "ListAccountAssignmentCreationStatus": list_creation_status,
    "ListAccountAssignmentDeletionStatus": list_deletion_status,
    "ListAccountAssignments": list_account_assignments,
    "ListAccountAssignmentsForPrincipal": list_account_assignments_for_principal,
    "ProvisionPermissionSet": provision_permission_set,
    "DescribePermissionSetProvisioningStatus": describe_provisioning_status,
    "ListPermissionSetProvisioningStatus": list_provisioning_status,
    "ListPermissionSetsProvisionedToAccount": list_permission_sets_provisioned_to_account,
    "ListAccountsForProvisionedPermissionSet": list_accounts_for_provisioned_permission_set,
}
