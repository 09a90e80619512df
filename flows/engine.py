"""Run the same flow code in-process or through a Prefect API.

`import prefect` alone costs over a second and a flow without ``PREFECT_API_URL`` starts an
ephemeral API server (6-16 s, ../shared/NOTES.md), which one-shot commands cannot afford.
So flow bodies are plain functions; `flow()` and `step()` wrap them in Prefect's
``@flow``/``@task`` only when a Prefect API is configured, building the wrappers lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from config.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")


StepListener = Callable[[str, bool], None]  # (step name, finished)
_listeners: ContextVar[tuple[StepListener, ...]] = ContextVar("dondoc_step_listeners", default=())


def prefect_enabled() -> bool:
    return bool(get_settings().prefect_api_url)


@contextmanager
def watching_steps(listener: StepListener) -> Iterator[None]:
    """Call ``listener(name, False)`` when a step starts and ``listener(name, True)`` when it
    ends, for the steps run inside the block (the command line draws its progress bar from
    these; flows know nothing of terminals)."""
    token = _listeners.set((*_listeners.get(), listener))
    try:
        yield
    finally:
        _listeners.reset(token)


def _notify(name: str, finished: bool) -> None:
    for listener in _listeners.get():
        listener(name, finished)


def step(*, retries: int = 0, retry_delay_seconds: float = 5) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a unit of work; under Prefect it runs as a task (retries only for I/O steps)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        prefect_task: Any = None

        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal prefect_task
            _notify(fn.__name__, False)
            if not prefect_enabled():
                result = fn(*args, **kwargs)
            else:
                if prefect_task is None:
                    from prefect import task

                    prefect_task = task(retries=retries, retry_delay_seconds=retry_delay_seconds)(fn)
                result = prefect_task(*args, **kwargs)
            _notify(fn.__name__, True)
            return result

        run.plain = fn  # type: ignore[attr-defined]
        return run

    return decorate


def flow(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a flow body; under Prefect it runs as a flow run named ``name``."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        prefect_flow: Any = None

        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal prefect_flow
            if not prefect_enabled():
                return fn(*args, **kwargs)
            if prefect_flow is None:
                prefect_flow = as_prefect_flow(fn, name)
            return prefect_flow(*args, **kwargs)

        run.plain = fn  # type: ignore[attr-defined]
        run.flow_name = name  # type: ignore[attr-defined]
        return run

    return decorate


def as_prefect_flow(fn: Callable[..., Any], name: str) -> Any:
    """The Prefect flow object for a body (deployments in prefect.yaml point at these)."""
    from prefect import flow as prefect_flow

    return prefect_flow(name=name, log_prints=True)(fn)
