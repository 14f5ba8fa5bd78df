"""Keyness against independent calculations: Monroe et al. (2008) by hand, G² from scipy."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import chi2_contingency

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.analysis.keyness import COLUMNS, log_likelihood_g2, log_ratio, score_keyness
from textlab.preprocessing.counts import DocumentTermMatrix

VOCAB = np.array(["ai", "aws", "chip", "cloud", "huawei"], dtype=object)


def _dtm(rows, docs, groups, vocab=VOCAB):
    meta = pd.DataFrame(
        {"passage_id": [f"{d}:{i:03d}" for i, d in enumerate(docs)], "doc_id": docs, "narrative": groups}
    )
    return DocumentTermMatrix(sp.csr_matrix(np.array(rows, dtype=np.int64)), vocab, meta)


@pytest.fixture
def three_groups():
    """Hand-made corpus: group h (3 docs, 5 passages), a (2 docs), m (1 doc)."""
    rows = [
        [2, 0, 3, 1, 4],  # h1
        [1, 0, 2, 0, 3],  # h1
        [0, 1, 1, 2, 5],  # h2
        [3, 0, 0, 1, 2],  # h3
        [1, 0, 4, 0, 1],  # h3
        [2, 5, 0, 3, 0],  # a1
        [1, 4, 1, 2, 0],  # a1
        [0, 6, 0, 4, 1],  # a2
        [4, 1, 1, 1, 1],  # m1
    ]
    docs = ["h1", "h1", "h2", "h3", "h3", "a1", "a1", "a2", "m1"]
    groups = ["h"] * 5 + ["a"] * 3 + ["m"]
    return _dtm(rows, docs, groups)


def monroe_reference(y_i, y_j, scale=1.0, alpha=None):
    """Monroe, Colaresi & Quinn (2008), eq. 16-22, term by term in plain Python."""
    n_i, n_j = sum(y_i), sum(y_j)
    if alpha is None:
        alpha = [scale * (a + b) for a, b in zip(y_i, y_j)]
    a0 = sum(alpha)
    out = []
    for yi, yj, aw in zip(y_i, y_j, alpha):
        delta = math.log((yi + aw) / (n_i + a0 - yi - aw)) - math.log((yj + aw) / (n_j + a0 - yj - aw))
        var = 1 / (yi + aw) + 1 / (yj + aw)
        out.append((delta, math.sqrt(var), delta / math.sqrt(var)))
    return out


def _row(table, term, group):
    hit = table[(table.term == term) & (table.group == group)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_are_the_contract(three_groups):
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=20, n_perm=20, min_count=1)
    assert list(res.table.columns) == COLUMNS


@pytest.mark.parametrize("scale", [1.0, 0.1])
def test_log_odds_and_z_match_monroe_formula(three_groups, scale):
    y_h = three_groups.counts[:5].sum(axis=0).A1.tolist()
    y_a = three_groups.counts[5:8].sum(axis=0).A1.tolist()
    res = score_keyness(
        three_groups, group_column="narrative", groups=("h", "a"), prior_scale=scale, n_boot=0, n_perm=0, min_count=1
    )
    for term, (delta, se, z) in zip(VOCAB, monroe_reference(y_h, y_a, scale)):
        row = _row(res.table, term, "h")
        assert row.log_odds == pytest.approx(delta, rel=1e-12)
        assert row.log_odds_se == pytest.approx(se, rel=1e-12)
        assert row.z == pytest.approx(z, rel=1e-12)
        assert _row(res.table, term, "a").z == pytest.approx(-z, rel=1e-12)


@pytest.mark.parametrize("prior", ["uniform", "background"])
def test_uniform_and_background_priors_match_formula(three_groups, prior):
    y_h = three_groups.counts[:5].sum(axis=0).A1.tolist()
    y_a = three_groups.counts[5:8].sum(axis=0).A1.tolist()
    background = np.array([5.0, 1.0, 2.0, 7.0, 3.0])
    alpha = [0.01] * 5 if prior == "uniform" else list(0.5 * background)
    given = "uniform" if prior == "uniform" else background
    scale = 0.01 if prior == "uniform" else 0.5
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), prior=given, prior_scale=scale,
                        n_boot=0, n_perm=0, min_count=1)  # fmt: skip
    for term, (_, _, z) in zip(VOCAB, monroe_reference(y_h, y_a, alpha=alpha)):
        assert _row(res.table, term, "h").z == pytest.approx(z, rel=1e-12)
    with pytest.raises(ConfigError, match="prior"):
        score_keyness(three_groups, group_column="narrative", prior=np.ones(3))


def test_prior_uses_whole_vocabulary_even_when_min_count_hides_terms(three_groups):
    y_h = three_groups.counts[:5].sum(axis=0).A1.tolist()
    y_a = three_groups.counts[5:8].sum(axis=0).A1.tolist()
    ref = dict(zip(VOCAB, monroe_reference(y_h, y_a)))
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=0, min_count=12)
    kept = set(res.table.term)
    pooled = dict(zip(VOCAB, np.add(y_h, y_a)))
    assert kept == {t for t in VOCAB if pooled[t] >= 12} and len(kept) < len(VOCAB)
    for term in kept:
        assert _row(res.table, term, "h").z == pytest.approx(ref[term][2], rel=1e-12)


def test_one_vs_rest_pools_the_other_groups(three_groups):
    res = score_keyness(three_groups, group_column="narrative", n_boot=0, n_perm=0, min_count=1)
    assert set(res.table.group) == {"h", "a", "m"} and set(res.table.reference) == {"rest"}
    counts = three_groups.counts.toarray()
    y_a = counts[5:8].sum(axis=0)
    y_rest = counts[:5].sum(axis=0) + counts[8]
    for term, (_, _, z) in zip(VOCAB, monroe_reference(y_a.tolist(), y_rest.tolist())):
        row = _row(res.table, term, "a")
        assert row.z == pytest.approx(z, rel=1e-12)
        assert row.count_reference == y_rest[list(VOCAB).index(term)]


def test_named_reference_and_restricted_groups(three_groups):
    res = score_keyness(three_groups, group_column="narrative", reference="a", n_boot=0, n_perm=0, min_count=1)
    assert set(zip(res.table.group, res.table.reference)) == {("h", "a"), ("m", "a")}
    two = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=0, min_count=1)
    assert set(two.table.group) == {"h", "a"}  # "m" dropped entirely
    assert _row(two.table, "ai", "h").count_reference == 3


def test_g2_matches_scipy_chi2_contingency(three_groups):
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=0, min_count=1)
    n_h, n_a = three_groups.counts[:5].sum(), three_groups.counts[5:8].sum()
    for row in res.table[res.table.group == "h"].itertuples():
        table = np.array([[row.count_group, row.count_reference], [n_h - row.count_group, n_a - row.count_reference]])
        g2, *_ = chi2_contingency(table, correction=False, lambda_="log-likelihood")
        assert row.g2 == pytest.approx(g2, rel=1e-9)
        assert row.rate_group == pytest.approx(row.count_group / n_h)


def test_g2_and_log_ratio_on_hand_values():
    assert log_ratio(np.array([8]), np.array([2]), 100, 100)[0] == pytest.approx(2.0)
    assert log_ratio(np.array([4]), np.array([0]), 100, 200)[0] == pytest.approx(math.log2((4 / 100) / (0.5 / 200)))
    assert log_likelihood_g2(np.array([5.0]), np.array([10.0]), 100, 200)[0] == pytest.approx(0.0, abs=1e-12)


def test_dispersion_counts_passages_and_documents(three_groups):
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=0, min_count=1)
    row = _row(res.table, "ai", "h")  # in passages 0, 1, 3, 4 of h; documents h1, h3
    assert (row.n_passages_group, row.n_docs_group) == (4, 2)
    assert row.dispersion_passages == pytest.approx(4 / 5) and row.dispersion_docs == pytest.approx(2 / 3)
    row = _row(res.table, "huawei", "a")  # only passage 7 (doc a2)
    assert (row.n_passages_group, row.n_docs_group) == (1, 1)
    assert row.dispersion_passages == pytest.approx(1 / 3) and row.dispersion_docs == pytest.approx(1 / 2)


def test_exact_permutation_p_matches_brute_force(three_groups):
    """h (3 docs) vs a (2 docs): 10 label assignments, enumerated; recompute each by hand."""
    with pytest.warns(SmallSampleWarning, match="10 distinct assignments"):
        res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=100, min_count=1)
    doc_counts = np.array(
        [three_groups.counts[idx].sum(axis=0).A1 for idx in ([0, 1], [2], [3, 4], [5, 6], [7])], dtype=float
    )
    observed = np.array([z for *_, z in monroe_reference(doc_counts[:3].sum(0).tolist(), doc_counts[3:].sum(0).tolist())])
    extreme = np.zeros(len(VOCAB))
    for side in itertools.combinations(range(5), 3):
        other = [k for k in range(5) if k not in side]
        z = [z for *_, z in monroe_reference(doc_counts[list(side)].sum(0).tolist(), doc_counts[other].sum(0).tolist())]
        extreme += np.abs(z) >= np.abs(observed) - 1e-9
    for term, p in zip(VOCAB, extreme / 10):
        assert _row(res.table, term, "h").p_perm == pytest.approx(p)
        assert _row(res.table, term, "a").p_perm == pytest.approx(p)
    assert res.params["contrasts"][0]["permutation_exact"] is True
    assert (res.table.resampling_unit == "document").all()


def test_single_document_group_falls_back_to_passages_and_says_so(three_groups):
    with pytest.warns(SmallSampleWarning, match="'m' has 1 document"):
        res = score_keyness(three_groups, group_column="narrative", reference="h", n_boot=30, n_perm=30, min_count=1)
    units = res.table.groupby("group").resampling_unit.unique()
    assert list(units["m"]) == ["passage"] and list(units["a"]) == ["document"]
    info = {c["group"]: c for c in res.params["contrasts"]}
    assert info["m"]["bootstrap_units"]["m"] == "passage" and info["m"]["permutation_unit"] == "passage"


def test_same_seed_same_table_different_seed_different_intervals(three_groups):
    kwargs = dict(group_column="narrative", n_boot=50, n_perm=60, resampling_unit="passage", min_count=1)
    a = score_keyness(three_groups, random_state=3, **kwargs).table
    b = score_keyness(three_groups, random_state=3, **kwargs).table
    c = score_keyness(three_groups, random_state=4, **kwargs).table
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.ci_low, c.ci_low)


def test_q_values_are_bh_of_p_within_each_contrast(three_groups):
    from scipy.stats import false_discovery_control

    res = score_keyness(three_groups, group_column="narrative", n_boot=0, n_perm=50, resampling_unit="passage", min_count=1)
    for _, part in res.table.groupby("group"):
        assert np.allclose(part.q_perm, false_discovery_control(part.p_perm.to_numpy()))


def _simulate(rng, n_docs, probs, doc_len=300, concentration=50.0):
    """Documents drawn from a Dirichlet-multinomial around each group's term probabilities."""
    rows, docs, groups = [], [], []
    for g, p in probs.items():
        for d in range(n_docs):
            rows.append(rng.multinomial(doc_len, rng.dirichlet(concentration * p)))
            docs.append(f"{g}{d}")
            groups.append(g)
    return _dtm(rows, docs, groups, vocab=np.array([f"t{k}" for k in range(len(probs["x"]))], dtype=object))


