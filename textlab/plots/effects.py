"""Figures of :func:`textlab.analysis.effects.estimate_effect`: levels, differences and trends over time.

Each function draws one table of an :class:`~textlab.analysis.effects.EffectResult` (or the
result itself) and returns its Axes; :func:`effect_plot_table` gives exactly the rows a figure
draws, to be saved as CSV beside it. Levels and differences put one level (or pair) per row,
so 10-20 outlets stay legible; trends draw one panel per topic or frame with one line and
band per group.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from textlab._errors import ConfigError, bad_value
from textlab.plots._colors import NEUTRAL, resolve_colors
from textlab.plots._common import require_columns
from textlab.plots._style import figure, finish_ticks, new_axes, style

__all__ = ["effect_plot_table", "plot_effect_differences", "plot_effect_level_panels", "plot_effect_levels",
           "plot_effect_trends"]

#: ``by`` of the line averaged over the groups (``estimate_effect``'s predictions table).
ALL = "(all)"
_TABLES = {"levels": "marginal_means", "differences": "contrasts", "trends": "predictions"}


def _percent(ci_level: float | None, table: pd.DataFrame) -> str:
    level = ci_level if ci_level is not None else table.attrs.get("ci_level", 0.95)
    return f"{float(level) * 100:.10g}%"


def _table(data: Any, kind: str) -> tuple[pd.DataFrame, dict]:
    if isinstance(data, pd.DataFrame):
        return data, {}
    table = getattr(data, _TABLES[kind], None)
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"expected an EffectResult or its {_TABLES[kind]} table, got {type(data).__name__}")
    return table, dict(getattr(data, "params", {}) or {})


def _pick(table: pd.DataFrame, column: str, value: Any, name: str) -> Any:
    present = list(pd.unique(table[column]))
    if value is None:
        return present[0]
    match = [v for v in present if v == value or str(v) == str(value)]
    if not match:
        raise bad_value(name, value, f"one of {[str(v) for v in present][:20]}")
    return match[0]


def effect_plot_table(data: Any, kind: str, *, outcome: Any = None, variable: str | None = None,
                      outcomes: Sequence | None = None, pair: Sequence | None = None) -> pd.DataFrame:
    """The rows a figure draws: ``kind`` is ``"levels"``, ``"differences"`` or ``"trends"``.

    Levels and differences keep one outcome (default the first) and one variable (default the
    first); differences with ``pair=(a, b)`` keep every outcome's ``a`` − ``b`` instead (of
    ``variable`` if given); trends keep ``outcomes`` (default all).

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": [1, 1, 2], "variable": "outlet", "level": ["a", "b", "a"], "by": "",
    ...                   "estimate": [.2, .3, .5], "ci_low": [.1, .2, .4], "ci_high": [.3, .4, .6]})
    >>> effect_plot_table(t, "levels")["level"].tolist()
    ['a', 'b']
    """
    if kind not in _TABLES:
        raise bad_value("kind", kind, "'levels', 'differences' or 'trends'")
    table, _ = _table(data, kind)
    needed = {"levels": ["outcome", "variable", "level", "estimate", "ci_low", "ci_high"],
              "differences": ["outcome", "variable", "level_a", "level_b", "difference", "ci_low", "ci_high"],
              "trends": ["outcome", "by", "x", "value", "estimate", "ci_low", "ci_high"]}[kind]
    require_columns(table, needed, _TABLES[kind])
    if kind == "trends":
        if outcomes is None:
            return table.reset_index(drop=True)
        keep = {str(o) for o in outcomes}
        rows = table[table["outcome"].astype(str).isin(keep)]
        if rows.empty:
            raise bad_value("outcomes", list(outcomes), f"outcomes of the table {list(pd.unique(table['outcome']))[:20]}")
        return rows.reset_index(drop=True)
    if kind == "differences" and pair is not None:
        a, b = (str(v) for v in pair)
        rows = table[(table["level_a"].astype(str) == a) & (table["level_b"].astype(str) == b)]
        if variable is not None:
            rows = rows[rows["variable"].astype(str) == str(variable)]
        if rows.empty:
            pairs = sorted(set(zip(table["level_a"].astype(str), table["level_b"].astype(str))))[:20]
            raise bad_value("pair", list(pair), f"a (level_a, level_b) pair of the table, e.g. {pairs}")
        return rows.reset_index(drop=True)
    chosen = _pick(table, "outcome", outcome, "outcome")
    rows = table[table["outcome"] == chosen]
    var = _pick(rows, "variable", variable, "variable")
    return rows[rows["variable"] == var].reset_index(drop=True)


def _panel_title(ax: Axes, text: str, ncols: int) -> None:
    """A panel title wrapped to the panel's width (long topic labels on narrow panels)."""
    ax.set_title(textwrap.fill(text, width=max(18, 120 // max(ncols, 1) - 6)), loc="left", fontsize=7)


def _label(outcome: Any, params: dict, labels: Mapping | None) -> str:
    if labels and outcome in labels:
        return str(labels[outcome])
    kind = params.get("outcome_kind")
    return f"Topic {outcome}" if kind == "topic" else str(outcome)


def plot_effect_levels(data: Any, *, outcome: Any = None, variable: str | None = None, ax: Axes | None = None,
                       colors: Mapping[str, str] | None = None, sort: bool = True, ci_level: float | None = None,
                       outcome_labels: Mapping | None = None) -> Axes:
    """Marginal mean of one topic or frame at every level of a variable, with intervals (one row per level).

    With a ``by`` split (``estimate_effect(..., by=...)``) the rows are the ``by`` levels and the
    variable's levels are dodged points in their own colours (e.g. before/after per outlet).

    Parameters
    ----------
    data
        An ``EffectResult`` or its ``marginal_means`` table.
    outcome, variable
        What to draw (default the first of each); see :func:`effect_plot_table`.
    ax
        Axes; default a new single-column figure sized to the number of rows.
    colors
        ``{level: colour}``; default :func:`~textlab.plots.group_colors`.
    sort
        Order rows by estimate (largest at the top); else in table order.
    ci_level
        Level named in the axis label (default ``params["ci_level"]`` or 0.95).
    outcome_labels
        ``{outcome: label}`` shown instead of the outcome for the title.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": 1, "variable": "outlet", "level": list("abcdefghijkl"), "by": "",
    ...                   "estimate": np.linspace(.1, .3, 12), "ci_low": np.linspace(.05, .25, 12),
    ...                   "ci_high": np.linspace(.15, .35, 12)})
    >>> len(plot_effect_levels(t).get_yticklabels())
    12
    """
    table, params = _table(data, "levels")
    rows = effect_plot_table(table, "levels", outcome=outcome, variable=variable)
    split = "by" in rows.columns and (rows["by"].astype(str) != "").any()
    row_key, point_key = ("by", "level") if split else ("level", None)
    order = list(pd.unique(rows[row_key].astype(str)))
    if sort:
        means = rows.groupby(rows[row_key].astype(str))["estimate"].mean()
        order = sorted(order, key=lambda g: -means[g])
    levels = list(pd.unique(rows["level"].astype(str)))
    palette = resolve_colors(levels, colors) if split or colors else {lv: "#333333" for lv in levels}
    ci_level = ci_level if ci_level is not None else params.get("ci_level")
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.22 * len(order))
        pos = {g: len(order) - 1 - i for i, g in enumerate(order)}
        offsets = dict(zip(levels, np.linspace(-0.25, 0.25, len(levels)) if split and len(levels) > 1
                           else np.zeros(len(levels))))
        for lv in levels:
            part = rows[rows["level"].astype(str) == lv]
            y = part[row_key].astype(str).map(pos).to_numpy(float) - offsets[lv]
            x = part["estimate"].to_numpy(float)
            err = np.vstack([x - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - x])
            ax.errorbar(x, y, xerr=err, fmt="o", color=palette[lv], ecolor=palette[lv], elinewidth=1.0,
                        capsize=0, markersize=3.5, label=lv)
        ax.set_yticks([pos[g] for g in order], order)
        ax.set_ylim(-0.7, len(order) - 0.3)
        name = _label(rows["outcome"].iloc[0], params, outcome_labels)
        ax.set_title(f"{name} by {rows['variable'].iloc[0]}", loc="left")
        ax.set_xlabel(f"Expected share (average prediction, {_percent(ci_level, rows)} interval)")
        if split:
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.08), ncols=min(len(levels), 4), handletextpad=0.2)
        finish_ticks(ax)
    return ax


