"""STS GetCallerIdentity with a role's credentials: the check ``idc whoami`` and the demo run.

The AWS CLI suggests ``aws sts get-caller-identity`` after ``configure sso``; this is the same call, made
with botocore from the library so that every caller (the CLI, the demo) gets the same errors.
"""

from __future__ import annotations

from typing import Any

from idc.errors import ServiceError
from idc.storage.role_cache import RoleCredentials

DEAD_CREDENTIALS = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"}
)
"""STS error codes saying the credentials themselves are no good (revoked, expired, unknown)."""


class CredentialsRefused(ServiceError):
    """STS refused the role credentials themselves (``code`` in :data:`DEAD_CREDENTIALS`)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"STS refused the role credentials ({code}).")
        self.code = code


def caller_identity(
    credentials: RoleCredentials, region: str, profile: str | None = None, verify: bool | str | None = None
) -> dict[str, str]:
    """STS GetCallerIdentity (awsquery ``Action=GetCallerIdentity``, SigV4) with ``credentials``.

    The client is botocore's, signed with the role credentials (a ClientFactory makes unsigned or
    default-credential clients, so this one is made here), honouring AWS_ENDPOINT_URL_STS; ``verify``
    as :mod:`idc.aws.tls` says.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from idc.aws.retry import call_with_retry
    from idc.aws.tls import unreachable

    client = _sts_client(credentials, region, profile=profile, verify=verify, attempts=1)
    try:
        response: dict[str, Any] = call_with_retry(client.get_caller_identity)
    except ClientError as error:
        from idc.errors import shell_word

        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in DEAD_CREDENTIALS:
            raise CredentialsRefused(code) from None
        command = f"idc whoami --profile {shell_word(profile)}" if profile else "idc whoami"
        raise ServiceError(
            f"STS refused GetCallerIdentity ({code or 'error'}).",
            hint=f"Run `{command} --debug` for details.",
        ) from None
    except BotoCoreError as error:
        raise unreachable(
            error,
            f"Could not reach STS in {region} ({type(error).__name__}).",
            hint="Check the network (and AWS_ENDPOINT_URL_STS if set) and try again.",
        ) from None
    return {"Account": response["Account"], "Arn": response["Arn"], "UserId": response["UserId"]}


class AssumeRoleRefused(ServiceError):
    """STS answered AssumeRole with an error: ``code`` and STS's own ``sts_message``."""

    def __init__(self, code: str, sts_message: str, *, hint: str | None = None) -> None:
        super().__init__(f"STS refused AssumeRole ({code}: {sts_message})", hint=hint)
        self.code = code
        self.sts_message = sts_message


def assume_role(
    credentials: RoleCredentials,
    region: str,
    arguments: dict[str, Any],
    *,
    profile: str | None = None,
    verify: bool | str | None = None,
) -> dict[str, Any]:
    """STS AssumeRole (botocore's sts client, signed with ``credentials``): the whole response.

    ``arguments`` are botocore's (``RoleArn``, ``RoleSessionName``, ``ExternalId``, ``SerialNumber``,
    ``TokenCode``, ``DurationSeconds``, ``Policy``, ``PolicyArns``). An error answer is
    :class:`AssumeRoleRefused` carrying STS's code and message.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from idc.aws.tls import unreachable

    client = _sts_client(credentials, region, profile=profile, verify=verify, attempts=2)
    try:
        response: dict[str, Any] = client.assume_role(**arguments)
    except ClientError as error:
        details = error.response.get("Error", {})
        raise AssumeRoleRefused(str(details.get("Code", "error")), str(details.get("Message", ""))) from None
    except BotoCoreError as error:
        raise unreachable(
            error,
            f"Could not reach STS in {region} for AssumeRole ({type(error).__name__}).",
            hint="Check the network (and AWS_ENDPOINT_URL_STS if set) and try again.",
        ) from None
    return response


def _sts_client(
    credentials: RoleCredentials,
    region: str,
    *,
    profile: str | None,
    verify: bool | str | None,
    attempts: int,
) -> Any:
    """botocore's sts client signed with ``credentials`` (a ClientFactory makes unsigned or
    default-credential clients, so this one is made here), its calls logged, ``attempts`` in all.

    With ``profile`` its [services] endpoints apply and a stray AWS_PROFILE does not; otherwise
    AWS_ENDPOINT_URL_STS is honoured as botocore does.
    """
    import botocore.session
    from botocore.config import Config

    from idc.aws.clients import log_calls

    session = botocore.session.get_session()
    if profile is not None:
        session.set_config_variable("profile", profile)
    client = session.create_client(
        "sts",
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}, user_agent_extra="idc"),
        verify=verify,
    )
    log_calls(client)
    return client
