"""A study on the disk store with topics fitted on a sample: what it records, and reloading its results."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from textlab.study.results import read_results
from textlab.study.run import run_study, write_results
from textlab.study.steps import get_step

ROOT = Path(__file__).resolve().parents[1]
CORE = ("corpus", "tfidf", "keyness", "model_selection", "topics", "prevalence", "frames")


@pytest.fixture(scope="module")
def disk_study(tmp_path_factory):
    sys.path.insert(0, str(ROOT))
    from benchmarks.newscorpus import build_news_corpus

    folder = tmp_path_factory.mktemp("news")
    build_news_corpus(folder, 60, random_state=2)
    study = (folder / "study.toml").read_text(encoding="utf-8") + (
        '\n[lda]\nn_topics_range = [3, 4]\nsample_above = 100\nsample_size = 120\npasses = 30\n\n'
        '[compute]\nstore = "disk"\nn_jobs = 1\ncache_dir = "cache"\n')
    (folder / "study.toml").write_text(study, encoding="utf-8")
    with pytest.warns(UserWarning):
        result = run_study(folder / "study.toml", fast=True, steps=[get_step(n) for n in CORE])
    return folder, result


def test_sampled_topics_cover_every_passage_and_say_how(disk_study):
    _, result = disk_study
    corpus = result.results["corpus"]
    n_passages = len(corpus.passages)
    assert corpus.params["store"]["used"] == "disk" and corpus.tokens is None
    sample = result.results["topics"].params["sample"]
    assert sample["size"] == 120 and sample["strata"] == ["outlet"] and sample["n_rows"] == n_passages
    assert "stratified sample of 120 passages" in sample["why"]
    assert result.results["model_selection"].params["sample"] == sample
    assert result.results["model_selection"].params["n_passages"] == 120  # selection saw the sample only
    assert len(result.tables["passage_topics"]) == n_passages
    assert all(f.doc_topic.shape[0] == n_passages and f.doc_topic.dtype == np.float32 for f in result.fits)
    assert result.tables["representative_passages"]["text"].str.len().gt(0).all()  # texts read from the shards
    assert set(result.tables["prevalence_by_group"]["group"]) == set(corpus.passages["outlet"])


def test_results_of_a_disk_study_reload_with_tokens_from_the_shards(disk_study, tmp_path):
    _, result = disk_study
    again = read_results(write_results(result, tmp_path / "results"))
    tokenized = again.tokenized
    assert type(tokenized.tokens).__name__ == "DiskTokens"
    assert list(tokenized.tokens) == list(result.tokenized.tokens)
    assert again.tables["passage_topics"].equals(result.tables["passage_topics"])
    from textlab.study.figures import figure_passage_topics

    spec = figure_passage_topics(again)
    assert len(spec.table) == len(result.tables["passage_topics"])  # fewer than 3,000: every passage drawn
