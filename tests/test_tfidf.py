"""TF-IDF, distinctive terms and similarity against scikit-learn called directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from textlab._errors import ConfigError, TextlabWarning
from textlab.preprocessing.counts import DocumentTermMatrix, count_terms
from textlab.analysis.tfidf import DistinctiveTerms, distinctive_terms, fit_tfidf, similarity_table
from textlab.preprocessing.tokens import TokenizedCorpus

TOKENS = [
    ["huawei", "ascend", "chip", "huawei", "sanction"],
    ["huawei", "training", "data_center", "malaysia"],
    ["aws", "data_center", "malaysia", "aws", "aws", "invest"],
    ["malaysia", "hub", "aws", "invest"],
    ["malaysia", "huawei", "aws", "hub", "nvidia"],
]
DOCS = ["000", "000", "001", "001", "002"]
GROUPS = ["huawei-led", "huawei-led", "aws-led", "aws-led", "mixed"]


def _tokens(x):
    return x


@pytest.fixture
def dtm():
    passages = pd.DataFrame(
        {"passage_id": [f"{d}:{i:03d}" for i, d in enumerate(DOCS)], "doc_id": DOCS, "narrative": GROUPS}
    )
    return count_terms(TokenizedCorpus(passages, TOKENS, {"data_center": "data center"}))


@pytest.mark.parametrize(
    "options",
    [{}, {"sublinear_tf": True}, {"smooth_idf": False, "norm": None}, {"norm": "l1"}],
)
def test_fit_tfidf_equals_tfidf_vectorizer(dtm, options):
    reference = TfidfVectorizer(analyzer=_tokens, lowercase=False, **options)
    expected = reference.fit_transform(TOKENS).toarray()
    assert list(reference.get_feature_names_out()) == list(dtm.vocabulary)
    result = fit_tfidf(dtm, **options)
    assert np.allclose(result.matrix.toarray(), expected)
    assert result.params["norm"] == options.get("norm", "l2")


def test_distinctive_terms_are_tfidf_of_concatenated_groups(dtm):
    result = distinctive_terms(dtm, group_column="narrative", n_terms=3, surface_forms={"data_center": "data center"},
                               drop_shared=False)
    assert isinstance(result, DistinctiveTerms) and result.params["by"] == "narrative"
    assert result.params["n_groups"] == 3 and result.tables() == {"table": result.table}
    table = result.table
    assert list(table.columns) == ["group", "rank", "term", "label", "tfidf"]
    joined = {g: sum((t for t, gg in zip(TOKENS, GROUPS) if gg == g), []) for g in dict.fromkeys(GROUPS)}
    vec = TfidfVectorizer(analyzer=_tokens, lowercase=False)
    weights = vec.fit_transform(list(joined.values())).toarray()
    terms = vec.get_feature_names_out()
    for row, group in enumerate(joined):
        got = table[table.group == group]
        order = sorted(range(len(terms)), key=lambda k: (-weights[row, k], terms[k]))[:3]
        assert list(got.term) == [terms[k] for k in order]
        assert np.allclose(got.tfidf, weights[row, order])
        assert list(got["rank"]) == [1, 2, 3]
    assert table.loc[table.group == "huawei-led", "term"].iloc[0] == "huawei"
    full = distinctive_terms(dtm, by="narrative", n_terms=50, surface_forms={"data_center": "data center"},
                             drop_shared=False).table
    labels = dict(zip(full.term, full.label))
    assert labels["data_center"] == "data center" and labels["aws"] == "aws"
    # by default the labels come from the data's terms (the tokenized corpus's surface forms)
    default = distinctive_terms(dtm, by="narrative", n_terms=50, drop_shared=False).table
    assert dict(zip(default.term, default.label))["data_center"] == "data center"


def test_distinctive_terms_drop_terms_shared_by_every_group(dtm):
    kept = distinctive_terms(dtm, group_column="narrative", n_terms=50).table
    in_groups = {}
    for tokens, group in zip(TOKENS, GROUPS):
        for token in set(tokens):
            in_groups.setdefault(token, set()).add(group)
    shared = {t for t, groups in in_groups.items() if len(groups) == len(set(GROUPS))}
    assert shared, "fixture should have a term used by every group"
    assert not shared & set(kept.term)
    every = distinctive_terms(dtm, group_column="narrative", n_terms=50, drop_shared=False).table
    assert set(kept.term) | shared >= set(every.term)


def test_distinctive_terms_never_lists_zero_weights():
    counts = sp.csr_matrix(np.array([[3, 0, 0], [0, 1, 1]]))
    small = DocumentTermMatrix(counts, np.array(["a", "b", "c"], dtype=object), pd.DataFrame({"g": ["x", "y"]}))
    table = distinctive_terms(small, group_column="g", n_terms=5).table
    pd.testing.assert_frame_equal(table, distinctive_terms(small, by="g", n_terms=5).table)
    assert list(table[table.group == "x"].term) == ["a"]
    assert list(table[table.group == "y"].term) == ["b", "c"]  # tie broken alphabetically
    with pytest.raises(ConfigError, match="n_terms"):
        distinctive_terms(small, group_column="g", n_terms=0)
    with pytest.raises(ConfigError, match="by= is needed"):
        distinctive_terms(small)


def test_similarity_passage_level_is_cosine_of_sklearn_tfidf(dtm):
    table = similarity_table(dtm, level="passage").table
    weights = TfidfVectorizer(analyzer=_tokens, lowercase=False).fit_transform(TOKENS).toarray()
    unit = weights / np.linalg.norm(weights, axis=1, keepdims=True)
    assert np.allclose(table.to_numpy(), unit @ unit.T)
    assert list(table.index) == list(dtm.passages.passage_id) == list(table.columns)
    assert np.allclose(np.diag(table), 1.0)


def test_similarity_document_level_sums_passages_first(dtm):
    table = similarity_table(dtm, level="document", weighting="counts").table
    docs = [TOKENS[0] + TOKENS[1], TOKENS[2] + TOKENS[3], TOKENS[4]]
    vocab = list(dtm.vocabulary)
    counts = np.array([[doc.count(t) for t in vocab] for doc in docs], dtype=float)
    unit = counts / np.linalg.norm(counts, axis=1, keepdims=True)
    assert list(table.index) == ["000", "001", "002"]
    assert np.allclose(table.to_numpy(), unit @ unit.T)


def test_similarity_errors(dtm):
    with pytest.raises(ConfigError, match="level='sentence'"):
        similarity_table(dtm, level="sentence")
    with pytest.raises(ConfigError, match="max_rows=1"):
        similarity_table(dtm, level="passage", max_rows=1)
    with pytest.raises(ConfigError, match="by= is needed"):
        similarity_table(dtm, level="group")


def test_similarity_beyond_max_rows_compares_groups_or_a_sample(dtm):
    full = similarity_table(dtm, level="passage").table
    with pytest.warns(TextlabWarning, match="5 passages exceed max_rows=3; showing the similarity of the 3 groups"):
        grouped = similarity_table(dtm, level="passage", by="narrative", max_rows=3)
    assert grouped.params["level_shown"] == "group" and grouped.params["n_rows_total"] == 5
    pd.testing.assert_frame_equal(grouped.table, similarity_table(dtm, level="group", by="narrative").table)
    assert list(grouped.table.index) == ["huawei-led", "aws-led", "mixed"]
    with pytest.warns(TextlabWarning, match="random sample of 3 \\(random_state=4\\)"):
        sampled = similarity_table(dtm, level="passage", max_rows=3, random_state=4)
    assert sampled.params["sampled"] and sampled.params["n_rows_shown"] == 3
    ids = list(sampled.table.index)
    assert ids == sorted(ids, key=list(full.index).index)  # kept in row order
    assert np.allclose(sampled.table.to_numpy(), full.loc[ids, ids].to_numpy())
    with pytest.warns(TextlabWarning):
        again = similarity_table(dtm, level="passage", max_rows=3, random_state=4)
    pd.testing.assert_frame_equal(again.table, sampled.table)


@pytest.mark.parametrize("options", [{}, {"sublinear_tf": True, "norm": "l1"}, {"smooth_idf": False, "norm": None}])
def test_disk_store_gives_the_same_tfidf_and_tables(tmp_path, options):
    from test_store_disk import generated_corpus, write_disk

    corpus = generated_corpus(600, seed=2)
    memory = count_terms(corpus, min_df=2)
    disk = count_terms(write_disk(corpus, tmp_path / "data", shard_rows=128), min_df=2)
    a, b = fit_tfidf(memory, **options), fit_tfidf(disk, **options)
    assert abs(a.matrix - b.matrix).max() == 0
    reference = TfidfVectorizer(analyzer=_tokens, lowercase=False, vocabulary=list(memory.vocabulary), **options)
    assert np.allclose(b.matrix.toarray(), reference.fit_transform(corpus.tokens).toarray())
    pd.testing.assert_frame_equal(distinctive_terms(memory, by="outlet").table,
                                  distinctive_terms(disk, by="outlet").table)
    pd.testing.assert_frame_equal(similarity_table(memory).table, similarity_table(disk).table)
