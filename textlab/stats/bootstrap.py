"""Stratified bootstrap draws: units resampled with replacement within each group.

Replicates are returned as weights (how many times each unit is drawn), so that a
statistic for every replicate is one matrix product ``weights @ unit_values``.
Two draw schemes are kept because published numbers depend on them:
:func:`bootstrap_weights` (one multinomial per stratum; keyness) and
:func:`stratified_unit_draws` (uniform picks per unit; prevalence and frames through
:meth:`textlab.stats.layout.GroupLayout.resample_weights`). Both are the same
stratified bootstrap in distribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from textlab._errors import EstimationError

__all__ = ["as_generator", "bootstrap_indices", "bootstrap_weights", "stratified_unit_draws"]


def as_generator(random_state: int | Sequence[int] | np.random.Generator) -> np.random.Generator:
    """A NumPy generator from a seed (or the generator itself).

    Examples
    --------
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _strata_codes(strata: Sequence | np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(strata), sort=False)
    if (codes < 0).any():
        raise EstimationError("strata labels contain missing values")
    return codes


def bootstrap_indices(
    strata: Sequence | np.ndarray,
    *,
    n_boot: int,
    random_state: int | np.random.Generator = 0,
) -> np.ndarray:
    """Stratified bootstrap: unit indices drawn with replacement within each stratum.

    Parameters
    ----------
    strata
        One stratum label per unit (e.g. the group of each document).
    n_boot
        Number of replicates.
    random_state
        Seed (or a ``numpy.random.Generator``).

    Returns
    -------
    numpy.ndarray
        ``n_boot x n_units`` int array; row ``b`` lists the units of replicate ``b``,
        each stratum keeping its size and its positions.

    Examples
    --------
    >>> idx = bootstrap_indices(["a", "a", "b"], n_boot=4, random_state=0)
    >>> idx.shape, bool((idx[:, 2] == 2).all())
    ((4, 3), True)
    """
    codes = _strata_codes(strata)
    rng = as_generator(random_state)
    out = np.empty((n_boot, len(codes)), dtype=np.int64)
    for code in range(codes.max() + 1 if len(codes) else 0):
        members = np.flatnonzero(codes == code)
        out[:, members] = members[rng.integers(0, len(members), size=(n_boot, len(members)))]
    return out


def bootstrap_weights(
    strata: Sequence | np.ndarray,
    *,
    n_boot: int,
    random_state: int | np.random.Generator = 0,
) -> np.ndarray:
    """Stratified bootstrap as weights: how many times each unit is drawn in each replicate.

    Equivalent to counting :func:`bootstrap_indices`, but drawn directly from a
    multinomial per stratum, so ``weights @ unit_counts`` gives every replicate's
    totals in one product.

    Parameters
    ----------
    strata
        One stratum label per unit.
    n_boot
        Number of replicates.
    random_state
        Seed (or a ``numpy.random.Generator``).

    Returns
    -------
    numpy.ndarray
        ``n_boot x n_units`` float array; each stratum's weights sum to its size.

    Examples
    --------
    >>> w = bootstrap_weights(["a", "a", "b"], n_boot=5, random_state=1)
    >>> w[:, :2].sum(axis=1).tolist(), w[:, 2].tolist()
    ([2.0, 2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    codes = _strata_codes(strata)
    rng = as_generator(random_state)
    out = np.zeros((n_boot, len(codes)), dtype=float)
    for code in range(codes.max() + 1 if len(codes) else 0):
        members = np.flatnonzero(codes == code)
        m = len(members)
        out[:, members] = rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot)
    return out


def stratified_unit_draws(unit_group: np.ndarray, n_groups: int, rng: np.random.Generator, n: int = 1) -> np.ndarray:
    """Stratified bootstrap counts for units sorted by group: ``n x n_units`` draw counts.

    Unit ``u`` belongs to group ``unit_group[u]`` (non-decreasing); each replicate
    draws as many units as the group has, uniformly with replacement within it.

    Examples
    --------
    >>> w = stratified_unit_draws(np.array([0, 0, 0, 1]), 2, np.random.default_rng(0), n=3)
    >>> w[:, :3].sum(axis=1).tolist(), w[:, 3].tolist()
    ([3.0, 3.0, 3.0], [1.0, 1.0, 1.0])
    """
    n_units = len(unit_group)
    counts = np.bincount(unit_group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    size = counts[unit_group]
    picks = starts[unit_group] + np.floor(rng.random((n, n_units)) * size).astype(np.int64)
    picks += (np.arange(n) * n_units)[:, None]
    return np.bincount(picks.ravel(), minlength=n * n_units).reshape(n, n_units).astype(float)
