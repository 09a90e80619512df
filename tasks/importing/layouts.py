"""The office's own column mapping for a task table whose header wording is not understood.

`dondoc import FILE --columns task=3,lead=4,coordinating=5,due=8` names the columns as the office
sees them (1-based). The mapping is remembered by the table's layout, its folded header cells
(tasks.importing.columns.layout_signature), in a small JSON file under DONDOC_DATA_DIR, so the
next plan of the same layout is read without the option. Every task read through such a mapping
is flagged "column mapped by hand" for review.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tasks.importing.columns import Columns
from tasks.importing.readers import PlanFileError

LAYOUTS_FILE = "column_layouts.json"

# the roles --columns names, and the spelling the office types for each
ROLES = ("task", "lead", "coordinating", "due", "code", "number")
_SPEC_RE = re.compile(r"^\s*([a-z_]+)\s*=\s*(\S*)\s*$")


class ColumnSpecError(ValueError):
    """A --columns value that cannot be read; the message is one line for the user."""


class ColumnMapping(BaseModel):
    """Column numbers, 1-based as the office sees them in Word or Excel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: int = Field(ge=1, le=200)
    lead: int = Field(ge=1, le=200)
    coordinating: int | None = Field(default=None, ge=1, le=200)
    due: int | None = Field(default=None, ge=1, le=200)
    code: int | None = Field(default=None, ge=1, le=200)
    number: int | None = Field(default=None, ge=1, le=200)

    @model_validator(mode="after")
    def _one_role_per_column(self) -> ColumnMapping:
        seen: dict[int, str] = {}
        for role in ROLES:
            column = getattr(self, role)
            if column is None:
                continue
            if column in seen:
                raise ValueError(f"column {column} is given twice ({seen[column]} and {role})")
            seen[column] = role
        return self

    @property
    def widest(self) -> int:
        return max(column for column in (getattr(self, role) for role in ROLES) if column is not None)

    def spec(self) -> str:
        """The --columns text that gives this mapping back."""
        return ",".join(f"{role}={getattr(self, role)}" for role in ROLES if getattr(self, role) is not None)

    def columns(self, width: int) -> Columns:
        """The table's columns (0-based) for a table of `width` columns."""

        def at(column: int | None) -> int | None:
            return None if column is None else column - 1

        return Columns(
            content=self.task - 1, lead=self.lead - 1, width=width, tt=at(self.number),
            coordinating=at(self.coordinating), deadline=at(self.due), code=at(self.code), mapped=True,
        )


def parse_columns(spec: str) -> ColumnMapping:
    """`task=3,lead=4,coordinating=5,due=8` (also code=, number=) as a mapping; ColumnSpecError
    (one line, naming what is wrong) otherwise."""
    values: dict[str, int] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        match = _SPEC_RE.match(part.lower())
        if match is None:
            raise ColumnSpecError(f"--columns: '{part.strip()}' is not ROLE=NUMBER (e.g. task=3,lead=4,due=8)")
        role, number = match.groups()
        if role not in ROLES:
            raise ColumnSpecError(f"--columns: unknown column '{role}'; expected {', '.join(ROLES)}")
        if not number.isdigit() or int(number) < 1:
            raise ColumnSpecError(f"--columns: {role}={number or '?'} is not a column number (1 is the first column)")
        if role in values:
            raise ColumnSpecError(f"--columns: {role} is given twice")
        values[role] = int(number)
    missing = [role for role in ("task", "lead") if role not in values]
    if missing:
        raise ColumnSpecError(f"--columns: {' and '.join(missing)} must be given (e.g. task=3,lead=4)")
    try:
        return ColumnMapping.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        detail = error["msg"].removeprefix("Value error, ")
        raise ColumnSpecError(f"--columns: {f'{where}: ' if where else ''}{detail}") from None


class _Layout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header: list[str]  # the folded header cells
    columns: ColumnMapping


class _LayoutFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    layouts: list[_Layout] = Field(default_factory=list)


class LayoutStore:
    """The column mappings the office chose, by table layout, in one JSON file.

    Read lazily (only a table whose wording is not understood asks) and validated: a damaged
    file is one clear line, never a silent guess."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: _LayoutFile | None = None

    def _load(self) -> _LayoutFile:
        if self._data is None:
            try:
                self._data = _LayoutFile.model_validate_json(self.path.read_bytes())
            except FileNotFoundError:
                self._data = _LayoutFile()
            except (OSError, ValidationError) as exc:
                reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
                raise PlanFileError(
                    f"the remembered column layouts in {self.path} cannot be read ({' '.join(reason.split())}); "
                    "fix or delete the file and give --columns again"
                ) from None
        return self._data

    def get(self, signature: tuple[str, ...]) -> ColumnMapping | None:
        header = list(signature)
        return next((layout.columns for layout in self._load().layouts if layout.header == header), None)

    def remember(self, signature: tuple[str, ...], mapping: ColumnMapping) -> None:
        """Keep `mapping` for tables of this layout (replacing an earlier one), written atomically."""
        data = self._load()
        header = list(signature)
        data.layouts = [layout for layout in data.layouts if layout.header != header]
        data.layouts.append(_Layout(header=header, columns=mapping))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data.model_dump(exclude_none=True), ensure_ascii=False, indent=2) + "\n"
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".layouts-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
