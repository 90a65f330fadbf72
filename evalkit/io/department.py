"""``department.yaml``: bounded YAML reading and a shape check of every known key.

YAML is parsed with ``yaml.SafeLoader`` (no tags run code) under three limits, so a hostile file
fails at once with a located error instead of exhausting memory later (an "alias bomb" is a few
lines that expand to billions of values when a report walks them):

* the file is at most :data:`MAX_BYTES`;
* at most :data:`MAX_ALIASES` aliases (``*name``);
* at most :data:`MAX_VALUES` values once aliases are expanded (counted without expanding).

Every key the report or the metrics read is checked for its kind (text, list of texts,
``key_tasks`` items, ``settings`` names and values, the framework), so ``validate`` rejects what
``metrics`` would reject, each with a message naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from evalkit.errors import Problem, os_problem, problem

MAX_BYTES = 1 << 20
MAX_ALIASES = 100
MAX_VALUES = 100_000

TEXT_KEYS = ("department", "district", "city", "framework", "notice", "annual_work",
             "performance_goal", "management", "goal_result", "supervisor", "filled_by", "phone",
             "head")
LIST_KEYS = ("functions", "highlights", "problems_extra", "improvements_extra")
TASK_KEYS = ("title", "goal", "result")
MAPPING_KEYS = ("settings", "report_docx")
KNOWN_KEYS = frozenset((*TEXT_KEYS, *LIST_KEYS, *MAPPING_KEYS, "sample", "key_tasks",
                        "report_date"))
FORM_KEYS = frozenset({"framework", "supervisor", "filled_by", "phone", "head", "report_date"})
"""Keys that are not prose: a path, and the 自评表's contact fields (department staff, the
office phone), which are printed as given and not scanned for personal data."""


class _TooLarge(yaml.YAMLError):
    def __init__(self, zh: str, en: str, line: int | None):
        super().__init__(en)
        self.zh, self.en, self.line = zh, en, line


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses more than :data:`MAX_ALIASES` aliases."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.aliases = 0
        self.first_alias: int | None = None

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.first_alias is None:
                self.first_alias = self.peek_event().start_mark.line + 1
            if self.aliases > MAX_ALIASES:
                raise _TooLarge(f"YAML 别名（*引用）超过{MAX_ALIASES}个", "too many YAML aliases",
                                self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


def _count_values(data: Any, budget: int) -> int:
    """Values in ``data`` with aliases expanded, counting stops past ``budget``."""
    count, stack = 0, [data]
    while stack and count <= budget:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def safe_load_bounded(text: str) -> Any:
    """``yaml.safe_load`` under the alias and size limits (raises ``yaml.YAMLError``)."""
    loader = _BoundedLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if loader.aliases and _count_values(data, MAX_VALUES) > MAX_VALUES:
        raise _TooLarge(f"YAML 别名（&锚点/*引用）展开后超过{MAX_VALUES}个值（疑似“别名炸弹”）",
                        "YAML aliases expand to too many values (alias bomb?)", loader.first_alias)
    return data


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a YAML file under the limits; ``(data, [])`` or ``(None, [located error])``."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [problem("error", name, f"文件过大（{size}字节，上限{MAX_BYTES}字节）",
                                  "file too large")]
        data = safe_load_bounded(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        return None, [os_problem(exc, name)]
    except UnicodeDecodeError:
        return None, [problem("error", name, "文件编码不是 UTF-8", "file is not UTF-8")]
    except _TooLarge as exc:
        return None, [problem("error", name, exc.zh, exc.en, row=exc.line)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        return None, [problem("error", name, f"YAML 格式错误：{getattr(exc, 'problem', exc)}",
                              "invalid YAML", row=row)]
    if not isinstance(data, dict):
        return None, [problem("error", name, "内容应为键值映射（如 department: 增城区信访局）",
                              "content must be a mapping", value=type(data).__name__)]
    return data, []


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _kind_error(file: str, key: str, zh: str, en: str, value: Any) -> Problem:
    return problem("error", file, zh, en, column=key, value=_short(value))


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _check_texts(data: dict[str, Any], file: str) -> list[Problem]:
    out = []
    for key in TEXT_KEYS:
        value = data.get(key)
        if value is not None and not _is_text(value):
            out.append(_kind_error(file, key, f"{key} 应为一段文字", f"{key} must be text", value))
    if not out and not str(data.get("department") or "").strip():
        out.append(problem("error", file, "缺少必填键 department（部门名称）",
                           "missing required key 'department'", column="department"))
    return out


def _check_lists(data: dict[str, Any], file: str) -> list[Problem]:
    out = []
    for key in LIST_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            out.append(_kind_error(file, key, f"{key} 应为列表（每项一行，以“- ”开头）",
                                   f"{key} must be a list of texts", value))
            continue
        out += [_kind_error(file, f"{key}[{i}]", f"{key} 的每一项应为一段文字",
                            f"each item of {key} must be text", item)
                for i, item in enumerate(value) if not _is_text(item)]
    return out


def _check_tasks(data: dict[str, Any], file: str) -> list[Problem]:
    tasks = data.get("key_tasks")
    if tasks is None:
        return []
    if not isinstance(tasks, list):
        return [_kind_error(file, "key_tasks", "key_tasks 应为列表，每项含 title、goal、result",
                            "key_tasks must be a list of {title, goal, result}", tasks)]
    out = []
    for i, task in enumerate(tasks):
        where = f"key_tasks[{i}]"
        if not isinstance(task, dict):
            out.append(_kind_error(file, where, "每项重点工作任务应为键值映射（title: …，goal: …，"
                                                "result: …）", "each task must be a mapping", task))
            continue
        if not str(task.get("title") or "").strip():
            out.append(problem("error", file, "重点工作任务缺少 title（任务名称）",
                               "task without a title", column=where))
        out += [_kind_error(file, f"{where}.{k}", f"{k} 应为一段文字", f"{k} must be text",
                            task[k]) for k in TASK_KEYS if task.get(k) is not None
                and not _is_text(task[k])]
        out += [problem("warning", file, f"未知的键 {k}（可用：{'、'.join(TASK_KEYS)}），已忽略",
                        f"unknown key {k!r} ignored", column=f"{where}.{k}")
                for k in task if k not in TASK_KEYS]
    return out


def _check_other(data: dict[str, Any], file: str) -> list[Problem]:
    out = [_kind_error(file, k, f"{k} 应为键值映射（如 {k}: {{…: …}}）", f"{k} must be a mapping",
                       data[k]) for k in MAPPING_KEYS if data.get(k) is not None
           and k != "settings" and not isinstance(data[k], dict)]
    if "sample" in data and not isinstance(data["sample"], bool) and data["sample"] is not None:
        out.append(_kind_error(file, "sample", "sample 应为 true 或 false",
                               "sample must be true or false", data["sample"]))
    out += [problem("warning", file, f"未知的键 {k}，已忽略（可用：{'、'.join(sorted(KNOWN_KEYS))}）",
                    f"unknown key {k!r} ignored", column=str(k))
            for k in data if k not in KNOWN_KEYS]
    return out


CHECKS: tuple[Callable[[dict[str, Any], str], list[Problem]], ...] = (
    _check_texts, _check_lists, _check_tasks, _check_other)
"""The shape checks. The ``settings:`` values and the ``framework`` name need the metrics and
the scoring packages, which sit above the loader: :func:`evalkit.pipeline.department_rules`
checks them (``validate`` and ``metrics`` both call it)."""


def check_department(data: dict[str, Any], file: str = "department.yaml") -> list[Problem]:
    """Every shape problem of a parsed department.yaml (errors and warnings), each naming its key."""
    out: list[Problem] = []
    for check in CHECKS:
        out += check(data, file)
    return out
