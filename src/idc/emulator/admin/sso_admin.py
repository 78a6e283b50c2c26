"""sso-admin: the instance, permission sets (inline and AWS managed policies) and tags.

Operations and shapes are botocore's ``sso-admin`` model; account assignments and provisioning, the
asynchronous part, are in :mod:`.account_assignments`. ARNs as AWS writes them:
``arn:aws:sso:::instance/ssoins-<16>``, ``arn:aws:sso:::permissionSet/ssoins-<16>/ps-<16>``. Limits from
"IAM Identity Center quotas" (User Guide): 2,000 permission sets per instance, 20 managed policies per
permission set, 50 tags per resource; session duration 1 to 12 hours.
"""

from __future__ import annotations

from typing import Any

from idc.emulator.admin import account_assignments
from idc.emulator.admin.errors import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from idc.emulator.admin.lookup import check_instance, instance_arn, permission_set
from idc.emulator.admin.operations import Call, Operation, paginate
from idc.emulator.admin.requests import permission_set_arn
from idc.emulator.admin.seed import seconds_of
from idc.emulator.admin.store import new_permission_set_id

State = dict[str, Any]
MAX_PERMISSION_SETS = 2000
MAX_MANAGED_POLICIES = 20
MAX_TAGS = 50


def _set_out(state: State, set_id: str, found: dict[str, Any]) -> dict[str, Any]:
    out = {
        "Name": found["Name"],
        "PermissionSetArn": permission_set_arn(state, set_id),
        "CreatedDate": found["CreatedDate"],
        "SessionDuration": found["SessionDuration"],
    }
    for key in ("Description", "RelayState"):
        if found.get(key):
            out[key] = found[key]
    return out


def _check_duration(duration: str) -> None:
    seconds = seconds_of(duration) if duration.startswith("PT") else 0
    if not duration.startswith("PT") or not 3600 <= seconds <= 12 * 3600:
        raise ValidationException("SessionDuration must be an ISO-8601 duration from PT1H to PT12H.")


def _tags(tags: list[dict[str, str]], current: dict[str, str]) -> dict[str, str]:
    merged = dict(current)
    for tag in tags:
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise ServiceQuotaExceededException(f"A resource can have at most {MAX_TAGS} tags.")
    return merged


# --- the instance -----------------------------------------------------------------------------------
def _instance_out(state: State, center: Any) -> dict[str, Any]:
    return {
        "InstanceArn": instance_arn(state),
        "IdentityStoreId": state["identity_store_id"],
        "OwnerAccountId": state["management_account"],
        "Name": state.get("name", ""),
        "CreatedDate": state["created"],
        "Status": "ACTIVE",
    }


