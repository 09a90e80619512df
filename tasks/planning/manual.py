"""A task the office enters by hand, from a công văn or a meeting's thông báo kết luận.

The office types what the document says: its number (số/ký hiệu) and date, the task's content,
the lead and coordinating agencies (chosen from the province's directory) and the deadline,
either a date or the wording a plan's task table uses ("Trước 30/6/2026", "Quý II/2026", "60
ngày kể từ ngày ban hành", "Thường xuyên"), read by the importer's own
:func:`tasks.importing.deadlines.parse_deadline`, counted from the document's date.

Everything here is pure: the caller passes the directory's agencies as :class:`AgencyChoice`
values and gets back either the checked input or a :class:`ManualTaskError` holding one message
per field (the form shows each beside its field and keeps what was typed).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tasks.common.dates import fmt_date
from tasks.common.text import fold, nfc, plain_key
from tasks.importing.deadlines import Deadline, parse_deadline, read_date

# the kinds of source document a task is entered from (stored in the plan's source_name)
DOC_KINDS = {"cong_van": "Công văn", "thong_bao": "Thông báo kết luận", "ke_hoach": "Kế hoạch",
             "quyet_dinh": "Quyết định", "chi_thi": "Chỉ thị"}
MAX_CODE = 80  # plan.code
MAX_CONTENT = 4000
MAX_TITLE = 1000
MAX_REASON = 2000
# the deadline kinds a person may give: a date, or a standing duty ("Thường xuyên"); the
# importer keeps a cell it cannot read, a person is asked again
ACCEPTED_KINDS = ("date", "standing")
_NUMBER_PREFIX = re.compile(r"^(?:số|so)\s*[:.]?\s*", re.IGNORECASE)


class ManualTaskError(ValueError):
    """Bad input: ``errors`` maps a form field to its message (Vietnamese, shown as is)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class AgencyChoice:
    """One agency of the directory the office may choose."""

    id: int
    name: str
    key: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceDocument:
    code: str
    issued_on: date
    kind: str = "cong_van"
    title: str | None = None

    @property
    def label(self) -> str:
        """"Công văn số 123/UBND-KTN ngày 05/03/2026"."""
        return f"{DOC_KINDS.get(self.kind, 'Văn bản')} số {self.code} ngày {fmt_date(self.issued_on)}"


@dataclass(frozen=True)
class TaskText:
    """What a task says and when it is due, as checked."""

    content: str
    deadline: Deadline


@dataclass(frozen=True)
class ManualTask:
    document: SourceDocument
    text: TaskText
    lead: tuple[AgencyChoice, ...]
    coordinating: tuple[AgencyChoice, ...] = field(default_factory=tuple)


def choice_labels(choices: Iterable[AgencyChoice]) -> dict[int, str]:
    """What the form shows (and reads back) for each agency: its name, or, where two agencies of
    the directory share a name, the name with the agency's key."""
    rows = list(choices)
    seen: dict[str, int] = {}
    for c in rows:
        seen[fold(c.name)] = seen.get(fold(c.name), 0) + 1
    return {c.id: c.name if seen[fold(c.name)] == 1 else f"{c.name} ({c.key})" for c in rows}


class AgencyMatcher:
    """Finds the agency a person chose or typed: its label, name, key or one of its aliases,
    compared without case and punctuation (then without diacritics). A word that names more than
    one agency names none."""

    def __init__(self, choices: Sequence[AgencyChoice]) -> None:
        self.choices = {c.id: c for c in choices}
        self.labels = choice_labels(choices)
        self._exact: dict[str, set[int]] = {}
        self._plain: dict[str, set[int]] = {}
        for c in choices:
            for word in (self.labels[c.id], c.name, c.key, *c.aliases):
                if word:
                    self._exact.setdefault(fold(word), set()).add(c.id)
                    self._plain.setdefault(plain_key(fold(word)), set()).add(c.id)

    def find(self, typed: str) -> AgencyChoice | None:
        text = nfc(typed)
        if not text:
            return None
        for index, key in ((self._exact, fold(text)), (self._plain, plain_key(fold(text)))):
            ids = index.get(key, set())
            if len(ids) == 1:
                return self.choices[next(iter(ids))]
            if ids:
                return None
        return None

    def read(self, typed: Sequence[str], *, what: str) -> tuple[list[AgencyChoice], str | None]:
        """The agencies of the non-blank entries, each once, in the order typed; and the message
        for the entries that name no agency (``None`` when every one does)."""
        found: list[AgencyChoice] = []
        unknown: list[str] = []
        for raw in typed:
            text = nfc(raw or "")
            if not text:
                continue
            choice = self.find(text)
            if choice is None:
                unknown.append(text[:80])
            elif choice not in found:
                found.append(choice)
        if unknown:
            names = ", ".join(f"“{u}”" for u in unknown)
            return found, (f"{what}: không tìm thấy {names} trong danh mục cơ quan; chọn tên trong danh sách "
                           "gợi ý khi gõ.")
        return found, None


