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


def test_report_takes_title_and_caveats_from_the_study_and_marks_a_quick_look(seeds_study_fast):
    from textlab.study.report import render_report

    html = render_report(seeds_study_fast, figures={})
    first_page = html.split("<h2>")[0]
    assert "<h1>How does the framing differ between huawei-led and aws-led sources?</h1>" in first_page
    assert "Quick look (<code>--fast</code>)" in first_page and "textlab report seeds/study.toml --fast" in first_page
    assert "explained in seeds/README.md" in html  # the seeds study's own caveat, from seeds/study.toml
    assert html.index("explained in seeds/README.md") < html.index("Passages, not documents")
    selection = seeds_study_fast.results["model_selection"]
    assert ("at the edge of the range searched" in html) == bool(selection.params["at_edge"])
    assert "95% intervals composing" in html


def test_library_report_is_generic(seeds_study_fast):
    from textlab.study.report import render_report

    config = seeds_study_fast.config.replace(report_title=None, report_caveats=(), fast=False)
    generic = type(seeds_study_fast)(config=config, results=seeds_study_fast.results,
                                     provenance=seeds_study_fast.provenance, tables=seeds_study_fast.tables)
    html = render_report(generic, figures={})
    assert "<h1>How do huawei-led and aws-led differ?</h1>" in html
    assert "seeds/README.md" not in html and "Quick look" not in html


def test_figures_drawn_one_at_a_time_give_the_same_report_as_all_at_once(seeds_study_fast):
    """The report encodes each figure as it is drawn (iter_figures); the page equals one built from build_figures."""
    from textlab.study.figures import build_figures, iter_figures
    from textlab.study.report import render_report

    import matplotlib.pyplot as plt

    specs = build_figures(seeds_study_fast)
    names = []
    for spec in iter_figures(seeds_study_fast):
        names.append(spec.name)
        plt.close(spec.figure)
    assert sorted(names) == list(specs)
    given = {name: (spec.figure, spec.caption) for name, spec in specs.items()}
    assert render_report(seeds_study_fast, explorer=False) == render_report(seeds_study_fast, figures=given,
                                                                           explorer=False)
