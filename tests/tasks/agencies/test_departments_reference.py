"""departments.yaml is consistent: read as plain YAML, apart from the loader that also checks it.

The loader (tasks.agencies.reference) refuses a broken file; these checks say the same rules a
second way on the shipped data, so that a loosened loader does not let a broken file through, and
each rule is shown to catch the breakage it is for on a copy of the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.agencies.reference import DEPARTMENTS_FILE, ReferenceDataError, load_departments

ONE_DAY = dt.timedelta(days=1)


def _shipped() -> dict[str, Any]:
    data = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def problems(data: dict[str, Any]) -> list[str]:
    """Every break of the file's rules, one line each (empty: consistent)."""
    found: list[str] = []
    agencies: list[dict[str, Any]] = data["agencies"]
    by_code = {a["code"]: a for a in agencies}
    found += [f"code {code!r} is listed {n} times" for code, n in Counter(a["code"] for a in agencies).items() if n > 1]
    for a in agencies:
        code, start, end = a["code"], a.get("valid_from"), a.get("valid_to")
        for phrase in [a["name"], *a.get("aliases", [])]:
            if not unicodedata.is_normalized("NFC", phrase):
                found.append(f"{code}: {phrase!r} is not NFC")
        if start is not None and end is not None and end < start:
            found.append(f"{code}: valid_to {end} is before valid_from {start}")
        found += [f"{code}: source {s!r} is not defined" for s in a["sources"] if s not in data["sources"]]
        if a.get("successor") is None:
            continue
        nxt = by_code.get(a["successor"])
        if nxt is None:
            found.append(f"{code}: successor {a['successor']!r} is not a code")
            continue
        if end is None:
            found.append(f"{code}: successor without valid_to")
            continue
        day = end + ONE_DAY  # the successor carries the work on from the next day
        nxt_start, nxt_end = nxt.get("valid_from"), nxt.get("valid_to")
        if nxt_start is None or nxt_start > day or (nxt_end is not None and nxt_end < day):
            found.append(f"{code}: successor {nxt['code']!r} ({nxt_start} to {nxt_end}) is not in force on {day}")
    return found


def test_the_shipped_file_keeps_its_rules() -> None:
    assert problems(_shipped()) == []


def test_every_source_names_where_it_was_read_and_the_file_was_checked_after_the_reform() -> None:
    data = _shipped()
    # an address where it was read, or the plain word that none was found
    unnamed = [
        key for key, text in data["sources"].items() if "http" not in text and "Unconfirmed: no source" not in text
    ]
    assert unnamed == []
    assert data["checked"] >= dt.date(2025, 7, 1)
    used = {s for a in data["agencies"] for s in a["sources"]}
    assert set(data["sources"]) == used  # no source defined and never used


def _entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(a for a in data["agencies"] if a["code"] == code)


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(_shipped())
    if change == "unknown successor":
        _entry(data, "skhdt")["successor"] = "stcc"
    elif change == "successor not yet in force":
        _entry(data, "cucthue")["valid_to"] = dt.date(2025, 1, 31)  # Chi cục Thuế khu vực starts on 01/03
    elif change == "successor already gone":
        _entry(data, "chicucthuekv")["valid_to"] = dt.date(2025, 2, 27)
    elif change == "ends before it starts":
        _entry(data, "chicucthuekv")["valid_to"] = dt.date(2025, 2, 1)
    elif change == "undefined source":
        _entry(data, "snv")["sources"] = ["nd46"]
    elif change == "code twice":
        data["agencies"].append(copy.deepcopy(_entry(data, "stp")))
    elif change == "NFD name":
        _entry(data, "syt")["name"] = unicodedata.normalize("NFD", "Sở Y tế")
    elif change == "NFD alias":
        _entry(data, "snnmt")["aliases"].append(unicodedata.normalize("NFD", "Sở Nông nghiệp và MT"))
    return data


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("unknown successor", "successor 'stcc' is not a code"),
        (
            "successor not yet in force",
            "successor 'chicucthuekv' (2025-03-01 to 2025-06-30) is not in force on 2025-02-01",
        ),
        ("successor already gone", "successor 'chicucthuekv' (2025-03-01 to 2025-02-27) is not in force on 2025-03-01"),
        ("ends before it starts", "chicucthuekv: valid_to 2025-02-01 is before valid_from 2025-03-01"),
        ("undefined source", "snv: source 'nd46' is not defined"),
        ("code twice", "code 'stp' is listed 2 times"),
        ("NFD name", "syt: 'Sở Y tế' is not NFC"),
        ("NFD alias", "snnmt: 'Sở Nông nghiệp và MT' is not NFC"),
    ],
)
def test_each_rule_catches_its_breakage(change: str, said: str) -> None:
    found = problems(_broken(change))
    assert any(said in unicodedata.normalize("NFC", p) for p in found), found


def test_the_loader_refuses_a_name_not_in_nfc(tmp_path: Path) -> None:
    path = tmp_path / "departments.yaml"
    text = DEPARTMENTS_FILE.read_text(encoding="utf-8")
    assert text.count("name: Sở Y tế\n") == 1
    path.write_text(
        text.replace("name: Sở Y tế\n", "name: " + unicodedata.normalize("NFD", "Sở Y tế") + "\n"), encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError) as info:
        load_departments(path)
    message = str(info.value)
    assert message.startswith(f"{path}, line ") and "is not in NFC" in message and "\n" not in message
