"""The situation a letter states, read from the database (tasks/escalation/situation.py sorts it).

``attach_situations`` is the sweep's one hook: after the day's notices are grouped into
digests, each agency letter gets its agency's whole current situation (every overdue open
assignment, every one in its reminder window, and what the notices are about), each report
every overdue lead assignment of the plans its recipient follows, and every message the name
of the province's coordination office that signs it. The notices still decide who gets mail
and at which level; the content no longer depends on which stage fell that day.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col

from models.core.report_tables import REPORT_SOURCE
from models.core.tables import (
    CANCELLED,
    COORDINATING,
    IN_PROGRESS,
    LEAD,
    OPEN,
    TASK_ACTIVE,
    Agency,
    Assignment,
    EscalationPolicy,
    Plan,
    ProgressUpdate,
    Task,
)
from models.escalation.policies import plan_policy, stored_policies
from tasks.escalation.digests import EXTENSION_KINDS, Digest
from tasks.escalation.policy import COORDINATION, ESCALATION, REMINDER, Policy, notice_for
from tasks.escalation.situation import (
    AgencySituation,
    LatestReport,
    SituationItem,
    agency_situation,
    oversight_situation,
)

if TYPE_CHECKING:  # python-docx is imported only when a công văn is made
    from tasks.escalation.letter import CongVan

__all__ = ["Situations", "agency_situations", "attach_situations", "office_names", "overdue_lead_items"]

_OPEN = (OPEN, IN_PROGRESS)
_CHUNK = 900  # ids per IN (...): well under every driver's parameter limit


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    seq = sorted(set(ids))
    for i in range(0, len(seq), _CHUNK):
        yield seq[i:i + _CHUNK]


class Situations:
    """Reads items and judges them by their own policy (the one each assignment was scheduled
    under; the plan's, from the policy file, for one not scheduled yet)."""

    def __init__(self, session: Session, *, as_of: date, policy_path: object) -> None:
        self.session, self.as_of, self.policy_path = session, as_of, policy_path
        self._policies: dict[int, Policy] = {}
        self._plan_policies: dict[int, Policy] = {}
        self._item_policy: dict[int, int | None] = {}  # assignment id -> its stored policy

    # -- policies -------------------------------------------------------------------

    def load_policies(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if i not in self._policies]
        if missing:
            self._policies.update(stored_policies(self.session, ids=missing))

    def policy(self, policy_id: int | None, plan_id: int) -> Policy:
        if policy_id is not None and policy_id in self._policies:
            return self._policies[policy_id]
        if plan_id not in self._plan_policies:
            plan = self.session.get(Plan, plan_id)
            assert plan is not None
            self._plan_policies[plan_id] = plan_policy(self.session, plan=plan, path=self.policy_path)
        return self._plan_policies[plan_id]

    def horizon(self) -> date:
        """The latest due date any reminder window of the stored policies reaches today (a
        working-day policy's window spans weekends and Tết: counted generously, then each
        item is judged by its own policy)."""
        ids = [i for i in self.session.execute(sa.select(col(EscalationPolicy.id))).scalars() if i is not None]
        self.load_policies(ids)
        days = 7
        for p in self._policies.values():
            offset = max((*p.reminders, *p.coordinating_reminders), default=0)
            days = max(days, offset * 2 + 14 if p.working_days else offset)
        return self.as_of + timedelta(days=days)

    # -- rows -----------------------------------------------------------------------

    def _rows(self, where: Any) -> list[tuple[Any, ...]]:
        q = (
            sa.select(col(Assignment.id), col(Assignment.role), col(Assignment.due_date), col(Assignment.agency_id),
                      col(Agency.name), col(Assignment.policy_id), col(Task.id), col(Task.ref), col(Task.content),
                      col(Task.source), col(Plan.code), col(Plan.id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(col(Assignment.status).in_(_OPEN), col(Task.state) == TASK_ACTIVE, where)
        )
        return [tuple(r) for r in self.session.execute(q).all()]

    def _items(self, rows: Sequence[tuple[Any, ...]]) -> list[SituationItem]:
        """Rows as items: the task's other agencies, the last report, the level of the day."""
        rows = list({r[0]: r for r in rows}.values())
        if not rows:
            return []
        self.load_policies(r[5] for r in rows if r[5] is not None)
        names = self._names({r[6] for r in rows})
        reports = self._reports(r[0] for r in rows)
        out = []
        for aid, role, due, agency_id, agency_name, policy_id, task_id, ref, content, source, code, plan_id in rows:
            level = 0
            if role == LEAD and due is not None and due < self.as_of:
                found = notice_for(self.policy(policy_id, plan_id), kind=ESCALATION, due_date=due, as_of=self.as_of)
                level = found[0] if found else 0
            leads, coordinating = names.get(task_id, ((), ()))
            self._item_policy[aid] = policy_id
            out.append(SituationItem(
                assignment_id=aid, task_id=task_id, agency_id=agency_id, agency_name=agency_name, role=role,
                plan_code=code, ref=ref, content=content, due_date=due,
                lead_names=tuple(n for n in leads if not (role == LEAD and n == agency_name)),
                coordinating_names=tuple(n for n in coordinating if n != agency_name),
                report=reports.get(aid), level=level, report_duty=source == REPORT_SOURCE, plan_id=plan_id,
            ))
        return out

    def _names(self, task_ids: Collection[int]) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
        found: dict[int, tuple[list[str], list[str]]] = {}
        for chunk in _chunks(task_ids):
            q = (sa.select(col(Assignment.task_id), col(Assignment.role), col(Agency.name))
                 .join(Agency, col(Agency.id) == col(Assignment.agency_id))
                 .where(col(Assignment.task_id).in_(chunk), col(Assignment.status) != CANCELLED)
                 .order_by(col(Assignment.task_id), col(Assignment.id)))
            for task_id, role, name in self.session.execute(q).all():
                leads, coordinating = found.setdefault(task_id, ([], []))
                (leads if role == LEAD else coordinating).append(name)
        return {t: (tuple(a), tuple(b)) for t, (a, b) in found.items()}

    def _reports(self, assignment_ids: Iterable[int]) -> dict[int, LatestReport]:
        out: dict[int, LatestReport] = {}
        for chunk in _chunks(assignment_ids):
            q = (sa.select(col(ProgressUpdate.assignment_id), col(ProgressUpdate.reported_on),
                           col(ProgressUpdate.status), col(ProgressUpdate.percent), col(ProgressUpdate.note))
                 .where(col(ProgressUpdate.assignment_id).in_(chunk), col(ProgressUpdate.reported_on) <= self.as_of)
                 .order_by(col(ProgressUpdate.reported_on), col(ProgressUpdate.id)))
            for aid, on, status, percent, note in self.session.execute(q):
                out[aid] = LatestReport(reported_on=on, status=status, percent=percent, note=note)  # the last wins
        return out

    # -- what the letters read ---------------------------------------------------------

    def agency_items(self, *, agency_ids: Collection[int], task_ids: Collection[int] = (),
                     pairs: Collection[tuple[int, int]] | None = None) -> list[SituationItem]:
        """The agencies' open assignments overdue or due up to the horizon, and whatever they
        hold in ``task_ids`` (due later, or without a due date). With ``pairs`` (the (task,
        agency) of the day's notices) only the tasks the first query did not find are read again."""
        rows: list[tuple[Any, ...]] = []
        horizon = self.horizon()
        for chunk in _chunks(agency_ids):
            rows += self._rows(sa.and_(col(Assignment.agency_id).in_(chunk), col(Assignment.due_date) <= horizon,
                                       col(Assignment.role).in_((LEAD, COORDINATING))))
        if pairs is not None:
            found = {(r[6], r[3]) for r in rows}
            task_ids = {t for t, a in pairs if (t, a) not in found}
        for chunk in _chunks(task_ids):
            rows += self._rows(sa.and_(col(Assignment.task_id).in_(chunk),
                                       col(Assignment.agency_id).in_(sorted(set(agency_ids)))))
        return self._items(rows)

    def in_window(self, item: SituationItem) -> bool:
        """Whether an item not yet overdue is in its reminder window today (its policy's)."""
        if item.due_date is None or item.due_date < self.as_of:
            return False
        policy = self.policy(self._item_policy.get(item.assignment_id), item.plan_id)
        kind = REMINDER if item.role == LEAD else COORDINATION
        return notice_for(policy, kind=kind, due_date=item.due_date, as_of=self.as_of) is not None

    def situation(self, items: Iterable[SituationItem], *, noticed: Iterable[int] = ()) -> AgencySituation:
        return agency_situation(items, as_of=self.as_of, in_window=self.in_window, noticed=noticed)


def overdue_lead_items(session: Session, *, plan_ids: Collection[int], as_of: date,
                       policy_path: object) -> list[SituationItem]:
    """Every open, overdue lead assignment of active tasks of these plans (the reports' content)."""
    reader = Situations(session, as_of=as_of, policy_path=policy_path)
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(plan_ids):
        rows += reader._rows(sa.and_(col(Assignment.role) == LEAD, col(Assignment.due_date) < as_of,
                                     col(Task.plan_id).in_(chunk)))
    return reader._items(rows)


def agency_situations(session: Session, *, agency_ids: Collection[int], as_of: date, policy_path: object,
                      task_ids: Collection[int] = ()) -> dict[int, AgencySituation]:
    """Each agency's situation on ``as_of``; ``task_ids``: tasks to list even when due later or
    without a due date (a reminder sent by hand)."""
    reader = Situations(session, as_of=as_of, policy_path=policy_path)
    items = reader.agency_items(agency_ids=agency_ids, task_ids=task_ids)
    wanted = set(task_ids)
    out = {}
    for aid in agency_ids:
        own = [i for i in items if i.agency_id == aid]
        out[aid] = reader.situation(own, noticed=[i.assignment_id for i in own if i.task_id in wanted])
    return out


def office_names(session: Session, *, provinces: Collection[str]) -> dict[str, str]:
    """The coordination office of each province as it signs: "Văn phòng Điều phối nông thôn mới
    tỉnh Bắc Giang" (the directory's name, which ends in "tỉnh", completed with the province)."""
    out: dict[str, str] = {}
    if not provinces:
        return out
    q = (sa.select(col(Agency.province), col(Agency.name)).where(col(Agency.kind) == "office",
                                                                 col(Agency.province).in_(sorted(provinces)))
         .order_by(col(Agency.province), col(Agency.id)))
    for province, name in session.execute(q):
        if province in out:
            continue
        words = name.split()
        out[province] = f"{name} {province_name(province)}" if words and words[-1].lower() == "tỉnh" else name
    return out


def province_name(slug: str) -> str:
    """The province's name ("Bắc Giang"): the top-level ``name:`` of its directory file, read
    without parsing the whole YAML (a sweep needs it for every message); else as the reports
    find it."""
    from config.settings import get_settings

    return _province_name(str(get_settings().agencies_dir), slug)


@functools.lru_cache(maxsize=64)
def _province_name(folder: str, slug: str) -> str:
    from pathlib import Path

    try:
        text = (Path(folder) / f"{slug}.yaml").read_text(encoding="utf-8")
    except OSError:
        text = ""
    name = _top_level(text, "name")
    if name:
        return name
    # a directory file named otherwise whose ``slug:`` is this one: found with the same two
    # expressions per file (parsing every directory's YAML, as the reports' lookup does, took
    # 0.2 s a province, paid by every sweep process for each province without a file of its name)
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            other = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if _top_level(other, "slug") == slug and _top_level(other, "name"):
            return _top_level(other, "name")
    return slug.replace("-", " ").title()


def _top_level(text: str, key: str) -> str:
    """The value of a top-level ``key:`` line of a YAML text, unquoted ("" when absent)."""
    import re

    found = re.search(rf"^{key}:[ \t]*([^#\n]+?)[ \t]*(?:#.*)?$", text, re.MULTILINE)
    return found.group(1).strip("'\"").strip() if found else ""


def attach_situations(session: Session, digests: list[Digest], *, as_of: date, policy_path: object) -> list[Digest]:
    """Give each digest what its message states (see the module docstring); returns ``digests``."""
    notices = [n for d in digests for n in d.notices]
    if not notices:
        return digests
    plans = {tid: (pid, province) for tid, pid, province in session.execute(
        sa.select(col(Task.id), col(Plan.id), col(Plan.province)).join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(col(Task.id).in_(sorted({n.task_id for n in notices}))))}
    offices = office_names(session, provinces={p for _, p in plans.values()})
    letters = [d for d in digests if d.kind not in EXTENSION_KINDS and d.kind != "escalation_report"]
    reports = [d for d in digests if d.kind == "escalation_report"]
    reader = Situations(session, as_of=as_of, policy_path=policy_path)
    if letters:
        agency_ids = {n.agency_id for d in letters for n in d.notices}
        items = reader.agency_items(agency_ids=agency_ids,
                                    pairs={(n.task_id, n.agency_id) for d in letters for n in d.notices})
        by_agency: dict[int, list[SituationItem]] = {}
        for i in items:
            by_agency.setdefault(i.agency_id, []).append(i)
        for d in letters:
            noticed = {(n.task_id, n.agency_id, n.role) for n in d.notices}
            own = [i for aid in sorted({n.agency_id for n in d.notices}) for i in by_agency.get(aid, ())]
            d.situation = reader.situation(
                own, noticed=[i.assignment_id for i in own if (i.task_id, i.agency_id, i.role) in noticed])
        _attach_cong_van(session, [d for d in letters if d.kind == "escalation_digest" and d.level >= 2],
                         by_agency=by_agency, reader=reader, offices=offices)
    if reports:
        scopes = {id(d): _report_plans(session, d, plans) for d in reports}
        overdue = overdue_lead_items(session, plan_ids=set().union(*scopes.values()), as_of=as_of,
                                     policy_path=policy_path)
        for d in reports:
            scope = scopes[id(d)]
            d.situation = oversight_situation([i for i in overdue if i.plan_id in scope], as_of=as_of)
    for d in digests:
        provinces = {plans[n.task_id][1] for n in d.notices if n.task_id in plans}
        if len(provinces) == 1:
            d.office_name = offices.get(provinces.pop())
    return digests


def _attach_cong_van(session: Session, letters: list[Digest], *, by_agency: dict[int, list[SituationItem]],
                     reader: Situations, offices: dict[str, str]) -> None:
    """From level 2 on, the agency's letter (and its head's) carries its công văn đôn đốc, made
    once per agency and level when the first of them is rendered, and kept on disk."""
    if not letters:
        return
    from config.settings import get_settings
    from models.escalation.letters import agencies_by_id, cong_van_data, keep_cong_van
    from tasks.escalation.letter import DOCX_TYPE

    settings = get_settings()
    agencies = agencies_by_id(session, {n.agency_id for d in letters for n in d.notices})
    made: dict[tuple[int, int], Callable[[], tuple[str, str, bytes]]] = {}
    symbols: dict[str, str] = {}  # the offices' ký hiệu, one query per province
    for d in letters:
        makers = []
        for aid in sorted({n.agency_id for n in d.notices}):
            agency = agencies.get(aid)
            if agency is None:
                continue
            key = (aid, d.level)
            if key not in made:
                data = cong_van_data(session, agency=agency, settings=settings, level=d.level, offices=offices,
                                     situation=reader.situation(by_agency.get(aid, [])), symbols=symbols)
                if data is None:
                    continue

                @functools.cache
                def make(data: CongVan = data, province: str = agency.province,
                         agency_key: str = agency.key) -> tuple[str, str, bytes]:
                    name, content = keep_cong_van(data, province=province, agency_key=agency_key,
                                                  data_dir=settings.data_dir)
                    return name, DOCX_TYPE, content

                made[key] = make
            makers.append(made[key])
        if makers:
            d.attachments = functools.partial(_files, tuple(makers))


def _files(makers: tuple[Callable[[], tuple[str, str, bytes]], ...]) -> list[tuple[str, str, bytes]]:
    return [make() for make in makers]


def _report_plans(session: Session, digest: Digest, plans: dict[int, tuple[int, str]]) -> set[int]:
    """The plans a report's recipient follows: the office, every plan of its province; the
    leadership, the plans that name its address (and the plans of its notices in any case)."""
    roles = {n.recipient_role for n in digest.notices}
    own = {plans[n.task_id][0] for n in digest.notices if n.task_id in plans}
    provinces = {plans[n.task_id][1] for n in digest.notices if n.task_id in plans}
    scope = set(own)
    if "office" in roles and provinces:
        scope |= set(session.execute(sa.select(col(Plan.id)).where(col(Plan.province).in_(sorted(provinces))))
                     .scalars())
    if "leadership" in roles:
        scope |= set(session.execute(sa.select(col(Plan.id)).where(
            sa.func.lower(col(Plan.leadership_email)) == digest.recipient.lower())).scalars())
    return scope
