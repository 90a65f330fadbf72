"""The audit's vocabulary, loaded once from ``vocabulary.yaml`` (and the metric catalogue).

A quantity key that is a metrics.json path takes its display name and synonyms from
:mod:`evalkit.catalogue` when that package is installed; ``vocabulary.yaml`` adds the wordings of
published reports and the quantities metrics.json does not have (收入, 人员经费, 到位资金 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).resolve().parent / "vocabulary.yaml"


@dataclass(frozen=True)
class Term:
    """One word that names a quantity (``key``) or a role (``@score``, ``@basic`` …)."""

    word: str
    key: str
    kind: str
    sign: int = 1


@dataclass
class Vocabulary:
    """Everything :mod:`evalkit.audit` looks words up in."""

    terms: dict[str, Term]
    names: dict[str, str]
    kinds: dict[str, str]
    part_keys: dict[str, tuple[str, str]]
    part_of: dict[str, str]
    decompositions: list[tuple[str, tuple[str, ...]]]
    module_aliases: dict[str, str]
    generic_modules: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    term_re: re.Pattern = field(default=re.compile("(?!)"))
    column_re: re.Pattern = field(default=re.compile("(?!)"))
    column_of: dict[str, str] = field(default_factory=dict)

    def words(self, name: str) -> tuple[str, ...]:
        """A word list of the YAML (``total_rows``, ``chrome_lines`` …)."""
        return self.lists.get(name, ())

    def name(self, key: str) -> str:
        return self.names.get(key, key)


def alternation(words) -> str:
    """A regex alternation of literal words, longest first (leftmost-longest matching)."""
    uniq = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in uniq) or "(?!)"


def _catalogue_entry(key: str):
    """(name, synonyms, part_of) of a catalogue key, or None (no catalogue, unknown key)."""
    try:
        from evalkit import catalogue  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        m = catalogue.get(key)
    except Exception:  # KeyError for an unknown key; any catalogue trouble means "not there"
        return None
    words = [w for w in (m.name, getattr(m, "short", ""), *getattr(m, "synonyms", ())) if w]
    return m.name, words, getattr(m, "part_of", None)


def _add_quantities(data: dict, voc: Vocabulary) -> list[Term]:
    """The YAML's terms; returns the catalogue's extra synonyms (added after the roles)."""
    ignore = set(data.get("catalogue_ignore") or ())
    extra_terms: list[Term] = []
    for key, spec in (data.get("quantities") or {}).items():
        target = spec.get("alias_of", key)
        kind = spec["kind"]
        sign = int(spec.get("sign", 1))
        entry = _catalogue_entry(target)
        name = spec.get("name", key)
        if entry is not None and "alias_of" not in spec:
            name, extra, part = entry
            extra_terms += [Term(w, target, kind, sign) for w in extra
                            if len(w) >= 2 and w not in ignore]
            if part and target not in voc.part_of:
                voc.part_of[target] = part
        voc.names.setdefault(target, name)
        voc.kinds[target] = kind
        for w in spec.get("terms") or []:
            voc.terms.setdefault(w, Term(w, target, kind, sign))
    return extra_terms + _catalogue_quantities(data, voc, ignore)


AUDIT_KINDS = {"amount": "amount", "rate": "rate", "count": "count"}
"""Catalogue kinds the audit can check, and the quantity kind each becomes."""


def _catalogue_quantities(data: dict, voc: Vocabulary, ignore: set[str]) -> list[Term]:
    """Figures marked ``audit: true`` in the metric catalogue and not in the YAML's quantities:
    a new metric reaches the audit through its catalogue entry alone."""
    try:
        from evalkit import catalogue  # type: ignore[attr-defined]
    except ImportError:
        return []
    listed = set(data.get("quantities") or ())
    terms: list[Term] = []
    for key in catalogue.audit_keys():
        m = catalogue.get(key)
        kind = AUDIT_KINDS.get(m.kind)
        if key in listed or kind is None:
            continue
        voc.names.setdefault(key, m.name)
        voc.kinds[key] = kind
        if m.part_of and key not in voc.part_of:
            voc.part_of[key] = m.part_of
        terms += [Term(w, key, kind) for w in dict.fromkeys((m.name, m.short, *m.synonyms))
                  if len(w) >= 2 and w not in ignore]
    return terms


def _add_roles(data: dict, voc: Vocabulary) -> None:
    kinds = {"score": "score", "weight": "weight", "lost": "lost", "basic": "amount",
             "project": "amount"}
    for role, words in (data.get("roles") or {}).items():
        for w in words:
            voc.terms.setdefault(w, Term(w, f"@{role}", kinds[role]))


def _build(data: dict) -> Vocabulary:
    voc = Vocabulary(
        terms={}, names=dict(data.get("names") or {}), kinds={},
        part_keys={k: tuple(v) for k, v in (data.get("part_keys") or {}).items()},
        part_of=dict(data.get("part_of") or {}),
        decompositions=[(w, tuple(p)) for w, p in (data.get("decompositions") or [])],
        module_aliases=dict(data.get("module_aliases") or {}),
        generic_modules=tuple(data.get("generic_modules") or ()),
        columns={k: tuple(v) for k, v in (data.get("columns") or {}).items()})
    catalogue_terms = _add_quantities(data, voc)
    _add_roles(data, voc)            # 自评得分 / 得分 depend on the sentence: before the catalogue's
    for term in catalogue_terms:
        voc.terms.setdefault(term.word, term)
    for listname in ("budget_rows", ):
        for sub, words in (data.get(listname) or {}).items():
            voc.lists[f"{listname}.{sub}"] = tuple(words)
    for listname in ("total_rows", "entity_headers", "entity_endings", "prose_entities",
                     "chrome_lines", "instructions", "thresholds"):
        voc.lists[listname] = tuple(data.get(listname) or ())
    voc.term_re = re.compile(alternation(voc.terms))
    for role, words in voc.columns.items():
        for w in words:
            voc.column_of.setdefault(w, role)
    voc.column_re = re.compile(alternation(voc.column_of))
    return voc


@lru_cache(maxsize=4)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    """The vocabulary of ``vocabulary.yaml`` (or another file of the same shape)."""
    text = Path(path or VOCABULARY_FILE).read_text(encoding="utf-8")
    return _build(yaml.safe_load(text) or {})


def vocabulary() -> Vocabulary:
    """The default vocabulary (cached)."""
    return load_vocabulary(None)


__all__ = ["Term", "Vocabulary", "alternation", "load_vocabulary", "vocabulary"]
