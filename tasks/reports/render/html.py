"""The report as one HTML page for the browser: the same content as the Word document.

    Path("bao-cao.html").write_text(render_html(data), encoding="utf-8")

Jinja2 templates in tasks/report_templates (base.html and "_" partials), autoescaped: agency
names, task contents and narratives are shown as text, never as markup. The charts are inline
PNG data URIs, so the page is a single self-contained file.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tasks.reports.content import Bullets, ChartBlock, Paragraph, ReportData, TableBlock, build_content

__all__ = ["TEMPLATES", "render_html"]

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests.update(
        paragraph=lambda b: isinstance(b, Paragraph),
        bullets=lambda b: isinstance(b, Bullets),
        table_block=lambda b: isinstance(b, TableBlock),
        chart=lambda b: isinstance(b, ChartBlock),
    )
    env.filters["bare"] = lambda text: str(text).rstrip(" ;.")
    return env


def render_html(data: ReportData, *, charts: Mapping[str, bytes] | None = None) -> str:
    """The page; ``charts`` ({"by_agency": png, ...}) is drawn when not given."""
    if charts is None:
        from tasks.reports.render.charts import by_agency_png, over_period_png

        charts = {"by_agency": by_agency_png(data.figures)}
        if data.figures.series:
            charts["over_period"] = over_period_png(data.figures)
    encoded = {kind: base64.b64encode(png).decode("ascii") for kind, png in charts.items()}
    return _environment().get_template("base.html").render(c=build_content(data), charts=encoded)
