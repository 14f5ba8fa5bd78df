"""A study in one call: tables, provenance, reruns, refusals."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from textlab._errors import ConfigError, EstimationError
from textlab.study.config import load_study_config
from textlab.study.run import run_study, write_results


def test_tables_and_provenance(seeds_study_fast, seeds_dir):
    result = seeds_study_fast
    for name in ("documents", "audit", "passages", "keyness", "distinctive_terms", "document_similarity",
                 "model_selection", "stability", "topic_terms", "representative_passages", "topic_map",
                 "passage_topics", "prevalence_by_group", "prevalence_difference", "topic_divergence",
                 "frames_by_group", "frame_drivers"):
        assert name in result.tables and len(result.tables[name]) > 0, name
    prov = result.provenance
    files = prov["inputs"]
    assert len(files) == 6 and "metadata.csv" in files  # five texts and the metadata
    for path in sorted(seeds_dir.glob("0*.txt")):
        recorded = [v for k, v in files.items() if k.endswith(path.name)]
        assert recorded, path.name
        digest = recorded[0]["sha256"] if isinstance(recorded[0], dict) else recorded[0]
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov["n_topics"] == result.n_topics >= 2
    assert prov["seeds"]["stability_random_states"] == [0, 1, 2]
    assert prov["packages"]["gensim"]
    assert any("aws-led" in w for w in prov["warnings"]), "the one-document fallback must be reported"
    # provenance is the union of every step's settings; the quick look is marked
    assert list(prov["steps"]) == list(result.results) == ["corpus", "duplicates", "tfidf", "keyness",
                                                            "model_selection", "topics", "prevalence", "frames",
                                                            "duplicates_effect", "perspectives", "guided_topics",
                                                            "effects"]
    assert prov["steps"]["keyness"]["ci_level"] == 0.95 and prov["steps"]["prevalence"]["ci_level"] == 0.95
    assert prov["steps"]["model_selection"]["n_topics_range"] == [3, 8]
    assert prov["fast"] is True and prov["rerun"].endswith("--fast") and result.fast


def test_steps_results_are_the_analysis_results(seeds_study_fast):
    result = seeds_study_fast
    assert result.tables["keyness"] is result.results["keyness"].table
    assert result.tables["prevalence_difference"] is result.results["prevalence"].difference
    assert result.n_topics == result.results["topics"].n_topics == len(result.fits[0].topic_term)
    summary = result.tables["model_selection_summary"]
    edge = bool(result.results["model_selection"].params["at_edge"])
    assert edge == (result.n_topics in (3, 8))
    assert summary.loc[summary["chosen"].astype(bool), "at_edge"].tolist() == [edge]


def test_prevalence_point_estimates_are_group_means_of_the_fits(seeds_study_fast):
    result = seeds_study_fast
    passages = result.tokenized.passages
    groups = passages[result.group_column].to_numpy()
    by_group = result.tables["prevalence_by_group"].set_index(["topic", "group"])["mean"]
    for group in ("huawei-led", "aws-led"):
        direct = np.mean([fit.doc_topic[groups == group].mean(axis=0) for fit in result.fits], axis=0)
        got = [by_group[(k + 1, group)] for k in range(result.n_topics)]
        np.testing.assert_allclose(got, direct, atol=1e-9)
    difference = result.tables["prevalence_difference"].set_index("topic")
    for k in range(1, result.n_topics + 1):
        assert difference.loc[k, "difference"] == pytest.approx(
            by_group[(k, "huawei-led")] - by_group[(k, "aws-led")], abs=1e-9)
        assert difference.loc[k, "ci_low"] <= difference.loc[k, "difference"] <= difference.loc[k, "ci_high"]
    aws_rows = result.tables["prevalence_by_group"].query("group == 'aws-led'")
    assert set(aws_rows["resampling_unit"]) == {"passage"}


def test_same_config_gives_identical_tables(seeds_study_fast, seeds_dir):
    again = run_study(seeds_dir / "study.toml", fast=True)
    assert again.tables.keys() == seeds_study_fast.tables.keys()
    for name, table in seeds_study_fast.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], check_exact=True, obj=name)


def test_write_results_is_complete_and_atomic(seeds_study_fast, tmp_path):
    out = write_results(seeds_study_fast, tmp_path / "results")
    names = {p.name for p in out.iterdir()}
    assert {f"{n}.csv" for n in seeds_study_fast.tables} | {"provenance.json", "manifest.json", "data",
                                                             ".textlab-output"} == names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["fast"] is True and manifest["rerun"] == "textlab analyze seeds/study.toml --out results --fast"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["config"]["group_column"] == "narrative"
    keyness = pd.read_csv(out / "keyness.csv")
    assert len(keyness) == len(seeds_study_fast.tables["keyness"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_refusals_are_clear(seeds_dir):
    config = load_study_config(seeds_dir / "study.toml")
    with pytest.raises(ConfigError, match=r"study.toml: \[groups\] column = 'stance' is not a column"):
        run_study(config.replace(group_column="stance"), fast=True)
    with pytest.raises(ConfigError, match=r"contrast names 'aws', which is not a value of column 'narrative'"):
        run_study(config.replace(contrast=("huawei-led", "aws")), fast=True)
    with pytest.raises(EstimationError, match="n_topics"):
        run_study(config.replace(n_topics=500), fast=True)
    with pytest.raises(EstimationError, match=r"n_topics_range = \[80, 90\].*at most 74"):  # 93 passages, 19 held out
        run_study(config.replace(n_topics_range=(80, 90)), fast=True)


def test_k_range_beyond_the_passages_is_narrowed_with_a_recorded_warning(tmp_path):
    import pandas as pd

    from textlab.study.config import StudyConfig

    words = {"x": "solar panels grid storage battery power sun energy rooftop inverter",
             "y": "coal mine plant emissions carbon furnace ash smoke boiler steam"}
    rows = []
    for i in range(6):
        group = "x" if i % 2 else "y"
        paragraphs = [" ".join((words[group].split() * 3)[j: j + 14]) + "." for j in range(0, 28, 14)]
        (tmp_path / f"d{i}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        rows.append({"doc_id": f"d{i}", "file": f"d{i}.txt", "side": group})
    pd.DataFrame(rows).to_csv(tmp_path / "metadata.csv", index=False)
    config = StudyConfig(corpus_path=tmp_path / "metadata.csv", group_column="side", n_topics_range=(2, 30),
                         min_words=5)  # no codebook set: the frames step is skipped, with a warning
    result = run_study(config, fast=True)
    n_passages = len(result.tokenized.passages)
    n_fit = n_passages - max(1, round(0.2 * n_passages))
    assert any(f"K is chosen from 2..{n_fit}" in w for w in result.provenance["warnings"])
    assert result.tables["model_selection"]["n_topics"].max() == n_fit
    assert any("no [frames] codebook set: the frames step is skipped" in w for w in result.provenance["warnings"])
    assert result.results["frames"] is None and "frames_by_group" not in result.tables
    assert result.provenance["steps"]["frames"] == {"skipped": "the step returned no result (see the warnings)"}
