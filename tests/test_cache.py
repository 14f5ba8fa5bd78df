"""textlab.store.cache: sampled coherence on any store; the pickle-based cache names say what replaced them."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

import textlab as tl
from textlab._errors import ConfigError
from textlab.preprocessing.counts import count_terms
from textlab.store.aggregate import aggregate
from textlab.store.cache import aggregate_group_counts, sampled_coherence, sampled_reference_texts

from test_store_disk import generated_corpus, write_disk


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    corpus = generated_corpus(300, seed=7)
    memory = count_terms(corpus)
    disk = count_terms(write_disk(corpus, tmp_path_factory.mktemp("cache") / "data", shard_rows=64))
    return corpus, memory, disk


def test_sampled_reference_texts_are_the_same_seeded_subset_from_memory_and_disk(both):
    corpus, memory, disk = both
    expected_rows = np.sort(np.random.default_rng(4).choice(300, size=25, replace=False))
    expected = [corpus.tokens[i] for i in expected_rows]
    assert sampled_reference_texts(memory, n_docs=25, random_state=4) == expected
    assert sampled_reference_texts(disk, n_docs=25, random_state=4) == expected
    assert sampled_reference_texts(corpus, n_docs=25, random_state=4) == expected
    assert sampled_reference_texts(disk, n_docs=25, random_state=5) != expected
    assert len(sampled_reference_texts(disk, n_docs=10_000)) == 300
    with pytest.raises(ConfigError, match="n_docs=0"):
        sampled_reference_texts(disk, n_docs=0)


def test_sampled_coherence_with_every_row_equals_gensim(both):
    corpus, memory, disk = both
    topics = [["w0000", "w0001", "w0002"], ["w0003", "w0010", "data_center"]]
    texts = [t for t in corpus.tokens]
    expected = CoherenceModel(topics=topics, texts=texts, dictionary=Dictionary(texts), coherence="c_npmi",
                              processes=1).get_coherence_per_topic()
    assert np.allclose(sampled_coherence(topics, disk, n_docs=10_000), expected)
    assert np.allclose(sampled_coherence(topics, memory, n_docs=10_000), expected)
    smaller = sampled_coherence(topics, disk, n_docs=30, random_state=1)
    assert smaller.shape == (2,) and not np.allclose(smaller, expected)
    umass = sampled_coherence(topics, disk, measure="u_mass", n_docs=10_000)
    reference = CoherenceModel(topics=topics, corpus=[Dictionary(texts).doc2bow(t) for t in texts],
                               dictionary=Dictionary(texts), coherence="u_mass", processes=1)
    assert np.allclose(umass, reference.get_coherence_per_topic())
    with pytest.raises(ConfigError, match="measure='c_w2v'"):
        sampled_coherence(topics, disk, measure="c_w2v")


def test_aggregate_group_counts_is_aggregate(both):
    _, memory, disk = both
    assert (aggregate_group_counts(disk, "outlet").counts != aggregate(memory, "outlet").counts).nnz == 0
    assert aggregate_group_counts(memory, None) is memory


@pytest.mark.parametrize("name", ["build_bow_cache", "load_cached_corpus"])
def test_removed_cache_names_say_what_replaced_them(name, tmp_path):
    with pytest.raises(ConfigError, match=rf"^{name} was removed: its cache unpickled gensim files .*prepare_data"):
        getattr(tl, name)(tmp_path)
