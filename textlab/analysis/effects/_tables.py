"""Tidy tables from coefficient replicates: coefficients, marginal means, contrasts and predictions.

Every quantity is computed for the point estimate and for each composed replicate, and its
interval is the percentile interval of the replicates.  Marginal means and predictions are
*average predictions* (counterfactual standardisation): every row of an averaging sample gets the
level (or date) set, the model predicts each row's share, and the predictions are averaged. With
the logit link this keeps every estimate in [0, 1] and averages over the other covariates as they
occur in the data, not at one "typical" row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from textlab._errors import ConfigError
from textlab.analysis.effects._design import PERIOD, Design
from textlab.analysis.effects._fit import inverse_link
from textlab.stats.contrasts import REST, Contrast
from textlab.stats.intervals import bh_qvalues, percentile_interval
from textlab.stats.layout import FEW_DOCUMENTS

__all__ = ["ALL", "coefficient_table", "average_predictions", "marginal_means", "contrast_table", "prediction_table",
           "change_table", "with_qvalues"]


def wald_pvalue(point: np.ndarray, replicates: np.ndarray) -> np.ndarray:
    """Two-sided p-value of "no effect": ``2 * P(Z > |estimate| / SE)``, SE the replicates' standard deviation.

    The composed replicates give the standard error (as stm's method of composition does); a
    normal reference gives p-values without the ``2 / (R + 1)`` floor of a count of replicates,
    so Benjamini-Hochberg over hundreds of contrasts can still reach small q with ~200
    replicates. An estimate with no spread at all gets 0 (or 1 when it is 0).

    Examples
    --------
    >>> wald_pvalue(np.array([0.2]), np.array([[0.1], [0.3], [0.2], [0.2]])).round(4).tolist()
    [0.0143]
    """
    point = np.asarray(point, dtype=float)
    se = np.nanstd(replicates, axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(point) / se
    p = 2 * norm.sf(z)
    return np.where(se > 0, p, np.where(point == 0, 1.0, 0.0))


def _interval_columns(point: np.ndarray, reps: np.ndarray, ci_level: float) -> dict:
    low, high = percentile_interval(reps, ci_level=ci_level)
    return {"estimate": point.ravel(), "std_error": np.nanstd(reps, axis=0, ddof=1).ravel(),
            "ci_low": np.asarray(low).ravel(), "ci_high": np.asarray(high).ravel()}


def coefficient_table(names: list, columns: list[str], beta: np.ndarray, reps: np.ndarray, *, link: str,
                      ci_level: float) -> pd.DataFrame:
    """``outcome, term, estimate, std_error, ci_low, ci_high, p_value, scale`` (one row per outcome x column)."""
    n_terms, n_out = beta.shape
    cols = _interval_columns(beta.T, np.transpose(reps, (0, 2, 1)), ci_level)
    return pd.DataFrame({"outcome": np.repeat(names, n_terms), "term": np.tile(columns, n_out), **cols,
                         "p_value": wald_pvalue(beta.T, np.transpose(reps, (0, 2, 1))).ravel(),
                         "scale": "logit" if link == "logit" else "proportion"})


def _set(frame: pd.DataFrame, setting: dict) -> pd.DataFrame:
    """``frame`` with every row's ``column`` set to ``value`` for each item of ``setting``."""
    changes = {}
    n = len(frame)
    for column, value in setting.items():
        old = frame[column]
        if isinstance(old.dtype, pd.CategoricalDtype):
            code = list(old.cat.categories).index(value)
            changes[column] = pd.Categorical.from_codes(np.full(n, code), dtype=old.dtype)
        else:
            changes[column] = np.full(n, np.asarray(value, dtype=old.dtype))
    return frame.assign(**changes)


def average_predictions(design: Design, sample: pd.DataFrame, settings: list[dict], beta: np.ndarray,
                        reps: np.ndarray, link: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Mean predicted share over ``sample`` with the columns of each setting set: ``(point K, reps R x K)`` each.

    All settings go through one model-matrix call; identical rows are predicted once.
    """
    if not settings:
        return []
    stacked = pd.concat([_set(sample, s) for s in settings], ignore_index=True)
    x_all = design.model_matrix(stacked, from_dates=any(c in design.dates for c in settings[0]))
    out = []
    for i in range(len(settings)):
        x = x_all[i * len(sample):(i + 1) * len(sample)]
        unique, counts = np.unique(x, axis=0, return_counts=True)
        share = counts / counts.sum()
        point = share @ inverse_link(unique @ beta, link)
        rep = np.empty((reps.shape[0], beta.shape[1]))
        step = max(1, int(4e6 // max(1, unique.shape[0] * beta.shape[1])))
        for start in range(0, reps.shape[0], step):
            eta = np.einsum("up,rpk->ruk", unique, reps[start:start + step])
            rep[start:start + step] = np.einsum("u,ruk->rk", share, inverse_link(eta, link))
        out.append((point, rep))
    return out


def _level_notes(design: Design, variable: str) -> dict:
    """Level -> (rows, documents, note): a level with one document cannot show between-document variation."""
    rows = design.rows
    notes = {}
    for level in rows[variable].cat.categories:
        mask = (rows[variable] == level).to_numpy()
        n_docs = rows.loc[mask, "doc_id"].nunique() if "doc_id" in rows.columns else int(mask.sum())
        note = ""
        if n_docs < 2:
            note = f"{n_docs} document: passages resampled, interval too narrow"
        elif n_docs < FEW_DOCUMENTS:
            note = f"{n_docs} documents: coarse interval"
        notes[level] = (int(mask.sum()), int(n_docs), note)
    return notes


def marginal_means(design: Design, sample: pd.DataFrame, names: list, beta: np.ndarray, reps: np.ndarray, *,
                   link: str, ci_level: float, by: str | None) -> tuple[pd.DataFrame, dict]:
    """Average prediction at every level of every categorical term (within each level of ``by`` if given).

    Returns the table and ``{(variable, by_level): {level: (point K, reps R x K)}}`` for the contrasts.
    """
    frames, store = [], {}
    by_levels = list(design.rows[by].cat.categories) if by else [None]
    for variable in design.categorical:
        if variable == by:
            continue
        info = _level_notes(design, variable)
        for g in by_levels:
            cell = store.setdefault((variable, g), {})
            settings = [{variable: level} if g is None else {variable: level, by: g} for level in info]
            predicted = average_predictions(design, sample, settings, beta, reps, link)
            for (level, (n_rows, n_docs, note)), (point, rep) in zip(info.items(), predicted):
                cell[level] = (point, rep)
                frames.append(pd.DataFrame({"outcome": names, "variable": variable, "level": str(level),
                                            "by": "" if g is None else str(g),
                                            **_interval_columns(point, rep, ci_level),
                                            "n_rows": n_rows, "n_docs": n_docs, "note": note}))
    columns = ["outcome", "variable", "level", "by", "estimate", "std_error", "ci_low", "ci_high", "n_rows",
               "n_docs", "note"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table[columns], store


def _comparisons(variable: str, levels: list, focal: str | None, spec: Contrast):
    if variable == PERIOD:
        return [("after", "before")]
    if len(levels) < 2:
        return []
    chosen = spec if variable == focal else Contrast(reference=levels[0])
    default = "pairs" if variable == focal else "rest"
    comparisons = chosen.resolve(levels, default=default)
    if any(c.reference == REST for c in comparisons):
        raise ConfigError(f"contrast: a level of {variable!r} against 'rest' is not an effects contrast (marginal "
                          "means compare levels): give pairs, e.g. [[\"a\", \"b\"]], or reference=<a level>")
    return [(c.group, c.reference) for c in comparisons]


def contrast_table(store: dict, names: list, *, focal: str | None, spec: Contrast, ci_level: float) -> pd.DataFrame:
    """``outcome, variable, by, level_a, level_b, difference, ci_low, ci_high, p_value, q_value``.

    ``difference`` is the marginal mean of ``level_a`` minus that of ``level_b`` (paired replicates);
    ``q_value`` is Benjamini-Hochberg over every row of the table.
    """
    frames = []
    for (variable, g), cell in store.items():
        levels = list(cell)
        for a, b in _comparisons(variable, levels, focal, spec):
            a = next(lv for lv in levels if str(lv) == str(a))
            b = next(lv for lv in levels if str(lv) == str(b))
            point = cell[a][0] - cell[b][0]
            rep = cell[a][1] - cell[b][1]
            frames.append(pd.DataFrame({"outcome": names, "variable": variable, "by": "" if g is None else str(g),
                                        "level_a": str(a), "level_b": str(b),
                                        **_interval_columns(point, rep, ci_level),
                                        "p_value": wald_pvalue(point, rep)}))
    columns = ["outcome", "variable", "by", "level_a", "level_b", "difference", "std_error", "ci_low", "ci_high",
               "p_value", "q_value"]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True).rename(columns={"estimate": "difference"})
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy(dtype=float))
    return table[columns]


def prediction_grid(design: Design, over: str, n_points: int) -> tuple[list, np.ndarray]:
    """Values of ``over`` to predict at (dates: evenly spaced days) and their numeric positions."""
    column = design.rows[over]
    if over in design.dates:
        grid = pd.date_range(column.min(), column.max(), periods=n_points).normalize()
        grid = pd.DatetimeIndex(sorted(set(grid)))
        from textlab.analysis.effects._design import decimal_year

        return list(grid), decimal_year(pd.Series(grid))
    values = np.linspace(float(column.min()), float(column.max()), n_points)
    return list(values), values


#: ``by`` label of the line averaged over the groups as they occur (only ``over`` set for every row).
ALL = "(all)"


def prediction_table(design: Design, sample: pd.DataFrame, names: list, beta: np.ndarray, reps: np.ndarray, *,
                     link: str, ci_level: float, over: str, by: str | None,
                     n_points: int) -> tuple[pd.DataFrame, dict]:
    """Average predictions along ``over`` (for each level of ``by``, and :data:`ALL` groups) with pointwise intervals.

    Returns the table and ``{line: ((first value, point, reps), (last value, point, reps))}`` for
    :func:`change_table`.
    """
    grid, numeric = prediction_grid(design, over, n_points)
    groups = ([ALL] + list(design.rows[by].cat.categories)) if by else [None]
    frames, ends = [], {}
    settings = [{over: value} if g in (None, ALL) else {over: value, by: g} for g in groups for value in grid]
    everything = average_predictions(design, sample, settings, beta, reps, link)  # one model-matrix call
    shown = [value.date().isoformat() if over in design.dates else value for value in grid]
    for i, g in enumerate(groups):
        predicted = everything[i * len(grid):(i + 1) * len(grid)]
        for value, x, (point, rep) in zip(shown, numeric, predicted):
            frames.append(pd.DataFrame({"outcome": names, "by": "" if g is None else str(g), "x": float(x),
                                        "value": value, **_interval_columns(point, rep, ci_level)}))
        ends["" if g is None else str(g)] = ((shown[0], *predicted[0]), (shown[-1], *predicted[-1]))
    table = pd.concat(frames, ignore_index=True)
    table.insert(1, "variable", over)
    return table, ends


def change_table(ends: dict, names: list, *, over: str, ci_level: float) -> pd.DataFrame:
    """Rows of the contrasts table for the change along ``over``: last grid point minus first, per line.

    ``variable`` is ``over``, ``level_a``/``level_b`` the last and first values (dates as ISO
    text), ``by`` the line (:data:`ALL`: averaged over the groups as they occur).
    """
    frames = []
    for g, ((first, p0, r0), (last, p1, r1)) in ends.items():
        frames.append(pd.DataFrame({"outcome": names, "variable": over, "by": g, "level_a": str(last),
                                    "level_b": str(first), **_interval_columns(p1 - p0, r1 - r0, ci_level),
                                    "p_value": wald_pvalue(p1 - p0, r1 - r0)}))
    return pd.concat(frames, ignore_index=True).rename(columns={"estimate": "difference"})


def with_qvalues(table: pd.DataFrame) -> pd.DataFrame:
    """``q_value``: Benjamini-Hochberg over every row of a contrasts table."""
    table = table.reset_index(drop=True)
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy(dtype=float)) if len(table) else []
    return table
