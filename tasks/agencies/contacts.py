"""The office's agency directory as it keeps it in the browser: pure rules, no database.

* what an agency's form may hold (:func:`check_agency_form`): a name, a kind, the agency's and
  its head's e-mail (either may be empty: an agency without an address gets its tasks and its
  link page but no mail), aliases one a line; every problem in Vietnamese, by field;
* searching and sorting a directory the Vietnamese way (:func:`matches`, ``vi_sort_key``);
* the contact list as an Excel workbook (:func:`contact_workbook`, :func:`read_contact_workbook`)
  and what an uploaded one would change (:func:`plan_contacts`): new addresses, changed ones,
  names matched only when tones are ignored, invalid addresses and rows that name no agency.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tasks.agencies.directory import ADDRESS
from tasks.common.text import fold, nfc, plain_key, vi_sort_key

__all__ = ["KIND_LABELS", "AgencyForm", "ContactChange", "ContactPlan", "ContactRow", "ContactWorkbookError",
           "DirectoryAgency", "RowProblem", "address_problem", "check_agency_form", "contact_workbook",
           "matches", "plan_contacts", "read_contact_rows", "read_contact_workbook", "search_key"]

# the kinds an agency may have, as the office reads them (tasks/agencies/directory.py KINDS)
KIND_LABELS: dict[str, str] = {
    "department": "Sở, ban, ngành",
    "body": "Cơ quan, đơn vị khác",
    "mass_org": "Mặt trận, đoàn thể",
    "office": "Văn phòng điều phối",
    "commune": "UBND xã, phường, đặc khu",
    "district": "UBND cấp huyện (trước 01/07/2025)",
    "commune_group": "Nhóm xã",
}
MAX_NAME, MAX_ADDRESS, MAX_ALIASES, MAX_ALIAS = 300, 200, 30, 300
MAX_CONTACT_ROWS = 20_000  # a province has a few hundred agencies; far more is not a contact list


def address_problem(value: str, *, example_only: bool) -> str | None:
    """Why ``value`` cannot be an agency's e-mail address (Vietnamese), or None. Empty is allowed."""
    if not value:
        return None
    if len(value) > MAX_ADDRESS:
        return f"Địa chỉ thư điện tử quá dài (tối đa {MAX_ADDRESS} ký tự)."
    if not ADDRESS.fullmatch(value):
        return f"“{value}” không phải địa chỉ thư điện tử hợp lệ (dạng ten@coquan.gov.vn)."
    # outside production the directory names example mailboxes only (tasks/agencies/directory_schema.py):
    # a demo or a test run can never mail a real department
    if example_only and not value.lower().endswith(".example"):
        return (f"“{value}” không dùng được ngoài môi trường chính thức: chỉ nhận địa chỉ thử nghiệm "
                "(kết thúc bằng .example) khi DONDOC_ENV khác production.")
    return None


@dataclass(frozen=True)
class DirectoryAgency:
    """An agency of the directory as these rules see it (a database row, copied)."""

    id: int
    name: str
    aliases: tuple[str, ...]
    email: str
    head_email: str


@dataclass(frozen=True)
class AgencyForm:
    """The add/edit form, read and checked."""

    name: str
    kind: str
    email: str
    head_email: str
    aliases: tuple[str, ...]


def _address(raw: str) -> str:
    return nfc(raw).replace(" ", "")


def check_agency_form(*, name: str, kind: str, email: str, head_email: str, aliases: str,
                      others: Iterable[DirectoryAgency], example_only: bool) -> tuple[AgencyForm, dict[str, str]]:
    """The form's values cleaned (NFC, addresses without spaces, aliases one a line, repeats
    dropped) and its problems by field. ``others``: the province's other agencies in force, whose
    names and aliases a new name or alias may not repeat (compared with ``fold``: case, tone
    placement and punctuation ignored, "Đ" kept apart from "D")."""
    errors: dict[str, str] = {}
    clean_name = nfc(name)
    clean_email, clean_head = _address(email), _address(head_email)
    alias_list: list[str] = []
    seen = {fold(clean_name)}
    for line in aliases.splitlines():
        alias = nfc(line)
        if alias and fold(alias) not in seen:
            seen.add(fold(alias))
            alias_list.append(alias)
    form = AgencyForm(clean_name, kind, clean_email, clean_head, tuple(alias_list))
    if not clean_name:
        errors["name"] = "Cần nhập tên cơ quan."
    elif len(clean_name) > MAX_NAME:
        errors["name"] = f"Tên cơ quan quá dài (tối đa {MAX_NAME} ký tự)."
    if kind not in KIND_LABELS:
        errors["kind"] = "Cần chọn loại cơ quan trong danh sách."
    for key, value in (("email", clean_email), ("head_email", clean_head)):
        problem = address_problem(value, example_only=example_only)
        if problem:
            errors[key] = problem
    if len(alias_list) > MAX_ALIASES:
        errors["aliases"] = f"Nhiều nhất {MAX_ALIASES} tên gọi khác."
    elif any(len(a) > MAX_ALIAS for a in alias_list):
        errors["aliases"] = f"Mỗi tên gọi khác tối đa {MAX_ALIAS} ký tự."
    taken: dict[str, str] = {}
    for other in others:
        for phrase in (other.name, *other.aliases):
            taken.setdefault(fold(phrase), other.name)
    if clean_name and "name" not in errors and fold(clean_name) in taken:
        errors["name"] = f"Tên “{clean_name}” đã có trong danh mục: {taken[fold(clean_name)]}."
    clash = next((a for a in alias_list if fold(a) in taken), None)
    if clash is not None and "aliases" not in errors:
        errors["aliases"] = f"Tên gọi khác “{clash}” đã là tên của {taken[fold(clash)]}."
    return form, errors


