"""Permutation tests of textlab.stats: the sequential (Besag-Clifford) design against a replay of the
permutations it drew, its validity under the null, and keyness on planted corpora (power, realised FDR)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textlab._errors import ConfigError, TextlabWarning
from textlab.analysis.keyness import score_keyness
from textlab.preprocessing.counts import DocumentTermMatrix
from textlab.stats import permutation_test, smallest_bh_discovery


def _mean_difference(values: np.ndarray, n_first: int, seen: list | None = None):
    """|mean of first-label units - mean of the others| for every item (columns of ``values``)."""

    def statistic(assign, cols):
        if seen is not None and (not seen or seen[-1] is not assign):
            seen.append(assign)
        first = assign @ values[:, cols] / n_first
        rest = (1 - assign) @ values[:, cols] / (len(values) - n_first)
        return np.abs(first - rest)

    return statistic


def test_sequential_p_values_replay_the_besag_clifford_rule():
    """Recount exceedances over the very permutations drawn: p = h / L when h is reached, else (1+l)/(1+n)."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(30, 40))
    values[:15, :5] += np.linspace(0.5, 3.0, 5)  # a few items with real differences
    labels = np.r_[np.ones(15), np.zeros(15)]
    observed = np.abs(values[labels == 1].mean(0) - values[labels == 0].mean(0))
    seen: list = []
    res = permutation_test(_mean_difference(values, 15, seen), observed, 30, 15, n_perm=3000, n_exceed=7,
                           random_state=1)  # fmt: skip
    assert res.method == "sequential" and res.p_min == pytest.approx(1 / 3001)
    assign = np.vstack(seen)
    permuted = np.abs(assign @ values / 15 - (1 - assign) @ values / 15)
    hits = np.cumsum(permuted >= observed * (1 - 1e-9) - 1e-12, axis=0)
    for item in range(values.shape[1]):
        reached = np.flatnonzero(hits[:, item] >= 7)
        if len(reached) and reached[0] < 3000:
            assert res.n_run[item] == reached[0] + 1
            assert res.pvalues[item] == pytest.approx(7 / (reached[0] + 1))
        else:
            assert res.n_run[item] == 3000
            assert res.pvalues[item] == pytest.approx((1 + hits[2999, item]) / 3001)
    assert res.n_run[5:].mean() < 300 and (res.n_run[3:5] == 3000).all()  # null items stop early, strong ones do not
    assert assign.sum(axis=1).tolist() == [15.0] * len(assign)


def test_exact_enumeration_when_assignments_are_few():
    values = np.array([[5.0], [6.0], [7.0], [1.0], [2.0], [3.0]])
    res = permutation_test(_mean_difference(values, 3), np.array([4.0]), 6, 3, n_perm=100)
    brute = [abs(values[list(c)].mean() - values[[i for i in range(6) if i not in c]].mean())
             for c in itertools.combinations(range(6), 3)]  # fmt: skip
    assert res.method == "exact" and res.n_assignments == 20
    assert res.pvalues[0] == pytest.approx(np.mean(np.array(brute) >= 4.0 - 1e-9))


def test_sequential_p_values_are_valid_under_the_null():
    """No real difference: P(p <= alpha) is at most alpha (up to Monte Carlo error) for 3,000 items."""
    rng = np.random.default_rng(3)
    values = rng.gamma(0.5, size=(40, 3000))  # skewed, like counts
    labels = np.r_[np.ones(20), np.zeros(20)]
    observed = np.abs(values[labels == 1].mean(0) - values[labels == 0].mean(0))
    res = permutation_test(_mean_difference(values, 20), observed, 40, 20, n_perm=2000, random_state=4)
    for alpha in (0.01, 0.05, 0.2):
        share = np.mean(res.pvalues <= alpha)
        assert share <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / 3000), (alpha, share)
        assert share >= alpha / 2  # and not uselessly conservative
    assert res.n_run.mean() < 100


def test_option_errors_name_the_parameter():
    stat = _mean_difference(np.ones((4, 1)), 2)
    with pytest.raises(ConfigError, match="permutation='bogus'"):
        permutation_test(stat, np.zeros(1), 4, 2, n_perm=10, method="bogus")
    with pytest.raises(ConfigError, match="n_exceed=0"):
        permutation_test(stat, np.zeros(1), 4, 2, n_perm=10, n_exceed=0)


# --------------------------------------------------------------------------- keyness on planted corpora


