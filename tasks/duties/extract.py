"""Duties a plan assigns in its prose, proposed as tasks for the coordination office to confirm.

Pure: no database, no Prefect. ``extract_text_duties`` reads the paragraphs of a plan that
assigns work in the text rather than in an appendix table (Lạng Sơn 176/KH-UBND, Kiên Giang
153/KH-UBND, the "Tổ chức thực hiện" sections of Bắc Giang 552/KH-BCĐ and Bến Tre
1185/KH-UBND) and proposes one duty per assignment:

* Only sections whose heading starts with "Nhiệm vụ", "Giải pháp" or "Tổ chức thực hiện"
  (any level, a resolution's "Điều 2." included), or with the other names programmes and
  resolutions give them ("Tổ chức triển khai thực hiện", "Trách nhiệm thực hiện", "Phân công
  nhiệm vụ", "Điều khoản thi hành"), are read; the outline comes from ``tasks.duties.outline``.
* An item (number, letter, bullet) whose head names agencies ("a) Sở Kế hoạch và Đầu tư:
  ...", "1. Sở Tài chính", "Giao Sở X chủ trì ...", "Sở Nội vụ phối hợp ...") leads its own
  duty. Under such a heading, each item (letter, bullet) is a duty of its own, led by the
  heading's agencies unless it names its own; text written on the heading itself (after its
  ":") is one more duty. A list introduced by a paragraph ending in ":" ("Chủ trì phối hợp với
  X:") passes its coordinating agencies to every item.
* A heading that names a theme, followed by "Sở X chủ trì, phối hợp với ... thực hiện:" (or
  "Ban Cán sự Đảng ... giao UBND tỉnh ..., cụ thể:"), assigns each item under it to Sở X; such
  an item is one duty, its bullets joined. An item that opens with the periodic reporting
  clause and goes on with other work is proposed for that work.
* Heads are read by ``tasks.duties.phrases``; an item whose head does not clearly name
  an agency is never proposed (precision over recall). Warnings say what was left out when it
  looked like a duty: a deadline written without a clear lead, an unknown agency-like name, a
  periodic reporting clause (left to the reporting schedule), a conditional clause.
* Deadlines written in the text go through ``tasks.importing.deadlines``; several in one duty: the
  latest is proposed, with a warning. A duty without one is standing, with the plan's horizon
  as milestone (``horizon_year``, else read from the title: "đến năm 2025", the end of the
  plan's period).

A directive (công văn, thông báo chỉ đạo) has no such section: its whole body assigns work in
paragraphs. When no section is found, each paragraph (or item) is read for assignments instead:

* an assigning verb ("giao (cho)", "yêu cầu", "đề nghị") at the start of a clause, or after the
  issuer as subject ("Chủ tịch Ủy ban nhân dân tỉnh giao Sở Xây dựng chủ trì ..."), never after a
  word that reports past or received work ("đã giao", "được giao", "theo đề nghị của"): a
  news-like "Sở X đã triển khai ..." assigns nothing;
* followed by a head naming agencies of the directory and a predicate ("chủ trì", "thực hiện",
  "triển khai", ...; "Đề nghị Sở X: ..." too); one duty per assignment, from the verb to the next
  assignment of the paragraph, a following "Thời gian/Thời hạn hoàn thành ..." paragraph joined;
* coordinating agencies may be listed with ";" and a bracketed short form (``lists`` of
  ``PhraseReader.coordination``); deadlines and standing duties as above.

Such duties are refs "T.P<n>" (the n-th paragraph that assigns, ".<k>" for the k-th assignment
of a paragraph with several), or the item's outline ref when the paragraph is a numbered item.

Refs follow ``tasks.duties.outline.assign_refs``: "T." plus the labels on the path to the
item ("T.III.8.1.b", bullets numbered among their siblings: "T.IV.1.3"); "T." never collides
with an appendix ref.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tasks.agencies.directory import AgencyEntry, ProvinceDirectory
from tasks.common.text import fold, nfc, strip_diacritics
from tasks.duties.outline import ROMAN, Node, assign_refs, parse_outline, sections_titled
from tasks.duties.phrases import (
    Coordination,
    Head,
    PhraseReader,
    find_deadlines,
    horizon_from_text,
    is_conditional,
    is_reporting_clause,
    looks_like_agency,
    other_work,
    short_clause,
)
from tasks.importing.meta import read_plan_meta

__all__ = ["ProposedDuty", "TextExtraction", "assigns_in_text", "extract_text_duties"]

# sections that assign work: "Nhiệm vụ, giải pháp", "Tổ chức thực hiện" and what programmes and
# resolutions call them ("Tổ chức triển khai thực hiện", "Trách nhiệm thực hiện", "Phân công
# nhiệm vụ", "Điều 2. Tổ chức thực hiện", "Điều khoản thi hành", "Các nhiệm vụ trọng tâm")
_SCOPE_RE = re.compile(
    r"^(?:(?:cac|nhung)\s+)?(?:nhiem vu|giai phap|to chuc (?:trien khai )?thuc hien|to chuc trien khai"
    r"|trach nhiem (?:thuc hien|thi hanh|cua cac|trien khai)|phan cong (?:nhiem vu|trach nhiem|thuc hien)"
    r"|dieu khoan thi hanh)\b"
)
_PATH_CHARS = 160
_GIAO_RE = re.compile(r"(?<!được )\bgiao\s+(?!thông|nhiệm|dịch)", re.IGNORECASE)
# a directive's assigning verb (see the module docstring); "giao" not in "giao thông", "giao dịch", ...
_ASSIGN_RE = re.compile(
    r"(?<!\w)(?:giao(?:\s+cho)?(?!\s+(?:thông|nhiệm|dịch|lưu|tiếp|ban|đất|kế|nộp|nhận|khoán|ước|thoa|hữu))"
    r"|yêu\s+cầu|đề\s+nghị)\s+(?=\S)",
    re.IGNORECASE,
)
# words before the verb in its clause that make it a report, not an assignment: "đã giao", "được giao",
# "theo đề nghị", "Sở X đề nghị ... của" (and "nhiệm vụ" owned: "nhiệm vụ được giao")
_NOT_ASSIGNING_RE = re.compile(
    r"\b(?:đã|vừa|được|đang|từng|sẽ|theo|như|nếu|khi|không|chưa|của|tại|về|các|những)\s*$", re.IGNORECASE
)
_REPORT_WORDS_RE = re.compile(r"\b(?:đã|vừa|được|đang|từng)\b", re.IGNORECASE)
_CLAUSE_START_RE = re.compile(r"(?:^|[.;:!?]\s+|\n)")
_MAX_SUBJECT_WORDS = 15  # "Chủ tịch Ủy ban nhân dân tỉnh", "Thường trực UBND tỉnh" are short
# predicates that do not give work: "Yêu cầu Sở X là ...", "Đề nghị Sở X được ..."
_NO_WORK = ("là", "được", "căn cứ", "cần")
# a plain paragraph that only completes the duty before it ("Thời gian hoàn thành: trước ngày ...")
_CONTINUES_RE = re.compile(r"^\W*(?:thời\s+(?:gian|hạn)|hoàn\s+thành\s+(?:trước|trong|chậm))", re.IGNORECASE)


@dataclass
class ProposedDuty:
    """One duty found in the text, waiting for the office to confirm it."""

    ref: str  # "T.III.8.1.b", "T.IV.1.3" (see the module docstring)
    title: str  # the first clause of the duty, at most ~120 characters
    content: str  # the full text of the item (its bullets joined by newlines when it is one duty)
    lead: list[AgencyEntry]
    coordinating: list[AgencyEntry]
    lead_text: str  # the head as written ("Sở Thông tin và Truyền thông")
    coordinating_text: str  # the "phối hợp với ..." phrases as written, joined by "; "
    deadline_text: str  # the deadline phrase(s) found, joined by "; "; "" if none
    due_date: date | None
    standing: bool  # no deadline written: a standing duty, with the plan's horizon as milestone
    milestone: tuple[int, date] | None  # (horizon year, 31/12 of it) when standing
    section_path: list[str]  # headings from the root down to the item
    paragraph: str  # the paragraph(s) it came from, verbatim, joined by newlines
    unresolved: list[str] = field(default_factory=list)  # names in the head or "phối hợp" not in the directory

    def to_json(self) -> dict[str, Any]:
        """The shape of a task in `dondoc import --json`, with ``"source": "text"``."""
        return {
            "ref": self.ref,
            "title": self.title,
            "content": self.content,
            "lead": [a.name for a in self.lead],
            "coordinating": [a.name for a in self.coordinating],
            "lead_text": self.lead_text,
            "coordinating_text": self.coordinating_text,
            "deadline_text": self.deadline_text,
            "deadline_kind": "standing" if self.standing else "date",
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "milestones": (
                [{"due_date": self.milestone[1].isoformat(), "target": f"đến năm {self.milestone[0]}"}]
                if self.milestone else []
            ),
            "section_path": self.section_path,
            "paragraph": self.paragraph,
            "unresolved": self.unresolved,
            "source": "text",
        }


@dataclass
class TextExtraction:
    duties: list[ProposedDuty]
    warnings: list[str]


@dataclass
class _Context:
    """What an item inherits from the heading or introduction above it."""

    head: Head
    coordination: Coordination


def extract_text_duties(
    paragraphs: list[str],
    province: ProvinceDirectory,
    *,
    plan_year: int | None,
    horizon_year: int | None = None,
) -> TextExtraction:
    """Propose the duties the text assigns (see the module docstring). Never raises on text."""
    extractor = _Extractor(province, plan_year, horizon_year)
    try:
        extractor.run(list(paragraphs))
    except Exception as exc:  # the last guard: unreadable structure is a warning, not a crash
        extractor.warnings.append(f"could not read the text for duties ({type(exc).__name__}: {exc})")
    return TextExtraction(extractor.duties, extractor.warnings)


class _Extractor:
    def __init__(self, province: ProvinceDirectory, plan_year: int | None, horizon_year: int | None) -> None:
        self.reader = PhraseReader(province)
        self.plan_year = plan_year
        self.horizon_year = horizon_year
        self.duties: list[ProposedDuty] = []
        self.warnings: list[str] = []
        self._refs: dict[int, str] = {}
        self._heads: dict[int, Head | None] = {}

    # -- the walk -----------------------------------------------------------------------

    def run(self, paragraphs: list[str]) -> None:
        if self.horizon_year is None:
            self.horizon_year = _horizon(paragraphs, self.plan_year)
        root = parse_outline(paragraphs)
        self._refs = assign_refs(root)
        sections = sections_titled(root, lambda title: _SCOPE_RE.match(strip_diacritics(fold(title))) is not None)
        if not sections:
            self._directive(root)
            if not self.duties:
                self.warnings.append(
                    "no 'Nhiệm vụ, giải pháp' or 'Tổ chức thực hiện' section found; no duties proposed from the text"
                )
        for section in sections:
            context = self._intro(section)
            for child in section.children:
                self._guarded(child, context)

    def _guarded(self, node: Node, context: _Context | None) -> None:
        try:
            self._item(node, context)
        except Exception as exc:  # one unreadable item must not lose the others
            self.warnings.append(f"{self._ref(node)}: could not read this item ({type(exc).__name__}: {exc})")

    def _item(self, node: Node, context: _Context | None) -> None:
        head = self._head(node)
        if head is None and context is not None:
            self._duty_under(node, context)
        elif head is not None:
            self._headed(node, head)
        else:
            self._theme(node)

    def _theme(self, node: Node) -> None:
        """A heading or item naming no agency: its items may still be assigned below it."""
        context = self._intro(node)
        own = "\n".join([node.text, *node.body])
        dated = find_deadlines(own, self.plan_year)
        if dated and context is None:
            self.warnings.append(
                f"{self._ref(node)}: a deadline is written ('{dated[0].text}') but no agency is named at the head"
                f" of '{short_clause(node.text, 60)}'; not proposed, add it by hand if it is a duty"
            )
        elif looks_like_agency(node.text):
            self.warnings.append(
                f"{self._ref(node)}: '{short_clause(node.text, 60)}' looks like an agency heading but names no "
                f"agency of the directory; not proposed"
            )
        for child in node.children:
            self._guarded(child, context)

    def _headed(self, node: Node, head: Head) -> None:
        """An item whose head names agencies: one duty, or one per item under it."""
        skip, _rest = self._skipped(node, node.text)
        if skip:
            return
        texts = [_capitalised(head.rest)] if head.form == "colon" else [node.text] if head.form == "subject" else []
        texts = [t for t in (*texts, *node.body) if t.strip()]
        if node.children:
            intro = [t for t in texts if t.rstrip().endswith(":")]
            duty_texts = [t for t in texts if not t.rstrip().endswith(":")]
            coordination = self.reader.coordination("\n".join(intro))
            if duty_texts:
                title = head.rest if head.form == "subject" else ""
                self._emit(node, head, duty_texts, [node.source, *node.body], coordination=None, title_from=title)
            for child in node.children:
                self._guarded(child, _Context(head, coordination))
            return
        if not texts:
            self.warnings.append(f"{self._ref(node)}: '{head.text}' is a heading with no duty text under it")
            return
        title = head.rest if head.form == "subject" else ""
        self._emit(node, head, texts, [node.source, *node.body], coordination=None, title_from=title)

    def _duty_under(self, node: Node, context: _Context) -> None:
        """An item under an agency heading or introduction: one duty, its own items joined."""
        skip, rest = self._skipped(node, node.text)
        if skip:
            return
        texts, sources = [node.text, *node.body], [node.source, *node.body]
        for below in node.walk()[1:]:
            texts += [below.source, *below.body]
            sources += [below.source, *below.body]
        self._emit(node, context.head, texts, sources, coordination=context.coordination, title_from=rest)

    def _skipped(self, node: Node, text: str) -> tuple[bool, str]:
        """(skip, rest): reporting and conditional clauses are not duties to track; say so. An item
        that opens with the reporting clause and goes on with other work ("Định kỳ hàng năm ... báo
        cáo ...; nghiên cứu ...; thường xuyên kiểm tra ...") is proposed for that work (``rest``)."""
        if fold(text).startswith("định kỳ") and is_reporting_clause(text):
            rest = other_work(text)
            clause = short_clause(text, 60)
            if rest:
                self.warnings.append(
                    f"{self._ref(node)}: the periodic reporting clause ('{clause}') is left to the reporting"
                    f" schedule; the rest of the item is proposed as a duty"
                )
                return False, rest
            self.warnings.append(
                f"{self._ref(node)}: the periodic reporting clause ('{clause}') is left to the"
                f" reporting schedule, not proposed as a duty"
            )
            return True, ""
        if is_conditional(text):
            self.warnings.append(f"{self._ref(node)}: a conditional clause ('{short_clause(text, 60)}'), not proposed")
            return True, ""
        return False, ""

    def _intro(self, node: Node) -> _Context | None:
        """"Sở X chủ trì, phối hợp với ... thực hiện:" written under a theme heading."""
        for paragraph in node.body:
            if not paragraph.rstrip().endswith(":"):
                continue
            head = self.reader.head(paragraph)
            if head is None and (m := _GIAO_RE.search(paragraph)):
                head = self.reader.head(paragraph[m.end():])  # "Ban Cán sự Đảng ... giao UBND tỉnh ...:"
            if head is not None:
                return _Context(head, self.reader.coordination(paragraph))
        return None

    # -- a directive: assignments in paragraphs -----------------------------------------

    def _directive(self, root: Node) -> None:
        """Every paragraph that assigns work to an agency (see the module docstring)."""
        units: list[tuple[Node, str]] = [(root, p) for p in root.body]  # the root: a paragraph of no item
        for item in root.walk()[1:]:
            units += [(item, item.source), *((item, p) for p in item.body)]
        count = 0
        last: ProposedDuty | None = None
        for node, paragraph in units:
            text = nfc(paragraph)
            found = self._assignments(text)
            if not found:
                if last is not None and _CONTINUES_RE.match(text):
                    self._extend(last, text)
                else:
                    last = None
                continue
            count += 1
            own_item = node is not root and paragraph is node.source
            base = self._ref(node) if own_item else f"T.P{count}"
            path = self._path(node) if own_item else [short_clause(text, _PATH_CHARS)]
            for k, (head, content) in enumerate(found, 1):
                ref = base if len(found) == 1 else f"{base}.{k}"
                self._emit(
                    node, head, [content], [paragraph], coordination=None, title_from=head.rest,
                    ref=ref, path=path, lists=True,
                )
                last = self.duties[-1]

    def _assignments(self, text: str) -> list[tuple[Head, str]]:
        """(head, text of the duty) for each assignment in a paragraph, in order."""
        starts: list[tuple[int, Head]] = []
        for m in _ASSIGN_RE.finditer(text):
            clause = max((c.end() for c in _CLAUSE_START_RE.finditer(text, 0, m.start() + 1)), default=0)
            before = text[clause:m.start()]
            if before.strip() and (
                len(before.split()) > _MAX_SUBJECT_WORDS
                or _NOT_ASSIGNING_RE.search(before)
                or _REPORT_WORDS_RE.search(before)
            ):
                continue
            head = self.reader.head(text[m.start():])
            if head is None or head.form == "heading":
                continue  # "Đề nghị Sở X." asks nothing the office can track
            if head.form == "subject" and any(fold(head.rest).startswith(w + " ") for w in _NO_WORK):
                continue
            if not head.request:  # the verb must lead the head: "giao Sở X", not "giao ... Sở X"
                continue
            starts.append((m.start(), head))
        found = []
        for i, (start, head) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            content = _capitalised(text[start:end].strip(" ;,\n"))
            found.append((head, content))
        return found

    def _extend(self, duty: ProposedDuty, text: str) -> None:
        """A "Thời gian hoàn thành ..." paragraph completes the duty before it: its deadline counts."""
        duty.content = f"{duty.content}\n{text}"
        duty.paragraph = f"{duty.paragraph}\n{text.strip()}"
        found = find_deadlines(duty.content, self.plan_year)
        due = max((d.due_date for d in found), default=None)
        if due is not None:
            duty.due_date, duty.standing, duty.milestone = due, False, None
            duty.deadline_text = "; ".join(dict.fromkeys(d.text for d in found))

    # -- one duty -----------------------------------------------------------------------

    def _emit(
        self,
        node: Node,
        head: Head,
        texts: list[str],
        sources: list[str],
        *,
        coordination: Coordination | None,
        title_from: str = "",
        ref: str | None = None,
        path: list[str] | None = None,
        lists: bool = False,
    ) -> None:
        content = "\n".join(nfc(t) for t in texts if t.strip())
        if not content:
            return
        ref = ref or self._ref(node)
        own = self.reader.coordination(content, lists=lists)
        inherited = coordination or Coordination()
        lead_keys = {a.key for a in head.agencies}
        coordinating = [a for a in [*inherited.agencies, *own.agencies] if a.key not in lead_keys]
        coordinating = list({a.key: a for a in coordinating}.values())
        found = find_deadlines(content, self.plan_year)
        due = max((d.due_date for d in found), default=None)
        if len({d.due_date for d in found}) > 1 and due is not None:
            self.warnings.append(
                f"{ref}: several deadlines in the text ({'; '.join(d.text for d in found)}); the"
                f" latest, {due:%d/%m/%Y}, is proposed"
            )
        standing = due is None
        horizon = self.horizon_year
        unresolved = list(dict.fromkeys([*head.unresolved, *inherited.unresolved, *own.unresolved]))
        self.duties.append(
            ProposedDuty(
                ref=ref,
                title=self._title(title_from or content),
                content=content,
                lead=list(head.agencies),
                coordinating=coordinating,
                lead_text=head.text,
                coordinating_text="; ".join(dict.fromkeys([*inherited.texts, *own.texts])),
                deadline_text="; ".join(dict.fromkeys(d.text for d in found)),
                due_date=due,
                standing=standing,
                milestone=(horizon, date(horizon, 12, 31)) if standing and horizon else None,
                section_path=path if path is not None else self._path(node),
                paragraph="\n".join(s.strip() for s in sources if s.strip()),
                unresolved=unresolved,
            )
        )

    def _title(self, text: str) -> str:
        """The first clause, without a leading "Chủ trì, phối hợp với <agencies>" (the lead's own
        coordination, already in ``coordinating``)."""
        first = nfc(text.split("\n", 1)[0])
        action = re.sub(r"^\s*chủ trì\s*,?\s*", "", first, flags=re.IGNORECASE)
        if action != first:
            coordination = self.reader.coordination(action)
            if coordination.spans and coordination.spans[0][0] == 0:
                action = action[coordination.spans[0][1]:].strip(" ,")
        return short_clause(action if len(action.split()) >= 3 else first)

    # -- refs, heads, paths -------------------------------------------------------------

    def _head(self, node: Node) -> Head | None:
        if id(node) not in self._heads:
            self._heads[id(node)] = self.reader.head(node.text) if node.text else None
        return self._heads[id(node)]

    def _ref(self, node: Node | None) -> str:
        return self._refs.get(id(node), "T.?") if node is not None else "T.?"

    def _path(self, node: Node) -> list[str]:
        chain = node.ancestors() + ([] if node.is_list_item else [node])
        path = []
        for item in chain:
            head = self._head(item) if item.kind not in (ROMAN,) else None
            text = head.text if head is not None else item.text
            text = nfc(text)
            if len(text) > _PATH_CHARS:  # a heading that is a whole paragraph: its start
                text = text[: _PATH_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;") + "…"
            path.append(f"{item.marker} {text}".strip())
        return path


def assigns_in_text(paragraphs: list[str]) -> bool:
    """The text has a section that assigns work ("Nhiệm vụ, giải pháp", "Tổ chức thực hiện", ...):
    whether it gives duties depends on the province's directory, so a document without a task
    table but with such a section may be a plan once its province is known."""
    root = parse_outline([p for p in paragraphs if isinstance(p, str)])
    return bool(sections_titled(root, lambda title: _SCOPE_RE.match(strip_diacritics(fold(title))) is not None))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _horizon(paragraphs: list[str], plan_year: int | None) -> int | None:
    """The plan's horizon year from its title (else its first paragraphs), else the plan year."""
    strings = [p for p in paragraphs if isinstance(p, str)]
    title = read_plan_meta(strings).title
    return horizon_from_text([title] if title else strings[:15]) or plan_year
