"""A study whose corpus is only a document-term matrix ([corpus] counts): what runs, what is skipped and why."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError
from textlab.study.config import load_study_config
from textlab.study.counts_input import read_counts_corpus
from textlab.study.results import read_results
from textlab.study.run import run_study, write_results
from textlab.study.steps import get_step

N_DOCS, V = 80, 60
#: the analyses this file is about (steps of other issues are tested in their own files)
CORE = ("corpus", "tfidf", "keyness", "model_selection", "topics", "prevalence", "frames")


def _run(path):
    return run_study(path, steps=[get_step(name) for name in CORE])


@pytest.fixture(scope="module")
def counts_folder(tmp_path_factory):
    """80 documents from two planted topics; 'left' documents use 'tax' far more than 'right' ones."""
    rng = np.random.default_rng(3)
    folder = tmp_path_factory.mktemp("counts")
    words = np.array([f"w{i:02d}" for i in range(V - 1)] + ["tax"])
    topics = np.zeros((2, V))
    topics[0, :30], topics[1, 30:] = 1.0, 1.0
    topics /= topics.sum(axis=1, keepdims=True)
    party = np.where(np.arange(N_DOCS) % 2 == 0, "left", "right")
    rows = []
    for d in range(N_DOCS):
        theta = rng.dirichlet([0.3, 0.3])
        counts = rng.multinomial(60, theta @ topics)
        counts[-1] = rng.poisson(6 if party[d] == "left" else 1)
        rows += [(f"d{d:02d}", words[j], int(c)) for j, c in enumerate(counts) if c]
    long = pd.DataFrame(rows, columns=["doc_id", "term", "count"])
    long.to_parquet(folder / "dtm.parquet")
    pd.DataFrame({"doc_id": [f"d{d:02d}" for d in range(N_DOCS)], "party": party}).to_csv(folder / "documents.csv",
                                                                                      index=False)
    study = ('[corpus]\npath = "documents.csv"\ncounts = "dtm.parquet"\n\n[groups]\ncolumn = "party"\n'
             'contrast = ["left", "right"]\n\n[lda]\nn_topics = 2\nstability_random_states = [0, 1]\n'
             'no_below = 1\nno_above = 1.0\n\n[uncertainty]\nn_boot = 50\nn_perm = 100\nn_draws = 20\n\n'
             '[frames]\ncodebook = "default"\n\n[compute]\nn_jobs = 1\n')
    (folder / "study.toml").write_text(study, encoding="utf-8")
    (folder / "study_no_k.toml").write_text(study.replace("n_topics = 2\n", ""), encoding="utf-8")
    return folder, long


@pytest.fixture(scope="module")
def counts_study(counts_folder):
    folder, _ = counts_folder
    with pytest.warns(UserWarning, match="frames step is skipped"):
        return _run(folder / "study.toml")


def test_counts_study_runs_the_count_analyses_and_skips_text_ones_with_reasons(counts_study, counts_folder):
    folder, long = counts_folder
    results = counts_study.results
    for name in ("corpus", "tfidf", "keyness", "topics", "prevalence"):
        assert results[name] is not None, name
    assert results["frames"] is None
    skipped = counts_study.provenance["steps"]
    assert "running text" in skipped["frames"]["skipped"] and "codebook" in skipped["frames"]["skipped"]
    assert results["corpus"].params["input"] == "counts"
    # keyness counts are the long table's sums per group (an independent calculation)
    party = pd.read_csv(folder / "documents.csv").set_index("doc_id")["party"]
    tax = long[long["term"] == "tax"].assign(party=lambda t: t["doc_id"].map(party)).groupby("party")["count"].sum()
    key = counts_study.tables["keyness"]
    row = key[(key["term"] == "tax") & (key["group"] == "left")].iloc[0]
    assert row["count_group"] == tax["left"] and row["count_reference"] == tax["right"]
    assert row["log_odds"] > 0 and row["ci_low"] > 0
    # topics fitted from the counts cover every document; no representative passages without text
    assert len(counts_study.tables["passage_topics"]) == N_DOCS
    assert counts_study.tables["representative_passages"].empty
    assert set(counts_study.tables["prevalence_by_group"]["group"]) == {"left", "right"}


def test_counts_study_reloads_and_without_k_skips_topics_saying_why(counts_study, counts_folder, tmp_path):
    folder, _ = counts_folder
    again = read_results(write_results(counts_study, tmp_path / "results"))
    assert again.tokenized.shape == (N_DOCS, V) and again.tokenized.tokens is None
    with pytest.warns(UserWarning):
        no_k = _run(folder / "study_no_k.toml")
    reasons = no_k.provenance["steps"]
    assert "coherence" in reasons["model_selection"]["skipped"] and "n_topics" in reasons["model_selection"]["skipped"]
    assert "n_topics" in reasons["topics"]["skipped"] and no_k.results["keyness"] is not None
    json.dumps(reasons)


def test_read_counts_corpus_matrix_with_vocabulary_and_errors(tmp_path):
    sp.save_npz(tmp_path / "m.npz", sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 0]])))
    (tmp_path / "terms.txt").write_text("a\nb\nc\n", encoding="utf-8")
    pd.DataFrame({"doc_id": ["x", "y"], "g": ["1", "2"]}).to_csv(tmp_path / "docs.csv", index=False)
    data = read_counts_corpus(tmp_path / "m.npz", rows=tmp_path / "docs.csv", vocabulary=tmp_path / "terms.txt")
    assert data.rows["n_words"].tolist() == [3, 3] and list(data.vocabulary) == ["a", "b", "c"]
    config = load_study_config(_write(tmp_path, 'counts = "m.npz"\nvocabulary = "terms.txt"\n'))
    assert config.counts_path == str(tmp_path / "m.npz") and config.counts_vocabulary == str(tmp_path / "terms.txt")
    with pytest.raises(ConfigError, match=r"\[corpus\] counts = 3"):
        load_study_config(_write(tmp_path, "counts = 3\n"))


def _write(folder, corpus_lines: str):
    path = folder / "s.toml"
    path.write_text(f'[corpus]\npath = "docs.csv"\n{corpus_lines}\n[groups]\ncolumn = "g"\n', encoding="utf-8")
    return path
