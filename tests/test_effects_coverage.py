"""Coverage of estimate_effect's intervals and its false-positive rate on planted effects.

Each simulation draws a corpus from ``tests/data/effects/planted.py`` (a categorical effect, a
linear time trend, an outlet x time interaction and a null covariate, on topic 1's share), fits
``1 ~ outlet * date + z`` with posterior draws composed with a document bootstrap, and checks
whether the 95 % intervals hold the planted coefficients and whether the null is rejected.
The slow test (``pytest -m slow``) runs enough simulations to measure coverage to about ±1 %.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from textlab.analysis.effects import estimate_effect

_SPEC = importlib.util.spec_from_file_location("planted", Path(__file__).parent / "data" / "effects" / "planted.py")
planted_module = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(planted_module)

LOGIT_TRUTH = planted_module.TRUTH
# linear=True plants mu_1 = 0.3 + effects / 10, so OLS coefficients are the logit-scale effects / 10
OLS_TRUTH = {"outlet[T.o1]": 0.05, "outlet[T.o2]": -0.03, "date": 0.04, "outlet[T.o1]:date": 0.03, "z": 0.0}


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("TEXTLAB_PROGRESS", "0")


def simulate(n_sim: int, *, link: str = "logit", n_docs: int = 300, n_draws: int = 10, n_boot: int = 200,
             first_seed: int = 10_000) -> dict:
    """Coverage per coefficient, pooled coverage and the null's rejection rate over ``n_sim`` corpora."""
    truth = LOGIT_TRUTH if link == "logit" else OLS_TRUTH
    hits = {term: 0 for term in truth}
    rejected = 0
    for s in range(n_sim):
        fit, rows, _ = planted_module.planted(n_docs, seed=first_seed + s, linear=link == "ols")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = estimate_effect(fit, rows, formula="1 ~ outlet * date + z", link=link, n_draws=n_draws,
                                     n_boot=n_boot, over=False, random_state=s)
        coef = result.coefficients.set_index("term")
        for term, value in truth.items():
            hits[term] += bool(coef.loc[term, "ci_low"] <= value <= coef.loc[term, "ci_high"])
        rejected += bool(coef.loc["z", "p_value"] < 0.05)
    coverage = {term: n / n_sim for term, n in hits.items()}
    return {"coverage": coverage, "pooled": float(np.mean(list(coverage.values()))), "null_rejected": rejected / n_sim}


def test_coverage_and_null_rate_fast():
    rates = simulate(16, n_docs=200, n_draws=4, n_boot=80)
    print(rates)
    assert 0.85 <= rates["pooled"] <= 1.0
    assert min(rates["coverage"].values()) >= 0.68
    assert rates["null_rejected"] <= 0.25


@pytest.mark.slow
@pytest.mark.parametrize("link", ["logit", "ols"])
def test_coverage_93_to_97_percent_and_null_rejected_about_5_percent(request, link):
    """400 planted corpora per link (about a minute each on one core): run with ``-m slow``."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")
    rates = simulate(400, link=link)
    print(link, rates)
    assert 0.93 <= rates["pooled"] <= 0.97, rates
    assert all(0.91 <= c <= 0.985 for c in rates["coverage"].values()), rates
    assert 0.02 <= rates["null_rejected"] <= 0.09, rates
