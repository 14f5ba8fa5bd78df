"""Tests for textlab.analysis.topics.selection: K sweep, coherence, diversity, perplexity, selection rule."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel

from textlab._errors import ConfigError, TextlabWarning
from textlab.analysis.topics.lda import fit_lda
from textlab.analysis.topics.selection import (
    ModelSelection,
    choose_n_topics,
    heldout_perplexity,
    select_n_topics,
    topic_coherence,
    topic_diversity,
)

PLANTED = [
    ["chip", "ascend", "huawei", "sanction", "processor", "export", "semiconductor", "kirin"],
    ["cloud", "aws", "region", "server", "storage", "compute", "availability", "zone"],
    ["minister", "policy", "investment", "ringgit", "government", "digital", "economy", "johor"],
]


def planted_corpus(n_docs: int = 36, length: int = 25, seed: int = 0) -> list[list[str]]:
    """Documents that each mix mostly one planted topic with a little of another."""
    rng = np.random.default_rng(seed)
    docs = []
    for d in range(n_docs):
        main, other = d % 3, (d + 1) % 3
        words = [PLANTED[main if rng.random() < 0.85 else other][rng.integers(8)] for _ in range(length)]
        docs.append(words)
    return docs


LDA = {"passes": 60, "no_below": 1, "no_above": 1.0}


@pytest.fixture(scope="module")
def docs():
    return planted_corpus()


@pytest.fixture(scope="module")
def selection(docs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        return select_n_topics(docs, n_topics_range=range(2, 6), random_states=(0, 1), lda_kwargs=LDA,
                               keep_fits="all", top_n=5, search="full", held_out_fraction=0.2, n_jobs=1)


def test_selection_table_rule_and_summary(selection):
    assert isinstance(selection, ModelSelection)
    assert list(selection.table.columns) == ["n_topics", "random_state", "c_v", "c_npmi", "diversity",
                                             "perplexity", "converged", "stage"]
    assert selection.table[["n_topics", "random_state"]].values.tolist() == [
        [k, s] for k in (2, 3, 4, 5) for s in (0, 1)
    ]
    assert selection.table[["c_v", "c_npmi", "diversity", "perplexity"]].notna().all().all()
    assert selection.chosen_n_topics in (2, 3, 4, 5)
    assert selection.rule.startswith("c_npmi_1se: the smallest K")
    assert f"chosen K={selection.chosen_n_topics}" in selection.rule
    summary = selection.summary
    assert summary["n_topics"].tolist() == [2, 3, 4, 5]
    assert summary.loc[summary.chosen, "n_topics"].item() == selection.chosen_n_topics
    np.testing.assert_allclose(summary["c_npmi_mean"], selection.table.groupby("n_topics")["c_npmi"].mean())
    n_tokens = 36 * 25  # planted_corpus(): 36 passages of 25 tokens
    held = [f.params["n_held_out_tokens"] for f in selection.fits.values()]
    assert len(set(held)) == 1 and 0.1 * n_tokens < held[0] < 0.3 * n_tokens  # one split, ~20 % of tokens
    assert all(f.params["n_tokens"] + held[0] == n_tokens for f in selection.fits.values())
    assert set(selection.fits) == {(k, s) for k in (2, 3, 4, 5) for s in (0, 1)}


def test_planted_three_topics_are_recovered_at_k3(selection):
    # the planted words of each topic are the top words of one fitted topic
    fit = selection.fits[(3, 0)]
    tops = [set(fit.vocabulary[np.argsort(-row)[:8]]) for row in fit.topic_term]
    assert sorted(len(t & set(p)) for t in tops for p in PLANTED if len(t & set(p)) >= 6) == [8, 8, 8]
    # the rule finds the planted K (deterministic: fixed seeds and split)
    assert selection.chosen_n_topics == 3
    # three clean topics: top words never shared; with 5 topics some must be
    k3 = selection.table[selection.table.n_topics == 3]
    assert (k3["diversity"] > selection.table[selection.table.n_topics == 5]["diversity"].max()).all()


def test_coherence_equals_gensim_coherencemodel(selection, docs):
    dictionary = Dictionary(docs)
    for (k, seed), fit in selection.fits.items():
        topics = [list(fit.vocabulary[np.argsort(-row, kind="stable")[:5]]) for row in fit.topic_term]
        row = selection.table[(selection.table.n_topics == k) & (selection.table.random_state == seed)]
        for measure in ("c_v", "c_npmi"):
            direct = CoherenceModel(topics=topics, texts=docs, dictionary=dictionary, coherence=measure,
                                    topn=5, processes=1).get_coherence()
            assert row[measure].item() == pytest.approx(direct, abs=1e-9), (k, seed, measure)


def test_topic_coherence_per_topic_matches_gensim_on_mixed_topics(docs):
    rng = np.random.default_rng(3)
    vocab = sorted({w for d in docs for w in d})
    sets = [[list(rng.choice(vocab, size=6, replace=False)) for _ in range(k)] for k in (2, 4)]
    sets.append(PLANTED)
    scores = topic_coherence(sets, docs, top_n=6)
    dictionary = Dictionary(docs)
    for topics, c_v, c_npmi in zip(sets, scores["c_v"], scores["c_npmi"]):
        for measure, ours in (("c_v", c_v), ("c_npmi", c_npmi)):
            direct = CoherenceModel(topics=[t[:6] for t in topics], texts=docs, dictionary=dictionary,
                                    coherence=measure, topn=6, processes=1).get_coherence_per_topic()
            np.testing.assert_allclose(ours, direct, rtol=0, atol=1e-9)


def test_diversity_hand_computed(selection):
    beta = np.array([[0.4, 0.3, 0.2, 0.1, 0.0], [0.0, 0.1, 0.2, 0.3, 0.4], [0.4, 0.0, 0.0, 0.2, 0.4]])
    # top-2 words: {0, 1}, {4, 3}, {0, 4} -> 4 distinct of 6
    assert topic_diversity(beta, top_n=2) == pytest.approx(4 / 6)
    assert topic_diversity(beta, top_n=5) == pytest.approx(5 / 15)  # every word in every topic
    for (k, seed), fit in selection.fits.items():
        n = min(25, fit.topic_term.shape[1])
        words = [w for row in fit.topic_term for w in fit.vocabulary[np.argsort(-row)[:n]]]
        row = selection.table[(selection.table.n_topics == k) & (selection.table.random_state == seed)]
        assert row["diversity"].item() == pytest.approx(len(set(words)) / len(words))


def test_same_inputs_give_identical_tables(docs, selection):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        again = select_n_topics(docs, n_topics_range=range(2, 6), random_states=(0, 1), lda_kwargs=LDA,
                                keep_fits="chosen", top_n=5, search="full", held_out_fraction=0.2, n_jobs=2)
    pd.testing.assert_frame_equal(again.table, selection.table)
    assert again.chosen_n_topics == selection.chosen_n_topics and again.rule == selection.rule
    assert set(again.fits) == {(again.chosen_n_topics, 0), (again.chosen_n_topics, 1)}
    for key, fit in again.fits.items():  # two processes give the serial run's fits, array for array
        np.testing.assert_array_equal(fit.topic_term, selection.fits[key].topic_term)
        np.testing.assert_array_equal(fit.doc_topic_dirichlet, selection.fits[key].doc_topic_dirichlet)


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_heldout_perplexity_lower_for_on_topic_documents(docs, engine):
    fit = fit_lda(docs, n_topics=3, engine=engine, passes=60 if engine == "tomotopy" else 10,
                  no_below=1, no_above=1.0, keep_model=True, progress=False)
    on_topic = planted_corpus(n_docs=6, seed=9)
    rng = np.random.default_rng(1)
    vocab = np.array(sorted({w for d in docs for w in d}))
    scrambled = [list(rng.choice(vocab, size=25)) for _ in range(6)]  # words mixed across all topics
    good, bad = heldout_perplexity(fit, on_topic), heldout_perplexity(fit, scrambled)
    assert 1.0 < good < bad <= len(vocab) * 1.5
    assert np.isnan(heldout_perplexity(fit, [["unknown", "words"]]))


def test_choose_rules_on_hand_made_table():
    table = pd.DataFrame({
        "n_topics": [3, 3, 4, 4, 5, 5],
        "random_state": [0, 1] * 3,
        "c_npmi": [0.10, 0.12, 0.20, 0.22, 0.20, 0.26],
        "c_v": [0.5, 0.5, 0.4, 0.4, 0.6, 0.7],
        "perplexity": [300.0, 310.0, 250.0, 260.0, 280.0, 270.0],
    })
    # best mean c_npmi: K=5 (0.23), SE = sd([.20, .26]) / sqrt(2) = 0.03 -> K=4 (0.21) is within, K=3 (0.11) not
    k, text = choose_n_topics(table, rule="c_npmi_1se")
    assert k == 4 and "best K=5" in text
    assert choose_n_topics(table, rule="max_c_npmi")[0] == 5
    assert choose_n_topics(table, rule="max_c_v")[0] == 5
    assert choose_n_topics(table, rule="min_perplexity")[0] == 4


def test_select_rejects_bad_arguments(docs):
    with pytest.raises(ConfigError, match="rule"):
        select_n_topics(docs, rule="elbow")
    with pytest.raises(ConfigError, match="lda_kwargs"):
        select_n_topics(docs, lda_kwargs={"n_topics": 3})
    with pytest.raises(ConfigError, match="n_topics_range"):
        select_n_topics(docs[:6], n_topics_range=[2, 8], lda_kwargs=LDA)
    with pytest.raises(ConfigError, match="coherence"):
        select_n_topics(docs, coherence=["u_mass"])


def test_topic_coherence_fallback_uses_gensim_loop(docs, monkeypatch):
    sets = [PLANTED, [PLANTED[0], PLANTED[2]]]
    fast = topic_coherence(sets, docs, top_n=8)
    import textlab.analysis.topics.coherence as coherence_module

    monkeypatch.setattr(coherence_module, "_window_counts", lambda accumulator, ids: None)
    slow = topic_coherence(sets, docs, top_n=8)
    for measure in ("c_v", "c_npmi"):
        for a, b in zip(fast[measure], slow[measure]):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)


def test_heldout_perplexity_formula_by_hand():
    class FixedInference:  # stands in for a gensim model: every passage gets theta = (0.25, 0.75)
        def inference(self, bow):
            return np.tile([1.0, 3.0], (len(bow), 1)), None

    from textlab.analysis.topics.lda import LdaFit

    beta = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    fit = LdaFit(beta, np.full((1, 2), 0.5), np.ones((1, 2)), np.array(["a", "b", "c"]), np.array(["p"]),
                 pd.DataFrame(), {"engine": "gensim"}, model=FixedInference())
    p_a = 0.25 * 0.5 + 0.75 * 0.1
    p_c = 0.25 * 0.2 + 0.75 * 0.8
    expected = np.exp(-(2 * np.log(p_a) + np.log(p_c)) / 3)  # "zzz" is out of vocabulary: ignored
    assert heldout_perplexity(fit, [["a", "zzz", "a", "c"]]) == pytest.approx(expected, rel=1e-12)


def test_staged_search_fits_other_seeds_only_near_the_best(docs, selection):
    """Every K on the first seed; seeds 1.. only for K within one SE (over topics) of the best."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        staged = select_n_topics(docs, n_topics_range=range(2, 6), random_states=(0, 1), lda_kwargs=LDA,
                                 keep_fits="all", top_n=5, n_jobs=1)
    table = staged.table
    assert staged.params["search"] == "staged" and staged.params["held_out_fraction"] == 0.0
    assert table["perplexity"].isna().all()  # the default rule needs no perplexity: no held-out tokens
    assert sorted(table.loc[table.stage == 1, "n_topics"]) == [2, 3, 4, 5]
    assert set(table.loc[table.stage == 1, "random_state"]) == {0}
    # candidates by hand from the first-seed fits' per-topic c_npmi
    first = [staged.fits[(k, 0)] for k in (2, 3, 4, 5)]
    per_topic = topic_coherence([[list(f.vocabulary[np.argsort(-r, kind="stable")[:5]]) for r in f.topic_term]
                                 for f in first], docs, measures=["c_npmi"], top_n=5)["c_npmi"]
    means = [float(np.mean(v)) for v in per_topic]
    best = int(np.argmax(means))
    se = np.std(per_topic[best], ddof=1) / np.sqrt(len(per_topic[best]))
    expected = [k for k, m in zip((2, 3, 4, 5), means) if m >= means[best] - se]
    assert staged.params["stage2_n_topics"] == expected
    assert sorted(table.loc[table.stage == 2, "n_topics"]) == expected
    assert len(table) == 4 + len(expected) < 8
    assert staged.chosen_n_topics == 3 and "staged search" in staged.rule
    # the rule compares the K fitted on every seed, each averaged over all of them
    fitted_on_all = staged.summary[staged.summary.n_runs == 2]
    assert fitted_on_all["n_topics"].tolist() == expected
    assert staged.chosen_n_topics == choose_n_topics(table[table.n_topics.isin(expected)])[0]


