"""The indicator framework as data: YAML → strict, frozen pydantic models with located errors.

A framework is a tree 一级 module → 二级 submodule (``children``) → 三级 indicator. Every key
is documented in ``docs/scoring.md``. Errors name the file and the key path, e.g.
``【guangzhou_district.yaml】「modules[1].children[3].indicators[0].params」：缺少参数 'k' / missing 'k'``,
and are raised together as :class:`evalkit.errors.InputError`.
"""

from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      ValidationError, field_validator, model_validator)

from evalkit.config import FRAMEWORKS
from evalkit.errors import InputError, Problem, problem
from evalkit.numfmt import to_decimal
from evalkit.scoring.rules import RULE_TYPES, Interval

WEIGHT_TOLERANCE = Decimal("0.001")


def _dec(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise ValueError(f"expected a number, got {value!r}") from exc


Dec = Annotated[Decimal, BeforeValidator(_dec)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- rule parameters
class RatioCappedParams(_Strict):
    """``ratio_capped``: no parameters; uses the indicator's ``target`` and ``direction``."""
    rule: Literal["ratio_capped"]


class PerPointParams(_Strict):
    """``per_point``: deduct ``k`` per percentage point ``over``/``under`` ``threshold``."""
    rule: Literal["per_point"]
    threshold: Dec
    k: Annotated[Dec, Field(gt=0)]
    beyond: Literal["over", "under"]


class PerStepParams(_Strict):
    """``per_step``: deduct ``k`` per ``step`` points beyond ``threshold``; partial steps by ``rounding``."""
    rule: Literal["per_step"]
    threshold: Dec
    k: Annotated[Dec, Field(gt=0)]
    step: Annotated[Dec, Field(gt=0)]
    beyond: Literal["over", "under"]
    rounding: Literal["ceil", "floor", "exact"]


class Band(_Strict):
    """One band: ``range`` like ``"[80,90)"`` and the absolute ``score`` it gives."""
    range: str
    score: Annotated[Dec, Field(ge=0)]

    @field_validator("range")
    @classmethod
    def _check_range(cls, v: str) -> str:
        Interval.parse(v)
        return v

    @property
    def interval(self) -> Interval:
        """The parsed interval."""
        return Interval.parse(self.range)


class BandedParams(_Strict):
    """``banded``: a list of bands; the first band containing the actual value wins."""
    rule: Literal["banded"]
    bands: Annotated[list[Band], Field(min_length=1)]


class ChecklistItem(_Strict):
    """A checklist item: its name and (``points`` mode) its points."""
    name: str
    points: Dec | None = None


class ChecklistParams(_Strict):
    """``checklist``: ``points`` (sum of satisfied items) or ``deduct`` (weight − k × violations)."""
    rule: Literal["checklist"]
    mode: Literal["points", "deduct"]
    items: Annotated[list[ChecklistItem], Field(min_length=1)]
    k: Annotated[Dec, Field(gt=0)] | None = None


class PerEventParams(_Strict):
    """``per_event``: weight − k × count."""
    rule: Literal["per_event"]
    k: Annotated[Dec, Field(gt=0)]


class BinaryParams(_Strict):
    """``binary``: met → weight, else 0."""
    rule: Literal["binary"]


DEFAULT_TIERS = {"达成": (Decimal("0.8"), Decimal(1)), "部分达成": (Decimal("0.6"), Decimal("0.8")),
                 "未达成": (Decimal(0), Decimal("0.6"))}


class QualitativeTierParams(_Strict):
    """``qualitative_tier``: tier name → [lo, hi] fraction of the weight (closed)."""
    rule: Literal["qualitative_tier"]
    tiers: dict[str, tuple[Dec, Dec]] = Field(default_factory=lambda: dict(DEFAULT_TIERS))

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, v: dict[str, tuple[Decimal, Decimal]]):
        for name, (lo, hi) in v.items():
            if not (0 <= lo <= hi <= 1):
                raise ValueError(f"tier {name}: need 0 <= lo <= hi <= 1, got [{lo}, {hi}]")
        return v


class ManualParams(_Strict):
    """``manual``: no parameters; the analyst's score, with a reason when below the weight."""
    rule: Literal["manual"]


RuleParams = Annotated[Union[RatioCappedParams, PerPointParams, PerStepParams, BandedParams,
                             ChecklistParams, PerEventParams, BinaryParams,
                             QualitativeTierParams, ManualParams], Field(discriminator="rule")]

#: placeholders allowed in ``reason`` templates
REASON_FIELDS = frozenset({"name", "actual", "target", "unit", "weight", "score", "lost", "gap",
                           "unmet", "tier"})
#: placeholders allowed in problem / improvement texts
TEXT_FIELDS = frozenset({"indicators", "reasons"})


# ---------------------------------------------------------------- tree
class Indicator(_Strict):
    """A 三级 indicator. See ``docs/scoring.md`` for every key."""
    id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    rule: Literal[RULE_TYPES]  # type: ignore[valid-type]
    params: RuleParams
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

    @model_validator(mode="before")
    @classmethod
    def _inject_rule(cls, data: Any) -> Any:
        # The params union is discriminated by the sibling ``rule`` key: copy it in.
        if isinstance(data, dict) and data.get("rule") in RULE_TYPES:
            params = data.get("params")
            if params is None:
                params = {}
            if isinstance(params, dict):
                data = {**data, "params": {**params, "rule": data["rule"]}}
        return data

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


class Submodule(_Strict):
    """A 二级 module (e.g. 预算执行, 产出)."""
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    text: str | None = None
    note: str = ""
    indicators: Annotated[list[Indicator], Field(min_length=1)]


class Module(_Strict):
    """A 一级 module (履职效能 / 管理效率)."""
    name: Annotated[str, Field(min_length=1)]
    weight: Annotated[Dec, Field(gt=0)]
    confirmed: bool
    text: str | None = None
    note: str = ""
    children: Annotated[list[Submodule], Field(min_length=1)]


class Grade(_Strict):
    """A grade band: total >= ``min`` gives ``name``."""
    name: str
    min: Dec


class Text(_Strict):
    """A 存在的主要问题 item and its 下一步改进措施."""
    problem: str
    improvement: str


DEFAULT_GRADES = [Grade(name="优", min=Decimal(90)), Grade(name="良", min=Decimal(80)),
                  Grade(name="中", min=Decimal(60)), Grade(name="差", min=Decimal(0))]


class Framework(_Strict):
    """A whole framework file."""
    name: Annotated[str, Field(min_length=1)]
    title: str
    jurisdiction: str = ""
    note: str = ""
    total: Dec = Decimal(100)
    grades: Annotated[list[Grade], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_GRADES))
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

    def grade_for(self, total: Decimal) -> str:
        """The grade of a total (bands sorted by ``min`` descending)."""
        for g in sorted(self.grades, key=lambda g: g.min, reverse=True):
            if total >= g.min:
                return g.name
        return self.grades[-1].name


