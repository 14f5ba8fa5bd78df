"""The study's [effects] step: tables reload, figures with their CSV, report section, early refusals, skipped without it.

A small dated nine-outlet corpus from ``benchmarks/newscorpus.py`` (planted outlet leans in topics and
frames, trends over 2023-2024) is analysed once with a fixed K and few replicates.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from textlab._errors import ConfigError
from textlab.study.config import load_study_config
from textlab.study.report import render_report
from textlab.study.results import read_results, write_results
from textlab.study.run import run_study
from textlab.study.steps import get_step

EFFECTS = """
[lda]
n_topics = 6
stability_random_states = [0, 1]
restarts = 1

[uncertainty]
n_boot = 20
n_perm = 20
n_draws = 10

[effects]
formula = "~ outlet + s(date, df = 3)"
n_boot = 16
n_draws = 4
n_points = 6
change_date = "2024-07-04"
contrasts = [["daily-ledger", "northern-courier"], ["metro-herald", "civic-times"]]
"""


def _corpus(folder: Path, n_docs: int, extra: str) -> Path:
    from benchmarks.newscorpus import build_news_corpus

    build_news_corpus(folder, n_docs, random_state=1)
    study = folder / "study.toml"
    study.write_text(study.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news")
    config = load_study_config(_corpus(folder, 90, EFFECTS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        steps = [get_step(name) for name in ("corpus", "topics", "frames", "effects")]
        result = run_study(config, steps=steps)
    out = folder / "results"
    write_results(result, out)
    return result, out


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("TEXTLAB_PROGRESS", "0")


def test_tables_of_topics_and_frames_reload_from_the_results_folder(study):
    result, out = study
    effects = result.results["effects"]
    assert set(effects.coefficients["kind"]) == {"topic", "frame"}
    assert effects.params["formula"] == "~ outlet + s(date, df = 3)" and effects.params["n_boot"] == 16
    contrasts = effects.contrasts
    asked = contrasts[(contrasts.variable == "outlet")]
    assert sorted(set(zip(asked.level_a, asked.level_b))) == [("daily-ledger", "northern-courier"),
                                                             ("metro-herald", "civic-times")]
    assert (contrasts.variable == "period").any() and (contrasts.by == "(all)").any()
    assert contrasts["q_value"].ge(contrasts["p_value"] - 1e-12).all()
    means = effects.marginal_means[(effects.marginal_means.variable == "outlet")]
    assert means.groupby("kind")["level"].nunique().eq(9).all()  # every outlet, with its interval
    assert (means.ci_low <= means.estimate).all() and (means.estimate <= means.ci_high).all()
    topic_labels = effects.coefficients.loc[effects.coefficients.kind == "topic", "label"]
    assert topic_labels.str.startswith("Topic ").all()
    for name in ("effect_coefficients", "effect_marginal_means", "effect_contrasts", "effect_predictions"):
        assert (out / f"{name}.csv").exists()
    again = read_results(out)
    assert type(again.results["effects"]).__name__ == "StudyEffects"
    pd.testing.assert_frame_equal(again.tables["effect_contrasts"].reset_index(drop=True),
                                  result.tables["effect_contrasts"].reset_index(drop=True), check_dtype=False)
    steps = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["steps"]
    assert steps["effects"]["topic"]["n_replicates"] == 16 and "Benjamini" in steps["effects"]["multiplicity"]


def test_planted_outlet_lean_in_frames_is_recovered(study):
    result, _ = study
    means = result.results["effects"].marginal_means
    cost = means[(means.kind == "frame") & (means.outcome == "economic_cost") & (means.variable == "outlet")]
    cost = cost.set_index("level")["estimate"]
    assert cost.idxmax() == "daily-ledger"  # planted: daily-ledger leans to the economic-cost frame (x5)
    human = means[(means.kind == "frame") & (means.outcome == "human_interest") & (means.variable == "outlet")]
    assert human.set_index("level")["estimate"]["northern-courier"] > cost["northern-courier"] / 2


def test_figures_each_with_csv_and_a_report_section(study):
    import matplotlib.pyplot as plt

    from textlab.study.effects import figure_effects

    result, out = study
    again = read_results(out)
    specs = {spec.name: spec for spec in figure_effects(again)}
    assert sorted(specs) == sorted(f"17_effect_{kind}_{what}" for kind in ("differences", "levels", "trends")
                                   for what in ("frames", "topics"))
    assert all(len(spec.table) and spec.claim and spec.caption for spec in specs.values())  # the CSV drawn
    levels = specs["17_effect_levels_topics"]
    assert sum(a.get_visible() for a in levels.figure.axes) == 6 and set(levels.table["level"]) == set(means_levels(again))
    diff = specs["17_effect_differences_frames"].table
    assert set(diff["panel"]) >= {"daily-ledger \u2212 northern-courier", "after \u2212 before the change date"}
    trends = specs["17_effect_trends_topics"]
    assert "(all)" in set(trends.table["by"]) and trends.table["by"].nunique() == 10
    plt.close("all")
    html = render_report(again, figures={})
    assert "<h3>Effects: <code>~ outlet + s(date, df = 3)</code></h3>" in html and "daily-ledger" in html


def means_levels(result) -> list[str]:
    return sorted(result.tables["documents"]["group"].unique())


def test_no_effects_section_skips_the_step(tmp_path):
    from textlab.study.effects import run_effects
    from textlab.study.steps import StepContext

    config = load_study_config(_corpus(tmp_path, 12, ""))
    assert "effects" not in config.step_options
    assert run_effects(StepContext(config, {})) is None


@pytest.mark.parametrize("section, message", [
    ('outcomes = "topic"', "[effects] outcomes = 'topic' is not allowed"),
    ('formula = "~ outlet + nowhere"', "cannot be built (Unable to evaluate factor `nowhere`"),
    ('contrasts = ["daily-ledger"]', "[effects] contrasts"),
    ('cluster = "author"', "[effects] cluster = 'author' is not a column"),
])
def test_bad_options_are_refused_before_the_topic_model(tmp_path, section, message):
    config = load_study_config(_corpus(tmp_path, 12, f"\n[effects]\n{section}\n"))
    with pytest.raises(ConfigError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(config, steps=[get_step("corpus")])
    assert message in str(info.value) and "\n" not in str(info.value)
    assert "[effects]" in str(info.value)


def test_option_types_are_checked_at_config_load(tmp_path):
    with pytest.raises(ConfigError, match=r"\[effects\] n_boot = 'many' is not allowed"):
        load_study_config(_corpus(tmp_path, 12, "\n[effects]\nn_boot = \"many\"\n"))