def plot_effect_differences(data: Any, *, outcome: Any = None, variable: str | None = None,
                            pair: Sequence | None = None, ax: Axes | None = None, ci_level: float | None = None,
                            outcome_labels: Mapping | None = None) -> Axes:
    """Contrasts (``level_a`` − ``level_b``): the pairs of one topic or frame, or one pair across them all.

    Without ``pair``, one row per pair of levels of one outcome; with ``pair=(a, b)``, one row
    per topic or frame (stm's ``method = "difference"``). Intervals excluding 0 are drawn dark,
    the others grey; a filled point marks ``q_value < 0.05`` (Benjamini-Hochberg over the
    contrasts table) when the table has ``q_value``.

    Parameters
    ----------
    data
        An ``EffectResult`` or its ``contrasts`` table.
    outcome, variable
        What to draw (default the first of each).
    pair
        ``(level_a, level_b)``: draw this difference for every outcome.
    ax
        Axes; default a new single-column figure sized to the number of rows.
    ci_level
        Level named in the axis label.
    outcome_labels
        ``{outcome: label}`` shown instead of the outcome for the title or the rows.

    Returns
    -------
    Axes

    Examples
    --------
    >>> d = pd.DataFrame({"outcome": 1, "variable": "outlet", "by": "", "level_a": ["b", "c"], "level_b": "a",
    ...                   "difference": [.1, -.02], "ci_low": [.05, -.06], "ci_high": [.15, .01]})
    >>> [t.get_text() for t in plot_effect_differences(d).get_yticklabels()]
    ['b − a', 'c − a']
    >>> [t.get_text() for t in plot_effect_differences(d, pair=("c", "a"), outcome_labels={1: "risk"}).get_yticklabels()]
    ['risk']
    """
    table, params = _table(data, "differences")
    rows = effect_plot_table(table, "differences", outcome=outcome, variable=variable, pair=pair)
    ci_level = ci_level if ci_level is not None else params.get("ci_level")
    by = rows["by"].astype(str) if "by" in rows.columns else pd.Series("", index=rows.index)
    if pair is None:
        labels = [f"{a} \u2212 {b}" + (f" ({g})" if g else "")
                  for a, b, g in zip(rows["level_a"].astype(str), rows["level_b"].astype(str), by)]
        name = _label(rows["outcome"].iloc[0], params, outcome_labels)
        title = f"{name}: differences by {rows['variable'].iloc[0]}"
    else:
        labels = [_label(o, params, outcome_labels) + (f" ({g})" if g else "") for o, g in zip(rows["outcome"], by)]
        title = f"{pair[0]} \u2212 {pair[1]}"
    with style():
        ax = new_axes(ax, "single", 0.9 + 0.2 * len(rows))
        _draw_differences(ax, rows)
        ax.set_yticks(np.arange(len(rows))[::-1], labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_title(title, loc="left")
        ax.set_xlabel(f"Difference in expected share ({_percent(ci_level, rows)} interval)")
        finish_ticks(ax)
    return ax


def _draw_differences(ax: Axes, rows: pd.DataFrame) -> None:
    est = rows["difference"].to_numpy(float)
    lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
    strong = (rows["q_value"].to_numpy(float) < 0.05) if "q_value" in rows.columns else np.ones(len(rows), bool)
    for yi, e, low, high, s in zip(np.arange(len(rows))[::-1], est, lo, hi, strong):
        c = "#222222" if (low > 0 or high < 0) else NEUTRAL
        ax.plot([low, high], [yi, yi], color=c, linewidth=1.0, solid_capstyle="butt")
        ax.plot([e], [yi], "o", color=c, markersize=3.5, markerfacecolor=c if s else "white")
    ax.axvline(0, color="black", linewidth=0.6, linestyle="--", zorder=0)


def plot_effect_trends(data: Any, *, outcomes: Sequence | None = None, ax: Axes | Sequence[Axes] | None = None,
                       colors: Mapping[str, str] | None = None, ncols: int = 3, ci_level: float | None = None,
                       outcome_labels: Mapping | None = None) -> np.ndarray:
    """Predicted share along time (or any continuous covariate): one panel per outcome, groups as lines with bands.

    Parameters
    ----------
    data
        An ``EffectResult`` or its ``predictions`` table.
    outcomes
        Outcomes to draw (default all), one panel each.
    ax
        One Axes per outcome (a sequence, or one Axes for one outcome); default a new full-width
        figure with ``ncols`` panels per row and a shared legend below.
    colors
        ``{group: colour}``; default :func:`~textlab.plots.group_colors`.
    ci_level
        Level named in the caption.
    outcome_labels
        ``{outcome: label}`` shown instead of the outcome for the panel titles.

    Returns
    -------
    numpy.ndarray
        The Axes drawn, one per outcome.

    Examples
    --------
    >>> p = pd.DataFrame({"outcome": 1, "variable": "date", "by": np.repeat(["a", "b"], 3), "x": [0, 1, 2] * 2,
    ...                   "value": ["2024-01-01", "2024-06-01", "2024-12-01"] * 2, "estimate": .3,
    ...                   "ci_low": .2, "ci_high": .4})
    >>> len(plot_effect_trends(p)[0].lines)
    2
    """
    table, params = _table(data, "trends")
    rows = effect_plot_table(table, "trends", outcomes=outcomes)
    names = list(pd.unique(rows["outcome"]))
    groups = [g for g in pd.unique(rows["by"].astype(str)) if g != ALL]
    palette = resolve_colors(groups, colors) if groups != [""] else {"": "#333333"}
    if (rows["by"].astype(str) == ALL).any():  # the average over groups: black, drawn last, on top
        groups, palette = [*groups, ALL], {**palette, ALL: "#000000"}
    alpha = 0.12 if len(groups) <= 4 else max(0.04, 0.12 * 4 / len(groups))
    is_date = rows["variable"].iloc[0] in params.get("date_columns", []) if "variable" in rows.columns else False
    is_date = is_date or bool(pd.to_datetime(rows["value"].astype(str), errors="coerce", format="ISO8601").notna().all())
    ci_level = ci_level if ci_level is not None else params.get("ci_level")
    with style():
        axes = _trend_axes(ax, len(names), ncols)
        for panel, name in zip(axes, names):
            part = rows[rows["outcome"] == name]
            for g in groups:
                line = part[part["by"].astype(str) == g]
                x = pd.to_datetime(line["value"].astype(str)) if is_date else line["x"].to_numpy(float)
                panel.fill_between(x, line["ci_low"].to_numpy(float), line["ci_high"].to_numpy(float),
                                   color=palette[g], alpha=alpha, linewidth=0)
                panel.plot(x, line["estimate"].to_numpy(float), color=palette[g], label=g or None,
                           **({"linewidth": 1.6, "linestyle": "--"} if g == ALL else {"linewidth": 1.0}))
            _panel_title(panel, _label(name, params, outcome_labels), len(axes) if ax is not None else min(ncols, len(names)))
            if is_date:
                locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
                panel.xaxis.set_major_locator(locator)
                panel.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            finish_ticks(panel)
        axes[0].set_ylabel("Expected share")
        fig = axes[0].figure
        if ax is None:
            note = f"Lines: average prediction; bands: pointwise {_percent(ci_level, rows)} intervals"
            if groups != [""]:
                handles, labels = axes[0].get_legend_handles_labels()
                labels = ["all groups (as observed)" if lab == ALL else lab for lab in labels]
                fig.legend(handles, labels, loc="outside lower center", ncols=min(len(groups), 5), frameon=False,
                           title=note, title_fontsize=7)
            else:
                fig.supxlabel(note, fontsize=7, color="#555555")
    return np.asarray(axes, dtype=object)


def plot_effect_level_panels(data: Any, *, outcomes: Sequence | None = None, variable: str | None = None,
                             colors: Mapping[str, str] | None = None, ncols: int = 4, ci_level: float | None = None,
                             outcome_labels: Mapping | None = None) -> np.ndarray:
    """Marginal means of every topic or frame at every level of a variable: one panel per outcome.

    Rows keep the table's level order in every panel (so 10-20 groups are read across panels
    in the same place) and take the groups' colours; x axes are each panel's own.

    Parameters
    ----------
    data
        An ``EffectResult`` or its ``marginal_means`` table.
    outcomes
        Outcomes to draw (default all).
    variable
        Categorical term (default the first).
    colors
        ``{level: colour}``; default :func:`~textlab.plots.group_colors`.
    ncols
        Panels per row.
    ci_level, outcome_labels
        As in :func:`plot_effect_levels`.

    Returns
    -------
    numpy.ndarray
        The Axes drawn, one per outcome.

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": np.repeat([1, 2], 3), "variable": "outlet", "level": list("abc") * 2,
    ...                   "by": "", "estimate": .2, "ci_low": .1, "ci_high": .3})
    >>> [len(a.get_yticks()) for a in plot_effect_level_panels(t)]
    [3, 3]
    """
    table, params = _table(data, "levels")
    chosen = table if outcomes is None else table[table["outcome"].astype(str).isin({str(o) for o in outcomes})]
    names = list(pd.unique(chosen["outcome"]))
    if not names:
        raise bad_value("outcomes", list(outcomes or []), f"outcomes of the table {list(pd.unique(table['outcome']))[:20]}")
    var = _pick(chosen, "variable", variable, "variable")
    levels = list(pd.unique(chosen.loc[chosen["variable"] == var, "level"].astype(str)))
    palette = resolve_colors(levels, colors)
    cols = max(1, min(ncols, len(names)))
    with style():
        axes = _trend_axes(None, len(names), cols, height=0.5 + 0.16 * len(levels), sharex=False)
        for panel, name in zip(axes, names):
            plot_effect_levels(table, outcome=name, variable=var, ax=panel, colors=palette, sort=False,
                               ci_level=ci_level if ci_level is not None else params.get("ci_level"))
            _panel_title(panel, _label(name, params, outcome_labels), cols)
            panel.set_xlabel("")
        for i, panel in enumerate(axes):
            if i % cols:
                panel.tick_params(labelleft=False)
        fig = axes[0].figure
        fig.supxlabel(f"Expected share by {var} (average prediction; {_percent(ci_level or params.get('ci_level'), table)} "
                      "interval)", fontsize=7, color="#555555")
    return np.asarray(axes, dtype=object)


def _trend_axes(ax: Any, n: int, ncols: int, *, height: float = 1.7, sharex: bool = True) -> list[Axes]:
    if ax is not None:
        axes = [ax] if isinstance(ax, Axes) else list(np.ravel(ax))
        if len(axes) < n:
            raise bad_value("ax", f"{len(axes)} Axes", f"one Axes per outcome ({n})")
        return axes[:n]
    cols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / cols))
    fig, grid = figure("full", height * nrows + 1.1, nrows=nrows, ncols=cols, sharex=sharex)
    flat = list(np.ravel(grid))
    for extra in flat[n:]:
        extra.set_visible(False)
    for i, panel in enumerate(flat[:n]):
        if i + cols >= n:  # nothing drawn below: show its own x labels (shared axes hide them)
            panel.tick_params(labelbottom=True)
    return flat[:n]
