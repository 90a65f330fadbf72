"""Audit a written 绩效自评报告: extract the figures it states and check them (``evalkit audit``).

``readers`` turns .txt/.md/.html/.docx into paragraphs, ``extract`` normalises the text and finds
the stated figures with their sentences, ``checks`` recomputes them, ``cli`` prints the result.
See ``docs/audit.md``.
"""

from .checks import AuditResult, Check, run_checks
from .cli import audit_file, register, render_text
from .extract import Extraction, Figure, Sentence, extract, extract_file
from .readers import AuditReadError, read_report

__all__ = ["AuditReadError", "AuditResult", "Check", "Extraction", "Figure", "Sentence",
           "audit_file", "extract", "extract_file", "read_report", "register", "render_text",
           "run_checks"]
