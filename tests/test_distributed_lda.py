"""The full-data LDA fit with the E-step on Dask workers (textlab.analysis.topics.distributed).

Planted topics recovered; the same fit in one process and on a 2-process LocalCluster (equality);
gensim's own serial LdaModel reproduced when the data is one chunk; seeds reproduce.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from textlab._errors import ConfigError
from textlab.analysis.topics import distributed
from textlab.analysis.topics.distributed import fit_distributed_lda

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import make_synthetic_corpus, recovery  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")


@pytest.fixture(scope="module")
def planted():
    """600 documents from 5 planted topics over 300 pseudo-words (~60 tokens each)."""
    corpus = make_synthetic_corpus(600, n_topics=5, vocab_size=300, mean_length=60, random_state=3)
    return corpus, [doc.split() for doc in corpus.documents]


@pytest.fixture(scope="module")
def small(planted):
    return planted[1][:300]


def _fit(docs, **kw):
    opts = dict(n_topics=5, passes=3, chunk_size=50, no_below=1, no_above=1.0, progress=False)
    return fit_distributed_lda(docs, **{**opts, **kw})


def test_recovers_planted_topics(planted):
    corpus, docs = planted
    fit = fit_distributed_lda(docs, n_topics=5, passes=12, chunk_size=75, no_below=1, no_above=1.0,
                              random_state=0, progress=False)
    score = recovery(corpus.topic_term, fit.topic_term, true_vocabulary=corpus.vocabulary,
                     est_vocabulary=fit.vocabulary).jsd_similarity
    assert score > 0.95  # measured 0.987 (12 passes, 8 chunks, an M-step every 4); a wrong M-step or stale beta gives < 0.8
    assert fit.doc_topic.shape == (600, 5) and np.allclose(fit.doc_topic.sum(axis=1), 1.0)
    assert fit.params["fit"] == "distributed" and fit.params["n_chunks"] == 8 and fit.params["n_workers"] == 0
    # the bound rises over the passes, and the last passes change it little
    bound = fit.convergence["perplexity_bound"].to_numpy()
    assert bound[-1] > bound[0] and fit.convergence["relative_change"].iloc[-1] < 1e-3
    # most documents' dominant topic matches their planted dominant topic (through the matching)
    pairs = recovery(corpus.topic_term, fit.topic_term, true_vocabulary=corpus.vocabulary,
                     est_vocabulary=fit.vocabulary).pairs
    to_est = dict(zip(pairs["true_topic"], pairs["est_topic"]))
    dominant = np.array([to_est[t] for t in corpus.doc_topic.argmax(axis=1)])
    assert np.mean(fit.doc_topic.argmax(axis=1) == dominant) > 0.85


def test_one_chunk_equals_gensims_serial_ldamodel(small, monkeypatch):
    """One chunk, batch updates: gensim's LdaModel with the same random stream gives the same topics and alpha."""
    from gensim.models import LdaModel

    seed, k, passes = 4, 5, 3
    stream = np.random.RandomState(seed)
    monkeypatch.setattr(distributed, "_chunk_seed", lambda *key: stream)
    stream.gamma(100.0, 1.0 / 100.0, (k, len(set(w for d in small for w in d))))  # the initial topics' draw
    ours = _fit(small, passes=passes, chunk_size=5000, random_state=seed)
    index = {w: i for i, w in enumerate(ours.vocabulary)}
    bow = [sorted((index[w], d.count(w)) for w in set(d)) for d in small]
    gensim = LdaModel(corpus=bow, id2word=dict(enumerate(ours.vocabulary)), num_topics=k, passes=passes,
                      chunksize=5000, update_every=0, alpha="auto", eta=0.01, iterations=100,
                      gamma_threshold=0.001, random_state=np.random.RandomState(seed), dtype=np.float64,
                      eval_every=None)
    np.testing.assert_allclose(ours.topic_term, gensim.get_topics(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours.params["alpha_fitted"], gensim.alpha, rtol=1e-7)


def test_same_fit_in_one_process_and_on_a_two_process_cluster(small):
    distributed_ = pytest.importorskip("distributed")
    online = dict(update_every=2, alpha="auto")  # 6 chunks: 3 M-steps per pass, alpha learned
    local = _fit(small, random_state=1, passes=2, **online)
    with distributed_.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=":0") as cluster, distributed_.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        pids = client.run(lambda: __import__("os").getpid())
        remote = _fit(small, random_state=1, passes=2, client=client, **online)
        ran_on = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(set(pids.values())) == 2 and ran_on == set(pids.values())
    assert remote.params["n_workers"] == 2 and local.params["n_workers"] == 0
    for name in ("topic_term", "doc_topic_dirichlet", "doc_topic"):
        assert np.array_equal(getattr(local, name), getattr(remote, name)), name
    assert local.params["alpha_fitted"] == remote.params["alpha_fitted"]
    assert local.convergence.equals(remote.convergence)


def test_seeds_reproduce_and_differ(small):
    a, b, c = _fit(small, random_state=7), _fit(small, random_state=7), _fit(small, random_state=8)
    assert np.array_equal(a.topic_term, b.topic_term) and np.array_equal(a.doc_topic, b.doc_topic)
    assert not np.allclose(a.topic_term, c.topic_term)


def test_chunking_follows_chunk_size_not_the_store(small):
    """Counts read from a store in other block sizes give the same chunks, hence the same fit."""
    import pandas as pd

    from textlab.preprocessing.counts import count_terms
    from textlab.preprocessing.tokens import TokenizedCorpus

    data = count_terms(TokenizedCorpus(pd.DataFrame({"passage_id": [f"p{i}" for i in range(len(small))]}), small))
    chunks = list(distributed._chunks(data, np.arange(data.shape[1]), 70))
    assert [c.shape[0] for c in chunks] == [70] * 4 + [20]
    assert (distributed.sp.vstack(chunks) != data.store.to_csr()).nnz == 0
    fit = _fit(data, passes=2)
    assert fit.passage_ids[0] == "p0" and np.array_equal(fit.topic_term, _fit(small, passes=2).topic_term)


@pytest.mark.parametrize("bad", [dict(decay=0.3), dict(update_every=-1), dict(chunk_size=0), dict(eta="auto"),
                                 dict(alpha="asymmetric"), dict(passes=0)])
def test_bad_options_raise_one_line_errors(small, bad):
    with pytest.raises(ConfigError) as err:
        _fit(small[:20], **bad)
    assert "\n" not in str(err.value) and next(iter(bad)) in str(err.value)


def test_study_topics_step_fits_every_passage_with_fit_distributed(tmp_path):
    """``[lda] fit = "distributed"``: the topics step fits all passages (no sample) by fit_distributed_lda."""
    from textlab._errors import ConfigError as StudyError
    from textlab.study.config import load_study_config
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    from benchmarks.newscorpus import build_news_corpus

    build_news_corpus(tmp_path, 30, random_state=2)
    base = (tmp_path / "study.toml").read_text(encoding="utf-8")
    lda = '\n[lda]\nn_topics = 3\nstability_random_states = [0, 1]\npasses = 4\nchunksize = 50\nsample_above = 10\n'
    (tmp_path / "study.toml").write_text(base + lda + 'fit = "distributed"\n', encoding="utf-8")
    result = run_study(tmp_path / "study.toml", fast=True, steps=[get_step(n) for n in ("corpus", "topics")])
    topics = result.results["topics"]
    n_passages = len(result.results["corpus"].passages)
    assert topics.params["lda"]["fit"] == "distributed" and topics.params["sample"] is None
    assert topics.params["lda"]["n_passages"] == n_passages and len(topics.passage_topics) == n_passages
    assert topics.params["lda"]["passes"] == 4 and topics.params["lda"]["chunksize"] == 50
    assert [f.params["random_state"] for f in topics.fits] == list(topics.params["random_states"])
    (tmp_path / "bad.toml").write_text(base + lda + 'fit = "full"\n', encoding="utf-8")
    with pytest.raises(StudyError, match="fit"):
        load_study_config(tmp_path / "bad.toml")