def test_bootstrap_interval_covers_population_log_odds():
    """Document bootstrap covers the estimator's population value at about the nominal rate."""
    probs = {"x": np.array([0.30, 0.25, 0.20, 0.15, 0.10]), "y": np.array([0.20, 0.20, 0.20, 0.20, 0.20])}
    n_docs, doc_len = 25, 300
    expected_x, expected_y = n_docs * doc_len * probs["x"], n_docs * doc_len * probs["y"]
    truth = np.array([d for d, *_ in monroe_reference(expected_x.tolist(), expected_y.tolist())])
    rng = np.random.default_rng(11)
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        for sim in range(60):
            dtm = _simulate(rng, n_docs, probs, doc_len)
            t = score_keyness(dtm, group_column="narrative", groups=("x", "y"), n_boot=200, n_perm=0, min_count=1,
                              random_state=sim).table  # fmt: skip
            t = t[t.group == "x"].set_index("term").loc[dtm.vocabulary]
            hits.append((t.ci_low.to_numpy() <= truth) & (truth <= t.ci_high.to_numpy()))
    coverage = np.mean(hits)
    assert 0.88 <= coverage <= 0.99, coverage


def test_errors_name_the_problem(three_groups):
    with pytest.raises(ConfigError, match=r"group_column='outlet'.*narrative"):
        score_keyness(three_groups, group_column="outlet")
    with pytest.raises(ConfigError, match=r"groups='nope'.*present groups"):
        score_keyness(three_groups, group_column="narrative", groups=("h", "nope"))
    with pytest.raises(ConfigError, match=r"reference='zz'"):
        score_keyness(three_groups, group_column="narrative", reference="zz")
    with pytest.raises(ConfigError, match="resampling_unit"):
        score_keyness(three_groups, group_column="narrative", resampling_unit="sentence")
    with pytest.raises(ConfigError, match="n_boot"):
        score_keyness(three_groups, group_column="narrative", n_boot=-1)
    one = _dtm([[1, 0, 0, 0, 0]], ["d"], ["only"])
    with pytest.raises(EstimationError, match="at least two groups"):
        score_keyness(one, group_column="narrative")
    empty = _dtm([[1, 2, 0, 0, 0], [0, 0, 0, 0, 0]], ["d1", "d2"], ["x", "y"])
    with pytest.raises(EstimationError, match="'y' has 1 passages but no counted tokens"):
        score_keyness(empty, group_column="narrative")


