"""Who may call sso-admin and identitystore: authorized as AWS authorizes an Identity Center administrator.

The caller signs with role credentials the portal issued (``AWSReservedSSO_<PermissionSet>_...``). It may
administer the instance when its account is the organization's management account or a delegated
administrator ("Delegated administration", IAM Identity Center User Guide), and its permission set's
policies as provisioned (inline policy plus AWS managed policies), narrowed by any session policy, allow
the action ``sso:<Operation>`` / ``identitystore:<Operation>`` on the resource ("Actions, resources, and
condition keys for AWS IAM Identity Center", Service Authorization Reference). Everyone else gets
AccessDeniedException. A delegated administrator may not touch permission sets or assignments of the
management account.

Any other IAM principal of those accounts may administer too, as on AWS, when its own policies allow it:
an assumed-role session (STS AssumeRole, e.g. the last hop of a role chain) by its role's permission
policies (the directory's ``roles``) narrowed by the session policies given at AssumeRole
(``Policy``/``PolicyArns``; IAM User Guide, "Session policies"), and an IAM user by its policies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from idc.emulator.admin.errors import AccessDeniedException
from idc.emulator.iam.policy import Policy, PolicyError, Request, is_allowed, managed_policy, parse_policy
from idc.emulator.sigv4 import SignedCaller
from idc.emulator.sts.service import role_session_arn
from idc.emulator.sts.sessions import Caller


def _policies(definition: Mapping[str, Any]) -> list[Policy]:
    policies = []
    if definition.get("InlinePolicy"):
        # refused when it was put; one that no longer parses grants nothing
        with contextlib.suppress(PolicyError):
            policies.append(parse_policy(definition["InlinePolicy"]))
    for arn in definition.get("ManagedPolicies", ()):
        policy = managed_policy(arn)
        if policy is not None:
            policies.append(policy)
    return policies


def _session_policies(row: Mapping[str, Any]) -> Sequence[Policy] | None:
    """Session policies the credentials were issued with (a ``session_policy`` column), else None."""
    text = row.get("session_policy")
    if not text:
        return None
    try:
        documents = json.loads(text)
        items = documents if isinstance(documents, list) else [documents]
        return [parse_policy(d) for d in items]
    except (ValueError, PolicyError):
        return []


def authorize(
    state: Mapping[str, Any],
    caller: SignedCaller,
    action: str,
    resource: str,
    *,
    target_account: str | None = None,
) -> None:
    """AccessDeniedException unless ``caller`` may perform ``action`` on ``resource``."""
    if caller.assumed is not None:
        arn = caller.assumed.arn
    else:
        arn, _ = role_session_arn(caller.account_id, caller.role_name, caller.username)
    denied = AccessDeniedException(
        f"User: {arn} is not authorized to perform: {action} on resource: {resource}"
    )
    management = state["management_account"]
    delegated = caller.account_id in state.get("delegated_administrators", ())
    if caller.account_id != management and not delegated:
        raise denied
    if delegated and target_account == management:
        raise denied
    if caller.assumed is not None:
        _authorize_principal(caller.assumed, action, resource, denied)
        return
    definition = next(
        (
            s.get("provisioned")
            for s in state["permission_sets"].values()
            if s["Name"] == caller.role_name and caller.account_id in s.get("accounts", ())
        ),
        None,
    )
    if not definition:
        raise denied
    # The provisioned role: arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com[/<region>]/<role>,
    # the Region segment absent for us-east-1 instances.
    role = arn.split("/")[1]
    region_path = "" if caller.region == "us-east-1" else f"{caller.region}/"
    role_arn = f"arn:aws:iam::{caller.account_id}:role/aws-reserved/sso.amazonaws.com/{region_path}{role}"
    request = Request(
        action=action,
        resource=resource,
        principal=role_arn,
        context={"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": caller.account_id},
    )
    if not is_allowed(_policies(definition), request, session=_session_policies(caller.row)):
        raise denied


def _authorize_principal(
    principal: Caller, action: str, resource: str, denied: AccessDeniedException
) -> None:
    """An IAM principal other than a permission set's role (an assumed-role session, an IAM user): its
    identity policies (the directory's ``roles``/``iam_users``), narrowed by its session policies."""
    request = Request(
        action=action,
        resource=resource,
        principal=principal.principal_arn,
        context={"aws:PrincipalArn": principal.principal_arn, "aws:PrincipalAccount": principal.account},
    )
    if not is_allowed(principal.identity_policies, request, session=principal.session_policies):
        raise denied
