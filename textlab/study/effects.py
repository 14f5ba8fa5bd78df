"""The study's ``[effects]`` step: how topics and frames move with source, time and any covariate.

A study file with an ``[effects]`` section runs :func:`textlab.analysis.effects.estimate_effect`
on the study's aligned topic fits (posterior draws x seed runs) and on its frame shares, with the
passages' metadata as covariates::

    [effects]
    formula = "~ outlet + s(date, df = 4)"    # default: ~ <[groups] column> (+ s(date, df = 4) if dated)
    outcomes = "both"                         # "topics" | "frames" | "both"
    link = "logit"                            # or "ols" (as stm)
    resampling = "document"                   # "document" | "passage" | "none"
    cluster = ""                              # a column: cluster bootstrap (e.g. "author")
    change_date = ""                          # "2024-07-04": before/after contrast
    contrasts = [["daily-ledger", "northern-courier"]]   # default: [groups] contrast, else every pair

Without the section the step is skipped (the seeds study has no dates).  The tables
(``effect_coefficients``, ``effect_marginal_means``, ``effect_contrasts``, ``effect_predictions``)
carry ``kind`` (``topic``/``frame``), ``outcome`` and its ``label``; figures ``17_effect_*`` and a
report section follow.  Option values and the formula are checked against the corpus metadata
in the corpus step, before any topic model is fitted.
"""

from __future__ import annotations

import html
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, TextlabWarning
from textlab.data import Result
from textlab.study.steps import _EFFECT_OPTIONS as _STEP_OPTIONS

__all__ = ["EFFECT_OPTIONS", "StudyEffects", "check_effect_options", "effect_formula", "run_effects",
           "figure_effects", "section_effects"]

SECTION = "effects"
#: Options of ``[effects]`` and their defaults (types are checked at config load).
EFFECT_OPTIONS: dict[str, Any] = dict(_STEP_OPTIONS)
_OUTCOMES = {"topics": ("topic",), "frames": ("frame",), "both": ("topic", "frame")}
_FAST = {"n_boot": 50, "n_draws": 10}
_TABLES = ("coefficients", "marginal_means", "contrasts", "predictions")


def _empty(*columns: str):
    return lambda: pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class StudyEffects(Result):
    """The effects of a study: :class:`~textlab.analysis.effects.EffectResult` tables of topics and frames.

    Each table is the ``EffectResult`` table with ``kind`` (``"topic"`` or ``"frame"``) first and
    ``label`` after ``outcome`` (topic number or frame name, as text).  ``contrasts.q_value`` is
    Benjamini-Hochberg over every row of the combined table.  ``params`` holds the options, the
    formula and, under ``"topic"``/``"frame"``, each ``EffectResult``'s params.
    """

    coefficients: pd.DataFrame = field(default_factory=_empty("kind", "outcome", "label", "term"))
    marginal_means: pd.DataFrame = field(default_factory=_empty("kind", "outcome", "label", "variable", "level"))
    contrasts: pd.DataFrame = field(default_factory=_empty("kind", "outcome", "label", "variable", "level_a"))
    predictions: pd.DataFrame = field(default_factory=_empty("kind", "outcome", "label", "variable", "x"))
    params: dict = field(default_factory=dict, kw_only=True)


def _options(config: Any) -> dict | None:
    given = (getattr(config, "step_options", None) or {}).get(SECTION)
    return None if given is None else {**EFFECT_OPTIONS, **given}


