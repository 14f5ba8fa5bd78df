"""Guided topics: planted topics recovered when seeded, the keyword report, empty frames, the study step."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from textlab._errors import EstimationError, TextlabWarning
from textlab.analysis.frames import load_codebook
from textlab.analysis.topics.guided import fit_guided_lda
from textlab.analysis.topics.lda import fit_lda
from textlab.preprocessing.tokens import TokenizedCorpus

STOP = {"the", "and", "of"}


def _normalize(text: str) -> list[str]:
    return [w for w in text.lower().split() if w not in STOP]


@pytest.fixture(scope="module")
def planted():
    """600 passages of 50 tokens from 5 sparse planted topics over 400 words (Dirichlet 0.03), theta ~ Dir(0.3)."""
    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i:03d}" for i in range(400)])
    beta = rng.dirichlet(np.full(400, 0.03), size=5)
    theta = rng.dirichlet(np.full(5, 0.3), size=600)
    docs = [[str(vocab[rng.choice(400, p=beta[t])]) for t in rng.choice(5, size=50, p=theta[d])] for d in range(600)]
    docs[0] = docs[0] + ["rareword"]                       # in one passage only: below min count
    for d in range(1, 40):
        docs[d] = docs[d] + ["data_center"]                # "data" occurs only inside a phrase token
    ids = [f"d{i:03d}:000" for i in range(600)]
    passages = pd.DataFrame({"passage_id": ids, "doc_id": [i[:4] for i in ids],
                             "side": ["a" if i % 2 else "b" for i in range(600)]})
    return vocab, beta, TokenizedCorpus(passages, docs)


def _closeness(fit, vocab, beta) -> np.ndarray:
    """1 - JSD (bits) of topic k with planted topic k, by index (no alignment: seeding fixes the order)."""
    index = {w: i for i, w in enumerate(fit.vocabulary)}
    out = []
    for k in range(beta.shape[0]):
        p = np.array([fit.topic_term[k, index[w]] if w in index else 0.0 for w in vocab])
        out.append(1 - jensenshannon(p / p.sum(), beta[k], base=2) ** 2)
    return np.array(out)


def test_seeded_topics_recover_the_planted_topics_unseeded_do_not(planted):
    vocab, beta, corpus = planted
    book = load_codebook({f"f{k}": [str(w) for w in vocab[np.argsort(-beta[k])[:10]]] for k in range(5)})
    guided = fit_guided_lda(corpus, book, n_free_topics=0, normalize=_normalize, no_above=1.0, progress=False)
    plain = fit_lda(corpus, n_topics=5, no_above=1.0, progress=False)
    seeded, unseeded = _closeness(guided.fit, vocab, beta), _closeness(plain, vocab, beta)
    assert seeded.min() > 0.95, seeded          # measured 0.99 for every topic
    assert unseeded.mean() < 0.5, unseeded      # topic k of a plain fit is not planted topic k
    assert (guided.topics["drift"] == 0).all() and (guided.topics["seed_mass"] > 0.2).all()
    assert (guided.agreement["pearson"] > 0.8).all(), guided.agreement  # dictionary share ~ guided topic share
    assert guided.fit.params["guided"]["n_keywords_found"] == 50


def test_keyword_report_says_what_was_found_and_why_the_rest_was_dropped(planted):
    vocab, beta, corpus = planted
    top = [str(w) for w in vocab[np.argsort(-beta[0])[:3]]]
    book = load_codebook({"first": [*top, "zzzmissing", "rareword", "The", "data", "w999 w998"],
                          "second": [str(w) for w in vocab[np.argsort(-beta[1])[:3]]]})
    guided = fit_guided_lda(corpus, book, n_free_topics=1, normalize=_normalize, no_above=1.0, progress=False)
    keywords = guided.keywords
    phrase = keywords[keywords["keyword"] == "data_center"]
    assert phrase[["entry", "status", "reason"]].values.tolist() == [["data", "found", "phrase containing 'data'"]]
    report = keywords[keywords["keyword"] != "data_center"].set_index("entry")
    assert (report.loc[top, "status"] == "found").all()
    assert report.loc["zzzmissing", "reason"] == "not in vocabulary"
    assert report.loc["rareword", "reason"].startswith("below min count (in 1 passages")
    assert report.loc["The", "reason"].startswith("stop word")
    assert report.loc["data", "reason"] == "removed by phrases (occurs only inside data_center)"
    assert report.loc["w999 w998", "reason"].startswith("not in vocabulary (multi-word")
    assert report.loc["data", "n_passages"] == 0 and report.loc[top[0], "n_passages"] > 0
    assert guided.topics["frame"].tolist() == ["first", "second", ""]
    assert guided.fit.n_topics == 3


def test_a_frame_without_keywords_is_dropped_with_a_warning_or_refused(planted):
    vocab, beta, corpus = planted
    book = load_codebook({"real": [str(w) for w in vocab[np.argsort(-beta[0])[:5]]], "ghost": ["nowhere", "the"]})
    with pytest.warns(TextlabWarning, match=r"frame\(s\) \['ghost'\] have no keyword"):
        guided = fit_guided_lda(corpus, book, n_free_topics=2, normalize=_normalize, no_above=1.0, passes=100,
                                restarts=1, progress=False)
    assert guided.topics["frame"].tolist() == ["real", "", ""]
    assert guided.fit.params["guided"]["frames_dropped"] == ["ghost"]
    assert (guided.keywords.loc[guided.keywords["frame"] == "ghost", "topic"] == 0).all()
    with pytest.raises(EstimationError, match=r"frame 'ghost' has no keyword .*on_empty='drop'") as info:
        fit_guided_lda(corpus, book, on_empty="error", normalize=_normalize, no_above=1.0, progress=False)
    assert "\n" not in str(info.value)


def test_guided_topics_go_into_prevalence(planted):
    from textlab.analysis.prevalence import estimate_prevalence

    vocab, beta, corpus = planted
    book = load_codebook({f"f{k}": [str(w) for w in vocab[np.argsort(-beta[k])[:10]]] for k in range(2)})
    guided = fit_guided_lda(corpus, book, n_free_topics=1, normalize=_normalize, no_above=1.0, passes=100,
                            restarts=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prevalence = estimate_prevalence(guided.fits, corpus.passages, group_column="side", n_draws=20, n_boot=20,
                                         resampling_unit="passage")
    means = prevalence.by_group.pivot_table(index="topic", columns="group", values="mean")
    assert means.shape == (3, 2)
    expected = guided.fit.doc_topic[corpus.passages["side"].to_numpy() == "a"].mean(axis=0)
    np.testing.assert_allclose(means["a"].to_numpy(), expected, atol=0.02)


def test_study_step_runs_with_a_guided_section_and_reloads(tmp_path, seeds_dir):
    from textlab.study.results import read_results, write_results
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    folder = tmp_path / "study"
    shutil.copytree(seeds_dir, folder, ignore=shutil.ignore_patterns("README*"))
    text = (folder / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(text + "\n[guided]\nn_free_topics = 2\n", encoding="utf-8")
    steps = [get_step("corpus"), get_step("guided_topics")]
    result = run_study(folder / "study.toml", steps=steps)
    guided = result.results["guided_topics"]
    assert guided.topics["frame"].tolist()[:6] == list(load_codebook(guided.params["codebook_path"]).frames)
    assert {"guided_keywords", "guided_topics", "guided_agreement"} <= set(result.tables)
    from textlab.analysis.topics.guided import section_guided

    assert "Topics guided by the codebook" in section_guided(result)
    out = write_results(result, tmp_path / "results")
    again = read_results(out)
    pd.testing.assert_frame_equal(again.tables["guided_keywords"], result.tables["guided_keywords"])
    np.testing.assert_allclose(again.results["guided_topics"].fit.doc_topic, guided.fit.doc_topic)
    plain = run_study(folder.parent / "study" / "study.toml", steps=[get_step("corpus")])
    assert "guided_topics" not in plain.results
    (folder / "study.toml").write_text(text, encoding="utf-8")
    assert run_study(folder / "study.toml", steps=steps).results["guided_topics"] is None  # no [guided]: skipped


def test_guided_topics_go_into_effects():
    from textlab.analysis.effects.estimate import estimate_effect

    rng = np.random.default_rng(0)  # side x: 80 % of tokens from frame A's words; side y: 20 %
    docs = [[f"a{rng.integers(5)}" if rng.random() < (0.8 if i % 2 else 0.2) else f"b{rng.integers(5)}"
             for _ in range(30)] for i in range(200)]
    ids = [f"d{i}" for i in range(200)]
    corpus = TokenizedCorpus(pd.DataFrame({"passage_id": ids, "doc_id": ids,
                                           "side": ["x" if i % 2 else "y" for i in range(200)]}), docs)
    book = load_codebook({"A": ["a0", "a1"], "B": ["b0", "b1"]})
    guided = fit_guided_lda(corpus, book, n_free_topics=0, normalize=str.split, no_above=1.0, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        effect = estimate_effect(guided.fit, corpus.passages, formula="~ side", resampling="passage", n_draws=5,
                                 n_boot=20)
    contrast = effect.contrasts.set_index("outcome").loc[1]  # topic 1 is frame A: x minus y
    assert 0.45 < abs(contrast["difference"]) < 0.75 and contrast["ci_low"] * contrast["ci_high"] > 0
