"""The layout's rules, checked on the source (README, "Layout"): one folder per concern, the same
concern names in every layer, pure tasks/, and no import cycles. Each test names what broke it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("tasks", "models", "flows", "notifications", "config", "web")
# The concerns, one folder each wherever the concern has code in that layer. A new concern is
# named here on purpose (and in the README), not made up in one layer.
CONCERNS = {
    "common", "core", "importing", "agencies", "duties", "indicators", "escalation", "outbox", "reports",
    "progress", "listing", "overview", "auth", "planning",
}
# folders that are not concerns: the CLI's package, the transports and message rendering, the
# routers' package, readers, renderers, templates and migrations inside a concern
NOT_CONCERNS = {
    "flows/cli", "notifications/smtp", "notifications/messages", "web/routes", "tasks/importing/readers",
    "tasks/reports/render", "models/core/migrations",
}
# What each layer may import from the project (besides itself). tasks/ is pure domain logic.
ALLOWED = {
    "tasks": {"tasks", "config"},
    "models": {"models", "tasks", "config"},
    "notifications": {"notifications", "tasks", "config"},
    "config": {"config", "tasks"},
}
FORBIDDEN_IN_TASKS = {"sqlmodel", "sqlalchemy", "prefect", "fastapi", "starlette", "alembic", "smtplib"}


def _modules(layer: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((REPO / layer).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(REPO).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        yield ".".join(parts), path


def _imports(path: Path, *, top_level_only: bool) -> Iterator[str]:
    """Modules imported by a file: at module level only, or anywhere (inside functions too).
    Imports under ``if TYPE_CHECKING:`` do not run and are left out of the top-level set."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = list(tree.body) if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # "from pkg import submodule" imports the submodule
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_each_layer_is_made_of_concern_folders_not_loose_modules() -> None:
    loose = [str(p.relative_to(REPO)) for layer in ("tasks", "models") for p in (REPO / layer).glob("*.py")
             if p.name != "__init__.py"]
    assert loose == [], f"put these in their concern's folder: {loose}"


def test_every_folder_is_a_named_concern() -> None:
    unknown = []
    skipped = ("templates", "static", "fixtures", "agencies_data")
    for layer in (*LAYERS, "web/routes", "tests/tasks", "tests/models", "tests/flows", "tests/web"):
        for folder in sorted(p for p in (REPO / layer).iterdir() if p.is_dir()):
            rel = str(folder.relative_to(REPO))
            if folder.name.startswith(("_", ".")) or folder.name in skipped:
                continue
            if folder.name == "agencies" and layer == "config":
                continue  # the directory's YAML files
            if rel in NOT_CONCERNS or folder.name == "sample_plans":
                continue
            if folder.name not in CONCERNS:
                unknown.append(rel)
    assert unknown == [], f"not a concern named in tests/test_layout.py and the README: {unknown}"


def test_tasks_stay_pure_and_layers_import_only_downwards() -> None:
    wrong = []
    for layer, allowed in ALLOWED.items():
        for name, path in _modules(layer):
            for imported in _imports(path, top_level_only=False):
                top = imported.split(".")[0]
                if top in LAYERS and top not in allowed:
                    wrong.append(f"{name} imports {imported}")
                if layer == "tasks" and top in FORBIDDEN_IN_TASKS:
                    wrong.append(f"{name} imports {imported} (tasks/ needs no database, web or mail)")
    assert wrong == []


def test_no_module_level_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for layer in LAYERS:
        for name, path in _modules(layer):
            graph[name] = set(_imports(path, top_level_only=True))
    for name in graph:
        graph[name] = {m for m in graph[name] if m in graph and m != name}
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_readme_names_every_concern_and_folder() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):readme.index("## Data model")]
    missing = [c for c in sorted(CONCERNS) if f"`{c}" not in layout]
    missing += [layer for layer in (*LAYERS, "tests", "benchmarks") if f"`{layer}/`" not in layout]
    assert missing == [], f"README's Layout section does not name: {missing}"