def test_labels_use_surface_forms(three_groups):
    res = score_keyness(three_groups, group_column="narrative", groups=("h", "a"), n_boot=0, n_perm=0,
                        min_count=1, surface_forms={"ai": "AI"})  # fmt: skip
    assert _row(res.table, "ai", "h").label == "AI" and _row(res.table, "chip", "h").label == "chip"


# --------------------------------------------------------------------------- the container and its stores


class ChunkedStore:
    """A hand-made count store: the same matrix served in uneven row blocks (as an on-disk store would)."""

    kind = "chunked"

    def __init__(self, matrix, cuts):
        self.matrix = sp.csr_matrix(matrix)
        self.cuts = cuts
        self.reads = 0

    @property
    def shape(self):
        return self.matrix.shape

    def iter_blocks(self, block_rows=None):
        self.reads += 1
        edges = [0, *self.cuts, self.matrix.shape[0]]
        for start, stop in zip(edges[:-1], edges[1:]):
            block = self.matrix[start:stop].tocoo()
            order = np.random.default_rng(start).permutation(block.nnz)  # entries in any order within a block
            yield start, sp.coo_matrix((block.data[order], (block.row[order], block.col[order])), shape=block.shape)

    def to_csr(self):
        raise AssertionError("keyness must read the store block by block, not materialise it")