def read_document(*, code: str, issued_on: str, kind: str = "cong_van", title: str | None = None,
                  today: date) -> tuple[SourceDocument | None, dict[str, str]]:
    """The source document's number, date, kind and title (trích yếu), or the errors by field."""
    errors: dict[str, str] = {}
    number = _NUMBER_PREFIX.sub("", nfc(code or ""))
    if not number:
        errors["doc_code"] = "Vui lòng nhập số, ký hiệu của văn bản (ví dụ 123/UBND-KTN)."
    elif len(number) > MAX_CODE:
        errors["doc_code"] = f"Số, ký hiệu văn bản quá dài (tối đa {MAX_CODE} ký tự)."
    day: date | None = None
    if not (issued_on or "").strip():
        errors["doc_date"] = "Vui lòng nhập ngày ban hành văn bản (dd/mm/yyyy)."
    else:
        try:
            day = read_date(issued_on)
        except ValueError:
            errors["doc_date"] = (f"Ngày ban hành “{issued_on.strip()[:40]}” không phải là ngày hợp lệ; nhập theo "
                                  "dạng dd/mm/yyyy.")
        else:
            if day > today:
                errors["doc_date"] = f"Ngày ban hành {fmt_date(day)} chưa tới (hôm nay là {fmt_date(today)})."
    if kind not in DOC_KINDS:
        errors["doc_kind"] = "Vui lòng chọn loại văn bản."
    text = nfc(title or "") or None
    if text is not None and len(text) > MAX_TITLE:
        errors["doc_title"] = f"Trích yếu quá dài (tối đa {MAX_TITLE} ký tự)."
    if errors or day is None:
        return None, errors
    return SourceDocument(code=number, issued_on=day, kind=kind, title=text), {}


def read_deadline(raw: str, *, issued_on: date | None) -> Deadline:
    """The deadline a person typed: a date (dd/mm/yyyy, or YYYY-MM-DD from a date picker) or the
    wording of a plan's table, read from the document's date. Raises :class:`ValueError` with the
    message for the form when it gives neither a due date nor a standing duty."""
    text = nfc(raw or "")
    if not text:
        raise ValueError("Vui lòng nhập thời hạn: một ngày (dd/mm/yyyy) hoặc cách ghi như “Quý II/2026”, "
                         "“Thường xuyên”.")
    with contextlib.suppress(ValueError):
        text = fmt_date(read_date(text))  # a bare date, shown as every page shows dates
    deadline = parse_deadline(text, plan_year=issued_on.year if issued_on else None, issued_on=issued_on)
    if deadline.kind not in ACCEPTED_KINDS:
        why = f" ({deadline.note})" if deadline.note else ""
        raise ValueError(f"Không đọc được thời hạn “{text[:80]}”{why}; nhập một ngày (dd/mm/yyyy) hoặc cách ghi "
                         "như “Trước 30/6/2026”, “Quý II/2026”, “60 ngày kể từ ngày ban hành”, “Thường xuyên”.")
    if deadline.due_date is not None and issued_on is not None and deadline.due_date < issued_on:
        raise ValueError(f"Thời hạn {fmt_date(deadline.due_date)} trước ngày ban hành văn bản "
                         f"({fmt_date(issued_on)}).")
    return deadline


def read_task_text(*, content: str, deadline: str, issued_on: date | None,
                   current: tuple[str, Deadline] | None = None) -> tuple[TaskText | None, dict[str, str]]:
    """The task's content and deadline. ``current``: the stored (content, deadline); a deadline
    typed exactly as it is stored is kept as it is (an imported task's wording that today's
    reading would not take, or whose date an extension moved, is not read again)."""
    errors: dict[str, str] = {}
    text = nfc(content or "")
    if not text:
        errors["content"] = "Vui lòng nhập nội dung nhiệm vụ."
    elif len(text) > MAX_CONTENT:
        errors["content"] = f"Nội dung nhiệm vụ quá dài (tối đa {MAX_CONTENT} ký tự)."
    read: Deadline | None = None
    if current is not None and nfc(deadline or "") == current[1].text:
        read = current[1]
    else:
        try:
            read = read_deadline(deadline, issued_on=issued_on)
        except ValueError as exc:
            errors["deadline"] = str(exc)
    if errors or read is None:
        return None, errors
    return TaskText(content=text, deadline=read), {}


