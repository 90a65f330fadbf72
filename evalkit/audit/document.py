"""The whole report: prose sentences, table rows, flattened scoring sheets, counts and lists.

:func:`extract` walks a read report's sentences once and hands each to its reader: prose to
:mod:`evalkit.audit.extract`, table rows to :mod:`evalkit.audit.tables`, scoring sheets flattened
into text to :mod:`evalkit.audit.stream`, counts and their lists to :mod:`evalkit.audit.structure`.
(Those readers import the sentence machinery of ``extract``; this module sits above all of them,
so no module imports one that imports it back.)
"""

from __future__ import annotations

from pathlib import Path

from . import stream, structure, tables
from .extract import (_CONTINUES, Modules, _Context, default_modules, extract_sentence,
                      report_year, split_sentences)
from .model import Extraction, Sentence
from .readers import RawReport, read_report


def extract(report: RawReport, modules: Modules | None = None) -> Extraction:
    """Extract every figure from a report that has been read.

    Prose sentences are read here; table rows by :mod:`evalkit.audit.tables`; scoring sheets
    flattened into text (OCR, PDF exports) by :mod:`evalkit.audit.stream`; counts against
    their lists and 年初/年中 totals by :mod:`evalkit.audit.structure`.
    """
    modules = modules or default_modules()
    sentences = split_sentences(report)
    out = Extraction(str(report.path), report.fmt, sentences)
    ctx = _Context(report_year=report_year(sentences))
    rows: list[Sentence] = []
    streamed: list[Sentence] = []
    for s in sentences:
        if rows and s.row is None:
            tables.extract_tables(rows, out, modules, ctx)
            rows = []
        if streamed and not stream.is_stream(s, previous=True):
            stream.extract_streams(streamed, out, modules)
            streamed = []
        if s.row is not None:
            rows.append(s)
            continue
        if stream.is_stream(s, previous=bool(streamed)):
            streamed.append(s)
            continue
        if s.paragraph != ctx.paragraph or not _CONTINUES.match(s.text):
            ctx.last_subject = ""       # a change's subject is in its sentence, unless the
        ctx.paragraph = s.paragraph     # sentence only goes on about it (同比上年度增加…)
        start = len(out.figures)
        extract_sentence(s, ctx, out, modules)
        structure.read_sentence(s, out.figures[start:], out)
    if rows:
        tables.extract_tables(rows, out, modules, ctx)
    if streamed:
        stream.extract_streams(streamed, out, modules)
    tables.read_rules(sentences, out)
    return out


def extract_file(path: Path | str, modules: Modules | None = None) -> Extraction:
    """Read and extract a report file (raises ``AuditReadError`` when it cannot be read)."""
    return extract(read_report(path), modules)