def check_effect_options(options: dict, where: str = "") -> None:
    """Refuse option values ``estimate_effect`` would refuse later (one line naming the option)."""
    from textlab.analysis.effects._fit import LINKS

    prefix = f"{where}: " if where else ""
    allowed = {"outcomes": tuple(_OUTCOMES), "link": LINKS, "resampling": ("document", "passage", "none")}
    for key, values in allowed.items():
        if options[key] not in values:
            raise ConfigError(f"{prefix}[effects] {key} = {options[key]!r} is not allowed: expected one of "
                              f"{list(values)}")
    pairs = options["contrasts"]
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(g, str) for g in p) for p in pairs):
        raise ConfigError(f"{prefix}[effects] contrasts = {pairs!r} is not allowed: expected a list of pairs of "
                          "levels, e.g. contrasts = [[\"daily-ledger\", \"northern-courier\"]]")
    for key in ("n_boot", "n_draws", "n_points"):
        if options[key] < (2 if key == "n_points" else 1):
            raise ConfigError(f"{prefix}[effects] {key} = {options[key]!r} is not allowed: expected a positive "
                              "integer" + (" >= 2" if key == "n_points" else ""))


def effect_formula(options: dict, group_column: str, columns: Any) -> str:
    """The formula: ``[effects] formula``, or ``~ <group column>`` plus ``s(date, df = 4)`` when rows are dated.

    Examples
    --------
    >>> effect_formula({"formula": ""}, "outlet", ["doc_id", "outlet", "date"])
    '~ outlet + s(date, df=4)'
    """
    if options.get("formula"):
        return str(options["formula"])
    return f"~ {group_column}" + (" + s(date, df=4)" if "date" in set(columns) else "")


def check_effect_columns(config: Any, documents: pd.DataFrame) -> None:
    """Check ``[effects]`` against the documents' metadata before any model is fitted (corpus step)."""
    from textlab.analysis.effects._design import build_design

    options = _options(config)
    if options is None:
        return
    where = str(config.source) if config.source is not None else "study config"
    check_effect_options(options, where)
    formula = effect_formula(options, config.group_column, documents.columns)
    rows = documents.reset_index(drop=documents.index.name != "doc_id")
    for column in [options["cluster"]] if options["cluster"] else []:
        if column not in rows.columns:
            raise ConfigError(f"{where}: [effects] cluster = {column!r} is not a column of the corpus metadata; "
                              f"columns: {sorted(map(str, rows.columns))}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build_design(rows, formula, reference=options["reference"] or None,
                         change_date=options["change_date"] or None)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [effects] {exc}") from None


def _topic_labels(topics: Any) -> dict[str, str]:
    """Outcome id -> "Topic k: name", with the study's one topic labelling (:func:`textlab.plots.topic_labels`)."""
    from textlab.plots.topics import topic_labels

    return {str(k): f"Topic {k}: {name}" for k, name in topic_labels(topics.topic_terms, topics.stability).items()}


def _outcomes(ctx: Any, kinds: tuple[str, ...]) -> list[tuple[str, Any, dict]]:
    found = []
    for kind in kinds:
        step = "topics" if kind == "topic" else "frames"
        value = ctx.results.get(step)
        if value is None:
            warnings.warn(f"[effects]: the {step} step was skipped, so the effects on {step} are not estimated",
                          TextlabWarning, stacklevel=3)
        elif kind == "topic":
            found.append((kind, list(value.fits), _topic_labels(value)))
        else:
            found.append((kind, value, {}))
    return found


