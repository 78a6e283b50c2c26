"""Finding the instance and a permission set named in a request (ResourceNotFoundException otherwise)."""

from __future__ import annotations

from typing import Any

from idc.emulator.admin.errors import ResourceNotFoundException, ValidationException

State = dict[str, Any]


def instance_arn(state: State) -> str:
    return f"arn:aws:sso:::instance/{state['instance_id']}"


def check_instance(state: State, body: dict[str, Any], *, not_found: bool = True) -> None:
    arn = body.get("InstanceArn")
    if arn is not None and arn != instance_arn(state):
        error = ResourceNotFoundException if not_found else ValidationException
        raise error(f"Instance {arn} does not exist.")


def permission_set(state: State, arn: str) -> tuple[str, dict[str, Any]]:
    """(id, permission set) of ``arn`` in this instance; ResourceNotFoundException otherwise."""
    prefix = f"arn:aws:sso:::permissionSet/{state['instance_id']}/"
    set_id = arn[len(prefix) :] if arn.startswith(prefix) else ""
    found = state["permission_sets"].get(set_id)
    if found is None:
        raise ResourceNotFoundException(f"Could not find PermissionSet with PermissionSetArn {arn}")
    return set_id, found
