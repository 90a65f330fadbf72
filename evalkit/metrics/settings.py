"""Metric settings: every convention that differs between jurisdictions, in one frozen dataclass.

Defaults follow the Guangdong provincial statistics (see ``docs/metrics.md``). A year's
``department.yaml`` may override them under ``settings:``::

    settings:
      offline_channels: [来信, 来访]
      qiujue_purposes: [求决类, 申诉类]
      checkpoints: {6: 50, 9: 75}
      statistical_month_end_day: 20     # 21st-to-20th statistical month
      satisfied_levels: [满意]           # 满意率 counts only 满意 (基本满意 stays rated)
      monitor_gap_yellow_pp: 8          # 绩效运行监控: 黄 when 8 points behind 序时进度
      yoy_flag_pct: 10                  # workpapers: flag 同比 changes of ≥ 10% (amounts, counts)
      yoy_flag_pp: 2                    #   … ≥ 2 个百分点 (rates), ≥ 0.5 分 (indicator scores)
      yoy_flag_score: 0.5
      compare_with_sample: false        # true: a real year may take 同比 from a sample year
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Mapping

from evalkit.errors import InputError, problem
from evalkit.numfmt import to_decimal
from evalkit.schema import CHANNELS, OFFLINE_CHANNELS, PURPOSES, SATISFACTION

DEPARTMENT_FILE = "department.yaml"
#: The satisfaction levels that are a rating (every level but 未评价): the 满意率 denominator.
RATED_LEVELS: tuple[str, ...] = tuple(s for s in SATISFACTION if s != "未评价")
MONITOR_TIME_PROGRESS = ("months", "days")
MONITOR_PROJECTIONS = ("auto", "run_rate", "profile_share", "remaining_budget")
MONITOR_PERCENTS = ("monitor_gap_yellow_pp", "monitor_gap_red_pp", "monitor_projected_yellow_pct",
                    "monitor_projected_red_pct", "monitor_rate_red_pp")
MONITOR_SETTINGS = ("monitor_time_progress", *MONITOR_PERCENTS, "monitor_min_cases",
                    "monitor_projection", "monitor_profile_years")


def _frozen_checkpoints(items: Mapping[Any, Any]) -> Mapping[int, Decimal]:
    return MappingProxyType({int(m): to_decimal(t) for m, t in sorted(items.items())})


@dataclass(frozen=True)
class MetricSettings:
    """Conventions used by the metrics.

    Attributes:
        offline_channels: channels that are *not* 网信 (default: the channels marked
            ``online: false`` in ``evalkit/channels.yaml``, i.e. 来信, 来访); every other channel
            counts as online.
        qiujue_purposes: purposes counted as 求决类 (default 求决类 only).
        checkpoints: month -> target cumulative 支出进度 in percent at the 序时进度 checkpoints
            (default 6月 50, 9月 75). These are the checkpoints the 支出进度 indicator scores: the
            year end is not one (the full-year progress is the 预算执行率, scored on its own), so
            the report's checkpoint table, its text and the 自评表 count the same nodes.
        acceptance_days: days after registration within which acceptance is timely (15).
        handling_days: days after acceptance within which a case must be closed (60).
        max_extension_days: the longest approved extension (30); larger values are invalid input.
        statistical_month_end_day: ``None`` for calendar months; ``20`` for the statistical month
            running from the 21st to the 20th (a case registered after the 20th counts in the next
            month, and one registered after 20 December in the next year).
        satisfied_levels: the rated levels counted as satisfied in 满意率 (default 满意, 基本满意);
            the denominator is every rated level (满意, 基本满意, 不满意).

    The ``monitor_*`` settings are used by ``evalkit monitor`` (绩效运行监控, docs/monitoring.md):

    Attributes:
        monitor_time_progress: 序时进度 ``"months"`` (months elapsed / 12, the default) or
            ``"days"`` (days elapsed / days in the year).
        monitor_gap_yellow_pp / monitor_gap_red_pp: 支出进度 this many points behind 序时进度 is
            黄 / 红 (10 / 20).
        monitor_projected_yellow_pct / monitor_projected_red_pct: a projected year-end execution
            rate below this is 黄 / 红 (95 / 90).
        monitor_rate_red_pp: a petition indicator expected to miss its framework target by more
            than this many points is 红 (any smaller miss is 黄) (5).
        monitor_min_cases: a petition rate is projected only when its denominator to date has at
            least this many cases; below it the rate is reported to date only (30).
        monitor_projection: the year-end spending method: ``"auto"`` (``remaining_budget`` when
            earlier years have monthly figures, else ``run_rate``), ``"run_rate"``,
            ``"profile_share"`` or ``"remaining_budget"``.
        monitor_profile_years: how many earlier years (the most recent) form the profile (3).

    The working-paper settings are used by ``evalkit.workpapers`` and ``pipeline.comparable_years``:

    Attributes:
        yoy_flag_pct, yoy_flag_pp, yoy_flag_score: the 同比 table of the workpapers flags a
            change of at least this many percent (amounts, counts), percentage points (rates)
            or points (scores) (default 10, 2 and 0.5).
        compare_with_sample: a real year is never compared with a sample year (同比 and history
            leave the sample years out, with a warning); ``true`` compares them anyway.

    >>> MetricSettings().checkpoints[6]
    Decimal('50')
    >>> MetricSettings.from_mapping({"acceptance_days": 10}).acceptance_days
    10
    """

    offline_channels: frozenset[str] = frozenset(OFFLINE_CHANNELS)   # evalkit/channels.yaml
    qiujue_purposes: frozenset[str] = frozenset({"求决类"})
    checkpoints: Mapping[int, Decimal] = field(
        default_factory=lambda: _frozen_checkpoints({6: 50, 9: 75}))
    acceptance_days: int = 15
    handling_days: int = 60
    max_extension_days: int = 30
    statistical_month_end_day: int | None = None
    satisfied_levels: frozenset[str] = frozenset({"满意", "基本满意"})
    # --- 绩效运行监控 (evalkit monitor); see docs/monitoring.md
    monitor_time_progress: str = "months"
    monitor_gap_yellow_pp: Decimal = Decimal(10)
    monitor_gap_red_pp: Decimal = Decimal(20)
    monitor_projected_yellow_pct: Decimal = Decimal(95)
    monitor_projected_red_pct: Decimal = Decimal(90)
    monitor_rate_red_pp: Decimal = Decimal(5)
    monitor_min_cases: int = 30
    monitor_projection: str = "auto"
    monitor_profile_years: int = 3

    # --- workpapers: 同比 flags and sample/real separation (evalkit.workpapers, pipeline) ---
    yoy_flag_pct: Decimal = Decimal(10)
    yoy_flag_pp: Decimal = Decimal(2)
    yoy_flag_score: Decimal = Decimal("0.5")
    compare_with_sample: bool = False
    # --- end workpapers ---

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Picklable (the checkpoints are a read-only mapping proxy): rebuilt from its fields,
        so a year's settings can come back from the child process that loaded it."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["checkpoints"] = dict(self.checkpoints)
        return _from_fields, (fields,)

    def __post_init__(self) -> None:
        for name in ("offline_channels", "qiujue_purposes", "satisfied_levels"):
            if isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a list of names, got a string")
        object.__setattr__(self, "offline_channels", frozenset(self.offline_channels))
        object.__setattr__(self, "qiujue_purposes", frozenset(self.qiujue_purposes))
        object.__setattr__(self, "satisfied_levels", frozenset(self.satisfied_levels))
        unrated = sorted(self.satisfied_levels - set(RATED_LEVELS))
        if unrated or not self.satisfied_levels:
            raise ValueError(f"satisfied_levels must be among {'、'.join(RATED_LEVELS)}, "
                             f"got {unrated or 'nothing'}")
        object.__setattr__(self, "checkpoints", _frozen_checkpoints(dict(self.checkpoints)))
        for name in ("acceptance_days", "handling_days", "max_extension_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        end = self.statistical_month_end_day
        if end is not None and (isinstance(end, bool) or not isinstance(end, int)
                                or not 1 <= end <= 28):
            raise ValueError(f"statistical_month_end_day must be 1..28 or null, got {end!r}")
        for month, target in self.checkpoints.items():
            if not 1 <= month <= 12 or not 0 <= target <= 100:
                raise ValueError(f"checkpoint {month}: {target} outside month 1..12 / 0..100%")
        self._check_monitor()
        self._check_workpaper_settings()

    def _check_monitor(self) -> None:
        """Validate (and normalise to Decimal) the ``monitor_*`` settings."""
        if self.monitor_time_progress not in MONITOR_TIME_PROGRESS:
            raise ValueError(f"monitor_time_progress must be one of {MONITOR_TIME_PROGRESS}, "
                             f"got {self.monitor_time_progress!r}")
        if self.monitor_projection not in MONITOR_PROJECTIONS:
            raise ValueError(f"monitor_projection must be one of {MONITOR_PROJECTIONS}, "
                             f"got {self.monitor_projection!r}")
        for name in MONITOR_PERCENTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                raise ValueError(f"{name} must be a number, got {value!r}")
            value = to_decimal(value)
            if not 0 <= value <= 100:
                raise ValueError(f"{name} must be within 0..100, got {value}")
            object.__setattr__(self, name, value)
        if self.monitor_gap_red_pp < self.monitor_gap_yellow_pp:
            raise ValueError("monitor_gap_red_pp must not be below monitor_gap_yellow_pp")
        if self.monitor_projected_red_pct > self.monitor_projected_yellow_pct:
            raise ValueError("monitor_projected_red_pct must not be above "
                             "monitor_projected_yellow_pct")
        for name in ("monitor_min_cases", "monitor_profile_years"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def _check_workpaper_settings(self) -> None:
        """同比 thresholds: non-negative numbers (kept as Decimal); the sample switch a boolean."""
        for name in ("yoy_flag_pct", "yoy_flag_pp", "yoy_flag_score"):
            value = getattr(self, name)
            try:
                number = to_decimal(value)      # refuses booleans, NaN, text that is no number
            except (TypeError, ValueError):
                number = None
            if number is None or number < 0:
                raise ValueError(f"{name} must be a non-negative number, got {value!r}")
            object.__setattr__(self, name, number)
        if not isinstance(self.compare_with_sample, bool):
            raise ValueError(f"compare_with_sample must be true or false, "
                             f"got {self.compare_with_sample!r}")

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None,
                     file: str = DEPARTMENT_FILE) -> "MetricSettings":
        """Build settings from a ``department.yaml`` ``settings:`` mapping (defaults for the rest).

        Args:
            overrides: the mapping (``None`` or empty gives the defaults).
            file: the file name used in error messages.

        Returns:
            The settings.

        Raises:
            InputError: on an unknown key or a value of the wrong kind, located in ``file``.

        >>> MetricSettings.from_mapping({"checkpoints": {7: 40}}).checkpoints[7]
        Decimal('40')
        """
        if not overrides:
            return cls()
        if not isinstance(overrides, Mapping):
            raise InputError([problem("error", file, "settings 应为键值映射",
                                      "settings must be a mapping", column="settings",
                                      value=overrides)])
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in overrides if k not in known)
        if unknown:
            raise InputError([problem(
                "error", file, f"未知的指标设置项 {key}；可用：{', '.join(sorted(known))}",
                f"unknown metric setting {key!r}; known: {', '.join(sorted(known))}",
                column=f"settings.{key}", value=overrides[key]) for key in unknown])
        try:
            return cls(**dict(overrides))
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError([problem("error", file, f"指标设置取值无效：{exc}",
                                      f"invalid metric setting: {exc}",
                                      column="settings")]) from exc

    @classmethod
    def from_department(cls, department: Mapping[str, Any] | None) -> "MetricSettings":
        """Settings from a department dict (its optional ``settings:`` mapping)."""
        return cls.from_mapping((department or {}).get("settings"))

    def online_channels(self) -> tuple[str, ...]:
        """The canonical channels counted as 网信 under these settings."""
        return tuple(c for c in CHANNELS if c not in self.offline_channels)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the settings (for notebooks and docs)."""
        return {
            "offline_channels": sorted(self.offline_channels, key=_order(CHANNELS)),
            "qiujue_purposes": sorted(self.qiujue_purposes, key=_order(PURPOSES)),
            "checkpoints": {m: float(t) for m, t in self.checkpoints.items()},
            "acceptance_days": self.acceptance_days,
            "handling_days": self.handling_days,
            "max_extension_days": self.max_extension_days,
            "statistical_month_end_day": self.statistical_month_end_day,
            "satisfied_levels": sorted(self.satisfied_levels, key=_order(RATED_LEVELS)),
            **self.describe_monitor(),
            "yoy_flag_pct": float(self.yoy_flag_pct),
            "yoy_flag_pp": float(self.yoy_flag_pp),
            "yoy_flag_score": float(self.yoy_flag_score),
            "compare_with_sample": self.compare_with_sample,
        }

    def describe_monitor(self) -> dict[str, Any]:
        """The ``monitor_*`` settings, JSON-ready (recorded in ``monitor.json``)."""
        return {name: (float(value) if isinstance(value, Decimal) else value)
                for name in MONITOR_SETTINGS for value in [getattr(self, name)]}


def _order(canonical: tuple[str, ...]):
    return lambda v: (canonical.index(v) if v in canonical else len(canonical), v)


def _from_fields(fields: dict[str, Any]) -> MetricSettings:
    """Unpickle :class:`MetricSettings` (see ``__reduce__``)."""
    return MetricSettings(**fields)
