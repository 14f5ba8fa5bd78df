"""Association measures of a term with a group, from counts on two sides.

* :func:`log_odds_dirichlet` -- Monroe, Colaresi & Quinn (2008) log-odds ratio with an
  informative Dirichlet prior, and its variance (z = delta / sqrt(variance));
* :func:`log_likelihood_g2` -- Dunning's log-likelihood G² of the 2x2 table;
* :func:`log_ratio` -- Hardie's (2014) Log Ratio effect size;
* :func:`bootstrap_log_odds` and :func:`permute_log_odds` -- the log-odds resampled over
  units (documents or passages) of the two sides, the prior held fixed.

Leading axes broadcast (replicates of a bootstrap or a permutation test in rows).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import xlogy

from textlab._errors import bad_value
from textlab._progress import progress
from textlab.stats.bootstrap import bootstrap_weights
from textlab.stats.permutation import PermutationTest, permutation_test

__all__ = ["log_odds_dirichlet", "log_likelihood_g2", "log_ratio", "bootstrap_log_odds", "permute_log_odds"]

_CHUNK_ELEMENTS = 4_000_000  # replicate x term block size held in memory at once
_DENSE_ELEMENTS = 50_000_000  # units x terms held dense (400 MB) at most
_DENSE_MIN_DENSITY = 0.05  # below it the sparse product is as fast


def log_odds_dirichlet(
    y_group: np.ndarray,
    y_reference: np.ndarray,
    *,
    prior_scale: float = 1.0,
    n_group: float | np.ndarray | None = None,
    n_reference: float | np.ndarray | None = None,
    alpha: np.ndarray | None = None,
    alpha0: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al. (2008) log-odds ratio with an informative Dirichlet prior.

    With counts ``y_w^i`` of term ``w`` in the group, ``y_w^j`` in the reference,
    totals ``n_i``, ``n_j``, prior ``alpha_w = prior_scale * (y_w^i + y_w^j)`` (the
    pooled counts; ``prior_scale=1`` is the empirical-Bayes default of tidylo and of
    most reference implementations) and ``alpha0 = sum_w alpha_w``::

        delta_w = log((y_w^i + a_w) / (n_i + a0 - y_w^i - a_w))
                - log((y_w^j + a_w) / (n_j + a0 - y_w^j - a_w))
        var_w   = 1 / (y_w^i + a_w) + 1 / (y_w^j + a_w)

    and ``z_w = delta_w / sqrt(var_w)``.

    Parameters
    ----------
    y_group, y_reference
        Term counts over the *whole* vocabulary (totals and ``alpha0`` are taken from
        them unless given). Trailing axis = terms; leading axes (replicates) broadcast.
    prior_scale
        Multiplier of the pooled counts giving ``alpha_w`` (> 0).
    n_group, n_reference, alpha, alpha0
        Override the totals and prior, e.g. when ``y_*`` hold only some terms.

    Returns
    -------
    delta, variance
        Arrays shaped like ``y_group``.

    Examples
    --------
    >>> d, v = log_odds_dirichlet(np.array([10, 0, 5]), np.array([2, 4, 5]))
    >>> (d / np.sqrt(v)).round(2).tolist()
    [1.88, -1.53, -0.46]
    """
    y_i = np.asarray(y_group, dtype=float)
    y_j = np.asarray(y_reference, dtype=float)
    if alpha is None:
        if not prior_scale > 0:
            raise bad_value("prior_scale", prior_scale, "a number > 0")
        alpha = prior_scale * (y_i + y_j)
    if alpha0 is None:
        alpha0 = float(np.sum(alpha))
    n_i = y_i.sum(axis=-1, keepdims=True) if n_group is None else n_group
    n_j = y_j.sum(axis=-1, keepdims=True) if n_reference is None else n_reference
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log(y_i + alpha) - np.log(n_i + alpha0 - y_i - alpha)) - (
            np.log(y_j + alpha) - np.log(n_j + alpha0 - y_j - alpha)
        )
        variance = 1.0 / (y_i + alpha) + 1.0 / (y_j + alpha)
    return delta, variance


