"""``--metrics``: load an evalkit metrics.json (refusing anything else) and compare with it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from evalkit.numfmt import to_decimal

from .checks import MISMATCH, OK, Check, _show, _signed, round_to_step, same_value, unverified
from .model import INDICATOR_PREFIX, Figure, key_name
from .readers import AuditReadError
from .vocab import vocabulary

#: sections of an evalkit metrics.json and the type each must have
_SECTIONS = {"budget": dict, "petitions": dict, "score": dict, "yoy": dict}


def _reject(p: Path, zh: str, en: str) -> AuditReadError:
    return AuditReadError(p, f"不是 evalkit 生成的 metrics.json：{zh}",
                          f"not an evalkit metrics.json: {en}")


def validate_metrics(data: Any, p: Path) -> dict:
    """The metrics dict, or :class:`AuditReadError` naming what is wrong and where.

    An evalkit metrics.json is an object with an integer ``year`` and at least one of the
    sections ``budget`` / ``petitions`` / ``score``, each an object.
    """
    if not isinstance(data, dict):
        raise _reject(p, f"顶层应为对象，实为{type(data).__name__}", "the top level must be an object")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        raise _reject(p, f"缺少整数 year（位置：year，原值：{year!r}）",
                      "missing an integer 'year' (at: year)")
    for name, kind in _SECTIONS.items():
        if name in data and data[name] is not None and not isinstance(data[name], kind):
            raise _reject(p, f"{name} 应为对象（位置：{name}）", f"'{name}' must be an object")
    if not any(isinstance(data.get(k), dict) for k in ("budget", "petitions", "score")):
        raise _reject(p, "缺少 budget / petitions / score 任一部分", "no budget, petitions or score section")
    return data


def load_metrics(path: Path | str) -> dict:
    """Load a metrics.json; unreadable, not JSON, or not evalkit's → :class:`AuditReadError`."""
    p = Path(path)
    if not p.is_file():
        raise AuditReadError(p, "metrics.json 文件不存在", "metrics file not found")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"第{exc.lineno}行第{exc.colno}列" if isinstance(exc, json.JSONDecodeError) else ""
        raise AuditReadError(p, f"metrics.json 无法解析{('（' + where + '）') if where else ''}",
                             f"cannot parse metrics.json ({type(exc).__name__})") from exc
    return validate_metrics(data, p)


METRICS_PATHS: dict[str, tuple[str, ...]] = {
    "prev:petitions.national_initial_qiujue_count": ("petitions",
                                                     "national_initial_qiujue_prev_count"),
    "yoy:petitions.national_initial_qiujue_count": ("petitions", "national_initial_qiujue_yoy_pct"),
    "rank:petitions.national_initial_qiujue_count": ("petitions", "national_initial_qiujue_rank"),
}
#: quantity keys of the vocabulary that are not metrics.json paths
_NOT_METRICS = ("income.", "budget.personnel", "budget.public", "budget.funds_received",
                "budget.adjustment_down")


def metrics_path(key: str, unit: str = "") -> tuple[str, ...] | None:
    """The metrics.json path of a (headline) figure key, or None when metrics.json has none."""
    if key.startswith(INDICATOR_PREFIX) or key.startswith(_NOT_METRICS):
        return None
    if key in METRICS_PATHS:
        return METRICS_PATHS[key]
    if key.startswith("score.modules."):
        return ("score", "modules", key.split(".", 2)[2])
    plain = key.split(":", 1)[-1]
    known = plain in vocabulary().names and plain.split(".")[0] in ("budget", "petitions",
                                                                    "score")
    if key.startswith("yoy:") and known and not plain.endswith("_pct"):
        return ("yoy", plain)
    if key.startswith("change:") and plain.endswith("_pct") and unit == "个百分点" and known:
        return ("yoy", plain)
    if ":" not in key and known:
        return tuple(key.split(".", 1))
    return None


def _lookup(metrics: dict, path: tuple[str, ...]) -> Any:
    node: Any = metrics
    aliases = vocabulary().module_aliases
    for i, part in enumerate(path):
        if not isinstance(node, dict):
            return None
        if part in node:
            node = node[part]
            continue
        if i == len(path) - 1 and path[:2] == ("score", "modules"):
            for alias, canon in aliases.items():   # 管理效能 / 管理效率 are the same module
                if canon == part and alias in node:
                    return node[alias]
        if path[0] == "yoy" and i == 1:
            return node.get(part)
        return None
    return node


def _compare(f: Figure, raw: Any, path: tuple[str, ...]) -> Check:
    title = f"{key_name(f.key)} ↔ metrics {'.'.join(path)}"
    try:
        computed = to_decimal(raw)
    except (ValueError, TypeError):
        return unverified("metrics", title, f.display(), "metrics.json 中的值不是数字 / not a number",
                          [f])
    if f.kind == "rank":
        ok, shown = computed == f.value, f"第{computed}名"
    else:
        rounded = round_to_step(computed, f.step)
        ok = rounded == f.value or abs(computed - f.value) <= Decimal("0.005")
        show = _signed if f.kind in ("yoy", "change") else _show
        shown = show(computed, max(f.places, 2), f.unit)
    status = OK if ok else MISMATCH
    check = Check("metrics", title, status, f.display(), shown,
                  f"metrics.json：{'.'.join(path)} = {raw}", [f])
    if not ok and not f.certain:
        check.status = "UNVERIFIED"
        check.reason = f"读数不确定（{f.why_uncertain()}），不判为不一致 / uncertain reading"
    return check


def check_metrics(groups, metrics: dict) -> list[Check]:
    """Every distinct stated headline figure equals metrics.json at the stated precision."""
    out = []
    for figs in groups.values():
        seen: list[Figure] = []
        for f in figs:
            if f.approx or f.scope or any(same_value(f, g) for g in seen[:8]):
                continue
            seen.append(f)
            path = metrics_path(f.key, f.unit)
            if path is None:
                continue
            raw = _lookup(metrics, path)
            if raw is None or isinstance(raw, (dict, list, bool)):
                out.append(unverified("metrics", f"{key_name(f.key)} ↔ metrics {'.'.join(path)}",
                                      f.display(), "metrics.json 中无此值 / not in metrics.json", [f]))
                continue
            out.append(_compare(f, raw, path))
    return out


__all__ = ["METRICS_PATHS", "check_metrics", "load_metrics", "metrics_path", "validate_metrics"]
