"""Input checks from botocore's own service models: required members, lengths, ranges, enums and the
patterns botocore leaves to the server (``botocore/data/sso-admin/*/service-2.json``,
``identitystore/*/service-2.json``), answered as AWS answers them::

    1 validation error detected: Value 'x y' at 'name' failed to satisfy constraint: Member must satisfy
    regular expression pattern: [\\w+=,.@-]+

The models' patterns are Java regular expressions; the only construct Python's :mod:`re` lacks, Unicode
categories such as ``\\p{L}``, is checked with :func:`unicodedata.category`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from idc.emulator.admin.errors import SerializationException, ValidationException

_CATEGORY_CLASS = re.compile(r"^\[((?:\\p\{[A-Z]\}|[^\]])*)\]([+*])$")


@functools.lru_cache(maxsize=4)
def service_model(name: str) -> Any:
    """botocore's model of ``name`` ("sso-admin", "identitystore")."""
    import botocore.loaders
    import botocore.model

    loader = botocore.loaders.Loader()
    return botocore.model.ServiceModel(loader.load_service_model(name, "service-2"), service_name=name)


@functools.lru_cache(maxsize=256)
def _matcher(pattern: str) -> Any:
    category = _CATEGORY_CLASS.match(pattern) if "\\p{" in pattern else None
    if category is not None:
        body, repeat = category.groups()
        cats = tuple(re.findall(r"\\p\{([A-Z])\}", body))
        literal = re.sub(r"\\p\{[A-Z]\}", "", body).encode().decode("unicode_escape")
        literal = literal.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")

        def matches(value: str) -> bool:
            if not value and repeat == "+":
                return False
            return all(ch in literal or unicodedata.category(ch)[0] in cats for ch in value)

        return matches
    try:
        compiled = re.compile(pattern, re.ASCII | re.DOTALL)
    except re.error:
        return lambda value: True
    return lambda value: compiled.fullmatch(value) is not None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shown(value: Any) -> str:
    return "null" if value is None else str(value)


def check(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    """Append to ``problems`` every way ``value`` breaks ``shape``."""
    if value is None:
        return
    kind = shape.type_name
    meta = shape.metadata
    prefix = f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: Member must"
    if kind == "structure" and meta.get("document"):
        return  # a document (UpdateUser's AttributeValue): any JSON value
    if kind == "structure":
        if not isinstance(value, dict):
            raise SerializationException(f"Expected an object at '{path or 'body'}'")
        for member in shape.required_members:
            if value.get(member) is None:
                where = f"{path}.{_camel(member)}" if path else _camel(member)
                problems.append(
                    f"Value null at '{where}' failed to satisfy constraint: Member must not be null"
                )
        for member, member_shape in shape.members.items():
            if member in value:
                check(
                    member_shape,
                    value[member],
                    f"{path}.{_camel(member)}" if path else _camel(member),
                    problems,
                )
        return
    if kind == "list":
        if not isinstance(value, list):
            raise SerializationException(f"Expected a list at '{path}'")
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{prefix} have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{prefix} have length less than or equal to {meta['max']}")
        for i, item in enumerate(value):
            check(shape.member, item, f"{path}.{i + 1}.member", problems)
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise SerializationException(f"Expected an object at '{path}'")
        return
    if kind == "string":
        if not isinstance(value, str):
            raise SerializationException(f"Expected a string at '{path}'")
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{prefix} have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{prefix} have length less than or equal to {meta['max']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{prefix} satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = meta.get("pattern")
        if pattern and not _matcher(pattern)(value):
            problems.append(f"{prefix} satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerializationException(f"Expected a number at '{path}'")
        if "min" in meta and value < meta["min"]:
            problems.append(f"{prefix} have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"{prefix} have value less than or equal to {meta['max']}")
        return
    if kind == "boolean" and not isinstance(value, bool):
        raise SerializationException(f"Expected a boolean at '{path}'")


def validate(service: str, operation: str, body: dict[str, Any]) -> None:
    """ValidationException naming every problem of ``body`` as ``operation``'s input."""
    model = service_model(service).operation_model(operation)
    if model.input_shape is None:
        return
    problems: list[str] = []
    check(model.input_shape, body, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(problems))