def log_likelihood_g2(a: np.ndarray, b: np.ndarray, n_a: float, n_b: float) -> np.ndarray:
    """Dunning's log-likelihood G² of the 2x2 table (term / other tokens x group / reference).

    ``G2 = 2 * sum O * ln(O / E)`` over the four cells, as
    ``scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")``.
    Always >= 0; the direction is in ``log_ratio`` / ``log_odds``.

    Examples
    --------
    >>> log_likelihood_g2(np.array([30.0]), np.array([10.0]), 1000, 1000).round(3).tolist()
    [10.669]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    total = n_a + n_b
    observed = (a, b, n_a - a, n_b - b)
    expected = (
        n_a * (a + b) / total, n_b * (a + b) / total,
        n_a * (total - a - b) / total, n_b * (total - a - b) / total,
    )  # fmt: skip
    g2 = sum(xlogy(o, o) - xlogy(o, e) for o, e in zip(observed, expected))
    return np.maximum(2.0 * g2, 0.0)


def log_ratio(a: np.ndarray, b: np.ndarray, n_a: float, n_b: float) -> np.ndarray:
    """Hardie's (2014) Log Ratio: ``log2((a / n_a) / (b / n_b))``.

    Zero counts are replaced by 0.5 (Hardie's zero-frequency correction), so a term
    absent from one side gets a finite value; non-zero counts are used as they are.

    Examples
    --------
    >>> log_ratio(np.array([8, 4]), np.array([2, 0]), 100, 100).tolist()
    [2.0, 3.0]
    """
    a = np.where(np.asarray(a, dtype=float) == 0, 0.5, a)
    b = np.where(np.asarray(b, dtype=float) == 0, 0.5, b)
    return np.log2((a / n_a) / (b / n_b))


def _weighted(units: sp.spmatrix | np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``weights @ units`` as a dense array (replicates in rows)."""
    if isinstance(units, np.ndarray):
        return weights @ units
    return np.asarray((units.T @ weights.T).T)


def _maybe_dense(units: sp.spmatrix) -> sp.spmatrix | np.ndarray:
    """Integer counts dense enough (random blocks of documents) as a dense array, else as given.

    A dense product of integer counts and integer weights sums exact integers in float64, so it
    gives the same numbers as the sparse one, several times faster at block densities.
    """
    size = units.shape[0] * units.shape[1]
    if not size or size > _DENSE_ELEMENTS or units.nnz < _DENSE_MIN_DENSITY * size:
        return units
    data = units.data
    if not np.array_equal(data, np.round(data)) or np.abs(data).sum() >= 2**52:
        return units
    return units.toarray()


def _one_thread():
    """Single-threaded BLAS (on a shared machine a threaded BLAS is slower for these products)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def bootstrap_log_odds(
    side_a: tuple, side_b: tuple, *, alpha: np.ndarray, alpha0: float, n_boot: int,
    random_state: int | np.random.Generator = 0, desc: str = "bootstrap",
) -> np.ndarray:  # fmt: skip
    """Stratified bootstrap replicates of the log-odds, units resampled within each stratum.

    Parameters
    ----------
    side_a, side_b
        ``(units x terms CSC counts, unit token totals over the whole vocabulary, unit strata)``.
    alpha, alpha0
        The prior of the terms and its total (held fixed).
    n_boot
        Replicates.
    random_state
        Seed or generator.
    desc
        Progress label.

    Returns
    -------
    numpy.ndarray
        ``n_boot x terms`` float32 replicates of ``delta``.

    Examples
    --------
    >>> side = (sp.csc_matrix(np.array([[3.0, 1.0], [1.0, 3.0]])), np.array([4.0, 4.0]), np.array(["a", "a"]))
    >>> bootstrap_log_odds(side, side, alpha=np.ones(2), alpha0=2.0, n_boot=4).shape
    (4, 2)
    """
    (m_a, t_a, s_a), (m_b, t_b, s_b) = side_a, side_b
    rng = np.random.default_rng(random_state) if not isinstance(random_state, np.random.Generator) else random_state
    reps = np.empty((n_boot, m_a.shape[1]), dtype=np.float32)
    step = max(1, min(n_boot, _CHUNK_ELEMENTS // max(m_a.shape[1], len(t_a) + len(t_b), 1)))
    m_a, m_b = _maybe_dense(m_a), _maybe_dense(m_b)
    with _one_thread():
        _bootstrap_chunks(reps, (m_a, t_a, s_a), (m_b, t_b, s_b), alpha, alpha0, rng, step, desc)
    return reps


def _bootstrap_chunks(reps, side_a, side_b, alpha, alpha0, rng, step, desc) -> None:
    (m_a, t_a, s_a), (m_b, t_b, s_b) = side_a, side_b
    n_boot = len(reps)
    for start in progress(range(0, n_boot, step), desc=desc, unit="chunk"):
        size = min(step, n_boot - start)
        w_a = bootstrap_weights(s_a, n_boot=size, random_state=rng)
        w_b = bootstrap_weights(s_b, n_boot=size, random_state=rng)
        d, _ = log_odds_dirichlet(
            _weighted(m_a, w_a), _weighted(m_b, w_b), n_group=(w_a @ t_a)[:, None],
            n_reference=(w_b @ t_b)[:, None], alpha=alpha, alpha0=alpha0,
        )  # fmt: skip
        reps[start : start + size] = d


def permute_log_odds(
    side_a: tuple, side_b: tuple, observed_z: np.ndarray, *, alpha: np.ndarray, alpha0: float, n_perm: int,
    method: str = "sequential", n_exceed: int = 10, random_state: int | np.random.Generator = 0,
) -> PermutationTest:  # fmt: skip
    """Permutation test of ``|z|`` with the units of the two sides reassigned (prior fixed).

    ``side_a``/``side_b`` are ``(units x terms CSC counts, unit token totals)``; see
    :func:`textlab.stats.permutation_test` for ``method``, ``n_perm`` and ``n_exceed``.

    Examples
    --------
    >>> a = (sp.csc_matrix(np.array([[5.0], [6.0]])), np.array([10.0, 10.0]))
    >>> b = (sp.csc_matrix(np.array([[1.0], [0.0]])), np.array([10.0, 10.0]))
    >>> res = permute_log_odds(a, b, np.array([2.0]), alpha=np.array([12.0]), alpha0=40.0, n_perm=100)
    >>> res.method, res.n_assignments
    ('exact', 6)
    """
    (m_a, t_a), (m_b, t_b) = side_a[:2], side_b[:2]
    mat = sp.vstack([m_a, m_b]).tocsc()
    totals = np.concatenate([t_a, t_b])
    pooled = np.asarray(mat.sum(axis=0)).ravel()
    mat = _maybe_dense(mat)
    n_all = float(totals.sum())

    def statistic(w: np.ndarray, cols: np.ndarray) -> np.ndarray:
        yp_a = _weighted(mat[:, cols], w)
        np_a = (w @ totals)[:, None]
        d, v = log_odds_dirichlet(yp_a, pooled[cols] - yp_a, n_group=np_a, n_reference=n_all - np_a,
                                  alpha=alpha[cols], alpha0=alpha0)  # fmt: skip
        return np.abs(d / np.sqrt(v))

    with _one_thread():
        return permutation_test(statistic, observed_z, len(totals), len(t_a), n_perm=n_perm, method=method,
                                n_exceed=n_exceed, random_state=random_state)  # fmt: skip