def test_chosen_k_at_the_edge_warns_and_is_recorded(docs):
    from textlab.analysis.topics.selection import KRangeEdgeWarning

    with pytest.warns(KRangeEdgeWarning, match=r"largest K searched .*widen the range"):
        result = select_n_topics(docs, n_topics_range=[2, 3], random_states=(0,), lda_kwargs=LDA, top_n=5,
                                 n_jobs=1)
    assert result.chosen_n_topics == 3 and result.at_edge and result.params["edge"] == "top"
    assert result.summary.loc[result.summary.chosen, "at_edge"].item()
    assert issubclass(KRangeEdgeWarning, TextlabWarning)


def test_default_range_scales_with_the_corpus():
    from textlab.analysis.topics.selection import default_n_topics_range

    assert default_n_topics_range(5) == (2, 5)
    assert default_n_topics_range(93) == (3, 8)
    assert default_n_topics_range(2000) == (3, 13)
    assert default_n_topics_range(45_595) == (3, round(45_595 ** (1 / 3)))
    assert default_n_topics_range(10**7) == (3, 40)
    highs = [default_n_topics_range(n)[1] for n in (10, 100, 1000, 10_000, 100_000)]
    assert highs == sorted(highs)
    with pytest.raises(ConfigError, match="n_documents"):
        default_n_topics_range(1)


def test_selection_is_a_result_with_its_settings(selection):
    from textlab.data import Result

    assert isinstance(selection, Result)
    assert set(selection.tables()) == {"table", "summary"}
    again = ModelSelection.from_tables(selection.tables(), selection.params)
    assert again.chosen_n_topics == selection.chosen_n_topics and again.rule == selection.rule
    pd.testing.assert_frame_equal(again.table, selection.table)
    for key in ("n_topics_range", "random_states", "search", "held_out_fraction", "rule", "lda_kwargs",
                "lda_settings", "n_jobs", "at_edge"):
        assert key in selection.params
