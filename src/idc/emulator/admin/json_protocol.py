"""The awsJson1_1 face of sso-admin and identitystore: ``POST /`` with ``X-Amz-Target``
``SWBExternalService.<Operation>`` (signed as service ``sso``) or ``AWSIdentityStore.<Operation>``
(signed as ``identitystore``), beside STS's query protocol on the same path.

Each call: SigV4 against the credentials the emulator issued, the scope's service and Region checked
(:mod:`idc.emulator.sigv4`); the body checked against botocore's model (:mod:`.validation`); the caller
authorized (:mod:`.authorization`); then the operation (:mod:`.sso_admin`, :mod:`.identitystore`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idc.emulator import sigv4
from idc.emulator.admin.errors import (
    SIGNING_ERRORS,
    SerializationException,
    UnknownOperationException,
)
from idc.emulator.admin.operations import Call, Operation

if TYPE_CHECKING:
    from idc.emulator.admin.store import AdminStore
    from idc.emulator.center import Center


@dataclass(frozen=True)
class Service:
    model: str  # botocore's service name
    signing_name: str
    action_prefix: str  # IAM's: sso:CreatePermissionSet


SERVICES = {
    "SWBExternalService": Service("sso-admin", "sso", "sso"),
    "AWSIdentityStore": Service("identitystore", "identitystore", "identitystore"),
}


def is_admin_target(target: str | None) -> bool:
    return bool(target) and str(target).split(".", 1)[0] in SERVICES


def handle(
    center: Center,
    store: AdminStore,
    target: str,
    *,
    method: str,
    url: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    regions: Sequence[str],
) -> dict[str, Any]:
    """Answer one call; a :class:`~idc.emulator.admin.errors.JsonError` for every failure."""
    from idc.emulator.admin import authorization, identitystore, sso_admin, validation

    prefix, _, operation = target.partition(".")
    service = SERVICES[prefix]
    try:
        caller = sigv4.verify(
            center,
            method,
            url,
            path,
            headers,
            body,
            service=service.signing_name,
            regions=regions,
            accept_assumed=True,
        )
    except sigv4.SigV4Error as failure:
        raise SIGNING_ERRORS[failure.kind](failure.message) from None
    operations: Mapping[str, Operation] = (
        sso_admin.OPERATIONS if service.model == "sso-admin" else identitystore.OPERATIONS
    )
    if operation not in operations:
        raise UnknownOperationException(f"Operation {operation[:64]} is not supported by this service.")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SerializationException("The request body must be a JSON object.")
    validation.validate(service.model, operation, data)
    with store.reading() as state:
        resource, target_account = _resource(state, service, data)
        authorization.authorize(
            state, caller, f"{service.action_prefix}:{operation}", resource, target_account=target_account
        )
    return operations[operation](Call(store, center, caller, data))


def _resource(state: Mapping[str, Any], service: Service, data: Mapping[str, Any]) -> tuple[str, str | None]:
    account = data.get("TargetId") or data.get("AccountId")
    if service.model == "identitystore":
        return (
            f"arn:aws:identitystore::{state['management_account']}:identitystore/{state['identity_store_id']}",
            None,
        )
    for key in ("PermissionSetArn", "ResourceArn", "InstanceArn"):
        if isinstance(data.get(key), str):
            return data[key], account if isinstance(account, str) else None
    return "*", account if isinstance(account, str) else None
