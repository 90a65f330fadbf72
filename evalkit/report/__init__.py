"""The report: one drafting function, two renderers.

:func:`draft_report` drafts the report from the metrics dict and department.yaml; the HTML renderer
(:func:`render_report`, :func:`write_report`) and the Word renderer (:func:`render_docx`,
:func:`write_docx`) draw that same draft, so their text never disagrees. :func:`html_to_pdf`
prints the HTML with headless Chromium; :func:`write_provenance` writes provenance.json.
"""

from evalkit.report.builder import CHART_CAPTIONS, render_report, write_report
from evalkit.report.draft import Draft, draft_report
from evalkit.report.pdf import PdfError, find_chromium, html_to_pdf
from evalkit.report.provenance import write_provenance
from evalkit.report.word import WordOptions, render_docx, write_docx

__all__ = ["CHART_CAPTIONS", "Draft", "PdfError", "WordOptions", "draft_report", "find_chromium",
           "html_to_pdf", "render_docx", "render_report", "write_docx", "write_provenance",
           "write_report"]
