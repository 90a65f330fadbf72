"""Turn lost points into 存在的主要问题 and 下一步改进措施, from the framework's ``texts`` mapping."""

from __future__ import annotations

from evalkit.scoring.models import ScoreResult


def _extend_unique(out: list[str], items) -> None:
    for item in items or []:
        text = str(item).strip()
        if text and text not in out:
            out.append(text)


def problems_and_improvements(result: ScoreResult, department: dict | None = None
                              ) -> tuple[list[str], list[str]]:
    """Problems and improvements for the indicators that lost points.

    Each losing indicator is mapped to a text key: its own ``text``, else its 二级 module's, else
    its 一级 module's. Indicators sharing a key form one item (grouped, in framework order); the
    texts may use ``{indicators}`` (the names, joined with 、) and ``{reasons}`` (their deduction
    reasons, joined with ；). Identical strings are kept once. ``department['problems_extra']`` and
    ``department['improvements_extra']`` are appended (also de-duplicated). Indicators without any
    text key give a generic item built from their reason.

    Args:
        result: the scored year.
        department: the department dict (``department.yaml``); may be empty.

    Returns:
        ``(problems, improvements)``, lists of sentences without numbering (the report numbers them).
    """
    fw = result.framework
    department = department or {}
    keys: dict[str, list] = {}
    for mod, sub, ind, _ in fw.walk():
        scored = next((s for s in result.indicators if s.id == ind.id), None)
        if scored is None or scored.lost <= 0:
            continue
        key = ind.text or sub.text or mod.text or f"__generic__{ind.id}"
        keys.setdefault(key, []).append(scored)

    problems: list[str] = []
    improvements: list[str] = []
    for key, scored in keys.items():
        names = "、".join(dict.fromkeys(s.name for s in scored))
        reasons = "；".join(dict.fromkeys(s.reason for s in scored if s.reason))
        if key.startswith("__generic__"):
            s = scored[0]
            _extend_unique(problems, [f"{s.name}失分{s.lost:f}分：{s.reason}" if s.reason
                                      else f"{s.name}失分{s.lost:f}分"])
            continue
        text = fw.texts[key]
        _extend_unique(problems, [text.problem.format(indicators=names, reasons=reasons)])
        _extend_unique(improvements, [text.improvement.format(indicators=names, reasons=reasons)])
    _extend_unique(problems, department.get("problems_extra"))
    _extend_unique(improvements, department.get("improvements_extra"))
    return problems, improvements
