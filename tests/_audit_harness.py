"""Helpers shared by the ``evalkit audit`` tests (tests/test_audit*.py).

Imported as a plain module (``tests/`` is on ``sys.path`` under pytest's default import mode).
"""

from __future__ import annotations

import argparse

from evalkit.audit.cli import register

#: The headline figures of the 2023 reference report (and of evalkit's own report for the same
#: metrics), by figure key, as ``Figure.display()`` prints them.
HEADLINE = {
    "budget.total_budget_wan": "783.16万元",
    "budget.total_actual_wan": "774.90万元",
    "budget.execution_rate_pct": "98.95%",
    "budget.basic_actual_wan": "580.13万元",
    "budget.project_actual_wan": "194.77万元",
    "score.total": "92.10分",
    "score.modules.履职效能": "46.80分",
    "score.modules.管理效率": "45.30分",
    "petitions.first_time_resolution_rate_pct": "98.10%",
    "petitions.online_share_pct": "88.67%",
    "petitions.satisfaction_rate_pct": "99.84%",
}


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the audit subcommand through a bare argparse harness (independent of evalkit/cli.py)."""
    parser = argparse.ArgumentParser(prog="evalkit")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(argv)
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def found(result) -> dict[str, set[str]]:
    """The displayed values of every figure of an audit result, by key (``key@scope`` for a
    figure scoped to a sub-entity, so a 镇街's or a project's figure is never a headline one)."""
    out: dict[str, set[str]] = {}
    for f in result.extraction.figures:
        out.setdefault(f.group_key, set()).add(f.display())
    return out


def mismatches(result) -> list:
    """The checks of an audit result that failed."""
    return [c for c in result.checks if c.status == "MISMATCH"]


def matches(figure, value: str, label: str) -> bool:
    """A figure is an answer-key entry: same value (as displayed or as printed) and label.

    ``label``: ``key`` (a department-level figure), ``key@fragment`` (a figure scoped to an
    entity / indicator whose name contains ``fragment``), ``count:fragment`` /
    ``amount:fragment`` (a free-form figure whose name contains ``fragment``); ``a|b``: either.
    """
    if value not in (figure.display(), figure.raw):
        return False
    for alt in label.split("|"):
        if alt.startswith(("count:", "amount:")):
            prefix, frag = alt.split(":", 1)
            if figure.key.startswith(prefix + ":") and frag in figure.key:
                return True
        elif "@" in alt:
            key, frag = alt.split("@", 1)
            if figure.key == key and frag in figure.scope:
                return True
        elif figure.key == alt and not figure.scope:
            return True
    return False


def key_recall(result, entries: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
    """How many answer-key entries an audit found (each figure counts once), and the misses."""
    unused = list(result.extraction.figures)
    hit, missed = 0, []
    for value, label in entries:
        f = next((f for f in unused if matches(f, value, label)), None)
        if f is None:
            missed.append((value, label))
        else:
            unused.remove(f)
            hit += 1
    return hit, missed
