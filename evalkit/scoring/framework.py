"""The indicator framework as data: YAML → strict, frozen pydantic models with located errors.

A framework is a tree 一级 module → 二级 submodule (``children``) → 三级 indicator. Every key
is documented in ``docs/scoring.md``. Errors name the file and the key path, e.g.
``【guangzhou_district.yaml】「modules[1].children[3].indicators[0].params」：缺少必填键 'k' / missing 'k'``,
and are raised together as :class:`evalkit.errors.InputError`.
"""

from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (Field, PrivateAttr, SerializeAsAny, ValidationError, ValidationInfo,
                      field_validator)
from pydantic_core import PydanticCustomError

from evalkit.config import FRAMEWORKS
from evalkit.errors import InputError, Problem, problem
from evalkit.numfmt import to_decimal
from evalkit.scoring import ruletypes  # noqa: F401  (registers the built-in rule types)
from evalkit.scoring.base import WEIGHT_TOLERANCE, Dec, Strict
from evalkit.scoring.registry import RULES, Report, Rule, rule_names

#: placeholders allowed in ``reason`` templates
REASON_FIELDS = frozenset({"name", "actual", "target", "unit", "weight", "score", "lost", "gap",
                           "unmet", "tier"})
#: placeholders allowed in problem / improvement texts
TEXT_FIELDS = frozenset({"indicators", "reasons"})


# ---------------------------------------------------------------- tree
class Indicator(Strict):
    """A 三级 indicator. See ``docs/scoring.md`` for every key.

    ``params`` is the model registered for ``rule`` (:mod:`evalkit.scoring.registry`), validated
    strictly; its ``score`` method scores the indicator.
    """
    id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    rule: str
    params: SerializeAsAny[Rule] | None = Field(default=None, validate_default=True)
    metric: str | None = None
    where: dict[str, Any] | None = None
    per: str | None = None
    absolute: bool = False
    target: Dec | str | None = None
    direction: Literal["higher", "lower"] = "higher"
    unit: str = ""
    reason: str = ""
    text: str | None = None
    allow_full_on_miss: bool = False
    note: str = ""

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        if v not in RULES:
            raise PydanticCustomError("unknown_rule", "unknown rule {rule}", {"rule": v})
        return v

    @field_validator("params", mode="before")
    @classmethod
    def _params_of_rule(cls, v: Any, info: ValidationInfo) -> Any:
        # Validated against the model registered for the (already validated) sibling ``rule``;
        # when the rule itself is wrong its params cannot be checked.
        rule = info.data.get("rule")
        if rule not in RULES:
            return None
        return RULES[rule].model_validate({} if v is None else v)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return to_decimal(v)
        return v

    @property
    def source(self) -> str:
        """``"metric"`` when a metric path is given, else ``"self_assessment"``."""
        return "metric" if self.metric else "self_assessment"

    @property
    def analyst_scored(self) -> bool:
        """Whether the score is the analyst's 自评得分 (``manual``, ``qualitative_tier``)."""
        return RULES[self.rule].analyst_scored


class Submodule(Strict):
    """A 二级 module (e.g. 预算执行, 产出)."""
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    text: str | None = None
    note: str = ""
    indicators: Annotated[list[Indicator], Field(min_length=1)]


class Module(Strict):
    """A 一级 module; its name and weight come from the framework file."""
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    text: str | None = None
    note: str = ""
    children: Annotated[list[Submodule], Field(min_length=1)]


class Grade(Strict):
    """A grade band: total >= ``min`` gives ``name``."""
    name: str
    min: Dec


class Text(Strict):
    """A 存在的主要问题 item and its 下一步改进措施."""
    problem: str
    improvement: str


