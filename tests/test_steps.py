"""A study is a list of steps: a toy step registered from this test module reaches every output."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

import pandas as pd
import pytest

from textlab._errors import ConfigError
from textlab.data import Result
from textlab.study import steps as study_steps
from textlab.study.config import load_study_config
from textlab.study.steps import STEPS, Step, register_step, unregister_step


@dataclass(frozen=True)
class PassageLengths(Result):
    """Toy result: the longest passages of each group."""

    table: pd.DataFrame


def passage_lengths(ctx):
    """Toy step: the ``top`` longest passages (in tokens) of each group."""
    top = ctx.options["top"]
    passages = ctx.tokenized.passages
    table = pd.DataFrame({"passage_id": passages["passage_id"].astype(str),
                          "group": passages[ctx.group_column].astype(str),
                          "n_tokens": [len(t) for t in ctx.tokenized.tokens]})
    table = (table.sort_values(["group", "n_tokens", "passage_id"], ascending=[True, False, True])
             .groupby("group").head(top).reset_index(drop=True))
    return PassageLengths(table, params={"top": top, "measure": "tokens per passage"})


def draw_lengths(result):
    from textlab import plots
    from textlab.study.figures import FigureSpec

    table = result.tables["passage_lengths"]
    fig, ax = plots.figure("single", 2.0)
    ax.barh(range(len(table)), table["n_tokens"])
    return FigureSpec("13_passage_lengths", fig, table, "Longest passages per group.",
                      f"Longest passage: {int(table['n_tokens'].max())} tokens.")


def report_lengths(result):
    longest = int(result.tables["passage_lengths"]["n_tokens"].max())
    return f"<h3>Passage lengths</h3><p>The longest passage holds {longest} tokens (toy step).</p>"


TOY = Step("passage_lengths", passage_lengths, section="lengths", options={"top": 2},
           tables={"passage_lengths": "table"}, figures=(draw_lengths,), report=report_lengths, requires=("corpus",))


@pytest.fixture
def toy_step():
    register_step(TOY)
    yield TOY
    unregister_step(TOY.name)


@pytest.fixture
def toy_study(seeds_dir, tmp_path):
    """The seeds study with a [lengths] section, and only the steps the toy needs."""
    folder = tmp_path / "study"
    shutil.copytree(seeds_dir, folder)
    text = (folder / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(text + "\n[lengths]\ntop = 3\n", encoding="utf-8")
    return folder / "study.toml"


def test_a_toy_step_appears_in_results_provenance_figures_and_report(toy_step, toy_study, tmp_path):
    from textlab.study.figures import make_figures
    from textlab.study.report import render_report
    from textlab.study.results import read_results, write_results
    from textlab.study.run import run_study

    config = load_study_config(toy_study)
    assert config.step_options == {"lengths": {"top": 3}}
    only = [study_steps.get_step("corpus"), toy_step]  # skip the topic models: seconds, not minutes
    result = run_study(config, steps=only)
    table = result.tables["passage_lengths"]
    tokens = result.tokenized.tokens
    expected = max(len(t) for t in tokens)
    assert table["n_tokens"].max() == expected and table.groupby("group").size().max() == 3
    out = write_results(result, tmp_path / "results")
    assert pd.read_csv(out / "passage_lengths.csv")["n_tokens"].tolist() == table["n_tokens"].tolist()
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["steps"]["passage_lengths"] == {"top": 3, "measure": "tokens per passage"}
    again = read_results(out)
    assert type(again.results["passage_lengths"]) is PassageLengths  # its module is loaded: the type comes back
    pd.testing.assert_frame_equal(again.tables["passage_lengths"], table)
    html = render_report(again)
    assert f"The longest passage holds {expected} tokens" in html
    written = make_figures(again, tmp_path / "figures", formats=("png",), dpi=50)
    assert {p.name for p in written} >= {"13_passage_lengths.png", "13_passage_lengths.csv", "01_corpus_overview.png"}
    readme = (tmp_path / "figures" / "README.md").read_text()
    assert "## 13_passage_lengths" in readme and "Files: `13_passage_lengths.png`, `13_passage_lengths.csv`." in readme


def test_step_sections_are_checked_like_textlab_sections(toy_step, toy_study):
    text = toy_study.read_text(encoding="utf-8")
    toy_study.write_text(text.replace("top = 3", 'top = "three"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"study\.toml: \[lengths\] top = 'three' is not allowed: expected int"):
        load_study_config(toy_study)
    toy_study.write_text(text.replace("top = 3", "tops = 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown option 'tops' in \[lengths\]; valid options: \['top'\]"):
        load_study_config(toy_study)


def test_without_the_step_its_section_is_unknown(toy_study):
    with pytest.raises(ConfigError, match=r"unknown section \[lengths\]"):
        load_study_config(toy_study)


def test_registry_refuses_clashes_and_keeps_builtins():
    with pytest.raises(ConfigError, match=r"table name\(s\) \['keyness'\] already belong to step\(s\) \['keyness'\]"):
        register_step(Step("mine", passage_lengths, tables={"keyness": "table"}))
    with pytest.raises(ConfigError, match="built in"):
        unregister_step("keyness")
    with pytest.raises(ConfigError, match="after='nope'"):
        register_step(Step("mine", passage_lengths), after="nope")
    register_step(Step("mine", passage_lengths), after="corpus")
    try:
        assert [s.name for s in STEPS][:2] == ["corpus", "mine"]
    finally:
        unregister_step("mine")
    assert [s.name for s in STEPS] == ["corpus", "duplicates", "tfidf", "keyness", "model_selection", "topics",
                                       "prevalence", "frames", "duplicates_effect", "perspectives", "guided_topics",
                                       "effects"]


def test_every_builtin_table_has_one_owner():
    owners: dict[str, str] = {}
    for step in STEPS:
        for table in step.tables:
            assert table not in owners, (table, owners.get(table), step.name)
            owners[table] = step.name
    assert {"keyness", "prevalence_difference", "frames_by_group", "model_selection", "documents"} <= set(owners)