def read_agencies(*, lead: Sequence[str], coordinating: Sequence[str], matcher: AgencyMatcher,
                  lead_required: bool = True) -> tuple[list[AgencyChoice], list[AgencyChoice], dict[str, str]]:
    """The lead and coordinating agencies chosen; an agency named in both roles leads (as at
    import), so it is dropped from the coordinating ones."""
    errors: dict[str, str] = {}
    leads, problem = matcher.read(lead, what="Cơ quan chủ trì")
    if problem:
        errors["lead"] = problem
    elif lead_required and not leads:
        errors["lead"] = "Vui lòng chọn cơ quan chủ trì."
    others, problem = matcher.read(coordinating, what="Cơ quan phối hợp")
    if problem:
        errors["coordinating"] = problem
    return leads, [c for c in others if c not in leads], errors


def read_manual_task(*, doc_code: str, doc_date: str, doc_kind: str, doc_title: str | None, content: str,
                     deadline: str, lead: Sequence[str], coordinating: Sequence[str], matcher: AgencyMatcher,
                     today: date) -> ManualTask:
    """Check a task entered by hand; raises :class:`ManualTaskError` with every problem at once."""
    document, errors = read_document(code=doc_code, issued_on=doc_date, kind=doc_kind, title=doc_title, today=today)
    # the deadline counts from the document's date; without one, a date or standing duty still reads
    text, text_errors = read_task_text(content=content, deadline=deadline,
                                       issued_on=document.issued_on if document else None)
    if "doc_date" in errors:
        text_errors.pop("deadline", None)  # the date is asked for first: the deadline may depend on it
    leads, others, agency_errors = read_agencies(lead=lead, coordinating=coordinating, matcher=matcher)
    errors = {**errors, **text_errors, **agency_errors}
    if errors or document is None or text is None:
        raise ManualTaskError(errors)
    return ManualTask(document=document, text=text, lead=tuple(leads), coordinating=tuple(others))


def read_plan_correction(*, code: str, issued_on: str, title: str | None) -> tuple[str, date | None, str | None]:
    """A plan's corrected number, date (may be blank: a plan whose date was never read) and title."""
    errors: dict[str, str] = {}
    number = _NUMBER_PREFIX.sub("", nfc(code or ""))
    if not number:
        errors["code"] = "Vui lòng nhập số, ký hiệu của kế hoạch."
    elif len(number) > MAX_CODE:
        errors["code"] = f"Số, ký hiệu quá dài (tối đa {MAX_CODE} ký tự)."
    day: date | None = None
    if (issued_on or "").strip():
        # no check against today here: a plan's date as read may already lie ahead of it
        try:
            day = read_date(issued_on)
        except ValueError:
            errors["issued_on"] = (f"Ngày ban hành “{issued_on.strip()[:40]}” không phải là ngày hợp lệ; nhập theo "
                                   "dạng dd/mm/yyyy.")
    text = nfc(title or "") or None
    if text is not None and len(text) > MAX_TITLE:
        errors["title"] = f"Trích yếu quá dài (tối đa {MAX_TITLE} ký tự)."
    if errors:
        raise ManualTaskError(errors)
    return number, day, text


def read_reason(raw: str | None, *, required: bool, what: str = "Lý do") -> str | None:
    text = (raw or "").strip() or None
    if text is None and required:
        raise ManualTaskError({"reason": f"Vui lòng nhập {what.lower()}."})
    if text is not None and len(text) > MAX_REASON:
        raise ManualTaskError({"reason": f"{what} quá dài (tối đa {MAX_REASON} ký tự)."})
    return text


def next_ref(refs: Iterable[str]) -> str:
    """The next reference of a task made by hand in a plan: NT.1, NT.2, ... ("nhập tay"), after the
    highest one used; the importer's references (I.1, T.II.3, BC.2020-H1) never take this form."""
    highest = 0
    for ref in refs:
        m = re.fullmatch(r"NT\.(\d+)", ref)
        if m:
            highest = max(highest, int(m.group(1)))
    return f"NT.{highest + 1}"


def deadline_field(deadline_text: str, due_date: date | None) -> str:
    """What the deadline field shows for a stored task: its wording, else its date."""
    if deadline_text:
        return deadline_text
    return fmt_date(due_date) if due_date else ""


__all__ = [
    "ACCEPTED_KINDS",
    "DOC_KINDS",
    "AgencyChoice",
    "AgencyMatcher",
    "ManualTask",
    "ManualTaskError",
    "SourceDocument",
    "TaskText",
    "choice_labels",
    "deadline_field",
    "next_ref",
    "read_agencies",
    "read_deadline",
    "read_document",
    "read_manual_task",
    "read_plan_correction",
    "read_reason",
    "read_task_text",
]