class Framework(Strict):
    """A whole framework file."""
    name: Annotated[str, Field(min_length=1)]
    title: str
    jurisdiction: str = ""
    note: str = ""
    total: Dec = Decimal(100)
    grades: Annotated[list[Grade], Field(min_length=1)]
    texts: dict[str, Text] = Field(default_factory=dict)
    modules: Annotated[list[Module], Field(min_length=1)]

    _file: str = PrivateAttr(default="framework.yaml")

    @property
    def file(self) -> str:
        """The file name the framework was loaded from (for located messages)."""
        return self._file

    def walk(self):
        """Yield ``(module, submodule, indicator, key_path)`` in file order."""
        for i, mod in enumerate(self.modules):
            for j, sub in enumerate(mod.children):
                for k, ind in enumerate(sub.indicators):
                    yield mod, sub, ind, f"modules[{i}].children[{j}].indicators[{k}]"

    def indicators(self) -> list[Indicator]:
        """Every 三级 indicator, in file order."""
        return [ind for _, _, ind, _ in self.walk()]

    def self_assessed(self) -> list[Indicator]:
        """The indicators whose 自评值 the analyst enters in ``self_assessment.xlsx`` (no ``metric``).

        ``[i for i in fw.self_assessed() if i.analyst_scored]`` are the hand-scored ones (their
        自评得分 is the score).
        """
        return [ind for ind in self.indicators() if not ind.metric]

    def module_weights(self) -> dict[str, Decimal]:
        """一级 module name → weight, in file order (e.g. ``{"履职效能": 50, "管理效率": 50}``)."""
        return {m.name: m.weight for m in self.modules}

    def grade_for(self, total: Decimal) -> str:
        """The grade of a total (bands sorted by ``min`` descending)."""
        for g in sorted(self.grades, key=lambda g: g.min, reverse=True):
            if total >= g.min:
                return g.name
        return self.grades[-1].name


# ---------------------------------------------------------------- loading
def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pydantic_problem(file: str, e: dict) -> Problem:
    loc, kind = tuple(e["loc"]), e["type"]
    if kind in ("missing", "extra_forbidden"):
        path, key = _key_path(loc[:-1]), loc[-1]
        if kind == "missing":
            return problem("error", file, f"缺少必填键 '{key}'", f"missing '{key}'",
                           column=path or "(top)")
        return problem("error", file, f"未知的键 '{key}'（拼写错误？）", f"unknown key '{key}'",
                       column=path or "(top)")
    if kind == "unknown_rule":
        return problem("error", file, "未知的评分规则类型",
                       f"unknown rule; expected one of {', '.join(rule_names())}",
                       column=_key_path(loc), value=e.get("input"))
    msg = e["msg"].replace("Value error, ", "")
    return problem("error", file, f"取值无效：{msg}", msg, column=_key_path(loc),
                   value=e.get("input"))


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    return [_pydantic_problem(file, e) for e in exc.errors()]


def _template_fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


class _Collector:
    """The framework problems found so far, in the order they were found."""

    def __init__(self, file: str):
        self.file = file
        self.out: list[Problem] = []

    def err(self, path: str, zh: str, en: str, value: Any = ...) -> None:
        self.out.append(problem("error", self.file, zh, en, column=path, value=value))

    def at(self, prefix: str) -> Report:
        """A :data:`~evalkit.scoring.registry.Report` for keys under ``prefix``."""
        def report(key: str, zh: str, en: str, value: Any = ...) -> None:
            self.err(f"{prefix}.{key}", zh, en, value)
        return report

    def check_sum(self, path: str, weight: Decimal, parts: list[Decimal], what: str) -> None:
        total = sum(parts, Decimal(0))
        if abs(total - weight) > WEIGHT_TOLERANCE:
            self.err(path, f"下级{what}分值合计 {total} 不等于本级分值 {weight}",
                     f"weights of the {what} add up to {total}, not {weight}")


def _check_tree(fw: Framework, c: _Collector) -> None:
    """Module weights add up to their parents and to ``total``; module text keys exist."""
    c.check_sum("total", fw.total, [m.weight for m in fw.modules], "一级指标")
    for i, mod in enumerate(fw.modules):
        c.check_sum(f"modules[{i}].weight", mod.weight, [s.weight for s in mod.children],
                    "二级指标")
        for j, sub in enumerate(mod.children):
            c.check_sum(f"modules[{i}].children[{j}].weight", sub.weight,
                        [x.weight for x in sub.indicators], "三级指标")
            for key, holder in ((f"modules[{i}].text", mod), (f"modules[{i}].children[{j}].text", sub)):
                if holder.text and holder.text not in fw.texts:
                    c.err(key, "texts 中没有该问题文本键", f"text key '{holder.text}' not in texts",
                          holder.text)