# ---------------------------------------------------------------- loading
def _key_path(loc: tuple) -> str:
    out = ""
    prev = None
    for part in loc:
        if prev == "params" and part in RULE_TYPES:  # the discriminator tag
            prev = part
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
        prev = part
    return out


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    bad_rule_at = {_key_path(e["loc"][:-1]) for e in exc.errors() if e["loc"][-1:] == ("rule",)
                   and len(e["loc"]) > 1 and e["loc"][-2] != "params"}
    for e in exc.errors():
        loc = tuple(e["loc"])
        if "params" in loc:
            owner = _key_path(loc[:loc.index("params")])
            if owner in bad_rule_at:
                continue  # the rule itself is wrong; its params cannot be checked
        kind = e["type"]
        if kind == "missing":
            path, key = _key_path(loc[:-1]), loc[-1]
            problems.append(problem("error", file, f"缺少必填键 '{key}'", f"missing '{key}'",
                                    column=path or "(top)"))
        elif kind == "extra_forbidden":
            path, key = _key_path(loc[:-1]), loc[-1]
            problems.append(problem("error", file, f"未知的键 '{key}'（拼写错误？）",
                                    f"unknown key '{key}'", column=path or "(top)"))
        elif kind == "literal_error" and loc[-1:] == ("rule",):
            problems.append(problem("error", file, "未知的评分规则类型",
                                    f"unknown rule; expected one of {', '.join(RULE_TYPES)}",
                                    column=_key_path(loc), value=e.get("input")))
        else:
            msg = e["msg"].replace("Value error, ", "")
            problems.append(problem("error", file, f"取值无效：{msg}", msg,
                                    column=_key_path(loc), value=e.get("input")))
    return problems


