"""Tests of the shared resampling helpers against direct calculations."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.stats.resampling import (
    bh_qvalues,
    bootstrap_indices,
    bootstrap_weights,
    choose_resampling_unit,
    n_label_assignments,
    percentile_interval,
    permutation_assignments,
    permutation_pvalues,
)


def test_choose_unit_keeps_documents_when_enough():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_resampling_unit(2, 5, group="g") == "document"
        assert choose_resampling_unit(2, 5, requested="passage") == "passage"


def test_choose_unit_falls_back_with_warning_naming_group():
    with pytest.warns(SmallSampleWarning, match="aws-led"):
        assert choose_resampling_unit(1, 29, group="aws-led") == "passage"


def test_choose_unit_refuses_group_without_passages_and_bad_unit():
    with pytest.raises(EstimationError, match="no passages"):
        choose_resampling_unit(0, 0, group="empty")
    with pytest.raises(ConfigError, match="resampling_unit='sentence'"):
        choose_resampling_unit(3, 3, requested="sentence")


def test_bootstrap_indices_stay_within_strata():
    strata = np.array(["a", "b", "a", "b", "b"])
    idx = bootstrap_indices(strata, n_boot=200, random_state=3)
    assert idx.shape == (200, 5)
    assert (strata[idx] == strata[None, :]).all()
    # every unit of a stratum gets drawn somewhere
    assert set(np.unique(idx[:, strata == "b"])) == {1, 3, 4}


def test_bootstrap_weights_preserve_stratum_sizes_and_mean_one():
    strata = ["x"] * 3 + ["y"] * 7
    w = bootstrap_weights(strata, n_boot=4000, random_state=1)
    assert np.array_equal(w[:, :3].sum(axis=1), np.full(4000, 3.0))
    assert np.array_equal(w[:, 3:].sum(axis=1), np.full(4000, 7.0))
    assert np.allclose(w.mean(axis=0), 1.0, atol=0.05)
    # multinomial variance of one unit's count: n * (1/n) * (1 - 1/n)
    assert w[:, 3].var() == pytest.approx(7 * (1 / 7) * (6 / 7), rel=0.1)


def test_bootstrap_is_reproducible():
    a = bootstrap_weights([0, 0, 1, 1], n_boot=10, random_state=5)
    b = bootstrap_weights([0, 0, 1, 1], n_boot=10, random_state=5)
    c = bootstrap_weights([0, 0, 1, 1], n_boot=10, random_state=6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_percentile_interval_matches_numpy_quantile():
    x = np.random.default_rng(0).normal(size=(999, 3))
    low, high = percentile_interval(x, ci_level=0.9)
    assert np.allclose(low, np.quantile(x, 0.05, axis=0))
    assert np.allclose(high, np.quantile(x, 0.95, axis=0))
    with pytest.raises(ConfigError, match="ci_level"):
        percentile_interval(x, ci_level=95)


def test_bootstrap_interval_covers_true_mean_at_nominal_rate():
    """Percentile bootstrap of a mean (weights @ data) covers the true mean ~95% of the time."""
    rng = np.random.default_rng(42)
    n_sims, n, true_mean = 400, 50, 2.0
    data = rng.exponential(true_mean, size=(n_sims, n))  # skewed, like term rates
    w = bootstrap_weights(np.zeros(n), n_boot=500, random_state=7)  # 500 x n
    boot_means = (w @ data.T) / n  # 500 x n_sims
    low, high = percentile_interval(boot_means, ci_level=0.95)
    coverage = np.mean((low <= true_mean) & (true_mean <= high))
    assert 0.89 <= coverage <= 0.985, coverage


def test_exact_enumeration_lists_every_assignment_once():
    a, exact = permutation_assignments(5, 2, n_perm=1000)
    assert exact and a.shape == (math.comb(5, 2), 5)
    rows = {tuple(np.flatnonzero(r)) for r in a}
    assert rows == set(itertools.combinations(range(5), 2))
    assert n_label_assignments(5, 2) == 10


def test_random_permutations_keep_group_sizes_and_are_seeded():
    a, exact = permutation_assignments(30, 12, n_perm=200, random_state=0)
    b, _ = permutation_assignments(30, 12, n_perm=200, random_state=0)
    assert not exact and a.shape == (200, 30)
    assert np.array_equal(a.sum(axis=1), np.full(200, 12.0))
    assert np.array_equal(a, b)
    # labels are shuffled: every unit is on the first side about 12/30 of the time
    assert np.allclose(a.mean(axis=0), 0.4, atol=0.15)


def test_permutation_pvalues_formulas():
    assert permutation_pvalues(np.array([0, 4]), 99, exact=False).tolist() == [0.01, 0.05]
    assert permutation_pvalues(np.array([1, 5]), 10, exact=True).tolist() == [0.1, 0.5]


def _bh_reference(p):
    """Textbook Benjamini-Hochberg step-up, written out directly."""
    m = len(p)
    order = np.argsort(p)
    q_sorted = np.empty(m)
    running = 1.0
    for k in range(m - 1, -1, -1):
        running = min(running, p[order[k]] * m / (k + 1))
        q_sorted[k] = running
    q = np.empty(m)
    q[order] = q_sorted
    return q


def test_bh_matches_textbook_step_up_and_skips_nan():
    p = np.random.default_rng(2).uniform(size=40) ** 2
    assert np.allclose(bh_qvalues(p), _bh_reference(p))
    with_nan = np.concatenate([p[:5], [np.nan]])
    q = bh_qvalues(with_nan)
    assert np.isnan(q[-1]) and np.allclose(q[:5], _bh_reference(p[:5]))


def test_percentile_interval_equals_nanquantile_with_and_without_missing_replicates():
    reps = np.random.default_rng(5).normal(size=(301, 40)).astype(np.float32)
    tail = (1 - 0.9) / 2
    expected = np.nanquantile(reps, [tail, 1 - tail], axis=0)
    assert np.array_equal(np.array(percentile_interval(reps, ci_level=0.9)), expected)
    reps[:7, 3] = np.nan
    reps[:, 5] = np.nan
    low, high = percentile_interval(reps, ci_level=0.9)
    assert np.isnan(low[5]) and high[0] == expected[1, 0]
    assert low[3] == pytest.approx(np.nanquantile(reps[:, 3], tail), rel=1e-6)
