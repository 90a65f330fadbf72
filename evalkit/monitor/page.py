"""``monitor.html``: a short, self-contained Chinese page of the monitoring results.

One file: CSS inline, the chart embedded as a ``data:`` PNG, no script, no external URL. The
Jinja2 environment autoescapes every value (a ``<script>`` typed into a 项目名称 prints as text).
Every figure is formatted here through :mod:`evalkit.numfmt`, from the monitoring dict only.
"""

from __future__ import annotations

import base64
from typing import Any, Mapping

import jinja2
import markupsafe

from evalkit import __version__
from evalkit.monitor.labels import label
from evalkit.monitor.view import (as_of_text, budget_rows, indicator_rows, month_span,
                                  rate_label, settings_of)
from evalkit.numfmt import fmt_fixed, fmt_pct
from evalkit.report.builder import fmt_time

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei",
"PingFang SC",sans-serif;color:#262626;max-width:1100px;margin:24px auto;padding:0 16px;
line-height:1.6;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-left:4px solid #1F4E79;
padding-left:8px;margin:28px 0 10px}
.sub{color:#7F7F7F;margin:0 0 12px}.sample{background:#FFF2CC;border:1px solid #BF9000;
padding:6px 10px;margin:10px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 180px;border:1px solid #D9D9D9;
border-radius:4px;padding:8px 12px}.card b{display:block;font-size:20px;color:#1F4E79}
.card span{color:#7F7F7F;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-size:13px}
th,td{border:1px solid #BFBFBF;padding:4px 6px;vertical-align:top}th{background:#D9E1F2}
td.n{text-align:right;white-space:nowrap}td.c{text-align:center;white-space:nowrap}
th:first-child{white-space:nowrap}
.lv{display:inline-block;min-width:1.6em;text-align:center;border-radius:3px;padding:0 4px}
.lv-红{background:#F4B6B6}.lv-黄{background:#FFE699}.lv-绿{background:#C6EFCE}
ul.w{padding-left:0;list-style:none}ul.w li{margin:4px 0}
img{max-width:100%;border:1px solid #E7E6E6}
.note{color:#595959;font-size:12px}footer{margin-top:30px;color:#7F7F7F;font-size:12px}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="sub">截至{{ as_of }}（{{ span }}执行情况）·序时进度按{{ mode }}计算</p>
{% if sample %}<p class="sample">示例数据：本页由合成的示例数据生成，仅用于演示。</p>{% endif %}
<div class="cards">
{% for card in cards %}<div class="card"><span>{{ card[0] }}</span><b>{{ card[1] }}</b><span>{{ card[2] }}</span></div>
{% endfor %}</div>

<h2>预警</h2>
<ul class="w">
{% for w in alerts %}<li><span class="lv lv-{{ w.level }}">{{ w.level }}</span> {{ w.sentence }}</li>
{% endfor %}</ul>
{% if greens %}<details><summary>正常（绿色）{{ greens|length }}项</summary><ul class="w">
{% for w in greens %}<li><span class="lv lv-{{ w.level }}">{{ w.level }}</span> {{ w.sentence }}</li>
{% endfor %}</ul></details>{% endif %}

<h2>支出进度与序时进度</h2>
<img src="{{ chart }}" alt="累计支出进度与序时进度、各项目偏差">
<p class="note">{{ projection_note }}</p>
<table><thead><tr><th>预测方法</th><th>依据</th><th>全年预计支出（万元）</th><th>全年预计执行率</th></tr></thead><tbody>
{% for m in methods %}<tr><td>{{ m[0] }}</td><td>{{ m[1] }}</td><td class="n">{{ m[2] }}</td><td class="n">{{ m[3] }}</td></tr>
{% endfor %}</tbody></table>

<h2>预算执行情况</h2>
<table><thead><tr><th>序号</th><th>项目</th><th>全年预算数（万元）</th><th>{{ span }}执行数（万元）</th><th>执行进度</th><th>偏差（个百分点）</th><th>全年预计执行率</th><th>预警</th><th>偏差原因</th><th>纠偏措施</th></tr></thead><tbody>
{% for r in budget_rows %}<tr><td class="c">{{ r[0] }}</td><td>{{ r[1] }}</td><td class="n">{{ r[2] }}</td><td class="n">{{ r[3] }}</td><td class="n">{{ r[4] }}</td><td class="n">{{ r[5] }}</td><td class="n">{{ r[6] }}</td><td class="c">{% if r[7] %}<span class="lv lv-{{ r[7] }}">{{ r[7] }}</span>{% endif %}</td><td>{{ r[8] }}</td><td>{{ r[9] }}</td></tr>
{% endfor %}</tbody></table>

<h2>信访工作指标</h2>
<table><thead><tr><th>指标</th><th>截至目前</th><th>计算基数（件）</th><th>全年预计</th><th>依据</th></tr></thead><tbody>
{% for r in petition_rows %}<tr><td>{{ r[0] }}</td><td class="n">{{ r[1] }}</td><td class="n">{{ r[2] }}</td><td class="n">{{ r[3] }}</td><td>{{ r[4] }}</td></tr>
{% endfor %}</tbody></table>
<p class="note">{{ cases_note }}</p>

{% if score %}<h2>预计自评得分</h2>
<p>按评分框架“{{ score.framework }}”对预测的全年指标评分，预计得分{{ score.total }}分（{{ score.grade }}）。{{ score.assumed }}</p>
<table><thead><tr><th>编号</th><th>指标</th><th>年度目标</th><th>{{ span }}执行情况</th><th>全年预计</th><th>预计得分</th><th>依据</th><th>偏差原因</th></tr></thead><tbody>
{% for r in score.rows %}<tr><td class="c">{{ r.number }}</td><td>{{ r.name }}</td><td class="c">{{ r.target }}</td><td>{{ r.to_date }}</td><td>{{ r.projected }}</td><td class="n">{{ r.score_text }}</td><td>{{ r.basis }}</td><td>{{ r.cause }}</td></tr>
{% endfor %}</tbody></table>{% endif %}

{% if notes %}<h2>说明</h2><ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
<footer>生成时间：{{ generated }} · evalkit {{ version }} · 数据文件：{% for s in sources %}{{ s.name }}（SHA-256 {{ s.sha256[:12] }}）{% if not loop.last %}、{% endif %}{% endfor %}</footer>
</body>
</html>
"""


def _cards(m: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    b, p = m["budget"], m["petitions"]
    pr = b["projection"]
    band = ""
    if pr.get("band_low_pct") is not None and len(pr.get("methods", [])) > 1:
        band = f"各方法区间{fmt_pct(pr['band_low_pct'])}–{fmt_pct(pr['band_high_pct'])}"
    cards = [(label("budget.total_budget_wan"), f"{fmt_fixed(b['total_budget_wan'])}万元",
              f"{label('budget.spent_to_date_wan')}{fmt_fixed(b['spent_to_date_wan'])}万元"),
             ("支出进度 / 序时进度", f"{fmt_pct(b['progress_pct'])} / {fmt_pct(b['time_progress_pct'])}",
              f"偏差{fmt_fixed(b['gap_pp'])}个百分点"),
             (label("budget.projected_execution_rate_pct"),
              fmt_pct(b.get("projected_execution_rate_pct")), band or pr["label"]),
             ("信访事项", f"{p['total_cases']}件", f"全年预计约{p['projected_total_cases']}件")]
    if m.get("score"):
        s = m["score"]
        cards.append((label("score.projected_total"), f"{fmt_fixed(s['projected_total'])}分",
                      f"等级：{s['grade']}"))
    return cards


def _budget_table(m: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for r in budget_rows(m, settings_of(m)):
        rows.append([r["number"], r["name"], fmt_fixed(r["budget"]), fmt_fixed(r["spent"]),
                     fmt_pct(r["progress"]), fmt_fixed(r["gap"]), fmt_pct(r["projected_rate"]),
                     r["level"], r["cause"], r["measure"]])
    return rows


def _petition_table(m: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for record in m["petitions"]["projections"]:
        rows.append([rate_label(record["rate"]), fmt_pct(record["to_date_pct"]), str(record["denominator"]),
                     fmt_pct(record["projected_pct"]), record["basis"]])
    return rows


def _score(m: Mapping[str, Any]) -> dict[str, Any] | None:
    """The indicators expected to lose points (the full list is in 监控表.xlsx)."""
    s = m.get("score")
    if not s:
        return None
    losing = {i["id"] for i in s["losing"]}
    rows = [r for r in indicator_rows(m, settings_of(m)) if r["number"] in losing]
    rows.sort(key=lambda r: [i["id"] for i in s["losing"]].index(r["number"]))
    for r in rows:
        r["score_text"] = f"{fmt_fixed(r['score'])}/{fmt_fixed(r['weight'])}"
    rest = len(s["indicators"]) - len(rows)
    text = f"预计扣分的指标{len(rows)}项（下表），其余{rest}项预计得满分"
    if s["assumed_full"]:
        text += f"（其中{'、'.join(s['assumed_full'])}暂无数据，按满分计）"
    return {"framework": s["framework"], "total": fmt_fixed(s["projected_total"]),
            "grade": s["grade"], "assumed": text + "；全部指标见监控表.xlsx。", "rows": rows}


def _chinese(note: str) -> str:
    """The Chinese part of a bilingual note (``中文 / English``)."""
    return note.split(" / ", 1)[0]


def _projection_note(m: Mapping[str, Any]) -> str:
    pr = m["budget"]["projection"]
    if pr["method"] in (None, "actual"):
        return pr["basis"] + "。"
    return (f"全年预计执行数采用“{pr['label']}”：{pr['basis']}。其他方法的结果列于下表，"
            "图中浅色区域为各方法之间的区间；误差回测见 docs/monitoring.md。")


def build_context(m: Mapping[str, Any], png: bytes) -> dict[str, Any]:
    """Everything the template prints, as plain strings (escaped by the template)."""
    warnings = m.get("warnings", [])
    cp = m["petitions"]["cases_projection"]
    return {
        "title": f"{m['year']}年度{m.get('department') or ''}绩效运行监控",
        "as_of": as_of_text(m), "span": month_span(m),
        "mode": "天" if m["budget"]["time_progress_mode"] == "days" else "月",
        "sample": bool(m.get("is_sample")), "cards": _cards(m),
        "alerts": [w for w in warnings if w["level"] != "绿"],
        "greens": [w for w in warnings if w["level"] == "绿"],
        "chart": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "projection_note": _projection_note(m),
        "methods": [[r["label"] + ("（采用）" if r["method"] == m["budget"]["projection"]["method"]
                                   else ""), r["basis"], fmt_fixed(r["projected_spending_wan"]),
                     fmt_pct(r["projected_execution_rate_pct"])]
                    for r in m["budget"]["projection"]["methods"]],
        "budget_rows": _budget_table(m), "petition_rows": _petition_table(m),
        "cases_note": f"全年信访事项预计约{cp['projected_total_cases']}件（{cp['basis']}）。",
        "score": _score(m), "notes": [_chinese(n) for n in m.get("notes") or []],
        "generated": fmt_time(m.get("generated_at", "")), "version": __version__,
        "sources": m.get("sources") or [],
        "css": markupsafe.Markup(CSS),   # evalkit's own constant: quotes must stay quotes
    }


def render_page(monitor: Mapping[str, Any], png: bytes) -> str:
    """The page as one HTML string (autoescaped; CSS inline; chart embedded)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(**build_context(monitor, png))
