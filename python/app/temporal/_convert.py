"""JSON conversion of request and result values: dataclasses, enums, paths and the plain
JSON types, in the snake_case field names other Temporal SDKs send and receive."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import json
import os
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, TypeVar, Union

from app.temporal.errors import PayloadError

T = TypeVar("T")


def plain(value: object) -> Any:
    """The JSON-ready form of a value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def to_json(value: object) -> bytes:
    """One JSON document for a value; a clear error when it is not JSON-able."""
    try:
        return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as e:
        raise PayloadError(f"cannot send a {type(value).__name__} as JSON: {e}") from e


def check_field_types(value: object) -> None:
    """For a dataclass value: raises PayloadError naming the first field whose value does not
    have its annotated type. A worker cannot decode such a request, so its workflow would
    never start; this says so before anything is sent."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    hints = typing.get_type_hints(type(value))
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        expected = hints.get(field.name, Any)
        if not _matches(item, expected):
            raise PayloadError(
                f"{type(value).__name__}.{field.name} must be {_type_name(expected)}, "
                f"not {type(item).__name__} ({item!r:.60})"
            )


def _matches(value: Any, type_: Any) -> bool:
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if type_ is Any or type_ is object:
        return True
    if origin is Union or (hasattr(types, "UnionType") and isinstance(type_, types.UnionType)):
        return any(_matches(value, a) for a in args)
    if type_ is type(None):
        return value is None
    if type_ is bool:
        return isinstance(value, bool)
    if type_ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_ is str:
        return isinstance(value, (str, os.PathLike))  # paths travel as text
    if origin in (list, Sequence, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        return not args or all(_matches(v, args[0]) for v in value)
    if origin in (dict, Mapping):
        return isinstance(value, Mapping)
    if isinstance(type_, type):
        return isinstance(value, type_)
    return True


def _type_name(type_: Any) -> str:
    if isinstance(type_, type):
        return type_.__name__
    return str(type_).replace("typing.", "")


def from_json(data: bytes, type_: Any = None) -> Any:
    """The value a JSON document holds, as `type_` when one is given (a dict when not)."""
    try:
        value = json.loads(data)
    except ValueError as e:
        raise PayloadError(f"the server sent a value that is not JSON: {e}") from e
    return decode(value, type_)


def decode(value: Any, type_: Any) -> Any:
    """`value` (plain JSON) as `type_`. Unknown fields are ignored, so results with newer
    fields still decode; a missing required field is an error naming it."""
    return _decoder(type_)(value)


Decoder = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


@functools.lru_cache(maxsize=512)
def _decoder(type_: Any) -> Decoder:
    """The function that decodes values of `type_`, worked out once per type: a search
    decodes many results of one class, and inspecting the type is most of the work."""
    if type_ is None or type_ is Any or type_ is object:
        return _same
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin is Union or (hasattr(types, "UnionType") and isinstance(type_, types.UnionType)):
        optional = type(None) in args
        others = [a for a in args if a is not type(None)]
        if len(others) != 1:
            return _same
        inner = _decoder(others[0])
        if inner is _same:
            return _same
        return lambda v: None if v is None and optional else inner(v)
    if dataclasses.is_dataclass(type_) and isinstance(type_, type):
        return _dataclass_decoder(type_)
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return type_
    if origin in (list, Sequence) and args:
        item = _decoder(args[0])
        return lambda v: [item(x) for x in v] if isinstance(v, list) else v
    if origin is tuple and args:
        item = _decoder(args[0])
        return lambda v: tuple(item(x) for x in v) if isinstance(v, list) else v
    if origin in (dict, Mapping) and len(args) == 2:
        item = _decoder(args[1])
        return lambda v: {k: item(x) for k, x in v.items()} if isinstance(v, dict) else v
    if type_ is float:
        return lambda v: float(v) if isinstance(v, int) else v
    return _same


def _dataclass_decoder(type_: type[T]) -> Callable[[Any], T]:
    # The fields' decoders are looked up on first use, so a class that holds itself works;
    # None stands for a field taken as it is.
    fields: Optional[tuple[tuple[str, Optional[Decoder], bool], ...]] = None

    def decode_instance(value: Any) -> T:
        nonlocal fields
        if not isinstance(value, dict):
            raise PayloadError(
                f"expected a JSON object for {type_.__name__}, got {type(value).__name__}"
            )
        if fields is None:
            fields = tuple(
                (name, None if _decoder(hint) is _same else _decoder(hint), required)
                for name, hint, required in _fields(type_)  # type: ignore[arg-type]
            )
        kwargs = {}
        for name, field, required in fields:
            if name in value:
                kwargs[name] = value[name] if field is None else field(value[name])
            elif required:
                raise PayloadError(f"{type_.__name__} needs field {name!r}, which the value lacks")
        return type_(**kwargs)

    return decode_instance


@functools.cache
def _fields(type_: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, required) of each field. Cached: resolving the annotations is the slow
    part of decoding, and a search decodes many results of one class."""
    hints = typing.get_type_hints(type_)
    return tuple(
        (
            f.name,
            hints.get(f.name),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(type_)
    )
