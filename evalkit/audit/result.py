"""Run every check on an extraction: :class:`AuditResult` and :func:`run_checks`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import checks as C
from . import tablechecks as T
from .checks import MISMATCH, OK, UNVERIFIED, Check
from .extract import Modules, default_modules
from .metricscheck import check_metrics, metrics_path
from .model import Extraction, key_name
from .text import printable


@dataclass
class AuditResult:
    """The figures found, the checks run on them, and the framework used."""

    extraction: Extraction
    checks: list[Check]
    metrics_file: str | None = None
    modules: Modules | None = None

    @property
    def mismatches(self) -> list[Check]:
        return [c for c in self.checks if c.status == MISMATCH]

    @property
    def exit_code(self) -> int:
        return 1 if self.mismatches else 0

    def summary(self) -> dict[str, int]:
        return {s: sum(1 for c in self.checks if c.status == s) for s in (OK, MISMATCH, UNVERIFIED)}

    def to_json(self) -> dict:
        groups = self.extraction.by_key()
        return {
            "file": printable(self.extraction.path),
            "format": self.extraction.fmt,
            "metrics": printable(self.metrics_file) if self.metrics_file else None,
            "framework": self.modules.source if self.modules is not None else None,
            "consistent": not self.mismatches,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "quantities": [
                {"key": fs[0].key, "scope": fs[0].scope or None, "name": fs[0].display_name,
                 "values": sorted({f.display() for f in fs}), "count": len(fs),
                 "metrics_path": ".".join(metrics_path(fs[0].key, fs[0].unit) or ()) or None
                 if not fs[0].scope else None}
                for fs in groups.values()],
            "figures": [f.to_json() for f in self.extraction.figures],
            "checks": [c.to_json() for c in self.checks],
            "unrecognised": self.extraction.unrecognised,
            "indicators": [i.to_json() for i in self.extraction.indicators],
            "notes": self.extraction.notes,
        }


def run_checks(extraction: Extraction, metrics: dict | None = None,
               module_max: Decimal | None = None, metrics_file: str | None = None,
               modules: Modules | None = None) -> AuditResult:
    """Run every check on an extraction (and against ``metrics`` when given)."""
    modules = modules or default_modules()
    groups = extraction.by_key()
    breakdowns, done = C.check_breakdowns(extraction)
    checks: list[Check] = []
    checks += C.check_execution_rates(groups)
    checks += breakdowns
    checks += C.check_decompositions(groups, done)
    checks += C.check_unspent(groups)
    checks += C.check_phases(extraction)
    checks += C.check_count_lists(extraction)
    checks += C.check_unit_slips(extraction)
    checks += C.check_modules(groups, modules, extraction)
    checks += C.check_max(groups, modules, module_max)
    checks += C.check_duplicates(groups)
    checks += C.check_changes(groups)
    checks += T.check_indicators(extraction)
    checks += T.check_groups(extraction)
    checks += T.check_budget_scores(extraction)
    if metrics is not None:
        checks += check_metrics(groups, metrics)
    return AuditResult(extraction, checks, metrics_file, modules)


__all__ = ["AuditResult", "run_checks", "key_name"]
