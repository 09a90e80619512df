"""The `dondoc` command line: every command is registered here, by name, in one place.

Each concern keeps its commands in a module of its own (``flows/cli/<concern>.py``) as plain
functions; nothing registers itself on import, so the list below is the whole command line (the
documentation test reads it). The modules import their heavy dependencies inside each command,
so every command starts fast.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import typer

from flows.cli import (
    admin,
    agencies,
    backup,
    duties,
    escalation,
    importing,
    listing,
    planning,
    progress,
    provinces,
    reports,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, help="dondoc: theo dõi, đôn đốc thực hiện kế hoạch.")
user_app = typer.Typer(no_args_is_help=True, help="Office staff accounts for the web application.")
province_app = typer.Typer(no_args_is_help=True, help="Vietnam's provinces before and after the 2025 reform.")
task_app = typer.Typer(no_args_is_help=True, help="Tasks made by hand (from a công văn or thông báo kết luận).")

COMMANDS = {
    "init": admin.init,
    "import": importing.import_,
    "tasks": listing.tasks,
    "agencies": agencies.agencies,
    "sweep": escalation.sweep,
    "update": progress.update,
    "outbox": escalation.outbox,
    "report": reports.report,
    "submit-report": reports.submit_report,
    "review": duties.review,
    "indicators": reports.indicators,
    "serve": admin.serve,
    "backup": backup.backup,
    "restore": backup.restore,
    "demo": admin.demo,
}
USER_COMMANDS = {"add": admin.user_add}
PROVINCE_COMMANDS: dict[str, Callable[..., None]] = {
    "list": provinces.list_, "add": provinces.add, "move-to-successors": provinces.move_to_successors,
}

for _name, _function in COMMANDS.items():
    app.command(_name)(_function)
for _name, _function in USER_COMMANDS.items():
    user_app.command(_name)(_function)
for _name, _function in PROVINCE_COMMANDS.items():
    province_app.command(_name)(_function)
TASK_COMMANDS: dict[str, Callable[..., None]] = {"add": planning.add}
for _name, _function in TASK_COMMANDS.items():
    task_app.command(_name)(_function)
app.add_typer(user_app, name="user")
app.add_typer(province_app, name="province")
app.add_typer(task_app, name="task")


def main() -> None:
    try:
        _check_settings()
        app()
    finally:
        _end_of_process()


def _check_settings() -> None:
    """A bad ``DONDOC_*`` value is one line naming the variable and exit 2, not a traceback."""
    from pydantic import ValidationError

    from config.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = f"DONDOC_{str(error['loc'][0]).upper()}" if error["loc"] else "DONDOC_*"
        message = str(error["msg"]).removeprefix("Value error, ")
        typer.echo(f"dondoc: error: {name}: {message}", err=True)
        raise SystemExit(2) from None


def _end_of_process() -> None:
    """Close the database connections, then let the interpreter end without the garbage
    collector's last passes. A command's objects (SQLAlchemy's and pydantic's structures among
    them) go with the process anyway; collecting them cost 0.2-0.3 s of every command, a sixth
    of a sweep. Only for the ``dondoc`` process itself: where the interpreter lives on, frozen
    objects would never be collected."""
    db_module = sys.modules.get("models.core.db")
    if db_module is not None:
        db_module.dispose_engines()
    gc.freeze()


if __name__ == "__main__":
    main()