def _text_data(dtm, store):
    from textlab.data import TextData

    terms = pd.DataFrame({"term": dtm.vocabulary, "label": [t.upper() for t in dtm.vocabulary]})
    return TextData(rows=dtm.passages, terms=terms, store=store, unit="passage")


@pytest.mark.parametrize("cuts, unit, n_perm", [([1], "document", 200), ([2, 3, 7], "passage", 50),
                                                ([4, 5, 6, 8], "passage", 50)])
def test_text_data_store_gives_identical_table_in_any_blocks(three_groups, cuts, unit, n_perm):
    """TextData over a MemoryStore and over a chunked store give the DocumentTermMatrix numbers exactly.

    Documents (exact permutation tests) and passages (sequential permutation tests: 126 and 84
    assignments > n_perm=50) both go through the streamed per-unit counts.
    """
    from textlab.store.memory import MemoryStore

    kwargs = dict(group_column="narrative", n_boot=40, n_perm=n_perm, resampling_unit=unit, min_count=1,
                  random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = score_keyness(three_groups, surface_forms={t: t.upper() for t in VOCAB}, **kwargs)
        mem = score_keyness(_text_data(three_groups, MemoryStore(three_groups.counts)), **kwargs)
        store = ChunkedStore(three_groups.counts, cuts)
        chunked = score_keyness(_text_data(three_groups, store), block_rows=2, **kwargs)
    pd.testing.assert_frame_equal(ref.table, mem.table, check_exact=True)
    pd.testing.assert_frame_equal(ref.table, chunked.table, check_exact=True)
    assert store.reads == 1 and chunked.params["store"] == "chunked"
    methods = {c["permutation_method"] for c in chunked.params["contrasts"]}
    assert methods == ({"exact"} if unit == "document" else {"exact", "sequential"})
    assert chunked.table.label.str.isupper().all()  # labels come from the container's term table


def test_group_rows_give_counts_only(three_groups):
    """A TextData whose rows are groups (unit='group') gives the count columns, and refuses resampling."""
    from textlab.data import TextData
    from textlab.store.memory import MemoryStore

    counts = three_groups.counts.toarray()
    summed = np.vstack([counts[:5].sum(0), counts[5:8].sum(0), counts[8:].sum(0)])
    data = TextData(rows=pd.DataFrame({"narrative": ["h", "a", "m"]}),
                    terms=pd.DataFrame({"term": VOCAB, "label": VOCAB}),
                    store=MemoryStore(sp.csr_matrix(summed)), unit="group")  # fmt: skip
    res = score_keyness(data, group_column="narrative", n_boot=0, n_perm=0, min_count=1)
    ref = score_keyness(three_groups, group_column="narrative", n_boot=0, n_perm=0, min_count=1)
    pd.testing.assert_series_equal(res.table.z, ref.table.z)
    assert (res.table.resampling_unit == "none").all() and res.table.n_docs_group.isna().all()
    with pytest.raises(ConfigError, match="n_boot=0, n_perm=0"):
        score_keyness(data, group_column="narrative", n_boot=10, n_perm=0)


def test_contrast_spec_pairs_and_rest(three_groups):
    from textlab.stats import Contrast

    kwargs = dict(group_column="narrative", n_boot=0, n_perm=0, min_count=1)
    pairs = score_keyness(three_groups, contrast=Contrast(pairs=[("h", "a"), ("m", "h")]), **kwargs)
    assert list(dict.fromkeys(zip(pairs.table.group, pairs.table.reference))) == [("h", "a"), ("m", "h")]
    legacy = score_keyness(three_groups, groups=("h", "a"), **kwargs)
    pd.testing.assert_frame_equal(pairs.table[pairs.table.group == "h"].reset_index(drop=True),
                                  legacy.table[legacy.table.group == "h"].reset_index(drop=True))  # fmt: skip
    rest = score_keyness(three_groups, contrast={"groups": ["a"], "reference": "rest"}, **kwargs)
    assert set(rest.table.reference) == {"rest"} and rest.params["comparisons"] == [["a", "rest"]]
    assert _row(rest.table, "aws", "a").count_reference == three_groups.counts.toarray()[[0, 1, 2, 3, 4, 8], 1].sum()
    with pytest.raises(ConfigError, match=r"pairs='q'.*present groups"):
        score_keyness(three_groups, contrast=[("h", "q")], **kwargs)
    with pytest.raises(ConfigError, match="not both"):
        score_keyness(three_groups, contrast=("h", "a"), groups=("h",), **kwargs)


def test_result_is_a_result_with_its_settings(three_groups):
    from textlab.data import Result

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_keyness(three_groups, group_column="narrative", n_boot=20, n_perm=50, ci_level=0.8, min_count=1)
    assert isinstance(res, Result) and list(res.tables()) == ["table"]
    for key in ("ci_level", "n_boot", "n_perm", "permutation", "resampling_unit", "resampling_fallbacks",
                "contrast", "random_state", "p_min"):  # fmt: skip
        assert key in res.params
    assert res.params["ci_level"] == 0.8 and res.params["resampling_fallbacks"] == {"m": "passage"}
    again = type(res).from_tables(res.tables(), res.params)
    pd.testing.assert_frame_equal(again.table, res.table)


def test_document_rows_from_store_aggregate_give_the_same_document_statistics(three_groups):
    """Summing passages to documents first (textlab.store.aggregate) changes nothing resampled by documents."""
    from textlab.store.aggregate import aggregate
    from textlab.store.memory import MemoryStore

    data = _text_data(three_groups, MemoryStore(three_groups.counts))
    docs = aggregate(data, "doc_id")
    kwargs = dict(group_column="narrative", groups=("h", "a"), n_boot=30, n_perm=5, min_count=1, random_state=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = score_keyness(data, **kwargs).table
        b = score_keyness(docs, **kwargs).table
    same = ["term", "group", "z", "ci_low", "ci_high", "p_perm", "q_perm", "n_docs_group", "dispersion_docs"]
    pd.testing.assert_frame_equal(a[same], b[same], check_exact=True)


def test_many_groups_each_against_the_rest():
    """Ten sources: one comparison per group, the reference side is every other group's tokens."""
    rng = np.random.default_rng(8)
    n_groups, per_group = 10, 4
    counts = rng.poisson(3.0, size=(n_groups * per_group, len(VOCAB)))
    counts[:per_group, 0] += 12  # group g0 over-uses "ai"
    docs = [f"d{i}" for i in range(len(counts))]
    groups = [f"g{i // per_group}" for i in range(len(counts))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_keyness(_dtm(counts, docs, groups), group_column="narrative", n_boot=50, n_perm=300, min_count=1)
    assert res.table.groupby("group").size().to_dict() == {f"g{i}": len(VOCAB) for i in range(n_groups)}
    assert set(res.table.reference) == {"rest"} and len(res.params["contrasts"]) == n_groups
    totals = counts.sum(axis=0)
    assert ((res.table.count_group + res.table.count_reference) == totals[[list(VOCAB).index(t) for t in res.table.term]]).all()
    top = res.table[res.table.group == "g0"].iloc[0]
    assert top.term == "ai" and top.ci_low > 0 and top.q_perm < 0.05
