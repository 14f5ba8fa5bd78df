"""Tests of textlab.analysis.kwic.keywords_in_context."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from textlab._errors import ConfigError
from textlab.analysis.kwic import keywords_in_context
from textlab.analysis.frames import load_codebook
from textlab.analysis.topics.lda import LdaFit
from textlab.preprocessing.tokens import TokenizedCorpus

TEXTS = [
    "In May the U.S. Commerce Department warned that using Ascend chips risked violating export controls.",
    "Malaysia partners with Amazon Web Services (AWS) to build new data centres near Johor.",
    "Huawei trains students; sanctions did not stop the training of engineers in Egypt.",
]


def simple(text: str) -> list[str]:
    """A tiny stand-in for the corpus tokenizer: aliases, plural folding, stopwords."""
    text = text.replace("U.S.", " united_states ").replace("Amazon Web Services", " aws ")
    out = []
    for word in text.lower().replace("(", " ").replace(")", " ").replace(";", " ").split():
        word = word.strip(".,:")
        if word in {"the", "in", "that", "to", "with", "of", "not", "did", "near", ""}:
            continue
        if word == "centres":
            word = "centre"
        if word.endswith("s") and word not in {"aws", "ascend", "sanctions"} and len(word) > 3:
            word = word[:-1]
        out.append(word)
    return out


def make_corpus(group=True) -> TokenizedCorpus:
    passages = pd.DataFrame({"passage_id": ["d1:000", "d2:000", "d3:000"], "doc_id": ["d1", "d2", "d3"],
                             "text": TEXTS})
    if group:
        passages["narrative"] = ["huawei-led", "aws-led", "huawei-led"]
    tokens = [simple(t) for t in TEXTS]
    return TokenizedCorpus(passages, tokens, {"united_states": "United States", "aws": "AWS"}, {})


def test_window_is_exact_on_a_small_sentence():
    tc = make_corpus()
    table = keywords_in_context(tc, "ascend", window=3, normalize=simple, group_column="narrative").table
    assert list(table.columns) == ["passage_id", "doc_id", "group", "left", "match", "right"]
    assert table.to_dict("records") == [{
        "passage_id": "d1:000", "doc_id": "d1", "group": "huawei-led",
        "left": "warned that using", "match": "Ascend", "right": "chips risked violating",
    }]
    one = keywords_in_context(tc, "ascend", window=1, normalize=simple).table.iloc[0]
    assert (one["left"], one["match"], one["right"]) == ("using", "Ascend", "chips")
    zero = keywords_in_context(tc, "ascend", window=0, normalize=simple).table.iloc[0]
    assert (zero["left"], zero["right"]) == ("", "")


def test_token_found_through_its_aliases_and_surface_forms():
    tc = make_corpus()
    us = keywords_in_context(tc, "united_states", window=2, normalize=simple).table
    assert us[["passage_id", "match"]].values.tolist() == [["d1:000", "U.S."]]
    assert us.iloc[0]["left"] == "May the" and us.iloc[0]["right"] == "Commerce Department"
    aws = keywords_in_context(tc, "aws", window=2, normalize=simple).table
    assert aws["match"].tolist() == ["Amazon Web Services", "AWS"]
    assert aws.iloc[1]["left"] == "Web Services (" and aws.iloc[1]["right"] == ") to build"


def test_words_as_written_are_normalised_like_the_corpus():
    tc = make_corpus()
    table = keywords_in_context(tc, "data centres", window=2, normalize=simple).table
    assert table[["match", "right"]].values.tolist() == [["data centres", "near Johor."]]
    plural = keywords_in_context(tc, "engineers", window=2, normalize=simple).table
    assert plural.iloc[0]["match"] == "engineers" and plural.iloc[0]["left"] == "training of"


def test_stopwords_fall_back_to_a_literal_whole_word_search():
    tc = make_corpus()
    table = keywords_in_context(tc, "the", window=1, normalize=simple).table
    assert table[["passage_id", "match", "right"]].values.tolist() == [
        ["d1:000", "the", "U.S."], ["d3:000", "the", "training"]]


def test_frame_query_shows_every_entry():
    tc = make_corpus()
    book = load_codebook({"security": ["sanctions", "export controls"], "talent": ["training", "students"]})
    table = keywords_in_context(tc, "security", by="frame", codebook=book, window=2, normalize=simple).table
    assert table[["passage_id", "match"]].values.tolist() == [["d1:000", "export controls"], ["d3:000", "sanctions"]]
    talent = keywords_in_context(tc, "talent", by="frame", codebook=book, window=1, normalize=simple).table
    assert talent["match"].tolist() == ["students", "training"]
    with pytest.raises(ConfigError, match="not a frame"):
        keywords_in_context(tc, "economy", by="frame", codebook=book, normalize=simple).table


def test_topic_query_orders_passages_by_proportion_and_marks_top_terms():
    tc = make_corpus()
    fit = LdaFit(topic_term=np.array([[0.6, 0.3, 0.1], [0.1, 0.1, 0.8]]),
                 doc_topic=np.array([[0.2, 0.8], [0.1, 0.9], [0.7, 0.3]]),
                 doc_topic_dirichlet=np.ones((3, 2)), vocabulary=np.array(["training", "chip", "aws"]),
                 passage_ids=np.array(["d1:000", "d2:000", "d3:000"]), convergence=pd.DataFrame())
    table = keywords_in_context(tc, 1, by="topic", fit=fit, top_n=2, n_terms=2, window=2, normalize=simple).table
    assert table[["passage_id", "match"]].values.tolist() == [["d3:000", "training"], ["d1:000", "chips"]]
    with pytest.raises(ValueError, match="topic number from 1 to 2"):
        keywords_in_context(tc, 3, by="topic", fit=fit).table


def test_group_column_and_limits():
    tc = make_corpus(group=False)
    table = keywords_in_context(tc, "the", normalize=simple).table
    assert table["group"].eq("").all()
    assert len(keywords_in_context(tc, "the", normalize=simple, max_rows=1).table) == 1
    with pytest.raises(ConfigError, match="group_column"):
        keywords_in_context(tc, "the", group_column="outlet", normalize=simple).table
    with pytest.raises(ConfigError, match="by="):
        keywords_in_context(tc, "the", by="word").table


def test_textdata_in_memory_and_on_disk_give_the_same_table(tmp_path):
    from textlab.preprocessing.counts import count_terms
    from textlab.store.disk import TokenShardWriter, open_data
    from textlab.store.load import load_counts

    tc = make_corpus()
    passages = pd.concat([tc.passages] * 4, ignore_index=True)  # 12 passages over 3 shards of 5
    passages["passage_id"] = [f"p{i:02d}" for i in range(12)]
    tokens = tc.tokens * 4
    memory = count_terms(TokenizedCorpus(passages, tokens, tc.surface_forms, {}))
    with TokenShardWriter(tmp_path / "data", shard_rows=5) as writer:
        writer.add(passages, tokens)
        disk_tokens = writer.close({}, surface_forms=tc.surface_forms)
    count_terms(disk_tokens)
    disk = open_data(tmp_path / "data")
    assert "text" not in disk.rows.columns
    for query, options in (("aws", {}), ("the", {"max_rows": 5}), ("data centres", {"window": 1})):
        a = keywords_in_context(memory, query, normalize=simple, group_column="narrative", **options)
        b = keywords_in_context(disk, query, normalize=simple, group_column="narrative", **options)
        pd.testing.assert_frame_equal(a.table, b.table)
        assert a.params == b.params and a.params["query"] == query
    assert len(keywords_in_context(disk, "aws", normalize=simple).table) == 8  # "Amazon Web Services (AWS)" x 4
    fit = LdaFit(topic_term=np.array([[0.9, 0.1], [0.1, 0.9]]), doc_topic=np.tile([[0.9, 0.1], [0.2, 0.8]], (6, 1)),
                 doc_topic_dirichlet=np.ones((12, 2)), vocabulary=np.array(["training", "aws"]),
                 passage_ids=passages["passage_id"].to_numpy(), convergence=pd.DataFrame())
    a = keywords_in_context(memory, 2, by="topic", fit=fit, top_n=3, n_terms=1, normalize=simple)
    b = keywords_in_context(disk, 2, by="topic", fit=fit, top_n=3, n_terms=1, normalize=simple)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert list(b.table["passage_id"].unique()) == ["p01", "p03", "p05"]


def test_counts_only_data_says_kwic_is_unavailable():
    from textlab.store.load import load_counts

    data = load_counts(pd.DataFrame({"doc_id": ["a"], "term": ["aws"], "count": [2]}))
    with pytest.raises(ConfigError, match="keyword-in-context needs running text, but this data was read as counts"):
        keywords_in_context(data, "aws")
