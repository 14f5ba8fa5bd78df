"""How topics and frames move with source, time and any covariate (stm's ``estimateEffect``, in Python).

* :func:`estimate_effect` -- a formula over the row metadata, a bounded (logit) or OLS link,
  uncertainty composed over posterior draws, seed runs and document/cluster resampling;
  returns an :class:`EffectResult` with ``coefficients``, ``marginal_means``, ``contrasts``
  and ``predictions`` tables;
* :func:`outcome_draws` -- the posterior draws it composes (to check a regression against);
* :func:`parse_dates` -- a date column parsed, refusing unparseable rows by name.

Modules: ``_design`` (formula, dates, splines, counterfactual rows), ``_outcome`` (topics,
frames, share tables), ``_fit`` (IRLS and OLS), ``_resample`` (document/cluster bootstrap),
``_tables`` (tidy tables), ``estimate`` (the public function).
"""

from textlab.analysis.effects._design import decimal_year, parse_dates
from textlab.analysis.effects._fit import fit_shares
from textlab.analysis.effects._outcome import outcome_draws
from textlab.analysis.effects.estimate import EffectResult, estimate_effect

__all__ = ["EffectResult", "decimal_year", "estimate_effect", "fit_shares", "outcome_draws", "parse_dates"]
