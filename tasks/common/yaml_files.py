"""Reading the YAML files the office edits (agency directory, escalation policy, schedules).

One reader, so that every broken file is reported the same way: one line naming the file, and
the line of a syntax error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_yaml(path: Path, *, error: type[Exception]) -> Any:
    """The parsed file; a missing, unreadable, non-UTF-8 or non-YAML file raises ``error`` with
    one line: "PATH: cannot read: ...", "PATH: not UTF-8 text", "PATH, line N: not valid YAML (...)"."""
    import yaml  # on first use: a sweep whose assignments all have their policy reads no file

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise error(f"{path}{line}: not valid YAML ({problem})") from None
