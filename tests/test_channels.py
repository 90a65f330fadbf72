"""The petition channels are data (evalkit/channels.yaml): names, aliases, which count as 网信."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit import schema
from evalkit.io.tables import load_table
from evalkit.metrics.petitions import petition_metrics
from evalkit.metrics.settings import MetricSettings

COMMON = ("12345热线", "阳光信访", "人民网留言板", "领导信箱", "公民监督")


def test_the_channel_file_defines_the_schema_and_the_default_online_split():
    assert schema.CHANNELS == tuple(c.name for c in schema.load_channels())
    assert schema.OFFLINE_CHANNELS == ("来信", "来访")
    assert MetricSettings().offline_channels == frozenset(schema.OFFLINE_CHANNELS)
    assert set(COMMON) <= set(schema.CHANNELS)
    assert schema.CHANNEL_ALIASES["12345"] == "12345热线"
    assert schema.CHANNEL_ALIASES["网信"] == "网上信访"
    assert schema.PETITIONS.column("channel").choices == schema.CHANNELS
    online = MetricSettings().online_channels()
    assert set(COMMON) <= set(online) and "来信" not in online


def test_common_channels_load_and_count_as_online(tmp_path: Path):
    rows = ["信访件编号,登记日期,信访形式,信访目的,初重件,所属镇街"]
    spellings = ["12345热线", "12345", "12345政务服务便民热线", "阳光信访", "人民网留言板",
                 "领导信箱", "公民监督", "来信", "走访"]
    rows += [f"C{i},2023-03-0{i % 9 + 1},{ch},咨询类,初件,甲镇" for i, ch in enumerate(spellings)]
    path = tmp_path / "petitions.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame, problems = load_table(path, schema.PETITIONS, year=2023)
    assert [p for p in problems if p.level == "error"] == []
    assert frame["channel"].tolist() == ["12345热线"] * 3 + ["阳光信访", "人民网留言板", "领导信箱",
                                                          "公民监督", "来信", "来访"]
    m = petition_metrics(frame, 2023)
    assert (m["online_cases"], m["total_cases"]) == (7, 9)
    assert {r["channel"]: r["cases"] for r in m["by_channel"]}["12345热线"] == 3


def test_an_unknown_channel_is_still_refused(tmp_path: Path):
    path = tmp_path / "petitions.csv"
    path.write_text("信访件编号,登记日期,信访形式,信访目的,初重件,所属镇街\n"
                    "C1,2023-03-01,飞鸽传书,咨询类,初件,甲镇\n", encoding="utf-8")
    _, problems = load_table(path, schema.PETITIONS, year=2023)
    errors = [p for p in problems if p.level == "error"]
    assert len(errors) == 1 and "12345热线" in errors[0].zh      # the accepted values are listed


@pytest.mark.parametrize("text, message", [
    ("channels:\n  - {name: 来信, online: false, aliases: [信件]}\n"
     "  - {name: 信件, online: false}\n", "listed twice"),
    ("channels:\n  - {name: 来信, online: false, aliases: [网 信]}\n"
     "  - {name: 网上信访, online: true, aliases: [网信]}\n", "listed twice"),
    ("channels:\n  - {name: 来信}\n", "online"),
    ("channels:\n  - {name: 来信, online: false, colour: red}\n", "online"),
    ("channels: []\n", "non-empty"),
    ("- 来信\n", "non-empty"),
])
def test_a_bad_channel_file_names_the_file_and_the_problem(tmp_path: Path, text, message):
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        schema.load_channels(path)
    assert "channels.yaml" in str(info.value)