def planted_corpus(n_docs: int, *, ratio: float, seed: int, n_terms: int = 3000, n_key: int = 60,
                   doc_len: int = 200, concentration: float = 300.0):  # fmt: skip
    """Two groups of Dirichlet-multinomial documents; ``n_key`` terms truly key, all others truly null.

    Key terms come in pairs of equal base rate, one raised ``ratio``-fold in each group, so both
    groups put the same total mass on the other terms: their rates are identical, not just close.
    """
    rng = np.random.default_rng(seed)
    base = 1.0 / (np.arange(n_terms) + 10.0)
    key = rng.choice(np.arange(20, 300), size=n_key, replace=False)
    up_x, up_y = key[: n_key // 2], key[n_key // 2 :]
    base[up_y] = base[up_x]
    p_x, p_y = base.copy(), base.copy()
    p_x[up_x] *= ratio
    p_y[up_y] *= ratio
    p_x, p_y = p_x / p_x.sum(), p_y / p_y.sum()
    assert np.allclose(np.delete(p_x, key), np.delete(p_y, key), rtol=1e-12)
    rows = [rng.multinomial(doc_len, rng.dirichlet(concentration * p)) for p in (p_x, p_y) for _ in range(n_docs // 2)]
    meta = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(rows))],
                         "side": ["x"] * (n_docs // 2) + ["y"] * (n_docs // 2)})
    vocab = np.array([f"t{k:04d}" for k in range(n_terms)], dtype=object)
    return DocumentTermMatrix(sp.csr_matrix(np.array(rows)), vocab, meta), set(vocab[key])


def discoveries(table: pd.DataFrame, truth: set, level: float = 0.05) -> tuple[int, float, float]:
    side = table[table.group == "x"]
    found = set(side.term[side.q_perm < level])
    return len(found), len(found - truth) / max(len(found), 1), len(found & truth) / len(truth & set(side.term))


@pytest.mark.parametrize("n_docs, ratio, seeds, min_power", [(100, 3.0, range(4), 0.15), (2000, 2.0, range(1), 0.8)])
def test_sequential_keyness_has_power_and_controls_fdr(n_docs, ratio, seeds, min_power):
    """Thousands of terms, 60 truly key: q_perm < 0.05 finds them with realised FDR <= 0.05, at a
    small fraction of the permutations a fixed design with the same resolution would run."""
    outcomes = []
    for seed in seeds:
        dtm, truth = planted_corpus(n_docs, ratio=ratio, seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TextlabWarning)
            res = score_keyness(dtm, group_column="side", n_boot=0, min_count=3, random_state=seed)
        info = res.params["contrasts"][0]
        assert info["permutation_method"] == "sequential" and res.params["p_min"] == pytest.approx(1 / 10_001)
        assert info["n_permutations_run"]["total"] < 0.05 * info["n_permutations_run"]["fixed_design_total"]
        assert (res.table.n_perm_run <= 10_000).all() and res.table.n_perm_run.max() == 10_000
        outcomes.append(discoveries(res.table, truth))
    found, fdp, power = np.array(outcomes).T
    assert found.min() > 0
    assert fdp.mean() <= 0.05 and fdp.max() <= 0.1, fdp
    assert power.mean() >= min_power, power


def test_fixed_resolution_caps_the_answer_and_says_so():
    """Issue 13: with 1,000 fixed permutations no q can pass 0.05 here; the warning names the fix."""
    dtm, truth = planted_corpus(100, ratio=3.0, seed=0)
    with pytest.warns(TextlabWarning, match=r"smallest reachable p_perm is 0.000999.*raise n_perm to at least"):
        fixed = score_keyness(dtm, group_column="side", n_boot=0, min_count=3, permutation="fixed", n_perm=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TextlabWarning)
        sequential = score_keyness(dtm, group_column="side", n_boot=0, min_count=3)
    m = int((fixed.table.group == "x").sum())
    assert smallest_bh_discovery(1 / 1001, m, 0.05) > 20
    assert discoveries(fixed.table, truth)[0] == 0 < discoveries(sequential.table, truth)[0]
    assert fixed.params["contrasts"][0]["permutation_method"] == "fixed"


@pytest.mark.slow
@pytest.mark.parametrize("n_docs, ratio, n_corpora", [(100, 3.0, 40), (2000, 2.0, 15)])
def test_realised_fdr_over_many_corpora(request, n_docs, ratio, n_corpora):
    """Average false-discovery proportion over many planted corpora stays at or below 0.05 (about 2 minutes)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")
    outcomes = []
    for seed in range(100, 100 + n_corpora):
        dtm, truth = planted_corpus(n_docs, ratio=ratio, seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TextlabWarning)
            res = score_keyness(dtm, group_column="side", n_boot=0, min_count=3, random_state=seed)
        outcomes.append(discoveries(res.table, truth))
    found, fdp, power = np.array(outcomes).T
    assert fdp.mean() <= 0.05, (fdp.mean(), power.mean())
