"""The explorer's data: relevance vs numpy, topic numbering vs the figures, evidence, escaping, CLI, report."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from textlab.explorer import Explorer, explore
from textlab.explorer._data import candidate_terms, lambda_grid, relevance_ranking
from textlab.explorer._evidence import allocate_passages
from textlab.explorer._page import safe_json, vega_bundle


@pytest.fixture(scope="module")
def explorer(seeds_study_fast) -> Explorer:
    return explore(seeds_study_fast)


def _numpy_relevance(fit, prevalence: np.ndarray, lam: float) -> np.ndarray:
    """Sievert & Shirley (2014) relevance over the whole vocabulary, written out independently."""
    phi = np.asarray(fit.topic_term, dtype=float)
    p_w = (prevalence[:, None] * phi).sum(axis=0)
    return lam * np.log(phi) + (1 - lam) * (np.log(phi) - np.log(p_w))


@pytest.mark.parametrize("lam", [0.0, 0.33, 0.6, 1.0])
def test_term_bars_are_the_top_terms_by_relevance_over_the_whole_vocabulary(seeds_study_fast, explorer, lam):
    fit = seeds_study_fast.fits[0]
    prevalence = seeds_study_fast.tables["topic_map"].sort_values("topic")["prevalence"].to_numpy()
    scores = _numpy_relevance(fit, prevalence, lam)
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    shown = relevance_ranking(explorer.terms, lam, n_terms=30)
    for k in range(fit.n_topics):
        expected = vocabulary[np.argsort(-scores[k], kind="stable")[:30]]
        got = shown.loc[shown["topic"] == k + 1]
        assert len(got) == 30
        # same scores in the same order (ties may swap terms of equal relevance)
        np.testing.assert_allclose(np.sort(scores[k])[::-1][:30], got["relevance"].to_numpy(), rtol=1e-9)
        assert set(got["term"]) == set(expected) or np.isclose(np.sort(scores[k])[::-1][29],
                                                                np.sort(scores[k])[::-1][30])


def test_relevance_at_the_default_lambda_matches_the_study_topic_terms(seeds_study_fast, explorer):
    table = seeds_study_fast.tables["topic_terms"]
    relevance = table[table["method"] == "relevance"]
    shown = relevance_ranking(explorer.terms, 0.6, n_terms=int(relevance["rank"].max()))
    merged = relevance.merge(shown, on=["topic", "rank"], suffixes=("_study", "_page"))
    assert len(merged) == len(relevance)
    np.testing.assert_allclose(merged["score"], merged["relevance"], rtol=1e-9)
    assert (merged["term_study"] == merged["term_page"]).mean() > 0.95  # equal up to exact ties


def test_candidates_hold_every_top_set_of_the_slider():
    rng = np.random.default_rng(3)
    phi = rng.dirichlet(np.full(200, 0.1), size=4)
    prevalence = np.array([0.4, 0.3, 0.2, 0.1])
    grid = lambda_grid(0.05)
    candidates = candidate_terms(phi, prevalence, n_terms=10, lambdas=grid)
    p_w = prevalence @ phi
    for lam in grid:
        scores = lam * np.log(phi) + (1 - lam) * np.log(phi / p_w)
        for k in range(4):
            assert set(np.argsort(-scores[k])[:10]) <= set(candidates[k])
    assert all(len(c) < 200 for c in candidates)  # only what the slider can show is written


def test_lambda_step_must_divide_one():
    with pytest.raises(ValueError, match="lambda_step"):
        lambda_grid(0.3)
    with pytest.raises(ValueError, match="lambda_step"):
        lambda_grid(0)
    assert len(lambda_grid(0.01)) == 101


def test_topics_are_numbered_as_in_the_tables_and_figures(seeds_study_fast, explorer):
    from textlab.study.figures import _topic_labels

    topics = explorer.topics
    k = seeds_study_fast.n_topics
    assert topics["topic"].tolist() == list(range(1, k + 1))
    stability = seeds_study_fast.tables["stability"].set_index("topic")["stable"]
    figure_labels = _topic_labels(seeds_study_fast)
    for row in topics.itertuples():
        assert row.stable == bool(stability[row.topic])
        assert row.name == f"Topic {row.topic}" + ("" if row.stable else " (unstable)")
        assert figure_labels[row.topic] == row.label + ("" if row.stable else " (unstable)")
    topic_map = seeds_study_fast.tables["topic_map"]
    np.testing.assert_allclose(topics[["x", "y", "prevalence"]].to_numpy(), topic_map[["x", "y", "prevalence"]])
    assert set(explorer.prevalence["topic"]) == set(range(1, k + 1))
    by_group = seeds_study_fast.tables["prevalence_by_group"]
    pd.testing.assert_frame_equal(explorer.prevalence[["topic", "group", "mean", "ci_low", "ci_high"]],
                                  by_group[["topic", "group", "mean", "ci_low", "ci_high"]].reset_index(drop=True),
                                  check_dtype=False)


def test_lean_is_the_group_whose_interval_excludes_zero(seeds_study_fast, explorer):
    difference = seeds_study_fast.tables["prevalence_difference"].set_index("topic")
    for row in explorer.topics.itertuples():
        d = difference.loc[row.topic]
        if d["ci_low"] > 0:
            assert row.lean == d["group_a"]
        elif d["ci_high"] < 0:
            assert row.lean == d["group_b"]
        else:
            assert row.lean == "no clear lean"


def test_topic_passages_are_the_highest_share_passages(seeds_study_fast, explorer):
    shares = seeds_study_fast.tables["passage_topics"].set_index("passage_id")
    for k, rows in explorer.topic_passages.groupby("key"):
        column = shares[f"topic_{k}"]
        assert rows["passage_id"].iloc[0] == column.idxmax()
        assert rows["score"].is_monotonic_decreasing
        np.testing.assert_allclose(rows["score"], column.loc[rows["passage_id"]])
    held = set(explorer.passages["passage_id"])
    assert set(explorer.topic_passages["passage_id"]) | set(explorer.frame_passages["passage_id"]) == held


def test_max_passages_caps_the_page_round_robin():
    a = pd.DataFrame({"key": [1, 1, 2, 2], "rank": [1, 2, 1, 2], "passage_id": ["p1", "p2", "p3", "p1"],
                      "score": [.9, .8, .7, .6]})
    b = pd.DataFrame({"key": ["f"] * 2, "rank": [1, 2], "passage_id": ["p4", "p5"], "score": [.5, .4]})
    (a_kept, b_kept), n = allocate_passages([a, b], max_passages=3)
    assert n == 3
    assert a_kept["passage_id"].tolist() == ["p1", "p3", "p1"]  # every key's first passage before any second
    assert b_kept["passage_id"].tolist() == ["p4"]


def test_kwic_lines_show_the_term_and_count_its_passages(seeds_study_fast, explorer):
    tokens = seeds_study_fast.tokenized.tokens
    passages = seeds_study_fast.tokenized.passages.set_index("passage_id")
    kwic = explorer.kwic
    assert kwic.groupby("term").size().max() <= explorer.params["n_kwic"]
    for term, rows in list(kwic.groupby("term"))[:40]:
        assert rows["n_passages"].iloc[0] == sum(term in t for t in tokens)
        for line in rows.itertuples():
            assert line.match and line.match in passages.loc[line.passage_id, "text"]
            assert passages.loc[line.passage_id, "doc_id"] == line.doc_id
    again = explore(seeds_study_fast)
    pd.testing.assert_frame_equal(again.kwic, explorer.kwic)  # random_state fixes the draws


def test_page_is_offline_and_escapes_corpus_text(explorer, tmp_path):
    hostile = "</script><script>window.__pwned = 1</script><img src=x onerror=alert(1)>"
    passages = explorer.passages.copy()
    passages.loc[0, "text"] = hostile
    page = Explorer(**{**{name: getattr(explorer, name) for name in explorer.tables()}, "passages": passages},
                    params=explorer.params).save(tmp_path / "explorer.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count(vega_bundle()) == 1  # Vega, Vega-Lite and vega-embed inlined
    markup = page.replace(vega_bundle(), "")  # (the bundle's own template strings hold '<img src=')
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", markup, re.IGNORECASE)
    assert "window.__pwned" in page and hostile not in page
    data = re.search(r"<script type='application/json' class='tlx-data'>(.*?)</script>", page, re.S).group(1)
    payload = json.loads(data)
    assert payload["passages"][passages.loc[0, "passage_id"]][3] == hostile
    assert set(payload["specs"]) == {"map", "terms", "prevalence", "difference", "frames", "keyness"}
    assert payload["specs"]["terms"]["params"][-1]["bind"]["step"] == 0.01


def test_safe_json_round_trips():
    value = {"t": "a</script>&<!-- \u2028 é", "n": [1, 2.5, None]}
    text = safe_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_notebook_display_is_an_isolated_iframe(explorer):
    shown = explorer._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;")
    assert "<script" not in shown  # all of it escaped inside srcdoc


def test_explore_refuses_a_study_without_topics(seeds_study_fast):
    from dataclasses import replace

    tables = {k: v for k, v in seeds_study_fast.tables.items() if k != "topic_map"}
    with pytest.raises(ValueError, match="topics step"):
        explore(replace(seeds_study_fast, tables=tables))
    with pytest.raises(ValueError, match="n_kwic"):
        explore(seeds_study_fast, n_kwic=0)


def test_cli_explore_from_a_results_folder(seeds_study_fast, tmp_path, capsys):
    from textlab.cli import main
    from textlab.study.results import write_results

    results = write_results(seeds_study_fast, tmp_path / "results")
    out = tmp_path / "page.html"
    assert main(["explore", str(results), "--out", str(out), "--max-passages", "10"]) == 0
    assert "explorer written to" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "holds 10 of the" in page
    assert main(["explore", str(results), "--out", str(out), "--lambda-step", "0.3"]) == 2
    assert "lambda_step" in capsys.readouterr().err


def test_report_holds_the_explorer_inline(seeds_study_fast):
    from textlab.study.report import render_report

    html = render_report(seeds_study_fast, figures={})
    assert "<h2 id='explorer'>Interactive explorer</h2>" in html and "class='tlx-data'" in html
    assert not re.search(r"(src|href)=['\"]https?://", html)
    assert "tlx-data" not in render_report(seeds_study_fast, figures={}, explorer=False)


def test_topic_bars_split_the_corpus_count_by_topic(seeds_study_fast, explorer):
    fit = seeds_study_fast.fits[0]
    prevalence = explorer.topics["prevalence"].to_numpy()
    phi = np.asarray(fit.topic_term)
    column = {t: j for j, t in enumerate(np.asarray(fit.vocabulary).astype(str))}
    terms = explorer.terms
    j = terms["term"].map(column).to_numpy()
    k = terms["topic"].to_numpy() - 1
    share = phi[k, j] * prevalence[k] / (prevalence @ phi)[j]  # p(k | w)
    np.testing.assert_allclose(terms["topic_count"], terms["corpus_count"] * share)
    assert (terms["topic_count"] <= terms["corpus_count"] + 1e-9).all()
    counts = {}
    for tokens in seeds_study_fast.tokenized.tokens:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    assert terms["corpus_count"].tolist() == [counts.get(t, 0) for t in terms["term"]]


def test_frame_passages_have_the_most_frame_tokens(seeds_study_fast, explorer):
    by_passage = seeds_study_fast.tables["frames_by_passage"]
    for frame, rows in explorer.frame_passages.groupby("key"):
        hits = by_passage[by_passage["frame"] == frame].set_index("passage_id")["n_hits"]
        assert rows["score"].iloc[0] == hits.max()
        assert rows["score"].is_monotonic_decreasing
        np.testing.assert_array_equal(rows["score"], hits.loc[rows["passage_id"]])
