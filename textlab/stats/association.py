"""Association measures of a term with a group, from counts on two sides.

* :func:`log_odds_dirichlet` -- Monroe, Colaresi & Quinn (2008) log-odds ratio with an
  informative Dirichlet prior, and its variance (z = delta / sqrt(variance));
* :func:`log_likelihood_g2` -- Dunning's log-likelihood G² of the 2x2 table;
* :func:`log_ratio` -- Hardie's (2014) Log Ratio effect size.

Leading axes broadcast (replicates of a bootstrap or a permutation test in rows).
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from textlab._errors import bad_value

__all__ = ["log_odds_dirichlet", "log_likelihood_g2", "log_ratio"]


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