def list_instances(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        return {"Instances": [_instance_out(state, call.center)]}


def _regions_out(state: State, center: Any) -> list[dict[str, Any]]:
    """RegionMetadata of every Region of the instance (the replicas were added when it started)."""
    regions: list[str] = center.instance_regions()
    return [
        {"RegionName": name, "Status": "ACTIVE", "AddedDate": state["created"], "IsPrimaryRegion": not index}
        for index, name in enumerate(regions)
    ]


def describe_instance(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body, not_found=False)
        regions = _regions_out(state, call.center)
        return {
            **_instance_out(state, call.center),
            "PrimaryRegion": regions[0]["RegionName"],
            "Regions": regions,
        }


def list_regions(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body, not_found=False)
        page, more = paginate(_regions_out(state, call.center), call.body)
        return {"Regions": page, **more}


def describe_region(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body, not_found=False)
        name = call.body["RegionName"]
        for region in _regions_out(state, call.center):
            if region["RegionName"] == name:
                return region
        raise ResourceNotFoundException(f"Region {name} is not enabled for this instance.")


# --- permission sets --------------------------------------------------------------------------------
def create_permission_set(call: Call) -> dict[str, Any]:
    body = call.body
    duration = body.get("SessionDuration") or "PT1H"
    _check_duration(duration)
    with call.store.changing() as state:
        check_instance(state, body)
        if any(s["Name"] == body["Name"] for s in state["permission_sets"].values()):
            raise ConflictException(f"PermissionSet with name {body['Name']} already exists.")
        if len(state["permission_sets"]) >= MAX_PERMISSION_SETS:
            raise ServiceQuotaExceededException(
                f"An instance can have at most {MAX_PERMISSION_SETS} permission sets."
            )
        set_id = new_permission_set_id()
        created = {
            "Name": body["Name"],
            "Description": body.get("Description", ""),
            "RelayState": body.get("RelayState", ""),
            "SessionDuration": duration,
            "CreatedDate": call.now(),
            "InlinePolicy": "",
            "ManagedPolicies": [],
            "Tags": _tags(body.get("Tags") or [], {}),
            "provisioned": None,
            "accounts": [],
        }
        state["permission_sets"][set_id] = created
    return {"PermissionSet": _set_out(state, set_id, created)}


def describe_permission_set(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body)
        set_id, found = permission_set(state, call.body["PermissionSetArn"])
        return {"PermissionSet": _set_out(state, set_id, found)}


def list_permission_sets(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body)
        arns = [permission_set_arn(state, set_id) for set_id in state["permission_sets"]]
        page, more = paginate(arns, call.body)
        return {"PermissionSets": page, **more}


def update_permission_set(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.changing() as state:
        check_instance(state, body)
        _, found = permission_set(state, body["PermissionSetArn"])
        if "SessionDuration" in body:
            _check_duration(body["SessionDuration"])
            found["SessionDuration"] = body["SessionDuration"]
        for key in ("Description", "RelayState"):
            if key in body:
                found[key] = body[key]
    return {}


def delete_permission_set(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        check_instance(state, call.body)
        set_id, _ = permission_set(state, call.body["PermissionSetArn"])
        if any(a[1] == set_id for a in state["assignments"]):
            raise ConflictException("The permission set has account assignments; delete them first.")
        del state["permission_sets"][set_id]
    return {}


# --- policies ---------------------------------------------------------------------------------------
def put_inline_policy(call: Call) -> dict[str, Any]:
    from idc.emulator.iam.policy import PolicyError, parse_policy

    body = call.body
    try:
        parse_policy(body["InlinePolicy"])
    except PolicyError as bad:
        raise ValidationException(f"The policy document is malformed: {bad}") from None
    with call.store.changing() as state:
        check_instance(state, body)
        _, found = permission_set(state, body["PermissionSetArn"])
        found["InlinePolicy"] = body["InlinePolicy"]
    return {}


def get_inline_policy(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body)
        _, found = permission_set(state, call.body["PermissionSetArn"])
        return {"InlinePolicy": found.get("InlinePolicy", "")}


def delete_inline_policy(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        check_instance(state, call.body)
        _, found = permission_set(state, call.body["PermissionSetArn"])
        found["InlinePolicy"] = ""
    return {}


def attach_managed_policy(call: Call) -> dict[str, Any]:
    body = call.body
    arn = body["ManagedPolicyArn"]
    if not arn.startswith("arn:aws:iam::aws:policy/"):
        raise ValidationException(f"{arn} is not the ARN of an AWS managed policy.")
    with call.store.changing() as state:
        check_instance(state, body)
        _, found = permission_set(state, body["PermissionSetArn"])
        if arn in found["ManagedPolicies"]:
            raise ConflictException(f"Managed policy {arn} is already attached to the permission set.")
        if len(found["ManagedPolicies"]) >= MAX_MANAGED_POLICIES:
            raise ServiceQuotaExceededException(
                f"A permission set can have at most {MAX_MANAGED_POLICIES} managed policies attached."
            )
        found["ManagedPolicies"].append(arn)
    return {}


def detach_managed_policy(call: Call) -> dict[str, Any]:
    body = call.body
    with call.store.changing() as state:
        check_instance(state, body)
        _, found = permission_set(state, body["PermissionSetArn"])
        if body["ManagedPolicyArn"] not in found["ManagedPolicies"]:
            raise ResourceNotFoundException(f"Managed policy {body['ManagedPolicyArn']} is not attached.")
        found["ManagedPolicies"].remove(body["ManagedPolicyArn"])
    return {}


def list_managed_policies(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body)
        _, found = permission_set(state, call.body["PermissionSetArn"])
        policies = [{"Name": arn.rsplit("/", 1)[-1], "Arn": arn} for arn in found["ManagedPolicies"]]
        page, more = paginate(policies, call.body)
        return {"AttachedManagedPolicies": page, **more}


# --- tags -------------------------------------------------------------------------------------------
def _tagged(state: State, arn: str) -> dict[str, Any]:
    """The dict holding ``arn``'s tags under "Tags" (a permission set, or the instance's record)."""
    if arn == instance_arn(state):
        holder: dict[str, Any] = {"Tags": state.setdefault("instance_tags", {})}
        return holder
    return permission_set(state, arn)[1]


def tag_resource(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        check_instance(state, call.body)
        holder = _tagged(state, call.body["ResourceArn"])
        holder["Tags"].update(_tags(call.body["Tags"], holder["Tags"]))
    return {}


def untag_resource(call: Call) -> dict[str, Any]:
    with call.store.changing() as state:
        check_instance(state, call.body)
        holder = _tagged(state, call.body["ResourceArn"])
        for key in call.body["TagKeys"]:
            holder["Tags"].pop(key, None)
    return {}


def list_tags(call: Call) -> dict[str, Any]:
    with call.store.reading() as state:
        check_instance(state, call.body)
        tags = [{"Key": k, "Value": v} for k, v in _tagged(state, call.body["ResourceArn"])["Tags"].items()]
        page, more = paginate(tags, call.body, default=50)
        return {"Tags": page, **more}


OPERATIONS: dict[str, Operation] = {
    "ListInstances": list_instances,
    "DescribeInstance": describe_instance,
    "ListRegions": list_regions,
    "DescribeRegion": describe_region,
    "CreatePermissionSet": create_permission_set,
    "DescribePermissionSet": describe_permission_set,
    "ListPermissionSets": list_permission_sets,
    "UpdatePermissionSet": update_permission_set,
    "DeletePermissionSet": delete_permission_set,
    "PutInlinePolicyToPermissionSet": put_inline_policy,
    "GetInlinePolicyForPermissionSet": get_inline_policy,
    "DeleteInlinePolicyFromPermissionSet": delete_inline_policy,
    "AttachManagedPolicyToPermissionSet": attach_managed_policy,
    "DetachManagedPolicyFromPermissionSet": detach_managed_policy,
    "ListManagedPoliciesInPermissionSet": list_managed_policies,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags,
    **account_assignments.OPERATIONS,
}
