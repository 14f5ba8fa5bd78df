"""One contrast specification, group layouts, difference tables and streamed unit counts (textlab.stats)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.stats import (
    REST,
    Comparison,
    Contrast,
    as_contrast,
    build_layout,
    count_units,
    difference_table,
    percentile_interval,
)

GROUPS = ["a", "b", "c"]


def _pairs(comparisons):
    return [(c.group, c.reference, c.reference_groups) for c in comparisons]


def test_defaults_each_analysis_documents():
    assert _pairs(Contrast().resolve(GROUPS)) == [("a", REST, ("b", "c")), ("b", REST, ("a", "c")),
                                                  ("c", REST, ("a", "b"))]  # fmt: skip
    assert _pairs(Contrast().resolve(GROUPS, default="pairs")) == [("a", "b", ("b",)), ("a", "c", ("c",)),
                                                                   ("b", "c", ("c",))]  # fmt: skip
    assert _pairs(Contrast().resolve(["a", "b"])) == [("a", "b", ("b",)), ("b", "a", ("a",))]
    assert _pairs(Contrast().resolve(["a", "b"], default="pairs")) == [("a", "b", ("b",))]


def test_groups_reference_and_pairs():
    assert _pairs(Contrast(groups=["c"]).resolve(GROUPS)) == [("c", REST, ("a", "b"))]
    assert _pairs(Contrast(groups=["a", "c"]).resolve(GROUPS)) == [("a", "c", ("c",)), ("c", "a", ("a",))]
    assert _pairs(Contrast(reference="b").resolve(GROUPS)) == [("a", "b", ("b",)), ("c", "b", ("b",))]
    assert _pairs(Contrast(groups=["a", "b"], reference="rest").resolve(GROUPS, default="pairs")) == [
        ("a", REST, ("b",)), ("b", REST, ("a",))]  # fmt: skip
    assert _pairs(Contrast(pairs=[("c", "a")]).resolve(GROUPS)) == [("c", "a", ("a",))]


def test_labels_match_by_text_and_keep_the_data_type():
    assert _pairs(Contrast(pairs=[("1", 2)]).resolve([1, 2, 3])) == [(1, 2, (2,))]


@pytest.mark.parametrize("spec, message", [
    (dict(groups=["a", "zz"]), r"contrast: groups='zz' is not a group in the data; present groups: \['a', 'b', 'c'\]"),
    (dict(reference="q"), r"reference='q' is not a group"),
    (dict(pairs=[("a", "nope")]), r"pairs='nope' is not a group"),
])  # fmt: skip
def test_unknown_groups_are_named_with_the_valid_values(spec, message):
    with pytest.raises(ConfigError, match=message):
        Contrast(**spec).resolve(GROUPS)


def test_malformed_specifications_are_refused():
    with pytest.raises(ConfigError, match="pairs=.*two different groups"):
        Contrast(pairs=[("a", "a")])
    with pytest.raises(ConfigError, match="pairs=.*pairs of two group names"):
        Contrast(pairs=[("a", "b", "c")])
    with pytest.raises(ConfigError, match="not both"):
        Contrast(groups=["a"], pairs=[("a", "b")])
    with pytest.raises(ConfigError, match="groups=.*without repeats"):
        Contrast(groups=["a", "a"])
    with pytest.raises(ConfigError, match="groups='abc'"):
        Contrast(groups="abc")
    with pytest.raises(ConfigError, match="ambiguous"):
        Contrast(reference="rest").resolve(["rest", "b"])
    with pytest.raises(EstimationError, match="at least two groups"):
        Contrast().resolve(["a"])
    with pytest.raises(ConfigError, match="compares nothing"):
        Contrast(groups=["a"], reference="a").resolve(GROUPS)


def test_call_forms_normalise_to_one_contrast():
    assert as_contrast(("a", "b")) == Contrast(pairs=[("a", "b")])
    assert as_contrast([("a", "b"), ("c", "a")]).pairs == (("a", "b"), ("c", "a"))
    assert as_contrast({"reference": "rest"}) == Contrast(reference="rest")
    assert as_contrast(None, groups=["a", "b"]) == Contrast(groups=("a", "b"))
    spec = Contrast(reference="a")
    assert as_contrast(spec) is spec and spec.to_dict() == {"groups": None, "reference": "a", "pairs": None}
    with pytest.raises(ConfigError, match="contrast='ab'"):
        as_contrast("ab")
    with pytest.raises(ConfigError, match="unknown key"):
        as_contrast({"against": "a"})
    with pytest.raises(ConfigError, match="not both"):
        as_contrast(("a", "b"), reference="a")


def test_difference_table_pools_the_rest_by_weight():
    """'rest' is the mean over all rows of the other groups (weighted), not the mean of group means."""
    labels = pd.Series(["a"] * 4 + ["b"] * 2 + ["c"] * 6)
    docs = [f"d{i}" for i in range(12)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        layout = build_layout(labels, docs, resampling_unit="document", what="test")
    rng = np.random.default_rng(0)
    values = rng.random((12, 2))
    base = np.ones(12)
    weights = layout.resample_weights(rng, 300)
    point = layout.group_sums(values, base)
    reps = layout.group_sums(values, weights)
    table = difference_table("item", ["u", "v"], Contrast(reference="rest").resolve(layout.groups), groups=layout.groups,
                             units=layout.units, point_sums=point[0], point_totals=point[1], replicate_sums=reps[0],
                             replicate_totals=reps[1], ci_level=0.9)  # fmt: skip
    row = table[(table.group_a == "b") & (table.item == "v")].iloc[0]
    rest = labels.isin(["a", "c"]).to_numpy()
    assert row.group_b == "rest"
    assert row.difference == pytest.approx(values[4:6, 1].mean() - values[rest, 1].mean())
    by_hand = (weights[:, 4:6] @ values[4:6, 1]) / weights[:, 4:6].sum(1) - (
        weights[:, rest] @ values[rest, 1]) / weights[:, rest].sum(1)  # fmt: skip
    low, high = percentile_interval(by_hand, ci_level=0.9)
    assert (row.ci_low, row.ci_high) == pytest.approx((low, high))
    assert list(table.columns) == ["item", "group_a", "group_b", "difference", "ci_low", "ci_high", "resampling_unit"]
    assert set(table.resampling_unit) == {"document"}


def test_layout_records_fallbacks_and_units():
    with pytest.warns(SmallSampleWarning, match="'y' has 1 document"):
        layout = build_layout(pd.Series(["x", "x", "y", "y"]), ["d1", "d2", "d3", "d3"], resampling_unit="document",
                              what="test")  # fmt: skip
    assert layout.units == ["document", "passage"] and list(layout.fallbacks) == ["y"]
    w = layout.resample_weights(np.random.default_rng(1), 50)
    assert (w[:, 0] + w[:, 1] == 2).all() and (w[:, 2] + w[:, 3] == 2).all()


def test_count_units_matches_dense_sums():
    rng = np.random.default_rng(2)
    dense = rng.poisson(0.7, size=(40, 9)) * (rng.random((40, 9)) < 0.5)
    labels = rng.choice(["g1", "g2", "skip", None], size=40)
    docs = np.array([f"doc{i // 3}" for i in range(40)])

    class Store:
        shape = dense.shape

        def iter_blocks(self, block_rows=None):
            for start in range(0, 40, 7):
                yield start, sp.csr_matrix(dense[start:start + 7])

    units = count_units(Store(), labels, docs, ["g1", "g2"], passage_groups=[1])
    for g, name in enumerate(["g1", "g2"]):
        rows = labels == name
        assert np.array_equal(units.group_counts[g], dense[rows].sum(0))
        assert np.array_equal(units.passages_with_term[g], (dense[rows] > 0).sum(0))
        assert units.n_passages[g] == rows.sum()
    assert np.array_equal(units.passage_counts[1].toarray(), dense[labels == "g2"])
    inside = np.isin(labels, ["g1", "g2"])
    order = pd.unique(docs[inside])
    expected = np.array([dense[inside & (docs == d)].sum(0) for d in order])
    assert np.array_equal(units.doc_counts.toarray(), expected)
