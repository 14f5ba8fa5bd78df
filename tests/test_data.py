"""The container (TextData), the Result base, and conversion from older types."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError
from textlab.data import Result, TextData, as_text_data, require_tokens
from textlab.preprocessing.counts import DocumentTermMatrix
from textlab.store.memory import MemoryStore

ROWS = pd.DataFrame({"passage_id": ["a:000", "a:001", "b:000"], "doc_id": ["a", "a", "b"],
                     "text": ["AI hub.", "Data centres.", "Chips!"]})
TERMS = pd.DataFrame({"term": ["ai", "data_center", "hub"], "label": ["ai", "data centre", "hub"]})
COUNTS = sp.csr_matrix(np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0]]))


def make(**changes):
    base = dict(rows=ROWS, terms=TERMS, store=MemoryStore(COUNTS), tokens=[["ai", "hub"], ["data_center"], []])
    return TextData(**{**base, **changes})


def test_old_names_answer_from_the_new_fields():
    data = make()
    assert data.shape == (3, 3) and data.unit == "passage"
    assert list(data.vocabulary) == ["ai", "data_center", "hub"]
    assert data.surface_forms == {"ai": "ai", "data_center": "data centre", "hub": "hub"}
    assert data.passages is data.rows and (data.counts != COUNTS).nnz == 0
    assert data.texts() == ROWS["text"].tolist() and data.texts([2, 0]) == ["Chips!", "AI hub."]
    with pytest.raises(FrozenInstanceError):
        data.unit = "document"
    other = data.with_(unit="document")
    assert other.unit == "document" and data.unit == "passage"


def test_shapes_and_unit_are_checked():
    with pytest.raises(ConfigError, match="rows has 2 rows but the counts have 3"):
        make(rows=ROWS.head(2))
    with pytest.raises(ConfigError, match="terms has 2 rows but the counts have 3 columns"):
        make(terms=TERMS.head(2))
    with pytest.raises(ConfigError, match="unit='sentence' is not allowed"):
        make(unit="sentence")


def test_counts_only_data_says_what_needs_text():
    data = make(tokens=None, rows=ROWS.drop(columns="text"))
    with pytest.raises(ConfigError, match="^frames needs running text, but this data was read as counts only"):
        data.require_tokens("frames")
    with pytest.raises(ConfigError, match="reading the row texts needs running text"):
        data.texts()
    assert require_tokens(make(), "kwic")[1] == ["data_center"]
    no_text = make(rows=ROWS.drop(columns="text"))
    with pytest.raises(ConfigError, match="holds no row texts"):
        no_text.texts([0])


def test_as_text_data_wraps_a_document_term_matrix():
    dtm = DocumentTermMatrix(COUNTS, np.array(["ai", "data_center", "hub"], dtype=object), ROWS.set_index("doc_id"),
                             params={"unit": "narrative"})
    data = as_text_data(dtm)
    assert isinstance(data.store, MemoryStore) and data.unit == "group"  # an old aggregate's unit was its column
    assert list(data.rows.columns) == ["passage_id", "text"] and data.rows.index.tolist() == [0, 1, 2]
    assert data.terms["label"].tolist() == ["ai", "data_center", "hub"] and data.tokens is None
    same = make()
    assert as_text_data(same) is same
    with pytest.raises(ConfigError, match="dtm must be a TextData .* got list"):
        as_text_data([1, 2], name="dtm")


@dataclass(frozen=True)
class _Toy(Result):
    table: pd.DataFrame
    extra: pd.DataFrame | None = None
    note: str = ""


def test_result_tables_round_trip_and_params_are_keyword_only():
    toy = _Toy(pd.DataFrame({"x": [1]}), params={"ci_level": 0.9}, note="kept out of tables")
    assert list(toy.tables()) == ["table"]
    again = _Toy.from_tables(toy.tables(), toy.params)
    pd.testing.assert_frame_equal(again.table, toy.table)
    assert again.params == {"ci_level": 0.9} and again.params is not toy.params and again.note == ""
    with pytest.raises(TypeError):
        _Toy(pd.DataFrame(), None, "", {"ci_level": 0.9})  # params only by name


def test_result_shows_its_tables_escaped_in_notebooks():
    toy = _Toy(pd.DataFrame({"text": ["<script>alert(1)</script>"] * 25}))
    shown = toy._repr_html_()
    assert "<b>_Toy</b>" in shown and "(first 20 of 25 rows)" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown
