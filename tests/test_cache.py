"""On-disk token / bag-of-words cache (textlab.store.cache)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from gensim.corpora import Dictionary, MmCorpus

from textlab.store.cache import (
    CacheWarning,
    aggregate_group_counts,
    build_bow_cache,
    iter_cached_tokens,
    load_cached_corpus,
    sampled_reference_texts,
)

_WORD = re.compile(r"[a-z]+")


def words(text: str, *, drop: tuple[str, ...] = ()) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in drop]


class CountingTokenizer:
    """Tokenizer that appends one line per call to a file (counts calls in any process)."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def __call__(self, text: str) -> list[str]:
        with open(self.log, "a") as handle:
            handle.write("x\n")
        return words(text)

    def calls(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


class InterruptingTokenizer:
    """Raises KeyboardInterrupt (as Ctrl-C would) on the ``at``-th call."""

    def __init__(self, at: int) -> None:
        self.at, self.n = at, 0

    def __call__(self, text: str) -> list[str]:
        self.n += 1
        if self.n == self.at:
            raise KeyboardInterrupt
        return words(text)


@pytest.fixture
def corpus_csv(tmp_path) -> Path:
    rng = np.random.default_rng(3)
    vocab = ["cloud", "server", "johor", "grid", "water", "power", "hub", "chip", "talent", "policy"]
    texts = []
    for i in range(40):
        body = " ".join(rng.choice(vocab, size=int(rng.integers(3, 12))))
        texts.append(f"Data centre {body}" if i % 3 else body)  # "data centre" repeated: a phrase
    texts[7] = "123 !!"  # no tokens: must stay an (empty) row
    frame = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(40)], "text": texts,
                          "outlet": [["star", "edge", "nst"][i % 3] for i in range(40)]})
    path = tmp_path / "corpus.csv"
    frame.to_csv(path, index=False)
    return path


def _build(path, cache_dir, fn, **kwargs):
    kwargs.setdefault("phrases", False)
    return build_bow_cache(path, cache_dir=cache_dir, preprocess_fn=fn, show_progress=False, **kwargs)


def test_bow_matches_an_independent_count(corpus_csv, tmp_path):
    cached = _build(corpus_csv, tmp_path / "c", words)
    frame = pd.read_csv(corpus_csv)
    assert cached.ids.tolist() == frame["doc_id"].tolist()
    assert len(cached.bow()) == 40 and list(cached.bow())[7] == []
    token2id = cached.dictionary.token2id
    assert sorted(token2id, key=token2id.get) == sorted(token2id)  # ids in alphabetical order
    reference = Dictionary([words(t) for t in frame["text"]])  # gensim's own counting
    for stat in ("dfs", "cfs"):
        ours = {cached.dictionary[i]: n for i, n in getattr(cached.dictionary, stat).items()}
        assert ours == {reference[i]: n for i, n in getattr(reference, stat).items()}
    assert (cached.dictionary.num_docs, cached.dictionary.num_pos, cached.dictionary.num_nnz) == (
        reference.num_docs, reference.num_pos, reference.num_nnz)
    expected = [Counter(words(t)) for t in frame["text"]]
    got = [{cached.dictionary[i]: int(c) for i, c in doc} for doc in MmCorpus(str(cached.bow_path))]
    assert got == [dict(e) for e in expected]
    assert list(iter_cached_tokens(cached)) == [words(t) for t in frame["text"]]


def test_second_call_reads_the_cache_without_tokenising(corpus_csv, tmp_path):
    fn = CountingTokenizer(tmp_path / "calls.log")
    first = _build(corpus_csv, tmp_path / "c", fn)
    assert fn.calls() == 40
    second = _build(corpus_csv, tmp_path / "c", fn)
    assert fn.calls() == 40  # no re-tokenising
    assert second.key == first.key and second.bow_path == first.bow_path
    # a different vocabulary filter rebuilds the bag of words from cached tokens, still without tokenising
    filtered = _build(corpus_csv, tmp_path / "c", fn, no_below=5)
    assert fn.calls() == 40
    assert filtered.key != first.key
    df = Counter(w for t in pd.read_csv(corpus_csv)["text"] for w in set(words(t)))
    assert set(filtered.dictionary.token2id) == {w for w, n in df.items() if n >= 5}


def test_changed_input_or_options_invalidate(corpus_csv, tmp_path):
    fn = CountingTokenizer(tmp_path / "calls.log")
    first = _build(corpus_csv, tmp_path / "c", fn)
    frame = pd.read_csv(corpus_csv)
    frame.loc[0, "text"] = "entirely new words here"
    frame.to_csv(corpus_csv, index=False)
    changed = _build(corpus_csv, tmp_path / "c", fn)
    assert fn.calls() == 80 and changed.key != first.key
    assert "entirely" in changed.dictionary.token2id
    other = _build(corpus_csv, tmp_path / "c", functools.partial(words, drop=("cloud",)))
    assert other.key != changed.key and "cloud" not in other.dictionary.token2id
    again = _build(corpus_csv, tmp_path / "c", functools.partial(words, drop=("cloud",)))
    assert again.key == other.key


@pytest.mark.parametrize("damage", ["truncate_mm", "delete_manifest", "flip_byte", "delete_tokens"])
def test_corrupt_cache_is_detected_and_rebuilt(corpus_csv, tmp_path, damage):
    fn = CountingTokenizer(tmp_path / "calls.log")
    good = _build(corpus_csv, tmp_path / "c", fn)
    reference = list(MmCorpus(str(good.bow_path)))
    bow_dir = good.bow_path.parent
    tokens_dir = good.meta_path.parent
    if damage == "truncate_mm":
        data = good.bow_path.read_bytes()
        good.bow_path.write_bytes(data[: len(data) // 2])
    elif damage == "delete_manifest":
        (bow_dir / "manifest.json").unlink()
    elif damage == "flip_byte":  # same size, different content: only the hash sees it
        data = bytearray((tokens_dir / "tokens.parquet").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (tokens_dir / "tokens.parquet").write_bytes(bytes(data))
    else:
        (tokens_dir / "tokens.parquet").unlink()
    with pytest.raises(ValueError):
        load_cached_corpus(bow_dir)
    with pytest.warns(CacheWarning, match="rebuilding"):
        rebuilt = _build(corpus_csv, tmp_path / "c", fn)
    retokenised = damage in ("flip_byte", "delete_tokens")
    assert fn.calls() == (80 if retokenised else 40)
    assert list(MmCorpus(str(rebuilt.bow_path))) == reference
    assert load_cached_corpus(rebuilt.bow_path.parent).key == good.key


def test_interrupt_leaves_no_cache_behind(corpus_csv, tmp_path):
    cache_dir = tmp_path / "c"
    with pytest.raises(KeyboardInterrupt):
        _build(corpus_csv, cache_dir, InterruptingTokenizer(at=25))
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []
    cached = _build(corpus_csv, cache_dir, InterruptingTokenizer(at=10**9))
    assert len(cached) == 40
    assert sorted(p.name.split("-")[0] for p in cache_dir.iterdir()) == ["bow", "tokens"]


def test_parallel_build_writes_identical_tokens(corpus_csv, tmp_path):
    one = _build(corpus_csv, tmp_path / "a", words, n_jobs=1, batch_size=7, phrases=True)
    two = _build(corpus_csv, tmp_path / "b", words, n_jobs=2, batch_size=7, phrases=True)
    assert one.key == two.key
    assert pq.read_table(one.tokens_path).equals(pq.read_table(two.tokens_path))
    assert list(MmCorpus(str(one.bow_path))) == list(MmCorpus(str(two.bow_path)))


def test_phrases_join_frequent_collocations(corpus_csv, tmp_path):
    cached = _build(corpus_csv, tmp_path / "c", words, phrases={"min_count": 3, "threshold": 0.5, "scoring": "npmi"})
    assert "data_centre" in cached.dictionary.token2id
    assert "data" not in cached.dictionary.token2id  # "data" only ever occurs before "centre"


def test_streamed_phrases_equal_textlab_learn_phrases(corpus_csv, tmp_path):
    from textlab.preprocessing.tokens import apply_phrases, learn_phrases

    settings = {"min_count": 3, "threshold": 0.2, "scoring": "npmi"}
    cached = _build(corpus_csv, tmp_path / "c", words, phrases=settings)
    raw = [words(t) for t in pd.read_csv(corpus_csv)["text"]]
    expected = apply_phrases(raw, learn_phrases(raw, **settings))
    assert list(iter_cached_tokens(cached)) == expected
    assert any("_" in t for doc in expected for t in doc)


def test_group_counts_equal_sums_over_documents(corpus_csv, tmp_path):
    cached = _build(corpus_csv, tmp_path / "c", words)
    dtm = aggregate_group_counts(cached, "outlet", chunk_docs=7, show_progress=False)
    frame = pd.read_csv(corpus_csv)
    assert list(dtm.vocabulary) == sorted(dtm.vocabulary)
    for row, outlet in enumerate(dtm.passages["outlet"]):
        expected = Counter(w for t in frame.loc[frame["outlet"] == outlet, "text"] for w in words(t))
        got = {dtm.vocabulary[j]: int(c) for j, c in zip(dtm.counts[row].indices, dtm.counts[row].data)}
        assert got == dict(expected)
        assert dtm.passages.loc[row, "n_docs"] == (frame["outlet"] == outlet).sum()
    per_doc = aggregate_group_counts(cached, None, chunk_docs=7, show_progress=False)
    assert per_doc.counts.shape[0] == 40 and per_doc.passages["doc_id"].tolist() == frame["doc_id"].tolist()
    assert (per_doc.counts.sum(axis=0) == dtm.counts.sum(axis=0)).all()
    with pytest.raises(ValueError, match="group_column='source'"):
        aggregate_group_counts(cached, "source", show_progress=False)

    # keyness from one summed row per group gives the per-document table's count-based numbers
    from textlab._errors import ConfigError
    from textlab.analysis.keyness import score_keyness

    by_group = score_keyness(dtm, group_column="outlet", n_boot=0, n_perm=0, min_count=1).table
    per_doc_key = score_keyness(per_doc.__class__(per_doc.counts, per_doc.vocabulary, per_doc.passages.assign(
        outlet=frame["outlet"].to_numpy())), group_column="outlet", n_boot=0, n_perm=0, min_count=1).table
    keys = ["group", "term"]
    merged = by_group.merge(per_doc_key, on=keys, suffixes=("", "_doc"))
    assert len(merged) == len(by_group) == len(per_doc_key)
    for column in ("count_group", "count_reference", "log_odds", "z", "g2", "log_ratio"):
        np.testing.assert_allclose(merged[column], merged[column + "_doc"], rtol=1e-12)
    assert by_group["dispersion_docs"].isna().all() and (by_group["resampling_unit"] == "none").all()
    with pytest.raises(ConfigError, match="one row of summed counts per group"):
        score_keyness(dtm, group_column="outlet", n_boot=10, n_perm=0)


def test_sampled_reference_texts_are_a_seeded_subset(corpus_csv, tmp_path):
    cached = _build(corpus_csv, tmp_path / "c", words)
    all_texts = list(iter_cached_tokens(cached))
    sample = sampled_reference_texts(cached, n_docs=10, random_state=4)
    expected_rows = np.sort(np.random.default_rng(4).choice(40, size=10, replace=False))
    assert sample == [all_texts[i] for i in expected_rows]
    assert sampled_reference_texts(cached, n_docs=10, random_state=4) == sample
    assert len(sampled_reference_texts(cached, n_docs=1000)) == 40


@pytest.mark.filterwarnings("ignore:LDA")
def test_lda_streams_over_the_cached_bow(corpus_csv, tmp_path):
    from textlab.analysis.topics.lda import fit_lda

    cached = _build(corpus_csv, tmp_path / "c", words)
    fit = fit_lda(cached.bow(), dictionary=cached.dictionary, passage_ids=cached.ids, n_topics=2,
                  engine="gensim", passes=2, iterations=20, no_below=1, no_above=1.0, progress=False)
    assert fit.doc_topic.shape == (40, 2)
    assert set(fit.vocabulary) == set(cached.dictionary.token2id)


def test_sampled_coherence_with_the_whole_corpus_equals_gensim(corpus_csv, tmp_path):
    from gensim.models.coherencemodel import CoherenceModel

    from textlab.store.cache import sampled_coherence

    cached = _build(corpus_csv, tmp_path / "c", words)
    topics = [["cloud", "server", "grid"], ["water", "power", "policy"]]
    texts = [words(t) for t in pd.read_csv(corpus_csv)["text"]]
    expected = CoherenceModel(topics=topics, texts=texts, dictionary=Dictionary(texts), coherence="c_npmi",
                              processes=1).get_coherence_per_topic()
    got = sampled_coherence(topics, cached, measure="c_npmi", n_docs=10_000)
    assert np.allclose(got, expected)
    smaller = sampled_coherence(topics, cached, measure="c_npmi", n_docs=20, random_state=1)
    assert smaller.shape == (2,) and not np.allclose(smaller, expected)


def test_same_content_elsewhere_reuses_the_cache(corpus_csv, tmp_path):
    fn = CountingTokenizer(tmp_path / "calls.log")
    first = _build(corpus_csv, tmp_path / "c", fn, chunk_size=7)
    moved = tmp_path / "elsewhere" / "copy.csv"
    moved.parent.mkdir()
    moved.write_bytes(corpus_csv.read_bytes())
    second = _build(moved, tmp_path / "c", fn, chunk_size=1000)
    assert fn.calls() == 40 and second.key == first.key


def test_duplicate_ids_are_an_input_error(tmp_path):
    path = tmp_path / "dup.csv"
    pd.DataFrame({"doc_id": ["a", "b", "a"], "text": ["x y", "y z", "z"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="duplicate document ids, e.g. 'a'"):
        _build(path, tmp_path / "c", words)
    assert not (tmp_path / "c").exists() or list((tmp_path / "c").iterdir()) == []
