"""Memory store vs disk store: counts, keyness, topics (full and sample-then-infer), prevalence and frames
computed from the same generated news corpus are identical whichever store holds the counts."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textlab.analysis.frames import load_codebook, score_frames
from textlab.analysis.keyness import score_keyness
from textlab.analysis.prevalence import estimate_prevalence
from textlab.analysis.topics.lda import fit_lda
from textlab.analysis.topics.sampled import extend_fit, infer_topics, sample_corpus, sample_rows
from textlab.preprocessing.pipeline import prepare_data
from textlab.store import disk

ROOT = Path(__file__).resolve().parents[1]
A, B = "daily-ledger", "northern-courier"


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """One generated 120-article news corpus prepared into each store (disk: shards of 150 passages)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.newscorpus import build_news_corpus

    folder = tmp_path_factory.mktemp("news")
    news = build_news_corpus(folder, 120, random_state=1)
    path = news.folder / "articles.jsonl"
    memory = prepare_data(path, store="memory", n_jobs=1, progress=False)
    mp = pytest.MonkeyPatch()
    mp.setattr(disk, "TokenShardWriter", partial(disk.TokenShardWriter, shard_rows=150))
    try:
        on_disk = prepare_data(path, store="disk", cache_dir=folder / "cache", n_jobs=1, progress=False)
    finally:
        mp.undo()
    assert len(on_disk.data.store.shards) > 2  # the disk path really reads several shards
    return memory.data, on_disk.data, load_codebook(news.folder / "codebook.toml")


def test_counts_rows_and_terms_are_identical(stores):
    mem, dsk, _ = stores
    assert mem.store.kind == "memory" and dsk.store.kind == "disk"
    assert (mem.counts != dsk.counts).nnz == 0
    pd.testing.assert_frame_equal(mem.terms, dsk.terms)
    pd.testing.assert_frame_equal(mem.rows.drop(columns="text"), dsk.rows)
    assert list(mem.tokens) == list(dsk.tokens)


def test_keyness_is_identical(stores):
    mem, dsk, _ = stores
    kwargs = dict(group_column="outlet", groups=(A, B), n_boot=40, n_perm=200, random_state=3)
    a = score_keyness(mem, **kwargs)
    b = score_keyness(dsk, **kwargs)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert {k: v for k, v in a.params.items() if k != "store"} == {k: v for k, v in b.params.items() if k != "store"}
    assert (a.params["store"], b.params["store"]) == ("memory", "disk")
    assert (a.table["count_group"] > 0).any()


def test_frames_are_identical(stores):
    mem, dsk, codebook = stores
    kwargs = dict(group_column="outlet", contrast=(A, B), n_boot=40, random_state=3)
    a = score_frames(mem, codebook, **kwargs)
    b = score_frames(dsk, codebook, **kwargs)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], obj=name)
    assert a.by_passage["n_hits"].sum() > 0


def test_topics_and_prevalence_are_identical_full_and_sampled(stores):
    mem, dsk, _ = stores
    fits_m = [fit_lda(mem, n_topics=4, random_state=s, passes=40, restarts=1, progress=False) for s in (0, 1)]
    fits_d = [fit_lda(dsk, n_topics=4, random_state=s, passes=40, restarts=1, progress=False) for s in (0, 1)]
    for fm, fd in zip(fits_m, fits_d):
        np.testing.assert_array_equal(fm.topic_term, fd.topic_term)
        np.testing.assert_array_equal(fm.doc_topic_dirichlet, fd.doc_topic_dirichlet)
    kwargs = dict(group_column="outlet", contrast=(A, B), n_draws=10, n_boot=20, random_state=3)
    pm = estimate_prevalence(fits_m, mem.rows, **kwargs)
    pdk = estimate_prevalence(fits_d, dsk.rows, **kwargs)
    for name, table in pm.tables().items():
        pd.testing.assert_frame_equal(table, pdk.tables()[name], obj=name)
    # sample-then-infer: the same sample (texts read from the shards on disk) and the same inferred rows
    idx, _ = sample_rows(mem.rows, size=200, strata=["outlet"], random_state=0)
    sm, sd = sample_corpus(mem, idx), sample_corpus(dsk, idx)
    assert sm.tokens == sd.tokens and sm.passages["text"].tolist() == sd.passages["text"].tolist()
    fit = fit_lda(sm, n_topics=4, passes=40, restarts=1, progress=False)
    np.testing.assert_array_equal(infer_topics(fit, mem, chunk_size=97), infer_topics(fit, dsk, chunk_size=97))
    em, ed = extend_fit(fit, mem, sample={}), extend_fit(fit, dsk, sample={})
    pm = estimate_prevalence([em], mem.rows, **kwargs)
    pdk = estimate_prevalence([ed], dsk.rows, **kwargs)
    pd.testing.assert_frame_equal(pm.by_group, pdk.by_group)
