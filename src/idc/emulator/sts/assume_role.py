"""STS ``AssumeRole`` (awsquery ``Action=AssumeRole``) for the roles in the emulator's directory.

What STS checks, in its order and with its messages (STS API Reference, "AssumeRole"; IAM User Guide,
"Role chaining" and "Session policies"):

1. the parameters: ``RoleSessionName`` ``[\\w+=,.@-]{2,64}``, ``DurationSeconds`` 900-43200,
   ``ExternalId`` ``[\\w+=,.@:/-]{2,1224}``, ``SerialNumber``/``TokenCode`` (six digits), ``Policy``
   (valid JSON policy, at most 2,048 characters) and at most 10 ``PolicyArns``;
2. who may assume the role: its trust policy must allow ``sts:AssumeRole`` to the caller's role
   (``aws:PrincipalArn``, ``sts:ExternalId``, ``sts:RoleSessionName``, ``aws:MultiFactorAuthPresent`` in
   the context), and the caller's own permissions, narrowed by its session policies, must allow it too:
   a session policy that denies ``sts:AssumeRole`` stops the next hop. A role that does not exist is the
   same ``AccessDenied``, as STS never says which roles exist;
3. the duration: a caller holding role credentials (portal or AssumeRole) is role chaining and may not
   ask for more than an hour; an IAM user's long-term keys may ask for up to 12 hours; neither for
   more than the role's ``MaxSessionDuration``.

The new session's ``Policy``/``PolicyArns`` are kept with it and enforced on every later decision.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from idc.emulator.service_errors import (
    MalformedPolicyDocument,
    PackedPolicyTooLarge,
    StsAccessDenied,
    StsValidationError,
)
from idc.emulator.state_store import digest
from idc.emulator.sts.sessions import Caller, save_session

if TYPE_CHECKING:
    from idc.emulator.center import Center
    from idc.emulator.directory_roles import Role

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
CHAINING_LIMIT_S = 3600
_SESSION_NAME = re.compile(r"^[\w+=,.@-]*$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]*$")
_TOKEN_CODE = re.compile(r"^\d{6}$")
MAX_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10


def _invalid(value: str, member: str, constraint: str) -> StsValidationError:
    return StsValidationError(
        f"1 validation error detected: Value '{value[:128]}' at '{member}' failed to satisfy constraint: "
        f"{constraint}"
    )


def _one(form: Mapping[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _policy_arns(form: Mapping[str, list[str]]) -> list[str]:
    arns: list[str] = []
    n = 1
    while True:
        arn = _one(form, f"PolicyArns.member.{n}.arn")
        if arn is None:
            return arns
        arns.append(arn)
        n += 1


def assume_role(center: Center, caller: Caller, source_key: str, form: Mapping[str, list[str]]) -> str:
    """Answer ``AssumeRole`` for ``caller`` (signed with ``source_key``): the response XML."""
    from idc.emulator.iam.policy import PolicyError, Request, decide, is_allowed, managed_policy, parse_policy

    role_arn = _one(form, "RoleArn") or ""
    session_name = _one(form, "RoleSessionName") or ""
    if not role_arn:
        raise _invalid(role_arn, "roleArn", "Member must not be null")
    if len(role_arn) < 20:
        raise _invalid(role_arn, "roleArn", "Member must have length greater than or equal to 20")
    if not 2 <= len(session_name) <= 64 or not _SESSION_NAME.match(session_name):
        raise _invalid(
            session_name,
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length from 2 to 64",
        )
    duration_text = _one(form, "DurationSeconds")
    duration = 3600
    if duration_text is not None:
        try:
            duration = int(duration_text)
        except ValueError:
            raise _invalid(duration_text, "durationSeconds", "Member must be a number") from None
        if duration < 900:
            raise _invalid(
                duration_text, "durationSeconds", "Member must have value greater than or equal to 900"
            )
        if duration > 43200:
            raise _invalid(
                duration_text, "durationSeconds", "Member must have value less than or equal to 43200"
            )
    external_id = _one(form, "ExternalId")
    if external_id is not None and (not 2 <= len(external_id) <= 1224 or not _EXTERNAL_ID.match(external_id)):
        raise _invalid(
            external_id, "externalId", "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"
        )
    serial, code = _one(form, "SerialNumber"), _one(form, "TokenCode")
    if code is not None and not _TOKEN_CODE.match(code):
        raise _invalid("***", "tokenCode", "Member must satisfy regular expression pattern: [\\d]*")
    if serial is not None and code is None:
        raise StsAccessDenied(
            "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
        )

    session_texts: list[str] | None = None
    inline = _one(form, "Policy")
    arns = _policy_arns(form)
    if inline is not None or arns:
        session_texts = []
        if len(arns) > MAX_POLICY_ARNS:
            raise _invalid(
                str(len(arns)),
                "policyArns",
                f"Member must have length less than or equal to {MAX_POLICY_ARNS}",
            )
        if inline is not None:
            if len(inline) > MAX_POLICY_CHARS:
                raise _invalid(
                    "...", "policy", f"Member must have length less than or equal to {MAX_POLICY_CHARS}"
                )
            try:
                session_texts.append(parse_policy(inline).text)
            except PolicyError as error:
                raise MalformedPolicyDocument(str(error)) from None
        for arn in arns:
            known = managed_policy(arn)
            if known is None:
                raise StsValidationError(f"Policy {arn} does not exist or is not attachable.")
            session_texts.append(known.text)
        packed = sum(len(text) for text in session_texts[: 1 if inline is not None else 0]) + sum(
            len(arn) for arn in arns
        )
        if packed > MAX_POLICY_CHARS:
            raise PackedPolicyTooLarge(
                f"Packed policy consumes {packed * 100 // MAX_POLICY_CHARS}% of allotted space, please use"
                " smaller policy for this session."
            )

    role = next((r for r in center.directory.roles if r.arn == role_arn), None)
    denied = StsAccessDenied(
        f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )
    if role is None:
        raise denied
    context: dict[str, str] = {
        "aws:PrincipalArn": caller.principal_arn,
        "aws:PrincipalAccount": caller.account,
        "aws:userid": caller.user_id,
        "sts:RoleSessionName": session_name,
        "aws:MultiFactorAuthPresent": "true" if code is not None else "false",
    }
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    request = Request(
        action="sts:AssumeRole", resource=role.arn, principal=caller.principal_arn, context=context
    )
    trust = parse_policy(role.trust_policy)
    if decide([trust], request) != "allow":
        raise denied
    if not is_allowed(caller.identity_policies, request, session=caller.session_policies):
        raise denied
    if duration > CHAINING_LIMIT_S and not caller.is_iam_user:
        raise StsValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role"
            " chaining."
        )
    if duration > role.max_session_duration:
        raise StsValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    return _issue(center, role, session_name, duration, session_texts, source_key)


def _issue(
    center: Center,
    role: Role,
    session_name: str,
    duration: int,
    session_texts: list[str] | None,
    source_key: str,
) -> str:
    import time
    from xml.sax.saxutils import escape

    expires_at = center.now() + duration
    access_key_id = "ASIA" + base64.b32encode(secrets.token_bytes(10)).decode()
    secret_access_key = base64.b64encode(secrets.token_bytes(30)).decode()
    session_token = "IQoJb3JpZ2luX2Vj" + secrets.token_urlsafe(300)
    save_session(
        center,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token_hash=digest(session_token),
        role_arn=role.arn,
        session_name=session_name,
        session_policies=session_texts,
        source_access_key_id=source_key,
        expires_at=expires_at,
    )
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))
    assumed_arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"
    packed = ""
    if session_texts is not None:
        percent = min(100, max(1, sum(map(len, session_texts)) * 100 // MAX_POLICY_CHARS))
        packed = f"    <PackedPolicySize>{percent}</PackedPolicySize>\n"
    return (
        f'<AssumeRoleResponse xmlns="{STS_NAMESPACE}">\n'
        "  <AssumeRoleResult>\n"
        "    <AssumedRoleUser>\n"
        f"      <Arn>{escape(assumed_arn)}</Arn>\n"
        f"      <AssumedRoleId>{escape(role.role_id)}:{escape(session_name)}</AssumedRoleId>\n"
        "    </AssumedRoleUser>\n"
        "    <Credentials>\n"
        f"      <AccessKeyId>{access_key_id}</AccessKeyId>\n"
        f"      <SecretAccessKey>{secret_access_key}</SecretAccessKey>\n"
        f"      <SessionToken>{session_token}</SessionToken>\n"
        f"      <Expiration>{expiration}</Expiration>\n"
        "    </Credentials>\n"
        f"{packed}"
        "  </AssumeRoleResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{uuid.uuid4()}</RequestId>\n  </ResponseMetadata>\n"
        "</AssumeRoleResponse>\n"
    )
