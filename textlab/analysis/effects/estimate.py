"""``estimate_effect``: how topic prevalence and frame shares move with source, time and any covariate."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from textlab._errors import ConfigError, TextlabWarning, bad_value
from textlab._progress import progress
from textlab.analysis.effects import _tables as tables
from textlab.analysis.effects._design import PERIOD, Design, build_design
from textlab.analysis.effects._fit import LINKS, fit_shares
from textlab.analysis.effects._outcome import Outcome, as_outcome, draw_generator, select_outcomes
from textlab.analysis.effects._resample import Resampler, make_resampler
from textlab.data import Result
from textlab.stats.checks import check_count, check_level
from textlab.stats.contrasts import Contrast, as_contrast

__all__ = ["EffectResult", "estimate_effect"]


def _empty(*columns: str):
    return lambda: pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class EffectResult(Result):
    """Effects of covariates on topic proportions or frame shares, with composed intervals.

    Attributes
    ----------
    coefficients
        ``outcome, term, estimate, std_error, ci_low, ci_high, p_value, scale``: the model's
        coefficients (``scale`` ``"logit"`` for the quasi-binomial link, ``"proportion"`` for OLS).
    marginal_means
        ``outcome, variable, level, by, estimate, std_error, ci_low, ci_high, n_rows, n_docs, note``:
        the average predicted share with ``variable`` set to ``level`` for every row (within each
        level of ``by`` when asked), for every categorical term; ``note`` flags levels with fewer
        than 5 documents (one document: passages resampled, interval too narrow).
    contrasts
        ``outcome, variable, by, level_a, level_b, difference, std_error, ci_low, ci_high, p_value, q_value``:
        ``level_a`` minus ``level_b`` in marginal mean (paired replicates); with predictions, also the
        change along ``over`` (``variable`` = the date, ``level_a``/``level_b`` = last/first grid
        value, ``by`` = ``"(all)"``: averaged over the groups as they occur, and each group's line
        when the formula has an interaction of ``over`` with it); intervals are
        pointwise (unadjusted), ``q_value`` is Benjamini-Hochberg over every row (``params["multiplicity"]``).
    predictions
        ``outcome, variable, by, x, value, estimate, std_error, ci_low, ci_high``: average predictions
        along a continuous covariate (``value``: ISO date for a date, ``x`` its decimal year) for
        each level of ``by`` and for ``"(all)"`` (only the date set: the groups as they occur),
        pointwise intervals.
    replicates
        With ``keep_replicates=True``: ``replicate, draw, outcome, term, estimate`` for every
        composed replicate (else empty).
    params
        ``formula`` (given and fitted), ``link``, ``resampling`` and its units, strata and fallbacks,
        ``n_draws``, ``n_boot``, ``n_replicates``, ``ci_level``, ``random_state``, the seed runs,
        time terms, averaging sample, non-converged fits.
    """

    coefficients: pd.DataFrame
    marginal_means: pd.DataFrame = field(default_factory=_empty(
        "outcome", "variable", "level", "by", "estimate", "std_error", "ci_low", "ci_high", "n_rows", "n_docs",
        "note"))
    contrasts: pd.DataFrame = field(default_factory=_empty(
        "outcome", "variable", "by", "level_a", "level_b", "difference", "std_error", "ci_low", "ci_high",
        "p_value", "q_value"))
    predictions: pd.DataFrame = field(default_factory=_empty(
        "outcome", "variable", "by", "x", "value", "estimate", "std_error", "ci_low", "ci_high"))
    replicates: pd.DataFrame = field(default_factory=_empty("replicate", "draw", "outcome", "term", "estimate"))
    params: dict = field(default_factory=dict, kw_only=True)


def _rows_table(rows: Any) -> pd.DataFrame:
    table = getattr(rows, "rows", rows)
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"rows must be a DataFrame of passage metadata or a TextData, got {type(rows).__name__}")
    return table


def _align(rows: pd.DataFrame, out: Outcome) -> pd.DataFrame:
    if out.ids is None:
        if len(rows) != len(out.point):
            raise ConfigError(f"rows has {len(rows)} rows but the outcome has {len(out.point)} and no passage_id to "
                              "match them: give the outcome a passage_id column")
        return rows.reset_index(drop=True)
    if "passage_id" not in rows.columns:
        raise ConfigError("rows needs a 'passage_id' column to match the outcome's passages (as made by split_passages)")
    index = pd.Index(rows["passage_id"].astype(str))
    if index.has_duplicates:
        raise ConfigError(f"rows has duplicate passage_id values, e.g. {index[index.duplicated()][:3].tolist()}")
    position = index.get_indexer(out.ids)
    if (position < 0).any():
        raise ConfigError(f"{int((position < 0).sum())} passage(s) of the outcome are not in rows, e.g. "
                          f"{out.ids[position < 0][:3].tolist()}: pass the rows the outcome was computed on")
    return rows.iloc[position].reset_index(drop=True)


def _compose(design: Design, out: Outcome, resampler: Resampler, *, link: str, n_draws: int, n_boot: int,
             random_state: int, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Replicate coefficients ``R x p x K``: draws x resamples (the method of composition)."""
    draws = n_draws if out.has_posterior else 1
    per_draw = 1 if resampler.layout is None else (math.ceil(n_boot / draws))
    rng = np.random.default_rng([int(random_state), 2])
    x = design.matrix
    reps = np.empty((draws * per_draw, x.shape[1], len(out.names)))
    failed = 0
    for d in progress(range(draws), desc="effect draws", unit="draw"):
        y = out.draw(d, draw_generator(random_state, d))
        weights = resampler.weights(rng, per_draw, len(x))
        for r in range(per_draw):
            reps[d * per_draw + r], ok = fit_shares(x, y, link=link, weights=weights[r], start=beta)
            failed += int((~ok).sum())
    return reps, np.repeat(np.arange(draws), per_draw), failed


