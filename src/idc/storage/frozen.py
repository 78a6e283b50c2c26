"""Frozen value objects for the credential hot path, without ``dataclasses``.

``import dataclasses`` pulls in ``inspect`` and costs about 8 ms, as much as starting the interpreter
(measured with ``python -X importtime``). The values the hot path builds (a resolved SSO profile, cached
role credentials) derive from ``FrozenValue`` instead: slots, keyword-or-positional ``__init__`` written
out in each class, equality and hashing by field, no assignment after construction, a ``replace()``
like ``dataclasses.replace``, and a ``repr`` that hides secret fields.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _V = TypeVar("_V", bound="FrozenValue")


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen value (same role as ``dataclasses.FrozenInstanceError``)."""


class FrozenValue:
    """Base of immutable values: subclasses list their fields in ``__slots__`` (in order)."""

    __slots__: tuple[str, ...] = ()
    #: fields whose values are secrets: shown as ``'***'`` by ``repr``.
    _secret_fields: frozenset[str] = frozenset()

    def _set_fields(self, **values: object) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._astuple()))

    def __repr__(self) -> str:
        parts = []
        for name in self.__slots__:
            value = getattr(self, name)
            shown = "'***'" if name in self._secret_fields and value is not None else repr(value)
            parts.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def replace(self: _V, **changes: Any) -> _V:
        """A copy with some fields changed (``dataclasses.replace``)."""
        values = self.asdict()
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return type(self)(**values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.asdict()))


def _rebuild(cls: type[_V], values: dict[str, Any]) -> _V:
    return cls(**values)
