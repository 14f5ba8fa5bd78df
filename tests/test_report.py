"""The HTML report: self-contained, with the contrasts, caveats and provenance."""

from __future__ import annotations

import re

from textlab.study.figures import FIGURE_NAMES
from textlab.study.report import write_report


def test_report_is_self_contained_and_states_the_findings(seeds_study_fast, tmp_path):
    path = write_report(seeds_study_fast, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)=['\"]https?://", html), "the report must open without network"
    assert html.count("data:image/png;base64,") == len(FIGURE_NAMES)
    assert "single document" in html  # the one-document AWS-led caveat
    difference = seeds_study_fast.tables["prevalence_difference"]
    assert f"{difference['difference'].iloc[0]:.3f}" in html
    for digest in [v["sha256"] if isinstance(v, dict) else v for v in seeds_study_fast.provenance["inputs"].values()]:
        assert digest in html
