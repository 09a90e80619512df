"""Every id in a path that no row can have (zero, negative, past 2^63-1) is a page that does not
exist: 404 on every route, signed in or not, never an error from the database driver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.web.conftest import OFFICE, TODAY, Browserless, World

OUT_OF_RANGE = ["-99999999999999999999999", "-1", "0", str(2**63), "99999999999999999999999"]


def _int_params(route: APIRoute) -> tuple[set[str], set[str]]:
    """(path parameters declared ``int``, the other path parameters) of a route and its dependencies."""
    ints: set[str] = set()
    others: set[str] = set()
    pending = [route.dependant]
    while pending:
        current = pending.pop()
        for param in current.path_params:
            (ints if param.field_info.annotation in (int, int | None) else others).add(param.name)
        pending.extend(current.dependencies)
    return ints, others


def _routes_with_ids(app: FastAPI) -> Iterator[tuple[str, str, set[str], set[str]]]:
    """(method, path template, int parameters, other parameters) of every route with an int path parameter."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        ints, others = _int_params(route)
        if ints:
            for method in sorted(context.methods or ()):
                yield method, str(context.path), ints, others


def _fill(template: str, ints: set[str], others: set[str], value: str) -> str:
    for name in ints:
        template = template.replace("{" + name + "}", value)
    for name in others:
        template = template.replace("{" + name + "}", "x")
    return template


@pytest.fixture
def app(world: World) -> FastAPI:
    from web.app import create_app

    return create_app(today=lambda: TODAY)


def test_every_route_answers_404_for_an_id_no_row_can_have(app: FastAPI) -> None:
    routes = list(_routes_with_ids(app))
    assert len(routes) >= 21, routes  # the walk found the routes (tasks, plans, agencies, the API, ...)
    wrong = []
    with Browserless(app, raise_server_exceptions=False) as signed_in, \
            Browserless(app, raise_server_exceptions=False) as anonymous:
        signed_in.login(*OFFICE)
        for method, template, ints, others in routes:
            for value in OUT_OF_RANGE:
                path = _fill(template, ints, others, value)
                for who, client in (("office", signed_in), ("anonymous", anonymous)):
                    r = client.request(method, path, follow_redirects=False)
                    if r.status_code != 404:
                        wrong.append(f"{who} {method} {path}: {r.status_code}")
    assert wrong == []


def test_an_api_route_answers_404_in_json(app: FastAPI, world: World) -> None:
    with Browserless(app, raise_server_exceptions=False) as client:
        r = client.get("/api/tasks/-99999999999999999999999",
                       headers={"Authorization": f"Bearer {world.token('snnptnt')}"})
    assert r.status_code == 404 and r.json() == {"detail": "Không tìm thấy trang."}


def test_an_id_in_range_still_opens_its_page(app: FastAPI, world: World) -> None:
    with Browserless(app) as client:
        client.login(*OFFICE)
        page = client.get(f"/tasks/{world.task_id('I.1')}")
    assert page.status_code == 200 and "I.1" in page.text
