"""What the YAML files the office edits share as pydantic models, and their errors as one line.

The models declare each file's shape (the fields, their types, what is required, no unknown
field); this module turns pydantic's :class:`~pydantic.ValidationError` into the one line a
clerk needs: what is wrong, where (the entry, and the line of the file when the YAML gives it).

Imported only by the modules that validate a file, and only when they do: pydantic is not
needed to import the domain modules.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from tasks.common.yaml_files import YamlLines

__all__ = ["Items", "Section", "Table", "Text", "error_line", "fail", "is_custom", "join", "label", "model_at", "pick",
           "problem", "where"]

K = TypeVar("K")
V = TypeVar("V")


class Section(BaseModel):
    """A mapping of a file: a field it does not know is an error, not silently ignored (a typo)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _empty_list(value: Any) -> Any:
    return [] if value is None else value


def _empty_mapping(value: Any) -> Any:
    return {} if value is None else value


# A key written with nothing after it (``groups:``, everything below it commented out) is an empty list or mapping.
Items = Annotated[list[V], BeforeValidator(_empty_list)]
Table = Annotated[dict[K, V], BeforeValidator(_empty_mapping)]
# Text is text: YAML's ``yes``, ``2020`` or ``3.5`` are refused, not turned into "True", "2020", "3.5".
Text = Annotated[str, StringConstraints(strict=True, min_length=1)]


def fail(message: str, *, at: Sequence[Any] = ()) -> NoReturn:
    """Refuse a value from a validator with ``message``, phrased to follow the value's name
    ("must not repeat a day: [7, 7]") or to stand alone ("'x@y' is not an e-mail address").

    ``at``: where below the validated value the fault lies (``("jobs", 2)`` from a whole-file
    check), so that the error names that entry's line.
    """
    # pydantic fills "{at}" in the message from the context; no file's message says "{at}"
    raise PydanticCustomError("dondoc", message, {"at": tuple(at)})


def pick(exc: ValidationError) -> ErrorDetails:
    """The error to report: the first, except that an unknown key goes before a missing one of
    the same mapping (``reminder: [7]`` is a typo of ``reminders``, not a missing ``reminders``)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "missing":
        for err in errors:
            if err["type"] == "extra_forbidden" and err["loc"][:-1] == first["loc"][:-1]:
                return err
    return first


def error_line(err: ErrorDetails, lines: YamlLines | None) -> int | None:
    """The line of the entry an error is about (a check's ``at`` followed), if the YAML gives it."""
    if not lines:
        return None
    return lines.line((*err["loc"], *err.get("ctx", {}).get("at", ())))


def where(source: str, line: int | None) -> str:
    """``"config/x.yaml, line 12"``, or just the source without a line."""
    return source if line is None else f"{source}, line {line}"


def is_custom(err: ErrorDetails) -> bool:
    """An error raised by :func:`fail`: its message is the whole story."""
    return err["type"] == "dondoc"


def label(loc: Sequence[Any]) -> str:
    """An entry's path as a clerk reads it: ``agencies[3].email``, ``leadership.name``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def join(what: str, text: str) -> str:
    """``what`` and a problem: "near_days must be at least 0", "levels[0]: missing after_days"."""
    if not what:
        return text
    return f"{what} {text}" if text.startswith("must ") else f"{what}: {text}"


def problem(err: ErrorDetails, root: type[BaseModel]) -> tuple[tuple[Any, ...], str]:
    """``(loc, text)``: the entry an error is about and what is wrong with it, without its name.

    A missing or unknown field is a problem of the mapping that holds it, so its ``loc`` is the
    mapping's; ``root`` (the file's model) gives the fields a mapping knows.
    """
    kind, loc, value, ctx = err["type"], tuple(err["loc"]), err.get("input"), err.get("ctx", {})
    if is_custom(err):
        return loc, err["msg"]
    if len(loc) >= 2 and loc[-1] == "[key]":  # a mapping's key is wrong, not its value
        known = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return loc[:-2], f"unknown key {value!r} (known: {known})" if known else f"key {value!r} must be text"
    if kind == "missing":
        return loc[:-1], f"missing field {loc[-1]!r}"
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        known = f" (known: {', '.join(model.model_fields)})" if model else ""
        return loc[:-1], f"unknown key {loc[-1]!r}{known}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = model_at(root, loc)
        required = [name for name, field in model.model_fields.items() if field.is_required()] if model else []
        missing = f" (missing field{'s' * (len(required) > 1)} {', '.join(map(repr, required))})" if required else ""
        return loc, f"must be a mapping, got {value!r}{missing}"
    if kind == "literal_error":
        name = loc[-1] if loc and isinstance(loc[-1], str) else "value"
        known = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return loc[:-1], f"unknown {name} {value!r} (known: {known})"
    texts = {
        "list_type": "must be a list",
        "string_type": "must be text",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "int_parsing": "must be a whole number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "string_too_short": "must not be empty",
    }
    if kind in texts:
        return loc, f"{texts[kind]}, got {value!r}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return loc, f"must hold at least {n} entr{'y' if n == 1 else 'ies'}"
    if kind == "greater_than_equal":
        return loc, f"must be at least {ctx.get('ge')}, got {value!r}"
    return loc, f"{err['msg'][:1].lower()}{err['msg'][1:]}, got {value!r}"  # pydantic's own words, one line


def model_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model of the mapping at ``loc`` below ``root``, or None (not a model, or unknown)."""
    tp: Any = root
    for part in loc:
        tp = _strip(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            tp = field.annotation if field is not None else None
        elif get_origin(tp) in (list, tuple) and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _strip(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _strip(tp: Any) -> Any:
    """``X`` of ``Annotated[X, ...]`` and of ``X | None``."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp
