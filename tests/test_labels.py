"""Tests for textlab.analysis.topics.labels: top terms, FREX, relevance, passages, topic map, labels."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from textlab._errors import ConfigError
from textlab.analysis.topics.labels import label_topics, representative_passages, term_label, top_terms, topic_map
from textlab.analysis.topics.lda import LdaFit


def make_fit(topic_term, doc_topic=None, vocabulary=None, passage_ids=None):
    topic_term = np.asarray(topic_term, dtype=float)
    topic_term = topic_term / topic_term.sum(axis=1, keepdims=True)
    k, v = topic_term.shape
    if doc_topic is None:
        doc_topic = np.full((4, k), 1.0 / k)
    doc_topic = np.asarray(doc_topic, dtype=float)
    n = doc_topic.shape[0]
    if vocabulary is None:
        vocabulary = np.array([f"w{j}" for j in range(v)])
    if passage_ids is None:
        passage_ids = np.array([f"d{i}:000" for i in range(n)])
    return LdaFit(topic_term, doc_topic, doc_topic * 10, np.asarray(vocabulary), np.asarray(passage_ids),
                  pd.DataFrame(), {"n_topics": k})


@pytest.fixture
def random_fit():
    rng = np.random.default_rng(42)
    beta = rng.dirichlet(np.full(30, 0.3), size=4)
    theta = rng.dirichlet(np.full(4, 0.5), size=12)
    return make_fit(beta, theta)


def stm_frex_reference(beta: np.ndarray, w: float = 0.5) -> np.ndarray:
    """Direct transcription of stm's calcfrex (R) returning the score matrix K x V."""
    logbeta = np.log(beta)
    # excl <- t(t(logbeta) - col.lse(logbeta)): log of p(w|k) / sum_j p(w|j)
    excl = np.log(beta / beta.sum(axis=0, keepdims=True))
    v = beta.shape[1]
    # apply(logbeta, 1, frank) / ncol(logbeta): average ranks within each topic
    freqscore = np.vstack([pd.Series(row).rank(method="average").to_numpy() for row in logbeta]) / v
    exclscore = np.vstack([pd.Series(row).rank(method="average").to_numpy() for row in excl]) / v
    return 1.0 / (w / freqscore + (1 - w) / exclscore)


def test_probability_ranking_matches_sorted_rows(random_fit):
    table = top_terms(random_fit, n_terms=5, methods=["probability"])
    assert list(table.columns) == ["topic", "method", "rank", "term", "label", "score"]
    for k in range(4):
        expected = np.argsort(-random_fit.topic_term[k])[:5]
        got = table[table.topic == k + 1].sort_values("rank")
        assert got["term"].tolist() == [f"w{j}" for j in expected]
        np.testing.assert_allclose(got["score"], random_fit.topic_term[k, expected])
        assert got["rank"].tolist() == [1, 2, 3, 4, 5]


def test_relevance_with_lambda_one_equals_probability_ranking(random_fit):
    table = top_terms(random_fit, n_terms=8, lambda_=1.0, methods=["probability", "relevance"])
    prob = table[table.method == "probability"].reset_index(drop=True)
    rel = table[table.method == "relevance"].reset_index(drop=True)
    assert prob[["topic", "rank", "term"]].equals(rel[["topic", "rank", "term"]])
    np.testing.assert_allclose(rel["score"], np.log(prob["score"]))


def test_relevance_matches_hand_formula_with_length_weighted_marginal(random_fit):
    lengths = np.arange(1, 13, dtype=float)
    lam = 0.3
    table = top_terms(random_fit, n_terms=6, lambda_=lam, doc_lengths=lengths, methods=["relevance"])
    beta, theta = random_fit.topic_term, random_fit.doc_topic
    # p(k) = share of tokens in topic k; p(w) = sum_k p(w|k) p(k)
    p_k = np.array([sum(lengths[d] * theta[d, k] for d in range(12)) for k in range(4)]) / lengths.sum()
    p_w = p_k @ beta
    for k in range(4):
        rel = lam * np.log(beta[k]) + (1 - lam) * np.log(beta[k] / p_w)
        expected = np.argsort(-rel)[:6]
        got = table[table.topic == k + 1].sort_values("rank")
        assert got["term"].tolist() == [f"w{j}" for j in expected]
        np.testing.assert_allclose(got["score"], rel[expected])


