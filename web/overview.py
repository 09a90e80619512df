"""The overview page's figures, kept per province (issue 16: figures that do not grow with the country).

Each province's figures (models.overview.dashboard.overview_figures: counts, bars per agency,
oldest overdue items) are computed over that province's rows only and kept in
``app.state.overviews`` until that province changes (``app.state.versions``, web/cache.py
ProvinceVersions): a change in one province, or a notice leaving the outbox, leaves every other
province's figures as they are. The figures of several provinces (an account's province and the
former provinces merged into it) and of the country (a national account) are the sum of the
provinces' (``merge_overviews``): after a change in one province only that province is counted
again. The escalation levels shown depend on the notices sent: they are read apart (a small
query) when the outbox moved, and the page is rendered again, its figures not recomputed.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from fastapi import Request
from sqlmodel import Session, col

from models.core.tables import Plan
from models.duties.review import waiting_count
from models.overview.dashboard import (
    Levels,
    Overview,
    ProvinceProgress,
    escalation_levels,
    merge_overviews,
    outbox_stamp,
    overview,
    overview_figures,
    with_levels,
)
from tasks.common.text import vi_sort_key
from tasks.listing.names import province_name
from web.templating import render_fragment

Scope = tuple[str, ...] | None  # provinces (slugs); None: the whole country


def held_provinces(session: Session) -> list[str]:
    """The provinces that have plans, in slug order."""
    return list(session.execute(sa.select(col(Plan.province)).distinct().order_by(col(Plan.province))).scalars())


def _figures(request: Request, session: Session, *, province: str, day: date, near: int) -> Overview:
    return request.app.state.overviews.get(
        ("figures", province, day, near), request.app.state.versions.of(province),
        lambda: overview_figures(session, as_of=day, near_days=near, province=province))


def scope_stamp(request: Request, scope: Scope, slugs: list[str]) -> tuple[object, ...]:
    versions = request.app.state.versions
    return versions.of(None) if scope is None else tuple(versions.of(s) for s in slugs)


def scope_figures(request: Request, session: Session, *, scope: Scope, day: date,
                  near: int) -> tuple[Overview, list[str], tuple[object, ...]]:
    """(figures, provinces counted, stamp) of ``scope``, each province's kept apart."""
    request.app.state.versions.refresh(session)
    cache = request.app.state.overviews
    if scope is None:
        slugs = cache.get(("provinces",), request.app.state.versions.of(None), lambda: held_provinces(session))
    else:
        slugs = sorted(set(scope))
    stamp = scope_stamp(request, scope, slugs)
    if len(slugs) == 1 and scope is not None:
        return _figures(request, session, province=slugs[0], day=day, near=near), slugs, stamp
    figures = cache.get(("figures", scope and tuple(slugs), day, near), stamp, lambda: merge_overviews(
        day, [_figures(request, session, province=s, day=day, near=near) for s in slugs]))
    return figures, slugs, stamp


def scope_levels(session: Session, *, figures: Overview, scope: Scope, slugs: list[str], near: int) -> Levels:
    """The escalation levels the figures show: the country's in one query, else each province's."""
    if scope is None:
        return escalation_levels(session, figures=figures, near_days=near)
    agencies: dict[int, int] = {}
    items: dict[int, int] = {}
    for slug in slugs:
        part = escalation_levels(session, figures=figures, near_days=near, province=slug)
        for aid, level in part.agencies.items():
            agencies[aid] = max(level, agencies.get(aid, 0))
        items.update(part.items)
    return Levels(agencies=agencies, items=items)


def overview_body(request: Request, session: Session, *, scope: Scope, day: date, near: int,
                  plan: Plan | None = None, filter_q: str = "") -> tuple[str, int]:
    """(the rendered figures of ``scope`` on ``day``, the proposals waiting in it). The cards'
    links open the task list, which the same account sees in the same scope (``filter_q``: the
    overview's own filters, ``plan=..&`` or ``province=..&``, carried into them).

    ``plan``: that plan's figures alone, counted on their own (a subset of its province's, kept
    until that province changes)."""
    if plan is not None:
        versions = request.app.state.versions
        versions.refresh(session)
        plan_stamp = (versions.of(plan.province), outbox_stamp(session))

        def render_plan() -> tuple[str, int]:
            ov = overview(session, as_of=day, near_days=near, province=plan.province, plan_id=plan.id)
            html = render_fragment("_overview_body.html", {"ov": ov, "as_of": day, "filter_q": filter_q})
            return html, waiting_count(session, provinces=(plan.province,))

        return request.app.state.overviews.get(("plan-body", plan.id, day, near), plan_stamp, render_plan)
    figures, slugs, stamp = scope_figures(request, session, scope=scope, day=day, near=near)
    key = ("body", scope and tuple(slugs), day, near, filter_q)

    def render() -> tuple[str, int]:
        ov = with_levels(figures, scope_levels(session, figures=figures, scope=scope, slugs=slugs, near=near))
        # the country's chart has a bar per province (a bar per agency, 3,400 of them, made a 2.4 MB page)
        provinces = None if scope is not None else sorted(
            (ProvinceProgress(slug=s, name=province_name(s), counts=dict(
                _figures(request, session, province=s, day=day, near=near).counts)) for s in slugs),
            key=lambda p: vi_sort_key(p.name))
        html = render_fragment("_overview_body.html", {"ov": ov, "as_of": day, "filter_q": filter_q,
                                                       "by_province": provinces})
        return html, waiting_count(session, provinces=None if scope is None else tuple(slugs))

    return request.app.state.overviews.get(key, (stamp, outbox_stamp(session)), render)
