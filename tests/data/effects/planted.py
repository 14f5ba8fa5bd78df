"""Synthetic passages with planted effects on topic 1's share (for tests/test_effects*.py).

Each document has one passage; its true topic mix is Dirichlet(conc x mu) with
``logit(mu_1) = -1 + b_outlet[o] + slope * years + inter * [o == o1] * years + null * z`` (the other
topics share the rest), tokens are multinomial, and an ``LdaFit`` holds the exact conjugate
posterior Dirichlet(alpha + counts), as tomotopy's ``doc_topic_dirichlet`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from textlab.analysis.topics.lda import LdaFit

TRUTH = {"outlet[T.o1]": 0.5, "outlet[T.o2]": -0.3, "date": 0.4, "outlet[T.o1]:date": 0.3, "z": 0.0}


def planted(n_docs: int = 300, *, n_outlets: int = 3, beta_outlet=(0.0, 0.5, -0.3), slope: float = 0.4,
            inter: float = 0.3, null: float = 0.0, jump: float = 0.0, n_topics: int = 3, conc: float = 20.0,
            n_tokens: int = 150, alpha: float = 0.1, seed: int = 0, linear: bool = False):
    """``(fit, rows, mu)``: an LdaFit with posterior Dirichlets, passage rows and the true mean share of topic 1.

    ``linear=True`` plants ``mu_1 = 0.3 + effects / 10`` (an OLS truth) instead of the logit model;
    ``jump`` adds a step (on the logit scale) from 2024-01-01.
    """
    rng = np.random.default_rng(seed)
    names = np.array([f"o{i}" for i in range(n_outlets)])
    outlet = rng.integers(0, n_outlets, n_docs)
    outlet[:n_outlets] = np.arange(n_outlets)
    days = rng.integers(0, 731, n_docs)
    dates = pd.DatetimeIndex(pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D"))
    years = (dates.year + (dates.day_of_year - 1) / np.where(dates.is_leap_year, 366, 365)).to_numpy() - 2023
    z = rng.normal(size=n_docs)
    b = np.resize(np.asarray(beta_outlet, dtype=float), n_outlets)
    effect = b[outlet] + slope * years + inter * (outlet == 1) * years + null * z + jump * (years >= 1)
    mu1 = 0.3 + effect / 10 if linear else expit(-1.0 + effect)
    mu = np.column_stack([mu1] + [(1 - mu1) / (n_topics - 1)] * (n_topics - 1))
    theta = np.vstack([rng.dirichlet(conc * m) for m in mu])
    counts = np.vstack([rng.multinomial(n_tokens, th) for th in theta])
    gamma = (alpha + counts).astype(float)
    ids = np.array([f"d{i}:000" for i in range(n_docs)])
    fit = LdaFit(topic_term=np.full((n_topics, 4), 0.25), doc_topic=gamma / gamma.sum(1, keepdims=True),
                 doc_topic_dirichlet=gamma, vocabulary=np.array(list("abcd")), passage_ids=ids,
                 convergence=pd.DataFrame(), params={"random_state": seed})
    rows = pd.DataFrame({"passage_id": ids, "doc_id": [f"d{i}" for i in range(n_docs)], "outlet": names[outlet],
                         "date": dates.strftime("%Y-%m-%d"), "z": z})
    return fit, rows, mu1
