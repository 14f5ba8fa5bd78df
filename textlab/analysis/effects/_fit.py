"""Regressions of shares on a design: quasi-binomial logit (IRLS) and OLS, for many outcomes at once.

The quasi-binomial model (Papke & Wooldridge 1996's fractional logit) fits
``E[y | x] = expit(x'b)`` for shares ``y`` in [0, 1]: its estimates equal those of
``statsmodels.GLM(y, X, family=Binomial())`` and its predictions stay in [0, 1]. OLS fits
``E[y | x] = x'b`` as stm's ``estimateEffect`` does. Both take case weights (bootstrap draw
counts), and both solve one small ``p x p`` system per outcome.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["LINKS", "fit_shares", "inverse_link"]

#: Links: the bounded quasi-binomial logit and ordinary least squares.
LINKS = ("logit", "ols")
_ETA_LIMIT = 30.0


def inverse_link(eta: np.ndarray, link: str) -> np.ndarray:
    """Mean from the linear predictor: ``expit`` for ``"logit"``, identity for ``"ols"``."""
    return expit(eta) if link == "logit" else eta


def _solve(xtwx: np.ndarray, xtwz: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(xtwx, xtwz)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(xtwx, xtwz, rcond=None)[0]


def _ols(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    xw = x * w[:, None]
    return _solve(xw.T @ x, xw.T @ y)


def _start(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Starting values: least squares on the empirical logit of the (shrunk) shares."""
    mu = (y + 0.01) / 1.02
    return _ols(x, np.log(mu / (1 - mu)), w)


def _solve_many(xtwx: np.ndarray, xtwz: np.ndarray) -> np.ndarray:
    """Solve ``K`` systems ``p x p`` at once (``K x p x p``, ``K x p``); singular ones by least squares."""
    try:
        return np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([_solve(a, b) for a, b in zip(xtwx, xtwz)])


def _logit(x: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray | None, max_iter: int,
           tol: float) -> tuple[np.ndarray, np.ndarray]:
    """IRLS for every column of ``y`` at once; returns ``p x K`` coefficients and a ``K`` converged flag.

    ``x'Wx`` of every outcome comes from one product with the row-wise outer products of ``x``
    (``N x p^2``), so the cost per iteration is two matrix products, not a loop over outcomes.
    """
    n, p = x.shape
    n_out = y.shape[1]
    beta = _start(x, y, w) if beta is None else beta.copy()
    converged = np.zeros(n_out, dtype=bool)
    active = np.arange(n_out)
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
    for _ in range(max_iter):
        eta = np.clip(x @ beta[:, active], -_ETA_LIMIT, _ETA_LIMIT)
        mu = expit(eta)
        var = np.maximum(mu * (1 - mu), 1e-10)
        ww = w[:, None] * var
        xtwx = (ww.T @ outer).reshape(len(active), p, p)
        xtwz = (x.T @ (ww * eta + w[:, None] * (y[:, active] - mu))).T
        new = _solve_many(xtwx, xtwz).T
        change = np.abs(new - beta[:, active]).max(axis=0)
        beta[:, active] = new
        done = change < tol * (1 + np.abs(new).max(axis=0))
        converged[active[done]] = True
        active = active[~done]
        if not len(active):
            break
    return beta, converged


def fit_shares(x: np.ndarray, y: np.ndarray, *, link: str, weights: np.ndarray | None = None,
               start: np.ndarray | None = None, max_iter: int = 50, tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    """Regress every column of ``y`` (``N x K`` shares) on ``x`` (``N x p``).

    Parameters
    ----------
    x, y
        Design and outcomes.
    link
        ``"logit"`` (quasi-binomial, IRLS) or ``"ols"``.
    weights
        Case weights (``N``), e.g. bootstrap draw counts; rows of weight 0 are skipped.
    start
        ``p x K`` starting coefficients for IRLS (e.g. the point estimate).

    Returns
    -------
    beta, converged
        ``p x K`` coefficients and ``K`` flags (always ``True`` for OLS).

    Examples
    --------
    >>> x = np.column_stack([np.ones(4), [0, 0, 1, 1]])
    >>> beta, ok = fit_shares(x, np.array([[0.2], [0.2], [0.5], [0.5]]), link="logit")
    >>> np.round(beta.ravel(), 4).tolist(), bool(ok[0])
    ([-1.3863, 1.3863], True)
    """
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    keep = w > 0
    if not keep.all():
        x, y, w = x[keep], y[keep], w[keep]
    if link == "ols":
        return _ols(x, y, w), np.ones(y.shape[1], dtype=bool)
    return _logit(x, y, w, start, max_iter, tol)
