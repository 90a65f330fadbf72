"""The rule registry: a rule type is one class registered once; the package has no circle and
knows no module name or rule name outside the rule types."""

from __future__ import annotations

import ast
import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from evalkit.config import FRAMEWORKS
from evalkit.errors import InputError
from evalkit.scoring import (RULES, Dec, Entry, EntryError, Outcome, Rule, load_framework,
                             register_rule, rule_names, rules, score_year)
from evalkit.scoring.ruletypes import Checklist
from test_scoring_engine import metrics_2023, sa_rows

ROOT = Path(__file__).resolve().parents[1]
SCORING = ROOT / "evalkit" / "scoring"
BUILT_IN = ("ratio_capped", "per_point", "per_step", "banded", "checklist", "per_event", "binary",
            "qualitative_tier", "manual")


@pytest.fixture
def registry():
    """Let a test register rule types; the registry is restored afterwards."""
    saved = dict(RULES)
    yield RULES
    RULES.clear()
    RULES.update(saved)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load((FRAMEWORKS / "guangzhou_district.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_framework(path)
    return [p.format() for p in exc.value.problems]


def test_built_in_rule_types_registered_once():
    assert rule_names() == BUILT_IN
    assert len(set(RULES.values())) == len(BUILT_IN)
    assert all(cls.rule == name for name, cls in RULES.items())
    assert {n for n, cls in RULES.items() if cls.analyst_scored} == {"manual", "qualitative_tier"}


def test_register_refuses_a_second_class_for_a_name(registry):
    class Other(Rule):
        rule = "checklist"
    with pytest.raises(ValueError, match="already registered by Checklist"):
        register_rule(Other)
    assert RULES["checklist"] is Checklist
    register_rule(Checklist)                       # the same class again is harmless


def test_register_needs_a_rule_subclass_with_a_name(registry):
    class Nameless(Rule):
        pass
    with pytest.raises(TypeError, match="rule ="):
        register_rule(Nameless)
    with pytest.raises(TypeError, match="not a Rule subclass"):
        register_rule(dict)  # type: ignore[arg-type]


def _proportional(registry) -> type[Rule]:
    @register_rule
    class Proportional(Rule):
        """``proportional``: ``w × min(actual / full, 1)``; below ``floor`` nothing."""
        rule = "proportional"
        full: Dec
        floor: Dec = Decimal(0)

        def score(self, entry: Entry) -> Outcome:
            x = entry.number()
            if x < self.floor:
                return Outcome(Decimal(0), x, missed=True)
            return Outcome(rules.ratio_capped(entry.weight, x, self.full), x,
                           missed=entry.missed(x))

        def check(self, indicator, report) -> None:
            if self.floor > self.full:
                report("params.floor", "floor 不能高于 full", "floor above full", self.floor)

    return Proportional


def test_a_new_rule_type_is_one_class(registry, raw, tmp_path):
    """Register one class; a framework file uses it; nothing else changes."""
    _proportional(registry)
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][0]["indicators"][1]         # L1.2 按期办结率, weight 3
    ind["rule"], ind["params"] = "proportional", {"full": 100, "floor": 60}
    res = score_year(metrics_2023(), sa_rows(2023), load_framework(_write(tmp_path, data)))
    assert res.indicator("L1.2").score == Decimal("2.96")             # 3 × 98.76 % = 2.9628
    assert res.indicator("L1.2").rule == "proportional"
    assert res.total == Decimal("92.06")                              # 92.10 − 3.00 + 2.96


def test_a_new_rule_types_params_are_validated_strictly(registry, raw, tmp_path):
    _proportional(registry)
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][0]["indicators"][1]
    ind["rule"], ind["params"] = "proportional", {"ful": 100}
    msgs = _errors(_write(tmp_path, data))
    at = "「modules[0].children[0].indicators[1].params」"
    assert any(at in m and "missing 'full'" in m for m in msgs), msgs
    assert any(at in m and "unknown key 'ful'" in m for m in msgs), msgs
    ind["params"] = {"full": 100, "floor": 120}
    msgs = _errors(_write(tmp_path, data))
    assert msgs == [m for m in msgs if "indicators[1].params.floor" in m and "floor above full" in m]
    assert len(msgs) == 1


