"""Prefect flow objects for prefect.yaml's deployments (importing this module imports Prefect)."""

from __future__ import annotations

from flows.engine import as_prefect_flow
from flows.escalation.sweep import daily_sweep
from flows.reports.flow import compile_due_reports

daily_sweep_flow = as_prefect_flow(daily_sweep.plain, "daily-sweep")  # type: ignore[attr-defined]
compile_reports_flow = as_prefect_flow(compile_due_reports.plain, "compile-reports")  # type: ignore[attr-defined]
