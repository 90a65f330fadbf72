"""Module names and weights for the audit, from the jurisdiction's framework YAML.

The framework is the one given with ``--framework`` (a name in ``evalkit/frameworks/`` or a
path), else the one metrics.json names (``score.framework``), else — by the module names the
report uses — the one framework whose first-level modules they are (a guess: a score above a
guessed weight is 未核对, not a mismatch). Without any, the generic first-level names of the
vocabulary are recognised and no weight is assumed.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from evalkit.config import FRAMEWORKS

from .extract import Modules, default_modules
from .readers import AuditReadError
from .vocab import vocabulary


def _modules_of(fw, source: str, certain: bool) -> Modules:
    voc = vocabulary()
    names = {m: m for m in voc.generic_modules}
    names.update(voc.module_aliases)
    weights = {name: Decimal(str(w)) for name, w in fw.module_weights().items()}
    for name in weights:
        names[name] = name
    for alias, canon in voc.module_aliases.items():
        if canon in weights:
            names[alias] = canon
    return Modules.build(names, source, weights, Decimal(str(fw.total)), certain)


def load_modules(name_or_path: str | Path, certain: bool = True) -> Modules:
    """The modules of a framework (by name or path); unreadable → :class:`AuditReadError`."""
    from evalkit.scoring.framework import resolve_framework_path

    path = resolve_framework_path(name_or_path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    mods = _load_modules(str(name_or_path), stamp)
    return Modules.build(mods.names, mods.source, mods.weights, mods.total, certain)


@lru_cache(maxsize=16)
def _load_modules(name_or_path: str, stamp: int) -> Modules:
    """Parse a framework once per file version (YAML parsing is the slow part of an audit)."""
    from evalkit.errors import InputError
    from evalkit.scoring import load_framework

    try:
        fw = load_framework(name_or_path)
    except InputError as exc:
        first = exc.problems[0] if exc.problems else None
        zh = first.zh if first is not None else "无法读取"
        raise AuditReadError(name_or_path, f"评分框架无法读取：{zh}",
                             f"cannot read the framework: {first.en if first else ''}") from None
    return _modules_of(fw, f"{fw.name}（{Path(str(name_or_path)).name}）", True)


def _framework_files() -> list[Path]:
    return sorted(FRAMEWORKS.glob("*.yaml"))


def match_modules(text: str) -> Modules | None:
    """The one framework whose first-level module names the report uses (a guess)."""
    found = []
    for path in _framework_files():
        try:
            mods = load_modules(path, certain=False)
        except AuditReadError:
            continue
        hits = {canon for name, canon in mods.names.items()
                if canon in mods.weights and name in text}
        if hits and hits == set(mods.weights):
            found.append(mods)
    if len(found) != 1:
        return None
    m = found[0]
    m.source = f"{m.source}，按报告中的模块名称匹配"
    return m


def resolve_modules(framework: str | Path | None, metrics: dict | None,
                    text: str) -> Modules:
    """Modules from ``--framework``, else metrics.json's ``score.framework``, else a match."""
    if framework:
        return load_modules(framework, certain=True)
    named = ((metrics or {}).get("score") or {}).get("framework") if metrics else None
    if isinstance(named, str) and named:
        try:
            return load_modules(named, certain=True)
        except AuditReadError:
            pass
    return match_modules(text) or default_modules()


__all__ = ["load_modules", "match_modules", "resolve_modules"]
