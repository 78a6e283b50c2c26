"""Reading fields of a JSON request body the way the real services validate them.

A missing required field or a field of the wrong type is an ``InvalidRequestException`` (sso-oidc and
the portal both model it), with a message naming the field and never echoing its value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from idc.emulator.service_errors import InvalidRequest, ServiceException

MAX_FIELD_LENGTH = 8192


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object (an empty body is ``{}``); ValueError for anything else.

    Refused as not JSON: invalid UTF-8, NaN/Infinity (Python's extensions), nesting too deep for the
    parser, and lone surrogates (``"\\ud800"``), which no UTF-8 text can hold and which would fail later
    when stored or echoed.
    """
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_no_constant)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise ValueError("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("The request body must be a JSON object")
    return data


def text(
    body: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    error: type[ServiceException] = InvalidRequest,
) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise error(f"Missing required parameter: {name}")
        return None
    if not isinstance(value, str):
        raise error(f"Invalid type for parameter {name}: expected a string")
    if not value and required:
        raise error(f"Missing required parameter: {name}")
    if len(value) > MAX_FIELD_LENGTH:
        raise error(f"Parameter {name} is too long")
    return value


def required_text(
    body: Mapping[str, Any], name: str, *, error: type[ServiceException] = InvalidRequest
) -> str:
    value = text(body, name, required=True, error=error)
    assert value is not None
    return value


def text_list(body: Mapping[str, Any], name: str, *, limit: int = 50) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"Invalid type for parameter {name}: expected a list of strings")
    if len(value) > limit or any(len(v) > MAX_FIELD_LENGTH for v in value):
        raise InvalidRequest(f"Parameter {name} has too many or too long entries")
    return list(value)
