"""A typed, read-only model of ``metrics.json`` (the dict ``compute_metrics`` builds).

Readers of the metrics (charts first) parse the dict once with :meth:`Metrics.of` and then use
attributes instead of walking nested dicts with ``.get`` chains::

    m = Metrics.of(json.loads(path.read_text()))
    m.budget.execution_rate_pct, [r.township for r in m.petitions.by_township]

The model describes the shape documented in ``docs/architecture.md`` (every key is catalogued in
``evalkit/catalogue/metrics.yaml``) and is **lenient**, because it also reads hand-edited,
older or partial dicts: a missing or ``null`` section is empty, a number that is missing, not
numeric, not finite or a bool is ``None``, a list that is not a list is empty and its non-dict
rows are skipped, months may be ``3``, ``"3"``, ``"3月"`` or ``"2023-03"``. Keys the model does
not know are kept (``extra="allow"``). Numbers keep their JSON type (counts stay ints), so labels
printed from them go through :mod:`evalkit.numfmt` exactly as from the dict.

>>> m = Metrics.of({"year": 2023, "budget": None, "petitions": {"total_cases": "3000",
...                 "by_month": [{"month": "3月", "cases": 12}, "junk"]}})
>>> m.year, m.budget.lines, m.petitions.total_cases, m.petitions.by_month[0].month
(2023, (), 3000.0, 3)
>>> Metrics.of({"score": None}).score.module_details
()
"""

import math
from typing import Annotated, Any, Mapping, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = [
    "Budget", "BudgetLine", "ByType", "Channel", "Checkpoint", "Fund", "HistoryRow", "Indicator",
    "Metrics", "ModuleScore", "MonthCases", "Peer", "Petitions", "Progress", "Purpose", "Score",
    "Source", "SubmoduleScore", "Township", "Unit", "as_month", "as_number",
]


# --------------------------------------------------------------------------- lenient scalars


