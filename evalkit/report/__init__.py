"""The shareable HTML report: ``render_report`` (Jinja2, autoescaped, self-contained) and
``write_report`` (atomic)."""

from evalkit.report.builder import CHART_CAPTIONS, render_report, write_report

__all__ = ["CHART_CAPTIONS", "render_report", "write_report"]