def search_key(text: str) -> str:
    """The key the directory is searched by: lower case, tones and marks ignored ("đ" is "d")."""
    return " ".join(plain_key(text).split())


def matches(query: str, texts: Iterable[str]) -> bool:
    """Every word of ``query`` is found in one of ``texts``, tones ignored ("so noi vu" finds "Sở Nội vụ")."""
    words = search_key(query).split()
    if not words:
        return True
    hay = " | ".join(search_key(t) for t in texts)
    return all(w in hay for w in words)


# ---- the contact list as a workbook --------------------------------------------------------

HEADERS = ("Tên cơ quan", "Thư điện tử", "Thư điện tử của thủ trưởng")
# header wording of each column, folded without marks; a workbook made by hand may say it differently
_NAME = re.compile(r"^(ten )?(co quan|don vi)|^ten$")
_HEAD = re.compile(r"(thu truong|lanh dao|giam doc|chu tich|head)")
_MAIL = re.compile(r"(e ?mail|thu dien tu|hop thu|dia chi thu)")


class ContactWorkbookError(ValueError):
    """An uploaded contact list that cannot be used; the message is one line in Vietnamese."""


@dataclass(frozen=True)
class ContactRow:
    row: int  # as Excel numbers it
    name: str
    email: str
    head_email: str


def contact_workbook(agencies: Sequence[DirectoryAgency], *, province: str) -> bytes:
    """The directory's contact list: one row per agency, in Vietnamese order, as .xlsx bytes."""
    from tasks.common.xlsx_writer import Sheet, write_xlsx

    rows = [[a.name, a.email, a.head_email] for a in sorted(agencies, key=lambda a: vi_sort_key(a.name))]
    sheet = Sheet(title="Danh bạ", columns=[(HEADERS[0], 55.0), (HEADERS[1], 38.0), (HEADERS[2], 38.0)], rows=rows,
                  caption=f"Danh bạ thư điện tử các cơ quan, đơn vị – {province}")
    out = io.BytesIO()
    write_xlsx(out, [sheet], title=f"Danh bạ cơ quan – {province}")
    return out.getvalue()


def _header(cells: Sequence[str]) -> tuple[int, int, int | None] | None:
    """(name, e-mail, head's e-mail) column indexes when ``cells`` is the list's header row."""
    keys = [" ".join(re.sub(r"[^a-z0-9]+", " ", plain_key(c)).split()) for c in cells]
    name = next((i for i, k in enumerate(keys) if _NAME.search(k) and not _MAIL.search(k)), None)
    head = next((i for i, k in enumerate(keys) if _MAIL.search(k) and _HEAD.search(k)), None)
    mail = next((i for i, k in enumerate(keys) if _MAIL.search(k) and i != head), None)
    if name is None or mail is None:
        return None
    return name, mail, head


def read_contact_rows(tables: Sequence[Sequence[Sequence[str]]]) -> list[ContactRow]:
    """The rows of the first sheet with a header naming the agency and its e-mail.

    Raises :class:`ContactWorkbookError` when no sheet has such a header, or none has a row."""
    for rows in tables:
        for at, cells in enumerate(rows[:20]):  # the header is near the top (a caption may precede it)
            found = _header(cells)
            if found is None:
                continue
            name_col, mail_col, head_col = found
            out: list[ContactRow] = []
            for offset, cells_ in enumerate(rows[at + 1:], start=at + 2):
                def cell(i: int | None, cells_: Sequence[str] = cells_) -> str:
                    return nfc(cells_[i]) if i is not None and i < len(cells_) else ""

                name = cell(name_col)
                email, head = _address(cell(mail_col)), _address(cell(head_col))
                if not (name or email or head):
                    continue
                out.append(ContactRow(offset, name, email, head))
                if len(out) > MAX_CONTACT_ROWS:
                    raise ContactWorkbookError(f"Danh bạ có hơn {MAX_CONTACT_ROWS} dòng: không phải danh bạ cơ quan.")
            if not out:
                raise ContactWorkbookError("Danh bạ không có dòng nào dưới dòng tiêu đề.")
            return out
    raise ContactWorkbookError(f"Không tìm thấy dòng tiêu đề có cột “{HEADERS[0]}” và “{HEADERS[1]}” "
                               "(hãy dùng tệp tải về từ trang Danh mục cơ quan).")


