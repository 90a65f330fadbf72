"""Audit a written 绩效自评报告: extract the figures it states and check them (``evalkit audit``).

``readers`` turns .txt/.md/.html/.docx into paragraphs (``texttables`` finds tables in text),
``document`` walks the report, ``extract`` reads prose figures (``noise`` masks what is not data, ``vocab`` holds the words),
``tables`` and ``stream`` read tables and flattened scoring sheets, ``structure`` counts and
lists, ``checks`` / ``tablechecks`` / ``metricscheck`` recompute, ``result`` runs them, ``cli``
prints the result. See ``docs/audit.md``.
"""

from .checks import Check
from .cli import audit_file, register, render_text
from .document import extract, extract_file
from .model import Extraction, Figure, Sentence
from .readers import AuditReadError, read_report
from .result import AuditResult, run_checks

__all__ = ["AuditReadError", "AuditResult", "Check", "Extraction", "Figure", "Sentence",
           "audit_file", "extract", "extract_file", "read_report", "register", "render_text",
           "run_checks"]