def _template_fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


class _Collector:
    """The framework problems found so far, in the order they were found."""

    def __init__(self, file: str):
        self.file = file
        self.out: list[Problem] = []

    def err(self, path: str, zh: str, en: str, value: Any = ...) -> None:
        self.out.append(problem("error", self.file, zh, en, column=path, value=value))

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
    if ind.rule in ("manual", "qualitative_tier") and ind.metric:
        c.err(f"{path}.metric", f"{ind.rule} 指标的实际值来自自评表，不能指定 metric",
              f"{ind.rule} takes its value from self_assessment; remove 'metric'", ind.metric)
    if (ind.per or ind.absolute) and not ind.metric:
        c.err(f"{path}.per", "per/absolute 仅用于 metric 指标", "'per'/'absolute' need 'metric'")
    if ind.where is not None and not ind.metric:
        c.err(f"{path}.where", "where 仅用于 metric 指向列表时", "'where' needs 'metric'")


def _check_target(ind: Indicator, path: str, c: _Collector) -> None:
    """``ratio_capped`` and metric-based ``binary`` need a usable numeric target."""
    numeric_target = isinstance(ind.target, Decimal)
    if ind.rule == "ratio_capped":
        if not numeric_target:
            c.err(f"{path}.target", "ratio_capped 需要数值型目标值", "ratio_capped needs a numeric target",
                  ind.target)
        elif ind.target == 0 or (ind.direction == "lower" and ind.target < 0):
            c.err(f"{path}.target", "ratio_capped 的目标值不能为 0 或负数",
                  "ratio_capped target must be non-zero (positive for lower-is-better)", ind.target)
    if ind.rule == "binary" and ind.metric and not numeric_target and ind.where is None:
        c.err(f"{path}.target", "以 metric 计算的 binary 指标需要数值型目标值",
              "binary on a metric needs a numeric target", ind.target)


def _check_bands(ind: Indicator, p: BandedParams, path: str, c: _Collector) -> None:
    """No band scores above the weight or overlaps an earlier band."""
    intervals = []
    for b_i, band in enumerate(p.bands):
        if band.score > ind.weight:
            c.err(f"{path}.params.bands[{b_i}].score", f"档位得分超过分值 {ind.weight}",
                  f"band score above weight {ind.weight}", band.score)
        iv = band.interval
        for o_i, other in intervals:
            if iv.overlaps(other):
                c.err(f"{path}.params.bands[{b_i}].range",
                      f"与 bands[{o_i}] 区间重叠", f"overlaps bands[{o_i}]", band.range)
        intervals.append((b_i, iv))


def _check_checklist(ind: Indicator, p: ChecklistParams, path: str, c: _Collector) -> None:
    """Unique item names; points add up to the weight (points mode) or ``k`` is set (deduct)."""
    names = [it.name for it in p.items]
    if len(set(names)) != len(names):
        c.err(f"{path}.params.items", "清单项名称重复", "duplicate checklist item names")
    if p.mode == "points":
        if any(it.points is None for it in p.items):
            c.err(f"{path}.params.items", "points 模式下每一项都需要 points",
                  "points mode: every item needs 'points'")
        else:
            c.check_sum(f"{path}.params.items", ind.weight, [it.points for it in p.items],
                        "清单项")
    elif p.k is None:
        c.err(f"{path}.params", "缺少参数 'k'（deduct 模式）", "missing 'k' (deduct mode)")


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
    """Per indicator: unique id, source, target, rule parameters, wording."""
    seen: dict[str, str] = {}
    for _mod, _sub, ind, path in fw.walk():
        if ind.id in seen:
            c.err(f"{path}.id", f"指标编码重复（已用于 {seen[ind.id]}）",
                  f"duplicate id (already used at {seen[ind.id]})", ind.id)
        else:
            seen[ind.id] = path
        _check_source(ind, path, c)
        _check_target(ind, path, c)
        if isinstance(ind.params, BandedParams):
            _check_bands(ind, ind.params, path, c)
        if isinstance(ind.params, ChecklistParams):
            _check_checklist(ind, ind.params, path, c)
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
