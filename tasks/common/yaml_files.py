"""Reading the YAML files the office edits (agency directory, escalation policy, schedules).

One reader, so that every broken file is reported the same way: one line naming the file, and
the line of a syntax error. :func:`load_yaml_lines` also gives the line of every entry, so that
a value of the wrong shape can be reported with its line too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

EntryPath = tuple[Hashable, ...]


class YamlLines(dict[EntryPath, int]):
    """The 1-based line of each entry of a parsed YAML document, by its path of keys and list
    indices (``("levels", 1, "to")``): a mapping entry is on its key's line, a list item on the
    line where it starts. The document itself has no line."""

    def line(self, loc: Sequence[Any]) -> int | None:
        """The line of the deepest entry along ``loc``, or None.

        Parts of ``loc`` that are not in the document are skipped: a field that is missing is
        reported on its mapping's line, and a validator's own labels in the path do no harm.
        """
        path: EntryPath = ()
        found = None
        for part in loc:
            if isinstance(part, Hashable) and (*path, part) in self:
                path += (part,)
                found = self[path]
        return found

    def under(self, *prefix: Hashable) -> YamlLines:
        """The lines of the entries below ``prefix``, with paths relative to it."""
        n = len(prefix)
        return YamlLines({p[n:]: line for p, line in self.items() if len(p) > n and p[:n] == prefix})

    def without(self, keys: Iterable[Hashable]) -> YamlLines:
        """These lines less the top-level ``keys`` and everything below them."""
        drop = set(keys)
        return YamlLines({p: line for p, line in self.items() if p[0] not in drop})


def load_yaml(path: Path, *, error: type[Exception]) -> Any:
    """The parsed file; a missing, unreadable, non-UTF-8 or non-YAML file raises ``error`` with
    one line: "PATH: cannot read: ...", "PATH: not UTF-8 text", "PATH, line N: not valid YAML (...)"."""
    import yaml  # on first use: a sweep whose assignments all have their policy reads no file

    try:
        return yaml.load(_read(path, error), Loader=_loader_class())
    except yaml.YAMLError as exc:
        raise error(_syntax_error(path, exc)) from None


def load_yaml_lines(path: Path, *, error: type[Exception]) -> tuple[Any, YamlLines]:
    """:func:`load_yaml`, and the line of every entry of the document."""
    import yaml

    loader = _loader_class()(_read(path, error))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        lines = YamlLines()
        if node is not None:
            _collect_lines(loader, node, lines)
        return data, lines
    except yaml.YAMLError as exc:
        raise error(_syntax_error(path, exc)) from None
    finally:
        loader.dispose()


def _read(path: Path, error: type[Exception]) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None


def _loader_class() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _syntax_error(path: Path, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    line = f", line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"{path}{line}: not valid YAML ({problem})"


def _collect_lines(loader: Any, root: yaml.Node, lines: YamlLines) -> None:
    """Record the line of every entry below ``root``.

    A node reached again through an alias (``*name``) is not walked again: the walk stays as
    long as the text even when aliases nest (a "billion laughs" file). What an alias holds is
    reported on the alias's key's line, or (a list item) where its anchor (``&name``) is defined.
    """
    import yaml

    seen: set[int] = set()
    stack: list[tuple[yaml.Node, EntryPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, EntryPath]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = _key(loader, key_node)
                if key is not None:
                    lines[(*path, key)] = key_node.start_mark.line + 1  # a later duplicate key wins, as in the data
                    children.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                children.append((item, (*path, index)))
        stack.extend(reversed(children))  # in the order of the text: an anchor is walked where it is defined


def _key(loader: Any, node: yaml.Node) -> Hashable | None:
    """A mapping key as the data holds it (``2020`` an int, ``yes`` a bool), None for a key
    that is itself a list or mapping."""
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        key = loader.construct_object(node)
    except yaml.YAMLError:
        return None
    return key if isinstance(key, Hashable) else None
