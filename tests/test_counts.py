"""Counts from tokens, aggregation, and gensim bag-of-words, checked against direct counting."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from gensim.corpora import Dictionary

from textlab._errors import ConfigError, EstimationError
from textlab.preprocessing.counts import DocumentTermMatrix, aggregate_counts, count_terms, counts_from_bow
from textlab.data import TextData
from textlab.preprocessing.tokens import TokenizedCorpus

TOKENS = [
    ["huawei", "ascend", "chip", "huawei"],
    ["huawei", "training", "data_center"],
    ["aws", "data_center", "malaysia", "aws", "aws"],
    ["malaysia", "hub", "aws"],
    ["malaysia", "huawei", "aws", "hub"],
]


@pytest.fixture
def tokenized():
    passages = pd.DataFrame(
        {
            "passage_id": ["000:000", "000:001", "001:000", "001:001", "002:000"],
            "doc_id": ["000", "000", "001", "001", "002"],
            "position": [0, 1, 0, 1, 0],
            "narrative": ["huawei-led", "huawei-led", "aws-led", "aws-led", "mixed"],
            "outlet": ["A", "A", "B", "B", "C"],
        }
    )
    return TokenizedCorpus(passages, TOKENS, {"data_center": "data center"})


def _dense_reference(tokens, vocab):
    """Count matrix built with collections.Counter, independent of scikit-learn."""
    out = np.zeros((len(tokens), len(vocab)), dtype=np.int64)
    for i, toks in enumerate(tokens):
        for term, n in Counter(toks).items():
            if term in vocab:
                out[i, vocab.index(term)] = n
    return out


def test_count_terms_matches_counter(tokenized):
    dtm = count_terms(tokenized)
    vocab = sorted({t for toks in TOKENS for t in toks})
    assert list(dtm.vocabulary) == vocab
    assert dtm.counts.dtype == np.int64
    assert np.array_equal(dtm.counts.toarray(), _dense_reference(TOKENS, vocab))
    assert list(dtm.passages.passage_id) == list(tokenized.passages.passage_id)
    assert dtm.params["n_tokens"] == sum(map(len, TOKENS))


def test_min_df_and_fixed_vocabulary(tokenized):
    dtm = count_terms(tokenized, min_df=2)
    df = Counter(t for toks in TOKENS for t in set(toks))
    assert list(dtm.vocabulary) == sorted(t for t, n in df.items() if n >= 2)
    fixed = count_terms(tokenized, vocabulary=["malaysia", "aws", "nowhere"])
    assert list(fixed.vocabulary) == ["malaysia", "aws", "nowhere"]
    assert np.array_equal(fixed.counts.toarray(), _dense_reference(TOKENS, ["malaysia", "aws", "nowhere"]))


def test_count_terms_errors(tokenized):
    with pytest.raises(EstimationError, match="min_df"):
        count_terms(tokenized, min_df=10)
    bad = TokenizedCorpus(tokenized.passages, TOKENS[:2])
    with pytest.raises(ConfigError, match="2 token lists but 5 passage rows"):
        count_terms(bad)


def test_dtm_pickles(tokenized):
    dtm = count_terms(tokenized)
    again = pickle.loads(pickle.dumps(dtm))
    assert (again.counts != dtm.counts).nnz == 0


def test_aggregate_counts_by_document_and_group(tokenized):
    dtm = count_terms(tokenized)
    dense = dtm.counts.toarray()
    docs = aggregate_counts(dtm, "doc_id")
    assert list(docs.passages.doc_id) == ["000", "001", "002"]
    assert np.array_equal(docs.counts.toarray(), np.vstack([dense[0:2].sum(0), dense[2:4].sum(0), dense[4]]))
    assert list(docs.passages.n_passages) == [2, 2, 1]
    # constant metadata survives, per-passage columns do not
    assert list(docs.passages.narrative) == ["huawei-led", "aws-led", "mixed"]
    assert "position" not in docs.passages.columns
    groups = aggregate_counts(dtm, "narrative")
    assert list(groups.passages.n_docs) == [1, 1, 1]
    assert groups.counts.sum() == dense.sum()
    with pytest.raises(ConfigError, match="by='year'"):
        aggregate_counts(dtm, "year")


def test_counts_from_gensim_bow_equal_count_terms(tokenized):
    dictionary = Dictionary(TOKENS)
    bow = [dictionary.doc2bow(toks) for toks in TOKENS]
    from_bow = counts_from_bow(bow, dictionary, passages=tokenized.passages)
    direct = count_terms(tokenized)
    assert list(from_bow.vocabulary) == list(direct.vocabulary)
    assert np.array_equal(from_bow.counts.toarray(), direct.counts.toarray())
    assert isinstance(from_bow, TextData) and from_bow.tokens is None
    with pytest.raises(ConfigError, match="term ids"):
        counts_from_bow([[(99, 1)]], {0: "a"})
