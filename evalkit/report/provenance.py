"""``outputs/<year>/provenance.json``: what the hand-in files were made from, kept beside them.

The hand-in files (report.docx, scorecard.xlsx) carry no hash, timestamp, file name or tool name;
the analyst and a reviewer find those here and in the HTML report's 报告信息: the input files with
their SHA-256 (``metrics["provenance"]`` and ``metrics["sources"]``), the framework file, the run
parameters, the evalkit version and code digest, when the metrics and the report were made, the
indicators whose weights are not yet confirmed, and the SHA-256 of every output file written.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any, Mapping

from evalkit import __version__
from evalkit.fsutil import atomic_write_text, sha256_file

FILE = "provenance.json"
SAMPLE_NOTE = "示例数据：输入为 evalkit 自带的示例数据，不代表真实情况。"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def provenance_record(metrics: Mapping[str, Any], params: Mapping[str, Any] | None,
                      outputs: Mapping[str, Path | str] | None = None,
                      generated_at: str | None = None) -> dict[str, Any]:
    """The provenance of one year's report (see the module docstring)."""
    score = metrics.get("score") or {}
    unconfirmed = [i.get("id") for i in score.get("indicators") or []
                   if i.get("confirmed") is False]
    record: dict[str, Any] = {
        "year": metrics.get("year"),
        "department": metrics.get("department"),
        "is_sample": bool(metrics.get("is_sample")),
        "report_generated_at": generated_at or _dt.datetime.now().astimezone().isoformat(
            timespec="seconds"),
        "metrics_generated_at": metrics.get("generated_at"),
        "evalkit_version": __version__,
        "framework": score.get("framework"),
        "unconfirmed_indicators": unconfirmed,
        "parameters": _jsonable(dict(params or {})),
        "sources": _jsonable(metrics.get("sources") or []),
        "metrics_provenance": _jsonable(metrics.get("provenance") or {}),
        "outputs": {name: sha256_file(path) for name, path in sorted((outputs or {}).items())
                    if Path(path).is_file()},
    }
    if record["is_sample"]:
        record["note"] = SAMPLE_NOTE
    return record


def write_provenance(metrics: Mapping[str, Any], path: Path | str,
                     params: Mapping[str, Any] | None = None,
                     outputs: Mapping[str, Path | str] | None = None) -> Path:
    """Write ``provenance.json`` atomically (UTF-8, indented) and return its path."""
    generated = (params or {}).get("generated_at")
    record = provenance_record(metrics, params, outputs, generated)
    return atomic_write_text(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
