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
    import flows.cli_engine  # noqa: F401  (registers its commands)
    from flows.cli import app

    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert len(names) >= 8
    for name in names:
        name = name.rstrip("_")
        assert f"`dondoc {name}" in README, f"dondoc {name} is not documented in README.md"


def test_the_quick_start_is_the_two_make_commands() -> None:
    assert "make demo" in README and "make test" in README