def test_relevance_lambda_zero_prefers_exclusive_rare_word():
    # w0 is frequent everywhere; w2 is rare but only in topic 1
    beta = np.array([[0.60, 0.30, 0.10], [0.60, 0.399, 0.001]])
    fit = make_fit(beta)
    lift = top_terms(fit, n_terms=1, lambda_=0.0, methods=["relevance"])
    prob = top_terms(fit, n_terms=1, lambda_=1.0, methods=["relevance"])
    assert lift.loc[lift.topic == 1, "term"].item() == "w2"
    assert prob.loc[prob.topic == 1, "term"].item() == "w0"


@pytest.mark.parametrize("w", [0.5, 0.2, 0.9])
def test_frex_matches_stm_transcription(random_fit, w):
    beta = random_fit.topic_term
    reference = stm_frex_reference(beta, w)
    table = top_terms(random_fit, n_terms=30, frex_weight=w, methods=["frex"])
    for k in range(beta.shape[0]):
        got = table[table.topic == k + 1].sort_values("rank")
        expected_scores = np.sort(reference[k])[::-1]
        np.testing.assert_allclose(got["score"].to_numpy(), expected_scores, rtol=1e-12)
        idx = [int(t[1:]) for t in got["term"]]
        np.testing.assert_allclose(reference[k, idx], got["score"].to_numpy(), rtol=1e-12)


def test_frex_handmade_matrix_with_ties():
    beta = np.array([[0.4, 0.4, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4], [0.25, 0.25, 0.25, 0.25]])
    fit = make_fit(beta)
    reference = stm_frex_reference(fit.topic_term)
    table = top_terms(fit, n_terms=4, methods=["frex"])
    for k in range(3):
        got = table[table.topic == k + 1].sort_values("rank")
        idx = [int(t[1:]) for t in got["term"]]
        np.testing.assert_allclose(got["score"], reference[k, idx])
    # topic 1: w0 and w1 tie on both scores -> equal FREX, vocabulary order breaks the tie
    assert table[table.topic == 1].sort_values("rank")["term"].tolist()[:2] == ["w0", "w1"]
    # hand value: topic 1, w0 has freq rank (3+4)/2 / 4 = 0.875 and excl rank 0.875 -> frex 0.875
    assert table[(table.topic == 1) & (table["rank"] == 1)]["score"].item() == pytest.approx(0.875)


def test_labels_use_surface_forms_and_underscores():
    fit = make_fit([[0.7, 0.2, 0.1]], vocabulary=["data_center", "chip", "ai"])
    table = top_terms(fit, n_terms=2, methods=["probability"], surface_forms={"chip": "chips"})
    assert table["label"].tolist() == ["data center", "chips"]
    assert term_label("cloud_region") == "cloud region"


def test_top_terms_rejects_bad_options(random_fit):
    with pytest.raises(ConfigError, match="lambda_"):
        top_terms(random_fit, lambda_=1.5)
    with pytest.raises(ConfigError, match="methods"):
        top_terms(random_fit, methods=["lift"])
    with pytest.raises(ConfigError, match="n_terms"):
        top_terms(random_fit, n_terms=0)
    with pytest.raises(ValueError, match="doc_lengths"):
        top_terms(random_fit, doc_lengths=[1, 2, 3])


def test_representative_passages_top_n_per_topic(random_fit):
    n_rows = random_fit.doc_topic.shape[0]
    passages = pd.DataFrame(
        {
            "passage_id": [f"d{i}:000" for i in range(n_rows)],
            "doc_id": [f"d{i}" for i in range(n_rows)],
            "text": [f"text {i}" for i in range(n_rows)],
        }
    ).sample(frac=1.0, random_state=1)  # order must not matter
    table = representative_passages(random_fit, passages, n=3)
    assert list(table.columns) == ["topic", "rank", "passage_id", "doc_id", "proportion", "text"]
    assert len(table) == 4 * 3
    for k in range(4):
        col = random_fit.doc_topic[:, k]
        expected = sorted(range(n_rows), key=lambda i: -col[i])[:3]
        got = table[table.topic == k + 1].sort_values("rank")
        assert got["passage_id"].tolist() == [f"d{i}:000" for i in expected]
        assert got["text"].tolist() == [f"text {i}" for i in expected]
        assert got["doc_id"].tolist() == [f"d{i}" for i in expected]
        np.testing.assert_allclose(got["proportion"], col[expected])