def run_effects(ctx: Any) -> StudyEffects | None:
    """The ``[effects]`` step: ``estimate_effect`` on the topics and/or frames; ``None`` without the section."""
    from textlab.analysis.effects import estimate_effect
    from textlab.analysis.effects._tables import with_qvalues

    config = ctx.config
    options = _options(config)
    if options is None:
        return None
    check_effect_options(options, str(config.source or "study config"))
    rows = ctx.tokenized.passages
    formula = effect_formula(options, config.group_column, rows.columns)
    sizes = {k: min(options[k], _FAST[k]) if config.fast else options[k] for k in _FAST}
    pairs = [tuple(p) for p in options["contrasts"]]
    if not pairs and config.contrast:
        pairs = [tuple(config.contrast)]
    resampling = f"cluster:{options['cluster']}" if options["cluster"] else options["resampling"]
    results, labels = {}, {}
    for kind, outcome, names in _outcomes(ctx, _OUTCOMES[options["outcomes"]]):
        results[kind] = estimate_effect(
            outcome, rows, formula=formula, link=options["link"], resampling=resampling, ci_level=config.ci_level,
            random_state=config.random_state, reference=options["reference"] or None, contrast=pairs or None,
            by=options["by"] or None, n_points=options["n_points"], change_date=options["change_date"] or None,
            **sizes)
        labels[kind] = names
    if not results:
        return None
    tables = {name: pd.concat([_labelled(getattr(r, name), kind, labels[kind]) for kind, r in results.items()],
                              ignore_index=True) for name in _TABLES}
    tables["contrasts"] = with_qvalues(tables["contrasts"])
    params = {"formula": formula, "options": options, **sizes, "resampling": resampling,
              "contrasts": [list(p) for p in pairs] or "every pair of levels once",
              "ci_level": config.ci_level, "random_state": config.random_state,
              "multiplicity": ("intervals and p_value are pointwise (unadjusted); q_value is Benjamini-Hochberg "
                               "over every row of effect_contrasts (topics and frames together)"),
              **{kind: r.params for kind, r in results.items()}}
    return StudyEffects(**tables, params=params)


def _labelled(table: pd.DataFrame, kind: str, labels: dict) -> pd.DataFrame:
    out = table.assign(outcome=table["outcome"].astype(str))
    out.insert(0, "kind", kind)
    out.insert(2, "label", out["outcome"].map(labels).fillna(out["outcome"]) if labels else out["outcome"])
    return out


# -- figures and report ---------------------------------------------------------------------------
_KIND_NAMES = {"topic": "topics", "frame": "frames"}
_MAX_PAIRS = 6


