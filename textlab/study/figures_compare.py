"""Study figures and report sections for many groups and for wording within topics and frames.

* ``13_keyness_by_group``: term x group heatmap of each group's keyness against the rest
  (three or more groups), key terms marked;
* ``14_perspectives``: per topic, the key terms of each side *within* the topic, with intervals;
* ``15_frame_difference``: frame share differences between groups with bootstrap intervals;
* ``16_frame_wording``: per frame, the entries whose share of the frame's hits differs between
  groups, with intervals.

"Key" is decided in all of them by the permutation test (``q_perm < 0.05``, Benjamini-Hochberg
within each comparison); bootstrap intervals show the size and its uncertainty.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from textlab import plots
from textlab.study.figures import FigureSpec, _colors_for, _contrast, _topic_labels, study_colors

__all__ = ["figure_keyness_groups", "figure_perspectives", "figure_frame_difference", "figure_frame_wording",
           "section_perspectives", "select_perspective_rows", "FDR_LEVEL"]

#: The level at which q_perm makes a term key in the study's figures and tables.
FDR_LEVEL = 0.05


def _key(table: pd.DataFrame) -> pd.Series:
    return plots.keyness.key_mask(table, FDR_LEVEL)


def figure_keyness_groups(result: Any) -> FigureSpec | None:
    """13: term x group heatmap of keyness against the rest (three or more groups)."""
    from textlab.plots.heatmaps import keyness_heatmap_table, plot_keyness_heatmap

    keyness = result.tables["keyness"]
    rest = keyness[keyness["reference"].astype(str) == "rest"]
    if rest["group"].nunique() < 3:
        return None
    heat = keyness_heatmap_table(rest, n_terms=5)
    n_rows = heat["row"].nunique()
    fig, ax = plots.figure("full", min(0.9 + 0.13 * n_rows, 9.5))
    plot_keyness_heatmap(heat, ax=ax, colors=_colors_for(result, heat["selected_for"]))
    per_group = rest.assign(key=_key(rest)).groupby("group")["key"].agg(lambda k: int(k.sum()))
    claim = ("Key terms (q_perm < 0.05) against all other groups: "
             + "; ".join(f"{g}: {n}" for g, n in per_group.items()) + ".")
    caption = ("Each group's five highest-z key terms against all the other groups pooled (rows, grouped by the "
               "group they were chosen for, colour strip on the left), with every group's log-odds against the "
               "rest in the cells (red: used more than the others, blue: less). Key (document permutation test, "
               "q_perm < 0.05) is marked: a dot on key cells, or, where most cells are key (large corpora), an "
               "open circle on the cells that are not; the axis label says which. Every cell's q_perm is in "
               "keyness.csv.")
    return FigureSpec("13_keyness_by_group", fig, heat, caption, claim)


def select_perspective_rows(table: pd.DataFrame, *, topic: int | None = None, n_terms: int = 4,
                            pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """The rows a perspectives panel shows.

    For one pair (``group`` vs ``reference`` both ways) the ``n_terms`` highest- and lowest-z
    terms of the first direction, key terms first; for each-vs-rest comparisons each group's
    highest-z term. ``pair`` picks the direction shown (default the first in the table).
    ``row_label`` names the row.

    Examples
    --------
    >>> t = pd.DataFrame({"topic": 1, "term": list("abc"), "label": list("abc"), "group": "x", "reference": "y",
    ...                   "z": [3.0, 0.1, -2.0], "q_perm": [0.01, 0.9, 0.02]})
    >>> select_perspective_rows(t, n_terms=1)["term"].tolist()
    ['a', 'c']
    """
    rows = table if topic is None else table[table["topic"] == topic]
    rows = rows.assign(key=_key(rows))
    pairs = rows[["group", "reference"]].astype(str).drop_duplicates().values.tolist()
    if pairs and all(ref != "rest" for _, ref in pairs):
        group, reference = tuple(pair) if pair is not None and list(pair) in pairs else pairs[0]
        side = rows[(rows["group"].astype(str) == group) & (rows["reference"].astype(str) == reference)]
        up = side[side["z"] > 0].sort_values(["key", "z"], ascending=[False, False], kind="stable").head(n_terms)
        down = side[side["z"] < 0].sort_values(["key", "z"], ascending=[False, True], kind="stable").head(n_terms)
        out = pd.concat([up.sort_values("z", ascending=False), down.sort_values("z", ascending=False)])
        return out.assign(row_label=out["label"].astype(str))
    picked = (rows[rows["z"] > 0].sort_values(["group", "key", "z"], ascending=[True, False, False], kind="stable")
              .groupby("group", sort=True).head(1))
    return picked.assign(row_label=picked["group"].astype(str) + ": " + picked["label"].astype(str))


def _sides_label(result: Any, what: str) -> str:
    """x-axis label of the panels: what is compared, which side is which, what a filled point means."""
    if result.config.contrast:
        group_a, group_b = _contrast(result)
        sides = f"\u2190 {group_b}   {group_a} \u2192"
    else:
        sides = "\u2190 the other groups   the group \u2192"
    level = f"{float(result.config.ci_level) * 100:.10g}%"
    return f"Log-odds {what}, {level} bootstrap interval ({sides}); filled: key (q_perm < {FDR_LEVEL:g})"


def _grid(n: int, height_per_row: float) -> tuple[Any, np.ndarray]:
    ncols = min(3, max(n, 1))
    nrows = int(np.ceil(n / ncols))
    fig = plt.figure(figsize=(plots.FULL_WIDTH, min(0.4 + height_per_row * nrows, 9.5)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def figure_perspectives(result: Any) -> FigureSpec | None:
    """14: wording within each topic (step ``perspectives``)."""
    from textlab.plots.frames import plot_term_intervals

    table = result.tables.get("perspectives")
    if table is None or table.empty:
        return None
    labels = _topic_labels(result)
    topics = sorted(int(t) for t in table["topic"].unique())
    pair = tuple(_contrast(result)) if result.config.contrast else None
    shown = [select_perspective_rows(table, topic=k, pair=pair).assign(topic=k) for k in topics]
    n_rows = max(len(s) for s in shown)
    fig, axes = _grid(len(topics), 0.45 + 0.15 * n_rows)
    colors = study_colors(result)
    with plots.style():
        for ax, k, rows in zip(axes, topics, shown):
            plot_term_intervals(rows, ax=ax, colors=colors, title=plots._common.shorten(f"{k}: {labels.get(k, '')}", 24))
        fig.supxlabel(_sides_label(result, "within the topic"), fontsize=7)
    drawn = pd.concat(shown, ignore_index=True)
    key = table.assign(key=_key(table))
    if pair is not None:  # one direction of the pair (the other holds the same terms mirrored)
        key = key[(key["group"].astype(str) == pair[0]) & (key["reference"].astype(str) == pair[1])]
    counts = key.groupby("topic")["key"].sum()
    what = f"{pair[0]} vs {pair[1]}" if pair else "each group against the rest"
    claim = (f"Within-topic key terms ({what}, q_perm < 0.05) per topic: "
             + ", ".join(f"{int(t)}: {int(n)}" for t, n in counts.items()) + ".")
    caption = ("Wording within each topic: log-odds between groups computed only on the tokens each topic owns "
               "(every token shared among topics by its posterior responsibility), so a group writing more about "
               "a topic does not make its words key. Intervals resample documents; filled points are key "
               "(permutation q_perm < 0.05 within the topic), open points are not. "
               + ("Top terms of each side of the pair." if pair else "Each group's top term against the rest.")
               + " Passages showing each key term are in perspectives_evidence.csv.")
    return FigureSpec("14_perspectives", fig, drawn, caption, claim)


def figure_frame_difference(result: Any) -> FigureSpec | None:
    """15: frame share differences with intervals (step ``frames``)."""
    from textlab.plots.frames import plot_difference_intervals

    difference = result.tables.get("frames_difference")
    if difference is None or difference.empty:
        return None
    n = len(difference)
    fig, ax = plots.figure("full", min(0.9 + 0.2 * n, 9.5))
    colors = study_colors(result)
    from textlab.study._results_lazy import step_params

    level = float(step_params(result, "frames").get("ci_level", result.config.ci_level))
    plot_difference_intervals(difference, ax=ax, colors=colors, ci_level=level)
    excl = difference[(difference["ci_low"] > 0) | (difference["ci_high"] < 0)]
    biggest = difference.reindex(difference["difference"].abs().sort_values(ascending=False).index).head(2)
    claim = (f"{len(excl)} of {len(difference)} frame differences have an interval excluding zero; largest: "
             + "; ".join(f"{r.frame} ({r.group_a} − {r.group_b}) {r.difference:+.4f} [{r.ci_low:+.4f}, "
                         f"{r.ci_high:+.4f}]" for r in biggest.itertuples()) + ".")
    caption = ("Difference in the mean share of tokens matching each frame between groups, with bootstrap "
               "intervals that resample documents within groups; filled points: the interval excludes zero.")
    return FigureSpec("15_frame_difference", fig, difference, caption, claim)


def figure_frame_wording(result: Any) -> FigureSpec | None:
    """16: within-frame wording (step ``perspectives``, with a codebook)."""
    from textlab.plots.frames import plot_term_intervals

    table = result.tables.get("frame_wording")
    if table is None or table.empty:
        return None
    frames = list(dict.fromkeys(table["frame"].astype(str)))
    pair = tuple(_contrast(result)) if result.config.contrast else None
    shown = [select_perspective_rows(table[table["frame"].astype(str) == f], n_terms=3, pair=pair).assign(frame=f)
             for f in frames]
    n_rows = max(len(s) for s in shown)
    fig, axes = _grid(len(frames), 0.45 + 0.15 * n_rows)
    colors = study_colors(result)
    with plots.style():
        for ax, f, rows in zip(axes, frames, shown):
            plot_term_intervals(rows, ax=ax, colors=colors, title=f.replace("_", " "))
        fig.supxlabel(_sides_label(result, "of the entry's share of the frame"), fontsize=7)
    drawn = pd.concat(shown, ignore_index=True)
    key = table.assign(key=_key(table))
    if pair is not None:
        key = key[(key["group"].astype(str) == pair[0]) & (key["reference"].astype(str) == pair[1])]
    counts = key.groupby("frame")["key"].sum()
    claim = ("Codebook entries whose share of the frame differs between groups (q_perm < 0.05): "
             + ", ".join(f"{f}: {int(n)}" for f, n in counts.items()) + ".")
    caption = ("Wording within each frame: log-odds of each codebook entry's share of the frame's hits between "
               "groups, with document-bootstrap intervals; filled points are key (permutation q_perm < 0.05).")
    return FigureSpec("16_frame_wording", fig, drawn, caption, claim)


def _rows_html(table: pd.DataFrame, columns: list[str]) -> str:
    from textlab.study.report import _table_html

    return _table_html(table, columns)


def section_perspectives(result: Any) -> str:
    """Report section of the ``perspectives`` step: key terms within topics and frames, with evidence."""
    from textlab.analysis.keyness_groups import top_key_terms

    parts = ["<h3>Wording within topics (perspectives)</h3>",
             "<p>Keyness between groups on the tokens each topic owns (each token shared among topics by its "
             "posterior responsibility), so rates are shares of the topic's tokens: a group that writes more about "
             "a topic does not look key for it. <b>key</b> = permutation q_perm &lt; 0.05 (documents reassigned, "
             "Benjamini-Hochberg within the topic and comparison); ci_low/ci_high: document bootstrap interval of "
             "log_odds; counts are expected tokens. Top key terms of each topic and side:</p>"]
    table = result.tables["perspectives"]
    labels = _topic_labels(result)
    top = top_key_terms(table, n=3, key_only=True, fdr_level=FDR_LEVEL)
    if top.empty:
        parts.append("<p>No term is key within any topic at q_perm &lt; 0.05.</p>")
    else:
        top = top.assign(topic_label=top["topic"].map(labels))
        parts.append(_rows_html(top, ["topic", "topic_label", "group", "reference", "label", "count_group",
                                      "count_reference", "log_odds", "ci_low", "ci_high", "q_perm"]))
    evidence = result.tables.get("perspectives_evidence")
    if evidence is not None and not evidence.empty:
        parts.append("<p>Evidence (keyword in context, the group's passages leaning most to the topic):</p>")
        parts.append(_rows_html(evidence.groupby(["topic", "group"], sort=True).head(2),
                                ["topic", "group", "doc_id", "left", "match", "right"]))
    wording = result.tables.get("frame_wording")
    if wording is not None and not wording.empty:
        parts.append("<h3>Wording within frames</h3><p>Each codebook entry's share of its frame's hits, compared "
                     "between groups (log-odds, document bootstrap interval, permutation q-value):</p>")
        top = top_key_terms(wording, n=3, key_only=True, fdr_level=FDR_LEVEL)
        parts.append(_rows_html(top, ["frame", "group", "reference", "label", "count_group", "count_reference",
                                      "log_odds", "ci_low", "ci_high", "q_perm"]) if not top.empty
                     else "<p>No entry's share of its frame differs at q_perm &lt; 0.05.</p>")
    return "".join(parts)


def frames_difference_html(result: Any) -> str:
    """The frame differences with intervals, for the frames section of the report."""
    difference = result.tables.get("frames_difference")
    if difference is None or difference.empty:
        return ""
    ordered = difference.reindex(difference["difference"].abs().sort_values(ascending=False).index)
    return ("<p>Differences in frame share between groups, with document-bootstrap intervals (an interval "
            "excluding zero is a difference the resampling supports):</p>"
            + _rows_html(ordered, ["frame", "group_a", "group_b", "difference", "ci_low", "ci_high",
                                   "resampling_unit"]))


def keyness_columns_html() -> str:
    """What the keyness columns mean and which decides "key" (for the report)."""
    return (
        "<p><b>Which column decides.</b> A term is <b>key</b> when the permutation test that reassigns whole "
        "documents between the groups gives <code>q_perm</code> &lt; 0.05 (Benjamini-Hochberg across the terms of "
        "the comparison; <code>p_perm</code> is sequential, <code>n_perm_run</code> says how many permutations it "
        "rests on). <code>ci_low</code>/<code>ci_high</code> are a bootstrap interval of <code>log_odds</code> that "
        "resamples documents: how large the difference is. <code>z</code> is the token-level z-score of the "
        "log-odds: it treats every token as independent, so with few documents it overstates certainty; it is "
        "shown to order terms, not to decide. <code>count_*</code>, <code>rate_*</code>: occurrences and share of "
        "the side's tokens; <code>dispersion_docs</code>: share of the group's documents using the term. Rows with "
        "<code>resampling_unit</code> = <code>document_block</code> resample and permute random blocks of a group's "
        "documents instead of single documents (groups larger than <code>[uncertainty] max_units</code>; "
        "docs/comparisons.md).</p>")