def read_contact_workbook(path: Path, *, memory_mb: int | None = None) -> list[ContactRow]:
    """An uploaded .xlsx read within the importer's limits (a part past DONDOC_IMPORT_MAX_PART_MB
    or _ELEMENTS, a zip bomb, is refused unread: ``tasks/importing/readers/limits.py``) and, with
    ``memory_mb``, in a process of its own under that memory ceiling, as the web import reads a
    plan; any problem is one :class:`ContactWorkbookError`."""
    from tasks.importing.readers.base import PlanFileError
    from tasks.importing.readers.limits import read_with_memory_ceiling
    from tasks.importing.readers.xlsx import read_xlsx

    try:
        document = read_xlsx(path) if memory_mb is None else read_with_memory_ceiling(path, memory_mb=memory_mb)
    except PlanFileError as exc:
        raise ContactWorkbookError(f"Không đọc được tệp Excel (.xlsx) đã tải lên: {_vi(str(exc))}") from exc
    return read_contact_rows([t.rows for t in document.tables])


def _vi(message: str) -> str:
    """The reader's English reason, shortened to what helps the office."""
    if "not a zip archive" in message or "not a valid Excel" in message:
        return "tệp hỏng hoặc không phải tệp .xlsx."
    if "DONDOC_IMPORT_MAX_PART" in message:
        return "tệp bung ra quá lớn (tệp hỏng hoặc độc hại), không mở."
    return message


# ---- what an uploaded list changes ---------------------------------------------------------

@dataclass(frozen=True)
class ContactChange:
    row: int
    agency_id: int
    agency: str  # the directory's name
    written: str  # the name as the workbook writes it
    fuzzy: bool  # matched only with tones ignored (or through an alias)
    email: tuple[str, str] | None  # (old, new) when it changes
    head_email: tuple[str, str] | None

    @property
    def new_addresses(self) -> int:
        return sum(1 for c in (self.email, self.head_email) if c is not None and not c[0])


@dataclass(frozen=True)
class RowProblem:
    row: int
    name: str
    reason: str


@dataclass
class ContactPlan:
    changes: list[ContactChange] = field(default_factory=list)  # rows that change something
    unchanged: int = 0  # rows matched whose addresses are already those
    invalid: list[RowProblem] = field(default_factory=list)  # an address that cannot be used: row not applied
    unmatched: list[RowProblem] = field(default_factory=list)  # no agency, several, or one named twice

    @property
    def fuzzy(self) -> list[ContactChange]:
        return [c for c in self.changes if c.fuzzy]

    @property
    def added(self) -> list[ContactChange]:
        return [c for c in self.changes if c.new_addresses]

    @property
    def changed(self) -> list[ContactChange]:
        return [c for c in self.changes if any(x is not None and x[0] for x in (c.email, c.head_email))]


def plan_contacts(rows: Sequence[ContactRow], agencies: Sequence[DirectoryAgency], *,
                  example_only: bool) -> ContactPlan:
    """What ``rows`` would change in ``agencies`` (the province's agencies in force).

    A row names its agency by its exact name; failing that, by its name or one of its aliases
    with case and tones ignored (such a row is shown as matched loosely). An empty address cell
    keeps the address the directory has. A row with an address that cannot be used changes
    nothing; a row that names no agency, several, or one an earlier row already named, neither.
    """
    exact: dict[str, list[DirectoryAgency]] = {}
    loose: dict[str, list[DirectoryAgency]] = {}
    for a in agencies:
        exact.setdefault(nfc(a.name), []).append(a)
        for phrase in {search_key(p) for p in (a.name, *a.aliases)}:
            loose.setdefault(phrase, []).append(a)
    plan = ContactPlan()
    seen: dict[int, int] = {}  # agency id -> the row that named it
    for r in rows:
        if not r.name:
            plan.unmatched.append(RowProblem(r.row, r.name, "Dòng không có tên cơ quan."))
            continue
        found = exact.get(r.name, [])
        fuzzy = False
        if len(found) != 1:
            found = list({a.id: a for a in loose.get(search_key(r.name), [])}.values())
            fuzzy = True
        if not found:
            plan.unmatched.append(RowProblem(r.row, r.name, "Không có cơ quan nào tên như vậy trong danh mục."))
            continue
        if len(found) > 1:
            names = "; ".join(sorted((a.name for a in found), key=vi_sort_key))
            plan.unmatched.append(RowProblem(r.row, r.name, f"Tên này ứng với nhiều cơ quan: {names}."))
            continue
        agency = found[0]
        if agency.id in seen:
            plan.unmatched.append(RowProblem(r.row, r.name, f"{agency.name} đã có ở dòng {seen[agency.id]}."))
            continue
        seen[agency.id] = r.row
        problems = [p for p in (address_problem(r.email, example_only=example_only),
                                address_problem(r.head_email, example_only=example_only)) if p]
        if problems:
            plan.invalid.append(RowProblem(r.row, r.name, " ".join(problems)))
            continue
        email = (agency.email, r.email) if r.email and r.email != agency.email else None
        head = (agency.head_email, r.head_email) if r.head_email and r.head_email != agency.head_email else None
        if email is None and head is None:
            plan.unchanged += 1
            continue
        plan.changes.append(ContactChange(r.row, agency.id, agency.name, r.name, fuzzy, email, head))
    return plan