def _kind_tables(result: Any, kind: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name in _TABLES:
        table = result.tables.get(f"effect_{name}")
        out[name] = pd.DataFrame() if table is None else table[table["kind"] == kind].drop(columns="kind")
    return out


def _focal(params: dict, kind: str) -> str | None:
    return (params.get(kind) or {}).get("contrast_variable")


def _difference_panels(contrasts: pd.DataFrame, focal: str | None, over: str | None) -> list[tuple[str, pd.DataFrame]]:
    """(title, rows) per panel: pairs of the focal variable (up to 6), before/after, change over time."""
    panels = []
    if focal is not None:
        part = contrasts[(contrasts["variable"] == focal) & (contrasts["by"].astype(str) == "")]
        pairs = list(dict.fromkeys(zip(part["level_a"].astype(str), part["level_b"].astype(str))))
        for a, b in pairs[:_MAX_PAIRS]:
            panels.append((f"{a} \u2212 {b}", part[(part["level_a"] == a) & (part["level_b"] == b)]))
    period = contrasts[(contrasts["variable"] == "period") & (contrasts["by"].astype(str) == "")]
    if len(period):
        panels.append(("after \u2212 before the change date", period))
    if over is not None:
        change = contrasts[(contrasts["variable"] == over) & (contrasts["by"].astype(str) == "(all)")]
        if len(change):
            first, last = change["level_b"].iloc[0], change["level_a"].iloc[0]
            panels.append((f"change {first} \u2192 {last}", change))
    return panels


def _figure_differences(tables: dict, params: dict, kind: str, labels: dict, ci: float) -> Any:
    from textlab import plots
    from textlab.plots.effects import plot_effect_differences
    from textlab.study.figures import FigureSpec

    over = (params.get(kind) or {}).get("over")
    panels = _difference_panels(tables["contrasts"], _focal(params, kind), over)
    if not panels:
        return None
    n_out = tables["contrasts"]["outcome"].nunique()
    cols = min(3, len(panels))
    rows_n = -(-len(panels) // cols)
    fig, grid = plots.figure("full", rows_n * (0.8 + 0.2 * n_out) + 0.4, nrows=rows_n, ncols=cols)
    axes = list(np.ravel(grid))
    drawn = []
    for i, (ax, (title, part)) in enumerate(zip(axes, panels)):
        pair = (part["level_a"].iloc[0], part["level_b"].iloc[0])
        plot_effect_differences(part, pair=pair, ax=ax, ci_level=ci, outcome_labels=labels)
        ax.set_title(textwrap.fill(title, 22 if cols >= 3 else 34), loc="left", fontsize=7)
        ax.set_xlabel("")
        if i % cols:
            ax.tick_params(labelleft=False)
        drawn.append(part.assign(panel=title))
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.supxlabel(f"Difference in expected share ({ci * 100:.10g}% interval; filled: q < 0.05)", fontsize=7,
                  color="#555555")
    table = pd.concat(drawn, ignore_index=True)
    top = table.loc[table["difference"].abs().idxmax()]
    claim = (f"Largest difference drawn: {top['label']}, {top['panel']}: {top['difference']:+.3f} "
             f"[{top['ci_low']:+.3f}, {top['ci_high']:+.3f}] (q = {top['q_value']:.3g}); "
             f"{int((table['q_value'] < 0.05).sum())} of {len(table)} drawn differences have q < 0.05.")
    caption = (f"Differences in expected {kind} share (average predictions) between levels, before/after a date "
               f"and over the period, one row per {kind}; dark: interval excludes 0, filled: Benjamini-Hochberg "
               "q < 0.05 over every effect contrast.")
    return FigureSpec(f"17_effect_differences_{_KIND_NAMES[kind]}", fig, table, caption, claim)


def _figure_levels(tables: dict, params: dict, kind: str, labels: dict, ci: float, colors: dict) -> Any:
    from textlab.plots.effects import plot_effect_level_panels
    from textlab.study.figures import FigureSpec

    focal = _focal(params, kind)
    means = tables["marginal_means"]
    if focal is None or means.empty:
        return None
    table = means[(means["variable"] == focal) & (means["by"].astype(str) == "")]
    axes = plot_effect_level_panels(table, variable=focal, colors=colors, ci_level=ci, outcome_labels=labels)
    spread = table.groupby("label")["estimate"].agg(lambda s: s.max() - s.min()).sort_values()
    top = table[table["label"] == spread.index[-1]].sort_values("estimate")
    claim = (f"Widest spread across {focal}: {spread.index[-1]}, from {top['estimate'].iloc[0]:.3f} "
             f"({top['level'].iloc[0]}) to {top['estimate'].iloc[-1]:.3f} ({top['level'].iloc[-1]}).")
    caption = (f"Expected {kind} share at each level of {focal} (average prediction over the passages, other "
               "covariates as observed), with composed intervals; one panel per " + kind + ".")
    return FigureSpec(f"17_effect_levels_{_KIND_NAMES[kind]}", axes[0].figure, table, caption, claim)


def _figure_trends(tables: dict, params: dict, kind: str, labels: dict, ci: float, colors: dict) -> Any:
    from textlab.plots.effects import plot_effect_trends
    from textlab.study.figures import FigureSpec

    table = tables["predictions"]
    if table.empty:
        return None
    lines = [g for g in table["by"].astype(str).unique() if g not in ("", "(all)")]
    axes = plot_effect_trends(table, colors={g: colors.get(g, "#333333") for g in lines} or None, ci_level=ci,
                              outcome_labels=labels, ncols=4)
    overall = table[table["by"].astype(str).isin(["(all)", ""])]
    ends = overall.sort_values("x").groupby("label")["estimate"].agg(["first", "last"])
    change = (ends["last"] - ends["first"]).sort_values()
    claim = (f"Over the period (all groups as observed) {change.index[-1]} changes most upward "
             f"({change.iloc[-1]:+.3f}) and {change.index[0]} most downward ({change.iloc[0]:+.3f})."
             if len(change) > 1 else "")
    caption = (f"Expected {kind} share over {table['variable'].iloc[0]} ({_time_terms(params.get(kind) or {})}), "
               "one line per group and dashed black for all groups as observed, with pointwise bands.")
    return FigureSpec(f"17_effect_trends_{_KIND_NAMES[kind]}", axes[0].figure, table, caption, claim)


def figure_effects(result: Any) -> list:
    """Figures ``17_effect_levels_*``, ``17_effect_differences_*`` and ``17_effect_trends_*`` (topics, frames)."""
    from textlab.study.figures import study_colors

    effects = result.results.get("effects")
    params = getattr(effects, "params", {}) or {}
    ci = float(params.get("ci_level", result.config.ci_level))
    colors = study_colors(result)
    specs = []
    for kind in ("topic", "frame"):
        tables = _kind_tables(result, kind)
        if tables["coefficients"].empty:
            continue
        labels = dict(zip(tables["coefficients"]["outcome"], tables["coefficients"]["label"]))
        for spec in (_figure_levels(tables, params, kind, labels, ci, colors),
                     _figure_differences(tables, params, kind, labels, ci),
                     _figure_trends(tables, params, kind, labels, ci, colors)):
            if spec is not None:
                specs.append(spec)
    return specs


def _rows_html(table: pd.DataFrame, columns: list[str]) -> str:
    def cell(column: str, value: Any) -> str:
        if isinstance(value, float) and column in ("q_value", "p_value"):
            return f"{value:.2g}"
        return f"{value:+.3f}" if isinstance(value, float) else html.escape(str(value))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(c, row[c])}</td>" for c in columns) + "</tr>"
                   for _, row in table.iterrows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _time_terms(params: dict) -> str:
    terms = params.get("time_terms") or {}
    return "; ".join(f"{name}: {how}" for name, how in terms.items()) or "none"


def section_effects(result: Any, *, max_rows: int = 24) -> str:
    """Report section of the ``effects`` step: the model, the change over time and the requested contrasts."""
    effects = result.results.get("effects")
    params = effects.params
    contrasts = result.tables["effect_contrasts"]
    first = params.get("topic") or params.get("frame") or {}
    ci = f"{float(params['ci_level']) * 100:.10g}%"
    parts = [f"<h3>Effects: <code>{html.escape(params['formula'])}</code></h3>",
             f"<p>{html.escape(first.get('model', ''))}; {params['n_draws']} posterior draws x seed runs composed "
             f"with {html.escape(str(first.get('resampling')))} resampling ({first.get('n_replicates')} replicates), "
             f"{ci} percentile intervals. Time: {html.escape(_time_terms(first))}. "
             f"{html.escape(params['multiplicity'])}. Marginal means and predictions are average predictions "
             "(each level or date set for every passage). All rows: <code>effect_contrasts.csv</code>.</p>"]
    columns = ["kind", "label", "by", "level_a", "level_b", "difference", "ci_low", "ci_high", "q_value"]
    over = first.get("over")
    if over:
        change = contrasts[(contrasts["variable"] == over) & (contrasts["by"] == "(all)")]
        parts += ["<p>Change in expected share over the period (last minus first date; all groups as observed):</p>",
                  _rows_html(change.sort_values("difference"), columns)]
    focal = first.get("contrast_variable")
    asked = contrasts[(contrasts["variable"].isin([focal, "period"])) & (contrasts["by"] == "")]
    if len(asked):
        shown = asked.reindex(asked["difference"].abs().sort_values(ascending=False).index).head(max_rows)
        parts += [f"<p>Contrasts between levels of {html.escape(str(focal))}"
                  + (" and before/after the change date" if (asked["variable"] == "period").any() else "")
                  + f" (largest {len(shown)} of {len(asked)} by size):</p>", _rows_html(shown, columns)]
    return "".join(parts)