def _choose(design: Design, name: str, value: str | None, kinds: list[str]) -> str | None:
    if value is None:
        return None
    if value not in kinds:
        raise bad_value(name, value, f"a {'categorical' if name == 'by' else 'continuous'} term of the formula "
                                     f"({kinds or 'none in this formula'})")
    return value


def _time_terms(design: Design) -> dict:
    terms = {}
    for column in design.dates:
        if any(source == column for source, _ in design.bins.values()):
            terms[column] = "binned: " + ", ".join(f"{n} ({u})" for n, (s, u) in design.bins.items() if s == column)
        elif f"bs({column}" in design.formula:
            terms[column] = "B-spline: " + next(t for t in design.columns if t.startswith(f"bs({column}")).split("[")[0]
        elif column in design.continuous:
            terms[column] = f"linear: coefficient per year, zero on 1 January {int(design.origin)}"
    if design.change_date is not None:
        terms[PERIOD] = f"before/after {design.change_date.date().isoformat()} (after = on or after)"
    return terms


def estimate_effect(
    outcome: Any,
    rows: pd.DataFrame | Any,
    *,
    formula: str,
    link: str = "logit",
    resampling: str = "document",
    n_draws: int = 20,
    n_boot: int = 200,
    ci_level: float = 0.95,
    random_state: int = 0,
    reference: Any = None,
    contrast: Contrast | Sequence | Mapping | None = None,
    by: str | None = None,
    over: str | None | bool = None,
    n_points: int = 25,
    change_date: Any = None,
    date_columns: Sequence[str] | None = None,
    n_average: int = 500,
    keep_replicates: bool = False,
) -> EffectResult:
    """Regress topic proportions or frame shares on row metadata, with composed uncertainty (stm's estimateEffect).

    Parameters
    ----------
    outcome
        An ``LdaFit``, a list of aligned fits (``assess_stability(...).aligned``: one seed run per
        posterior draw, cycled), a ``FrameResult`` (``by_passage`` shares) or a DataFrame of
        passages x outcome shares (a ``passage_id`` column or index, numeric share columns).
    rows
        Passage metadata (``passage_id``, ``doc_id`` and the formula's columns) or a ``TextData``.
    formula
        formulaic formula over ``rows``: ``"~ outlet + s(date, df=4)"``. Categorical terms (text
        columns; reference level: ``reference``), numeric terms, ``s(x, df=k)``/``bs(x, df=k)``
        B-splines (``s`` defaults to df=4), ``bin(date, month)`` (week/month/quarter/year bins),
        interactions (``outlet * date``). A date column (``date`` or a datetime column; or
        ``date_columns``) is parsed and enters as decimal years. stm's left-hand side selects
        outcomes: ``"1:5 ~ outlet"`` (topics) or ``"risk + cost ~ outlet"`` (frames).
    link
        ``"logit"``: quasi-binomial GLM (fractional logit), predictions in [0, 1]. ``"ols"``:
        least squares on the shares, as stm does (predictions can leave [0, 1]).
    resampling
        ``"document"`` (documents resampled within strata of the formula's categorical terms),
        ``"passage"``, ``"cluster:COLUMN"`` (a cluster bootstrap, e.g. ``"cluster:author"``) or
        ``"none"`` (posterior draws only).
    n_draws, n_boot
        Posterior draws of passage topic proportions (topics only; frames are observed shares)
        and composed replicates wanted: each draw gets ``ceil(n_boot / n_draws)`` resamples.
    ci_level
        Level of the percentile intervals.
    random_state
        Seed of every draw, resample and averaging sample.
    reference
        Reference level of the first categorical term (or ``{column: level}``); default the
        first level in sorted order.
    contrast
        Which levels of the first categorical term the contrasts table compares (a
        :class:`textlab.stats.Contrast`, a pair or a list of pairs); default every pair once.
        Other categorical terms are compared with their reference level; ``period`` after - before.
    by
        A categorical term: marginal means and contrasts within each of its levels, and the
        lines of ``predictions`` (default for predictions: the first categorical term).
    over
        Continuous term for ``predictions`` (default: the first date column, if any; ``False``: no predictions).
    n_points
        Points of the prediction grid.
    change_date
        A date: adds ``period`` (``before``/``after``, after = on or after the date) to the rows
        and to the formula if absent, so contrasts hold the before/after change.
    date_columns
        Columns to parse as dates (default ``date`` and datetime columns named in the formula).
    n_average
        Marginal means and predictions average over at most this many rows (a seeded sample).
    keep_replicates
        Keep every replicate's coefficients in ``replicates``.

    Returns
    -------
    EffectResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> rows = pd.DataFrame({"passage_id": [f"p{i}" for i in range(60)], "doc_id": [f"d{i}" for i in range(60)],
    ...                      "outlet": np.repeat(["a", "b", "c"], 20)})
    >>> shares = pd.DataFrame({"passage_id": rows.passage_id,
    ...                        "risk": rng.beta(2, 8, 60) + np.repeat([0, 0.2, 0.0], 20)})
    >>> result = estimate_effect(shares, rows, formula="~ outlet", n_boot=50)
    >>> result.contrasts[["level_a", "level_b"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    if link not in LINKS:
        raise bad_value("link", link, f"one of {LINKS}")
    check_count("n_draws", n_draws, 1)
    check_count("n_boot", n_boot, 1)
    check_count("n_points", n_points, 2)
    check_count("n_average", n_average, 1)
    check_level(ci_level)
    spec = as_contrast(contrast)
    out = as_outcome(outcome)
    table = _align(_rows_table(rows), out)
    design, kept = build_design(table, formula, reference=reference, date_columns=date_columns,
                                change_date=change_date)
    out = select_outcomes(out.take(kept), design.notes["lhs"])
    if link == "logit" and ((out.point < 0).any() or (out.point > 1).any()):
        raise ConfigError("link='logit' needs shares in [0, 1]; the outcome has values outside it: use link='ols' "
                          "or pass shares")
    resampler = make_resampler(design, resampling)
    if resampler.layout is None and not out.has_posterior:
        raise ConfigError("resampling='none' with observed shares (frames, tables) leaves no uncertainty to "
                          "compose: use resampling='document'")
    by = _choose(design, "by", by, design.categorical)
    if over is False:
        over = None
    else:
        over = _choose(design, "over", over, design.continuous) or (design.dates[0] if design.dates else None)
    line_by = by or next((c for c in design.categorical if c not in design.bins and c != PERIOD), None)

    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only contend (2-core CI: 3x)
        beta, ok = fit_shares(design.matrix, out.point, link=link)
        reps, draw_of, failed = _compose(design, out, resampler, link=link, n_draws=n_draws, n_boot=n_boot,
                                         random_state=random_state, beta=beta)
        sample = _averaging_sample(design, n_average, random_state)
        built, focal = _build_tables(design, sample, out.names, beta, reps, link=link, ci_level=ci_level, by=by,
                                     spec=spec, over=over, line_by=line_by, n_points=n_points)
    if failed or not ok.all():
        warnings.warn(f"estimate_effect: the quasi-binomial fit did not converge in {failed} of "
                      f"{reps.shape[0] * reps.shape[2]} replicate fits (a level where a share is 0 or 1 in every "
                      "row?); treat those coefficients with care", TextlabWarning, stacklevel=2)
    params = _params(design, out, resampler, link=link, n_draws=n_draws, n_boot=n_boot, reps=reps,
                     ci_level=ci_level, random_state=random_state, spec=spec, by=by, over=over, line_by=line_by,
                     sample=sample, failed=failed, n_rows_given=len(table), focal=focal)
    if keep_replicates:
        built["replicates"] = _replicate_table(reps, draw_of, out.names, design.columns)
    return EffectResult(**built, params=params)


def _build_tables(design: Design, sample: pd.DataFrame, names: list, beta: np.ndarray, reps: np.ndarray, *,
                  link: str, ci_level: float, by: str | None, spec: Contrast, over: str | None,
                  line_by: str | None, n_points: int) -> tuple[dict, str | None]:
    """Coefficients, marginal means, contrasts (with the change along ``over``) and predictions."""
    coefficients = tables.coefficient_table(names, design.columns, beta, reps, link=link, ci_level=ci_level)
    means, store = tables.marginal_means(design, sample, names, beta, reps, link=link, ci_level=ci_level, by=by)
    focal = next((c for c in design.categorical if c not in design.bins and c != PERIOD), None)
    contrasts = tables.contrast_table(store, names, focal=focal, spec=spec, ci_level=ci_level)
    built = {"coefficients": coefficients, "marginal_means": means, "contrasts": contrasts}
    if over:
        built["predictions"], ends = tables.prediction_table(design, sample, names, beta, reps, link=link,
                                                             ci_level=ci_level, over=over, by=line_by,
                                                             n_points=n_points)
        interacts = line_by is not None and any(":" in c and line_by in c and over in c for c in design.columns)
        if not interacts:  # the lines share one trend (on the link scale): one change row, not one per group
            ends = {g: e for g, e in ends.items() if g in ("", tables.ALL)}
        change = tables.change_table(ends, names, over=over, ci_level=ci_level)
        built["contrasts"] = tables.with_qvalues(
            pd.concat([contrasts.drop(columns="q_value"), change], ignore_index=True) if len(contrasts) else change)
    return built, focal


def _averaging_sample(design: Design, n_average: int, random_state: int) -> pd.DataFrame:
    rows = design.rows
    if len(rows) <= n_average:
        return rows
    rng = np.random.default_rng([int(random_state), 3])
    return rows.iloc[np.sort(rng.choice(len(rows), n_average, replace=False))].reset_index(drop=True)


def _replicate_table(reps: np.ndarray, draw_of: np.ndarray, names: list, columns: list[str]) -> pd.DataFrame:
    n_rep, n_terms, n_out = reps.shape
    return pd.DataFrame({
        "replicate": np.repeat(np.arange(n_rep), n_terms * n_out),
        "draw": np.repeat(draw_of, n_terms * n_out),
        "outcome": np.tile(np.repeat(np.asarray(names, dtype=object), n_terms), n_rep),
        "term": np.tile(np.asarray(columns, dtype=object), n_rep * n_out),
        "estimate": np.transpose(reps, (0, 2, 1)).ravel(),
    })


def _params(design: Design, out: Outcome, resampler: Resampler, *, link, n_draws, n_boot, reps, ci_level,
            random_state, spec, by, over, line_by, sample, failed, n_rows_given, focal) -> dict:
    return {
        "outcome_kind": out.kind,
        "outcomes": [str(n) for n in out.names],
        **out.params,
        "formula": design.notes["formula_given"],
        "formula_fitted": design.formula,
        "model_columns": design.columns,
        "link": link,
        "model": ("quasi-binomial GLM, logit link (fractional logit): E[share] = expit(x'b)" if link == "logit"
                  else "ordinary least squares on the shares (as stm's estimateEffect)"),
        **resampler.params,
        "n_draws": n_draws if out.has_posterior else 0,
        "posterior": ("Dirichlet(doc_topic_dirichlet) per passage; draw d uses seed run d mod n_fits"
                      if out.has_posterior else "none: shares are observed"),
        "n_boot": n_boot,
        "n_replicates": int(reps.shape[0]),
        "ci_level": ci_level,
        "interval": "percentile of the composed replicates",
        "p_value": ("two-sided, estimate / SE against a normal, SE = standard deviation of the composed replicates "
                    "(intervals are percentile intervals of the same replicates)"),
        "multiplicity": ("intervals and p_value are pointwise (unadjusted); q_value is Benjamini-Hochberg over "
                         "every row of the contrasts table"),
        "random_state": random_state,
        "categorical": design.categorical,
        "continuous": design.continuous,
        "date_columns": design.dates,
        "time_terms": _time_terms(design),
        "change_date": None if design.change_date is None else design.change_date.date().isoformat(),
        "contrast": spec.to_dict(),
        "contrast_variable": focal,
        "by": by,
        "over": over,
        "predictions_by": line_by if over else None,
        "averaging": (f"marginal means and predictions average the predicted share over {len(sample)} rows "
                      f"({'all rows' if len(sample) == len(design.rows) else 'a seeded sample'}) with the "
                      "level or date set for every row"),
        "n_rows": int(len(design.rows)),
        "n_rows_given": int(n_rows_given),
        "fits_not_converged": int(failed),
        **{k: v for k, v in design.notes.items() if k not in ("formula_given", "lhs")},
    }