def _check_source(ind: Indicator, path: str, c: _Collector) -> None:
    """``metric``, ``per``/``absolute`` and ``where`` fit the rule and each other."""
    if ind.analyst_scored and ind.metric:
        c.err(f"{path}.metric", f"{ind.rule} 指标的实际值来自自评表，不能指定 metric",
              f"{ind.rule} takes its value from self_assessment; remove 'metric'", ind.metric)
    if (ind.per or ind.absolute) and not ind.metric:
        c.err(f"{path}.per", "per/absolute 仅用于 metric 指标", "'per'/'absolute' need 'metric'")
    if ind.where is not None and not ind.metric:
        c.err(f"{path}.where", "where 仅用于 metric 指向列表时", "'where' needs 'metric'")


def _check_wording(fw: Framework, ind: Indicator, path: str, c: _Collector) -> None:
    """The indicator's text key exists and its ``reason`` template uses known placeholders."""
    if ind.text and ind.text not in fw.texts:
        c.err(f"{path}.text", "texts 中没有该问题文本键", f"text key '{ind.text}' not in texts",
              ind.text)
    bad = _template_fields(ind.reason) - REASON_FIELDS
    if bad:
        c.err(f"{path}.reason", f"扣分说明模板含未知占位符 {sorted(bad)}",
              f"unknown placeholder(s) {sorted(bad)}; allowed: {sorted(REASON_FIELDS)}")


def _check_indicators(fw: Framework, c: _Collector) -> None:
    """Per indicator: unique id, source, the rule's own checks (:meth:`Rule.check`), wording."""
    seen: dict[str, str] = {}
    for _mod, _sub, ind, path in fw.walk():
        if ind.id in seen:
            c.err(f"{path}.id", f"指标编码重复（已用于 {seen[ind.id]}）",
                  f"duplicate id (already used at {seen[ind.id]})", ind.id)
        else:
            seen[ind.id] = path
        _check_source(ind, path, c)
        ind.params.check(ind, c.at(path))
        _check_wording(fw, ind, path, c)


def _check_texts_and_grades(fw: Framework, c: _Collector) -> None:
    """Problem/improvement texts use known placeholders; one grade band starts at 0."""
    for key, t in fw.texts.items():
        for attr in ("problem", "improvement"):
            bad = _template_fields(getattr(t, attr)) - TEXT_FIELDS
            if bad:
                c.err(f"texts.{key}.{attr}", f"文本含未知占位符 {sorted(bad)}",
                      f"unknown placeholder(s) {sorted(bad)}; allowed: {sorted(TEXT_FIELDS)}")
    if min(g.min for g in fw.grades) > 0:
        c.err("grades", "等级划分须有一档 min 为 0", "grades need a band with min 0")


def _semantic_problems(fw: Framework) -> list[Problem]:
    """Checks across keys: weights add up, unique ids, rule/source/target fit, known text keys."""
    c = _Collector(fw.file)
    _check_tree(fw, c)
    _check_indicators(fw, c)
    _check_texts_and_grades(fw, c)
    return c.out


def resolve_framework_path(name_or_path: str | Path) -> Path:
    """``guangzhou_district`` → ``evalkit/frameworks/guangzhou_district.yaml``; a path stays."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.parent != Path("."):
        return p
    return FRAMEWORKS / f"{name_or_path}.yaml"


def parse_framework(data: Any, file: str = "framework.yaml") -> Framework:
    """Validate a framework already parsed from YAML; raise InputError with located problems."""
    if not isinstance(data, dict):
        raise InputError([problem("error", file, "框架文件顶层必须是映射（键: 值）",
                                  "top level must be a mapping")])
    try:
        fw = Framework.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(file, exc)) from None
    fw._file = file
    problems = _semantic_problems(fw)
    if problems:
        raise InputError(problems)
    return fw


def load_framework(name_or_path: str | Path | Framework) -> Framework:
    """Load and validate a framework by name (``evalkit/frameworks/<name>.yaml``) or path.

    Raises:
        InputError: the file is missing, is not valid YAML, or breaks a rule of the schema; every
            problem names the file and the key path.
    """
    if isinstance(name_or_path, Framework):
        return name_or_path
    path = resolve_framework_path(name_or_path)
    file = path.name
    if not path.exists():
        raise InputError([problem("error", file, f"找不到评分框架文件 {path}",
                                  "framework file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError([problem("error", file, "YAML 语法错误", f"invalid YAML: {exc}",
                                  row=mark.line + 1 if mark else None)]) from None
    return parse_framework(data, file)