def as_number(value: Any) -> int | float | None:
    """A finite number (ints stay ints), else ``None`` (missing, bool, text, NaN, ±inf).

    >>> as_number(3), as_number("98.10"), as_number(True), as_number(float("nan")), as_number("x")
    (3, 98.1, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_month(value: Any) -> int | None:
    """Month number 1-12 from ``3``, ``"3"``, ``"3月"``, ``"2023-03"``; else ``None``.

    >>> as_month("2023-03"), as_month("12月"), as_month(13), as_month(None)
    (3, 12, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 12 else None
    text = str(value).strip().rstrip("月")
    if "-" in text:
        text = text.rsplit("-", 1)[-1]
    try:
        month = int(float(text))
    except ValueError:
        return None
    return month if 1 <= month <= 12 else None


def _as_int(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _as_rows(value: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(r for r in value if isinstance(r, Mapping)) if isinstance(value, list) else ()


def _as_section(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _as_mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


Num = Annotated[Union[int, float, None], BeforeValidator(as_number)]
Int = Annotated[Union[int, None], BeforeValidator(_as_int)]
Month = Annotated[Union[int, None], BeforeValidator(as_month)]
Text = Annotated[Union[str, None], BeforeValidator(_as_text)]
Flag = Annotated[bool, BeforeValidator(bool)]


def Rows(row: type) -> Any:  # noqa: N802 - reads as a type in the field declarations
    """A lenient tuple of ``row`` records (non-list → empty, non-dict rows skipped)."""
    return Annotated[tuple[row, ...], BeforeValidator(_as_rows)]


def Section(model: type) -> Any:  # noqa: N802
    """A lenient nested section (missing or not a dict → all defaults)."""
    return Annotated[model, BeforeValidator(_as_section)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


# --------------------------------------------------------------------------- budget


class ByType(_Record):
    expense_type: Text = None
    budget_wan: Num = None
    actual_wan: Num = None
    execution_rate_pct: Num = None


class BudgetLine(_Record):
    subject_code: Text = None
    subject_name: Text = None
    project_name: Text = None
    expense_type: Text = None
    budget_wan: Num = None
    actual_wan: Num = None
    execution_rate_pct: Num = None


class Progress(_Record):
    month: Month = None
    actual_wan: Num = None
    cumulative_wan: Num = None
    progress_pct: Num = None
    linear_pct: Num = None
    gap_pp: Num = None


class Checkpoint(_Record):
    month: Month = None
    target_pct: Num = None
    actual_pct: Num = None
    met: Flag = False


def _months(value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else []
    return tuple(m for m in (as_month(v) for v in items) if m is not None)


class Fund(_Record):
    fund: Text = None
    initial_budget_wan: Num = None
    budget_wan: Num = None
    actual_wan: Num = None
    execution_rate_pct: Num = None


class Budget(_Record):
    initial_budget_wan: Num = None
    adjustment_wan: Num = None
    total_budget_wan: Num = None
    total_actual_wan: Num = None
    execution_rate_pct: Num = None
    unspent_wan: Num = None
    basic_budget_wan: Num = None
    basic_actual_wan: Num = None
    basic_execution_rate_pct: Num = None
    project_budget_wan: Num = None
    project_actual_wan: Num = None
    project_execution_rate_pct: Num = None
    income_total_wan: Num = None
    income_fiscal_wan: Num = None
    income_other_wan: Num = None
    carryover_wan: Num = None
    by_type: Rows(ByType) = ()
    by_fund: Rows(Fund) = ()
    lines: Rows(BudgetLine) = ()
    progress: Rows(Progress) = ()
    checkpoints: Rows(Checkpoint) = ()
    months_behind: Annotated[tuple[int, ...], BeforeValidator(_months)] = ()


# --------------------------------------------------------------------------- petitions


class Channel(_Record):
    channel: Text = None
    cases: Num = None
    share_pct: Num = None


class Purpose(_Record):
    purpose: Text = None
    cases: Num = None
    share_pct: Num = None


class MonthCases(_Record):
    month: Month = None
    cases: Num = None
    online_cases: Num = None
    repeat_cases: Num = None


class Township(_Record):
    township: Text = None
    cases: Num = None
    online_share_pct: Num = None
    first_time_resolution_rate_pct: Num = None
    satisfaction_rate_pct: Num = None
    timely_acceptance_rate_pct: Num = None
    on_time_completion_rate_pct: Num = None


class Unit(_Record):
    responsible_unit: Text = None
    cases: Num = None
    on_time_completion_rate_pct: Num = None


class Petitions(_Record):
    total_cases: Num = None
    online_cases: Num = None
    online_share_pct: Num = None
    qiujue_initial_closed: Num = None
    qiujue_initial_resolved: Num = None
    first_time_resolution_rate_pct: Num = None
    satisfied_cases: Num = None
    rated_cases: Num = None
    closed_cases: Num = None
    satisfaction_rate_pct: Num = None
    participation_rate_pct: Num = None
    due_for_acceptance: Num = None
    timely_accepted: Num = None
    timely_acceptance_rate_pct: Num = None
    due_for_completion: Num = None
    completed_on_time: Num = None
    on_time_completion_rate_pct: Num = None
    repeat_cases: Num = None
    repeat_rate_pct: Num = None
    national_initial_qiujue_count: Num = None
    national_initial_qiujue_prev_count: Num = None
    national_initial_qiujue_yoy_pct: Num = None
    national_initial_qiujue_rank: Num = None
    peer_district_count: Num = None
    by_channel: Rows(Channel) = ()
    by_purpose: Rows(Purpose) = ()
    by_month: Rows(MonthCases) = ()
    by_township: Rows(Township) = ()
    by_unit: Rows(Unit) = ()


# --------------------------------------------------------------------------- peers, history


class Peer(_Record):
    district: Text = None
    previous: Num = None
    current: Num = None
    change_pct: Num = None
    rank: Num = None
    is_self: Flag = False


class HistoryRow(_Record):
    year: Int = None
    total_budget_wan: Num = None
    total_actual_wan: Num = None
    execution_rate_pct: Num = None
    total_cases: Num = None
    online_share_pct: Num = None
    first_time_resolution_rate_pct: Num = None
    satisfaction_rate_pct: Num = None
    repeat_rate_pct: Num = None
    national_initial_qiujue_count: Num = None


class Source(_Record):
    name: Text = None
    sha256: Text = None
    bytes: Num = None


# --------------------------------------------------------------------------- score


class SubmoduleScore(_Record):
    """A submodule (二级指标): its weight, score and points lost."""

    name: Text = None
    weight: Num = None
    score: Num = None
    lost: Num = None


class ModuleScore(SubmoduleScore):
    """A module (一级指标) with its submodules."""

    submodules: Rows(SubmoduleScore) = ()


class Indicator(_Record):
    id: Text = None
    name: Text = None
    module: Text = None
    submodule: Text = None
    weight: Num = None
    rule: Text = None
    source: Text = None
    unit: Text = None
    target_text: Text = None
    actual_text: Text = None
    actual: Any = None
    target: Any = None
    score: Num = None
    lost: Num = None
    reason: Text = None
    confirmed: Flag = False
    metric: Text = None
    deviation: Text = None


def _module_scores(value: Any) -> Mapping[str, Any]:
    return {str(k): as_number(v) for k, v in _as_mapping(value).items()}


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value if v is not None) if isinstance(value, list) else ()


class Score(_Record):
    framework: Text = None
    total: Num = None
    max: Num = None
    grade: Text = None
    modules: Annotated[dict[str, Union[int, float, None]], BeforeValidator(_module_scores)] = {}
    module_details: Rows(ModuleScore) = ()
    indicators: Rows(Indicator) = ()
    problems: Annotated[tuple[str, ...], BeforeValidator(_texts)] = ()
    improvements: Annotated[tuple[str, ...], BeforeValidator(_texts)] = ()


# --------------------------------------------------------------------------- the whole dict


def _yoy(value: Any) -> Mapping[str, Any]:
    return {str(k): as_number(v) for k, v in _as_mapping(value).items()}


def _yoy_text(value: Any) -> Mapping[str, str]:
    return {str(k): str(v) for k, v in _as_mapping(value).items() if v is not None}


def _records(value: Any) -> tuple[dict[str, Any], ...]:
    """A list of records (the load warnings); anything else is empty."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(dict(v) for v in value if isinstance(v, Mapping))


class Metrics(_Record):
    """``metrics.json`` of one year (see the module docstring)."""

    year: Int = None
    department: Text = None
    district: Text = None
    city: Text = None
    is_sample: Flag = False
    generated_at: Text = None
    sources: Rows(Source) = ()
    budget: Section(Budget) = Budget()
    petitions: Section(Petitions) = Petitions()
    peers: Rows(Peer) = ()
    yoy: Annotated[dict[str, Union[int, float, None]], BeforeValidator(_yoy)] = {}
    yoy_text: Annotated[dict[str, str], BeforeValidator(_yoy_text)] = {}
    history: Rows(HistoryRow) = ()
    score: Section(Score) = Score()
    provenance: Annotated[dict[str, Any], BeforeValidator(_as_mapping)] = {}
    warnings: Annotated[tuple[dict[str, Any], ...], BeforeValidator(_records)] = ()

    @classmethod
    def of(cls, metrics: "Metrics | Mapping[str, Any] | None") -> "Metrics":
        """The model of ``metrics`` (a dict as in metrics.json, or already a model)."""
        if isinstance(metrics, cls):
            return metrics
        return cls.model_validate(metrics if isinstance(metrics, Mapping) else {})
