"""Validation problems in plain words: what is wrong, and for an unknown key, what was meant.

pydantic's own messages ("Input should be a valid integer, unable to parse string as an
integer") are written for programmers; `describe_problem` turns each into a sentence a
user editing YAML can act on, and an unknown key gets the nearest known keys of its
mapping (`unknown key 'figures.containers.treshold'; did you mean 'threshold'?`).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

CLOSE_ENOUGH = 0.6  # difflib's ratio: 'treshold' ~ 'threshold', 'intervall' ~ 'interval'


def describe_problem(problem: Any, where: str, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """One pydantic error as a sentence: `where: what is wrong, what to write instead`."""
    kind = problem["type"]
    value = problem.get("input")
    context = problem.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"unknown key {where!r}" + _did_you_mean(model, loc)
    if kind == "missing":
        return f"{where}: required key is missing"
    plain = {
        "int_parsing": f"expected a whole number, got {value!r}",
        "int_type": f"expected a whole number, got {value!r}",
        "int_from_float": f"expected a whole number, got {value!r}",
        "bool_parsing": f"expected true or false, got {value!r}",
        "bool_type": f"expected true or false, got {value!r}",
        "string_type": f"expected text, got {_kind_of(value)}",
        "decimal_parsing": f"expected a number, got {value!r}",
        "float_parsing": f"expected a number, got {value!r}",
        "dict_type": f"expected a mapping of keys to values, got {_kind_of(value)}",
        "model_type": f"expected a mapping of keys to values, got {_kind_of(value)}",
        "model_attributes_type": f"expected a mapping of keys to values, got {_kind_of(value)}",
        "tuple_type": f"expected a list, got {_kind_of(value)}",
        "list_type": f"expected a list, got {_kind_of(value)}",
        "greater_than_equal": f"must be at least {context.get('ge')}, got {value!r}",
        "less_than_equal": f"must be at most {context.get('le')}, got {value!r}",
        "greater_than": f"must be more than {context.get('gt')}, got {value!r}",
        "literal_error": f"{value!r} is not one of {context.get('expected', '')}",
        "time_parsing": f"expected a time of day as HH:MM, got {value!r}",
    }
    if kind in plain:
        return f"{where}: {plain[kind]}"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _kind_of(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return repr(value)


def _did_you_mean(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    key = loc[-1] if loc else None
    if not isinstance(key, str):
        return ""
    known = known_keys(model, loc[:-1])
    close = difflib.get_close_matches(key, known, n=2, cutoff=CLOSE_ENOUGH)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    if known:
        return f"; known keys here: {', '.join(sorted(known))}"
    return ""


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the mapping at `loc` (a pydantic error location) may hold."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = _models_in(current)
    return sorted({f.alias or name for m in models for name, f in m.model_fields.items()})


def _step(annotation: Any, part: Any) -> Any:
    """The annotation one location step below `annotation`, or None."""
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            if isinstance(part, str):
                for name, field in candidate.model_fields.items():
                    if part in (name, field.alias):
                        return field.annotation
            continue
        origin, args = typing.get_origin(candidate), typing.get_args(candidate)
        if origin in (tuple, list) and isinstance(part, int) and args:
            return args[0]
        if origin is dict and len(args) == 2 and isinstance(part, str):
            return args[1]
    return None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    return [
        candidate
        for candidate in _unwrap(annotation)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel)
    ]