def test_unknown_rule_lists_the_registered_ones(registry, raw, tmp_path):
    _proportional(registry)
    data = copy.deepcopy(raw)
    data["modules"][0]["children"][0]["indicators"][1]["rule"] = "proportionl"
    msgs = _errors(_write(tmp_path, data))
    assert len(msgs) == 1 and "indicators[1].rule" in msgs[0] and "proportional" in msgs[0]
    assert "（原值：proportionl）" in msgs[0]


def test_entry_error_is_located_in_the_named_column(registry, raw, tmp_path):
    @register_rule
    class NeedsEvidence(Rule):
        rule = "needs_evidence"

        def score(self, entry: Entry) -> Outcome:
            if not entry.row or not entry.row.evidence:
                raise EntryError("evidence", "须填写佐证材料", "evidence required")
            return Outcome(entry.weight, entry.value)

    data = copy.deepcopy(raw)
    ind = data["modules"][1]["children"][5]["indicators"][1]          # M6.2, from the 自评表
    ind["rule"] = "needs_evidence"
    del ind["target"]
    df = sa_rows(2023)
    df.loc[df.indicator_id == "M6.2", "evidence"] = None
    with pytest.raises(InputError) as exc:
        score_year(metrics_2023(), df, load_framework(_write(tmp_path, data)))
    row = int(df.loc[df.indicator_id == "M6.2", "source_row"].iloc[0])
    assert [p.format() for p in exc.value.errors] == [
        f"[错误] 【self_assessment.xlsx／自评表】第{row}行「佐证材料」：须填写佐证材料 / evidence required"]


def test_every_rule_type_is_documented():
    doc = (ROOT / "docs" / "scoring.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in doc for name in rule_names())


# ---------------------------------------------------------------- the package's shape
def _modules() -> dict[str, Path]:
    return {("evalkit.scoring" if p.stem == "__init__" else f"evalkit.scoring.{p.stem}"): p
            for p in SCORING.glob("*.py")}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module imported anywhere in the file (also inside functions and under
    ``if TYPE_CHECKING:``); ``from package import submodule`` counts as the submodule."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in modules else node.module)
    return found


def test_no_import_circle_in_the_scoring_package():
    mods = _modules()
    graph = {m: {i for i in _imports(p, set(mods)) if i in mods and i != m}
             for m, p in mods.items()}
    # a submodule importing the package itself would import every submodule back
    assert not [m for m, deps in graph.items() if m != "evalkit.scoring" and "evalkit.scoring" in deps]

    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for dep in sorted(graph[m]):
            assert state.get(dep) != 1, " → ".join([*trail, m, dep])
            if dep not in state:
                visit(dep, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_scoring_imports_nothing_above_it():
    allowed = {"evalkit.config", "evalkit.errors", "evalkit.numfmt", "evalkit.schema",
               "evalkit.fsutil"}
    for name, path in _modules().items():
        ours = {i for i in _imports(path, set(_modules())) if i.startswith("evalkit.")}
        upward = {i for i in ours if not i.startswith("evalkit.scoring")
                  and not any(i == a or i.startswith(a + ".") for a in allowed)}
        assert not upward, (name, upward)


def _string_constants(path: Path) -> set[str]:
    """The string literals of the code (docstrings left out: they may give examples)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docstrings}


def test_no_rule_type_is_named_outside_its_class():
    """The engine and the loader dispatch through the registry, never on a rule's name."""
    for name, path in _modules().items():
        if name != "evalkit.scoring.ruletypes":
            assert not _string_constants(path) & set(BUILT_IN), name


@pytest.mark.parametrize("path", [*sorted(SCORING.glob("*.py")), ROOT / "evalkit" / "checks.py"],
                         ids=lambda p: p.name)
def test_no_framework_module_name_in_code(path):
    """Module names come from the framework file (履职效能/管理效率 are guangzhou_district's)."""
    named = [(name, text) for text in _string_constants(path)
             for name in ("履职效能", "管理效率", "管理效能")
             if name in text]
    assert not named, f"{path.name} names a module: {named}"
