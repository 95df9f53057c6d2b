"""Tests of validation/koopman/paper_size.py (the Duffing study at the paper's data size).

The study itself takes hours; here: the script runs end to end on a tiny configuration, and
the rows it recorded (paper_size_rows.json) are the numbers the README quotes, so the
README's table cannot drift from the data it claims to come from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from refimpl.validation.koopman import paper_size

pytestmark = pytest.mark.only_xp("numpy", reason="a host-side validation script")

README = Path(paper_size.__file__).with_name("README.md")


def test_run_tiny_configuration(monkeypatch):
    tiny = {**paper_size.PAPER, "duffing_m1": 40, "conv_step": 0.25, "duffing_kmeans_iter": 5}
    monkeypatch.setattr(paper_size, "PAPER", tiny)
    out = paper_size.run([6, 8], "damped")
    assert out["case"] == "damped"
    assert [r["n"] for r in out["rows"]] == [6, 8]
    for row in out["rows"]:
        assert set(row) == {"n", "E_EDMD", "E_new", "n_certified"}
        assert row["E_EDMD"] > 0
        assert row["n_certified"] >= 1
        assert 0 <= row["E_new"] < 1  # every certified point has tau < 1


def test_recorded_rows_are_the_readme_table():
    runs = json.loads(paper_size.ROWS.read_text())["runs"]
    text = README.read_text()
    section = text[text.index("**At the paper's data size") : text.index("## Known deviations")]
    table = {}
    for line in section.splitlines():
        m = re.match(r"\| (\d+) \| (.+) \|$", line)
        if m:
            table[int(m.group(1))] = [c.strip() for c in m.group(2).split("|")]
    seen = 0
    for run in runs:
        col = 0 if run["case"] == "undamped" else 2
        for row in run["rows"]:
            cells = table[row["n"]]
            assert cells[col] == f"{row['E_EDMD']:.3f}", (run["case"], row)
            assert cells[col + 1] == f"{row['E_new']:.4f} ({row['n_certified']})", (
                run["case"],
                row,
            )
            seen += 1
    assert seen == 9  # 5 undamped + 4 damped rows


def test_plot_from_recorded_rows(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (test extra)")
    png = paper_size.plot(paper_size.ROWS, tmp_path / "errors.png")
    assert png.stat().st_size > 10_000