def test_representative_passages_missing_ids_raise(random_fit):
    passages = pd.DataFrame({"passage_id": ["d0:000"], "doc_id": ["d0"], "text": ["x"]})
    with pytest.raises(ConfigError, match="passage id"):
        representative_passages(random_fit, passages)


def test_topic_map_three_topics_reproduces_jsd_exactly():
    beta = np.array([[0.7, 0.2, 0.05, 0.05], [0.1, 0.6, 0.2, 0.1], [0.05, 0.05, 0.3, 0.6]])
    theta = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    fit = make_fit(beta, theta)
    coords = topic_map(fit, doc_lengths=[3.0, 1.0])
    assert list(coords.columns) == ["topic", "x", "y", "prevalence"]
    xy = coords[["x", "y"]].to_numpy()
    # three points of a metric always embed exactly in the plane
    for i, j in itertools.combinations(range(3), 2):
        jsd = jensenshannon(fit.topic_term[i], fit.topic_term[j], base=2)
        assert np.linalg.norm(xy[i] - xy[j]) == pytest.approx(jsd, abs=1e-9)
    np.testing.assert_allclose(coords["prevalence"], (3 * theta[0] + theta[1]) / 4)
    # centred and sign-fixed: largest absolute coordinate of each axis is positive
    np.testing.assert_allclose(xy.mean(axis=0), 0.0, atol=1e-12)
    for j in range(2):
        assert xy[np.argmax(np.abs(xy[:, j])), j] > 0


def test_topic_map_preserves_jsd_ordering_and_is_deterministic():
    # topics 1 and 2 nearly the same, topic 4 far from all
    beta = np.array(
        [
            [0.50, 0.40, 0.05, 0.03, 0.02],
            [0.45, 0.45, 0.05, 0.03, 0.02],
            [0.10, 0.20, 0.50, 0.15, 0.05],
            [0.01, 0.01, 0.03, 0.15, 0.80],
        ]
    )
    fit = make_fit(beta)
    first = topic_map(fit)
    pd.testing.assert_frame_equal(first, topic_map(fit, random_state=5))
    xy = first[["x", "y"]].to_numpy()
    pairs = list(itertools.combinations(range(4), 2))
    jsd = {p: jensenshannon(fit.topic_term[p[0]], fit.topic_term[p[1]], base=2) for p in pairs}
    euclid = {p: np.linalg.norm(xy[p[0]] - xy[p[1]]) for p in pairs}
    assert min(jsd, key=jsd.get) == min(euclid, key=euclid.get) == (0, 1)
    assert max(jsd, key=jsd.get) == max(euclid, key=euclid.get)
    np.testing.assert_allclose(first["prevalence"], 0.25)


def test_label_topics_flags_unstable_topics():
    fit = make_fit([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]], vocabulary=["chip", "cloud", "data_center"])
    stability = pd.DataFrame({"topic": [1, 2], "stability": [0.9, 0.2], "stable": [True, False], "n_runs": 3})
    labels = label_topics(fit, n_terms=2, method="probability", stability=stability)
    assert labels == ["Topic 1: chip · cloud", "Topic 2 (unstable): data center · cloud"]


def test_stability_adds_stable_column_everywhere(random_fit):
    stability = pd.DataFrame({"topic": [1, 2, 3, 4], "stability": [0.9, 0.3, 0.7, 0.1],
                              "stable": [True, False, True, False], "n_runs": 3})
    expected = {1: True, 2: False, 3: True, 4: False}
    passages = pd.DataFrame({"passage_id": random_fit.passage_ids, "doc_id": "d", "text": "t"})
    for table in (top_terms(random_fit, n_terms=2, stability=stability),
                  representative_passages(random_fit, passages, n=2, stability=stability),
                  topic_map(random_fit, stability=stability)):
        assert table["stable"].tolist() == [expected[t] for t in table["topic"]]
    assert "stable" not in top_terms(random_fit, n_terms=2).columns
    with pytest.raises(ConfigError, match="no row for topic"):
        topic_map(random_fit, stability=stability.iloc[:2])
