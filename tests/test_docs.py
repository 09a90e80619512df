"""The README documents every setting and every command (fails when one is missing)."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        env = field.validation_alias if isinstance(field.validation_alias, str) else f"DONDOC_{name.upper()}"
        assert f"`{env}`" in README, f"{env} is not documented in README.md"


def test_every_command_is_in_the_readme() -> None:
    from flows.cli import COMMANDS, PROVINCE_COMMANDS, TASK_COMMANDS, USER_COMMANDS, app

    names = [c.name for c in app.registered_commands]
    assert names == list(COMMANDS), "every command is registered, by name, in flows/cli/__init__.py"
    assert len(names) == 15
    groups = [g.name for g in app.registered_groups]
    assert groups == ["user", "province", "task"], "the sub-apps are registered there too"
    names += [f"user {name}" for name in USER_COMMANDS]
    names += [f"province {name}" for name in PROVINCE_COMMANDS]
    names += [f"task {name}" for name in TASK_COMMANDS]
    for name in names:
        assert f"`dondoc {name}" in README, f"dondoc {name} is not documented in README.md"


def test_the_command_line_answers_every_command() -> None:
    from typer.testing import CliRunner

    from flows.cli import COMMANDS, PROVINCE_COMMANDS, USER_COMMANDS, app

    for name in [*COMMANDS, "user", *(f"user {n}" for n in USER_COMMANDS), "province",
                 *(f"province {n}" for n in PROVINCE_COMMANDS), "task", "task add"]:
        result = CliRunner().invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_the_quick_start_is_the_two_make_commands() -> None:
    assert "make demo" in README and "make test" in README
