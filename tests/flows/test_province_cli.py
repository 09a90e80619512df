"""`dondoc province list`: today's 34 provinces and the former ones, as text and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.agencies import provinces, reference
from tests.conftest import query_rows


def test_province_list_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("province", "list", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert all(list(row) == ["slug", "name", "current", "successor", "communes"] for row in rows)
    by_slug = {row["slug"]: row for row in rows}
    assert len(rows) == len(by_slug) == 63
    current = [row for row in rows if row["current"]]
    assert len(current) == 34 and sum(row["communes"] for row in current) == 3321
    assert all(row["successor"] is None and isinstance(row["communes"], int) for row in current)
    former = [row for row in rows if not row["current"]]
    assert all(by_slug[row["successor"]]["current"] and row["communes"] is None for row in former)
    assert by_slug["bac-giang"] == {"slug": "bac-giang", "name": "Bắc Giang", "current": False,
                                    "successor": "bac-ninh", "communes": None}
    assert by_slug["lang-son"] == {"slug": "lang-son", "name": "Lạng Sơn", "current": True, "successor": None,
                                   "communes": 65}
    assert by_slug["ho-chi-minh"]["communes"] == 168 and by_slug["ha-noi"]["communes"] == 126


def test_province_list_text() -> None:
    result = CliRunner().invoke(app, ["province", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 63
    assert any(line.split() == ["ben-tre", "Bến", "Tre", "former", "->", "vinh-long"] for line in lines)
    assert any(line.split() == ["khanh-hoa", "Khánh", "Hòa", "current", "65", "communes"] for line in lines)


def test_a_broken_data_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "provinces_2025.yaml"
    broken.write_text(reference.PROVINCES_FILE.read_text(encoding="utf-8").replace(
        "successor: vinh-long}", "successor: vinh-long-2}", 1), encoding="utf-8")
    monkeypatch.setattr(reference, "PROVINCES_FILE", broken)
    provinces._catalogue.cache_clear()
    try:
        result = CliRunner().invoke(app, ["province", "list", "--json"])
    finally:
        monkeypatch.undo()
        provinces._catalogue.cache_clear()
    assert result.exit_code == 2
    assert result.stdout == ""
    error = result.stderr.strip()
    assert "\n" not in error
    assert error.startswith(f"dondoc: error: {broken}, line ")
    assert "successor 'vinh-long-2' of 'ben-tre' is not a province that goes on" in error


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_province_set_up_in_production_has_no_placeholder_addresses_to_mail(
        env: str, db_url: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # production: an address under .example would be mail to a domain that cannot exist; the agencies
    # get none until the office gives the real ones (and the overview counts them as without address)
    monkeypatch.setenv("DONDOC_ENV", env)
    monkeypatch.setenv("DONDOC_SECRET_KEY", "k3Y-" * 12)
    assert run_cli("province", "add", "lang-son").code == 0
    agencies = run_cli("agencies", "--province", "lang-son", "--json").json()
    assert len(agencies) > 65
    addresses = {(a["email"], a.get("head_email")) for a in agencies}
    if env == "production":
        assert addresses == {("", "")}
        leadership = query_rows(db_url, "SELECT leadership_email FROM province_setup WHERE slug = 'lang-son'")
        assert leadership == [("",)]
    else:
        assert all(email.endswith("@langson.example") for email, _ in addresses)
