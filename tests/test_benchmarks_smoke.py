"""Synthetic corpora, the recovery scorer, and a tiny run of the benchmark runner."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import (  # noqa: E402
    iter_synthetic_documents,
    make_synthetic_corpus,
    make_topics,
    make_vocabulary,
    recovery,
    write_synthetic_jsonl,
)


def test_vocabulary_is_distinct_and_survives_textlab_tokenising():
    vocab = make_vocabulary(2000)
    assert len(set(vocab)) == 2000
    from textlab.preprocessing.tokens import tokenize_text
    from textlab.preprocessing.stream import default_preprocess_fn

    text = " ".join(vocab[::7])
    assert tokenize_text(text) == list(vocab[::7])
    assert default_preprocess_fn()(text) == list(vocab[::7])  # cleaning keeps a one-line document


def test_generator_follows_the_lda_process():
    corpus = make_synthetic_corpus(3000, n_topics=3, vocab_size=30, mean_length=60, alpha=0.5, eta=0.5,
                                   random_state=1)
    lengths = np.array([len(d.split()) for d in corpus.documents])
    assert abs(lengths.mean() - 60) < 1.0  # Poisson mean
    counts = np.zeros(30)
    index = {w: i for i, w in enumerate(corpus.vocabulary)}
    for doc in corpus.documents:
        for w in doc.split():
            counts[index[w]] += 1
    # expected word frequencies: sum_d N_d * theta_d @ phi
    expected = (lengths[:, None] * corpus.doc_topic).sum(axis=0) @ corpus.topic_term
    assert np.allclose(counts / counts.sum(), expected / expected.sum(), atol=0.003)
    # same seed -> same corpus; written file holds the same documents
    again = make_synthetic_corpus(3000, n_topics=3, vocab_size=30, mean_length=60, alpha=0.5, eta=0.5,
                                  random_state=1)
    assert again.documents == corpus.documents


def test_written_corpus_equals_in_memory_corpus(tmp_path):
    mem = make_synthetic_corpus(2100, n_topics=4, vocab_size=50, mean_length=8, random_state=2)
    disk = write_synthetic_jsonl(tmp_path / "s.jsonl", 2100, n_topics=4, vocab_size=50, mean_length=8,
                                 chunk_size=700, random_state=2)
    lines = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [r["text"] for r in lines] == mem.documents
    assert np.array_equal(disk.topic_term, mem.topic_term)
    phi = make_topics(n_topics=2, vocab_size=9)
    a = [d for _, docs in iter_synthetic_documents(phi, 2500, chunk_size=1500) for d in docs]
    b = [d for _, docs in iter_synthetic_documents(phi, 2500, chunk_size=333) for d in docs]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_recovery_matches_scipy_and_is_permutation_invariant():
    rng = np.random.default_rng(0)
    true = rng.dirichlet(np.full(40, 0.3), size=5)
    est = rng.dirichlet(np.full(40, 0.3), size=5)
    score = recovery(true, est)
    for row in score.pairs.itertuples():
        p, q = true[row.true_topic], est[row.est_topic]
        assert row.jsd == pytest.approx(jensenshannon(p, q, base=2) ** 2, abs=1e-9)
        assert row.cosine == pytest.approx(p @ q / np.linalg.norm(p) / np.linalg.norm(q))
    # Hungarian optimum: no permutation has a lower total JSD (brute force over 5! orders)
    from itertools import permutations

    jsd = np.array([[jensenshannon(p, q, base=2) ** 2 for q in est] for p in true])
    best = min(sum(jsd[i, j] for i, j in enumerate(perm)) for perm in permutations(range(5)))
    assert score.pairs["jsd"].sum() == pytest.approx(best)
    assert 0 <= score.jsd_similarity <= 1
    # shuffled topics and shuffled, partly renamed vocabulary: perfect recovery is still 1
    vocab = np.array([f"w{i}" for i in range(40)], dtype=object)
    order = rng.permutation(40)
    perfect = recovery(true, true[::-1][:, order], true_vocabulary=vocab, est_vocabulary=vocab[order])
    assert perfect.jsd_similarity == pytest.approx(1.0) and perfect.cosine == pytest.approx(1.0)


def test_quick_benchmark_runs_and_reports_recovery(tmp_path, capsys):
    """``python benchmarks/run.py --quick``, called in-process to share the imported libraries."""
    from benchmarks.run import main

    out = tmp_path / "RESULTS.md"
    code = main(["--quick", "--out", str(out), "--workdir", str(tmp_path / "work")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert re.search(r"150 tomotopy +wall", printed)  # figures printed as they come
    report = out.read_text()
    assert "## Machine" in report and "cores" in report
    lines = report.splitlines()
    header = next(line for line in lines if line.startswith("| documents |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    rows = [dict(zip(columns, (c.strip() for c in line.strip("|").split("|")))) for line in lines
            if line.startswith("| 150 |")]
    engines = {row["step"]: row for row in rows}
    names = {"textlab", "textlab-gensim", "gensim-same", "gensim-issue", "sklearn", "tomotopy", "tomotopy-equal-time"}
    assert names <= set(engines)
    for name in names:
        assert 0.0 <= float(engines[name]["recovery (1−JSD)"]) <= 1.0
        assert 0.0 <= float(engines[name]["cosine"]) <= 1.0
        assert float(engines[name]["wall s"]) > 0
    # Gibbs sampling recovers 4 well-separated planted topics almost perfectly even in the quick run
    assert float(engines["tomotopy"]["recovery (1−JSD)"]) > 0.9
    assert "input tokens/s" in report
    assert "equal wall time" in report  # the tomotopy-equal-time row is compared with textlab's
