"""Heatmaps: passages by topic, and document similarity, with group annotations."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from textlab._errors import ConfigError
from textlab.plots._colors import resolve_colors
from textlab.plots._common import group_legend, require_columns, shorten, topic_names
from textlab.plots._style import new_axes, finish_ticks, style

__all__ = ["passage_topic_table", "plot_passage_topics", "order_similarity", "plot_similarity",
           "keyness_heatmap_table", "plot_keyness_heatmap"]


def passage_topic_table(
    doc_topic: np.ndarray | pd.DataFrame,
    passages: pd.DataFrame,
    *,
    group_column: str = "group",
) -> pd.DataFrame:
    """Passage-by-topic proportions with their metadata, ordered by group, document and position.

    Parameters
    ----------
    doc_topic
        N x K proportions, rows in the order of ``passages`` (``LdaFit.doc_topic``),
        or a DataFrame with columns ``1..K``.
    passages
        ``passage_id, doc_id, <group_column>`` (and ``position`` if known;
        otherwise the given order within each document).
    group_column
        Column of ``passages`` holding the group.

    Returns
    -------
    DataFrame
        ``passage_id, doc_id, group, position`` then one column per topic
        named ``1..K``, in drawing order (top to bottom).

    Examples
    --------
    >>> p = pd.DataFrame({"passage_id": ["b:000", "a:000"], "doc_id": ["b", "a"], "group": ["x", "x"]})
    >>> passage_topic_table([[0.2, 0.8], [0.6, 0.4]], p)["passage_id"].tolist()
    ['a:000', 'b:000']
    """
    require_columns(passages, ["passage_id", "doc_id", group_column], "passages")
    values = doc_topic.to_numpy(dtype=float) if isinstance(doc_topic, pd.DataFrame) else np.asarray(doc_topic, float)
    if values.ndim != 2 or values.shape[0] != len(passages):
        raise ConfigError(
            f"doc_topic has shape {values.shape}; expected one row per passage ({len(passages)} rows) and K columns"
        )
    if isinstance(doc_topic, pd.DataFrame):
        names = [str(c) for c in doc_topic.columns]
    else:
        names = [str(k) for k in range(1, values.shape[1] + 1)]
    base = pd.DataFrame({
        "passage_id": passages["passage_id"].astype(str).to_numpy(),
        "doc_id": passages["doc_id"].astype(str).to_numpy(),
        "group": passages[group_column].astype(str).to_numpy(),
    })
    if "position" in passages.columns:
        base["position"] = passages["position"].to_numpy(dtype=np.int64)
    else:
        base["position"] = base.groupby("doc_id", sort=False).cumcount().to_numpy(dtype=np.int64)
    table = pd.concat([base, pd.DataFrame(values, columns=names)], axis=1)
    return table.sort_values(["group", "doc_id", "position"], kind="stable").reset_index(drop=True)


def _group_strip(ax: Axes, groups: list[str], colors: Mapping[str, str], *, axis: str, width: float = 0.025) -> None:
    """Colour strip outside the left (axis="y") or top (axis="x") edge, one cell per row/column.

    Beyond 200 rows, consecutive rows of one group are drawn as one rectangle (same picture; tens of
    thousands of passages no longer mean tens of thousands of patches in the PDF).
    """
    groups = list(groups)
    if len(groups) > 200:
        starts = [0] + [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]
        cells = [(s, e - s, groups[s]) for s, e in zip(starts, starts[1:] + [len(groups)])]
    else:
        cells = [(i, 1, g) for i, g in enumerate(groups)]
    for i, size, g in cells:
        if axis == "y":
            tr = blended_transform_factory(ax.transAxes, ax.transData)
            rect = Rectangle((-width - 0.005, i - 0.5), width, size, transform=tr, color=colors[g], clip_on=False)
        else:
            tr = blended_transform_factory(ax.transData, ax.transAxes)
            rect = Rectangle((i - 0.5, 1.005), size, width, transform=tr, color=colors[g], clip_on=False)
        ax.add_patch(rect)


def plot_passage_topics(
    doc_topic: np.ndarray | pd.DataFrame,
    passages: pd.DataFrame,
    *,
    group_column: str = "group",
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    topic_labels: Mapping[int, str] | None = None,
    cmap: str = "viridis",
    max_doc_labels: int = 40,
) -> Axes:
    """Heatmap of topic proportions: one row per passage, ordered by group, document and position.

    Lines separate documents; document ids label each block on the right;
    a strip of group colours runs down the left. The table drawn is
    :func:`passage_topic_table` of the same inputs (save that as the CSV).

    Parameters
    ----------
    doc_topic, passages, group_column
        See :func:`passage_topic_table`.
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    topic_labels
        ``{topic: label}`` for the column labels (topics are numbered 1..K).
    cmap
        Sequential colour map (0 to 1).
    max_doc_labels
        With more documents, ids and separator lines are left out (they
        would merge); the group strip still shows the groups.

    Returns
    -------
    Axes

    Examples
    --------
    >>> p = pd.DataFrame({"passage_id": ["a:000", "a:001"], "doc_id": "a", "group": "mixed"})
    >>> ax = plot_passage_topics([[0.2, 0.8], [0.6, 0.4]], p)
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    table = passage_topic_table(doc_topic, passages, group_column=group_column)
    topic_cols = list(table.columns[4:])
    values = table[topic_cols].to_numpy(dtype=float)
    groups = table["group"].tolist()
    colors = resolve_colors(sorted(set(groups)), colors)
    n, k = values.shape
    with style():
        ax = new_axes(ax, "single", 4.2)
        im = ax.imshow(values, aspect="auto", interpolation="nearest", cmap=cmap, vmin=0.0, vmax=1.0)
        docs = table["doc_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
        ends = np.r_[starts[1:], n]
        if len(starts) <= max_doc_labels:
            for s in starts[1:]:
                ax.axhline(s - 0.5, color="white", linewidth=0.8)
            ax.set_yticks((starts + ends - 1) / 2, [shorten(d, 10) for d in docs[starts]])
        else:
            ax.set_yticks([])
        ax.tick_params(axis="y", length=0)
        ax.set_ylabel("Passages, by group and document")
        try:
            labels = topic_names([int(c) for c in topic_cols], topic_labels, width=34)
        except ValueError:
            labels = topic_cols
        labels = [s.replace("Topic ", "") for s in labels]
        rotate = any(len(s) > 3 for s in labels) and k > 3
        ax.set_xticks(np.arange(k), labels, rotation=45 if rotate else 0, ha="right" if rotate else "center")
        ax.set_xlabel("Topic")
        for spine in ax.spines.values():
            spine.set_visible(False)
        strip = 0.04
        _group_strip(ax, groups, colors, axis="y", width=strip)
        # tick labels sit left of the strip: pad = strip width in points (axes width * fraction) + a gap
        axes_width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        ax.yaxis.set_tick_params(pad=(strip + 0.005) * axes_width_pt + 3)
        cbar = ax.figure.colorbar(im, ax=ax, shrink=0.8, pad=0.02)
        cbar.set_label("Topic proportion")
        cbar.ax.tick_params(labelsize=7)
        group_legend(ax, colors, marker="s", loc="lower left", bbox_to_anchor=(0.0, 1.0),
                     ncols=min(3, len(colors)), handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax


def order_similarity(similarity: pd.DataFrame, groups: pd.Series | Mapping[str, str]) -> pd.DataFrame:
    """Reorder a square similarity table by group, then id.

    Parameters
    ----------
    similarity
        Square table indexed and columned by ``doc_id``.
    groups
        ``doc_id -> group``.

    Returns
    -------
    DataFrame
        The same values, rows and columns in the new order.

    Examples
    --------
    >>> s = pd.DataFrame([[1, .2], [.2, 1]], index=["b", "a"], columns=["b", "a"])
    >>> order_similarity(s, {"a": "x", "b": "x"}).index.tolist()
    ['a', 'b']
    """
    groups = pd.Series(groups)
    groups.index = groups.index.astype(str)
    ids = [str(i) for i in similarity.index]
    if [str(c) for c in similarity.columns] != ids:
        raise ConfigError("similarity must be square with the same ids, in the same order, as index and columns")
    missing = sorted(set(ids) - set(groups.index))
    if missing:
        raise ConfigError(f"groups has no group for id(s) {missing}")
    order = sorted(ids, key=lambda i: (str(groups[i]), i))
    sim = similarity.copy()
    sim.index, sim.columns = ids, ids
    return sim.loc[order, order]


def plot_similarity(
    similarity: pd.DataFrame,
    groups: pd.Series | Mapping[str, str],
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
    max_labels: int = 40,
    strips: bool = True,
) -> Axes:
    """Cosine-similarity heatmap ordered by group, values written in the cells, group strips on both axes.

    For a table of groups (rows summed per group, ``similarity_table`` beyond ``max_rows``) pass
    ``strips=False``: the tick labels name the groups, so no colour strips or legend are drawn.

    Parameters
    ----------
    similarity
        Square table (``models.tfidf.similarity_table``), values in [0, 1].
    groups
        ``doc_id -> group``.
    ax
        Axes; default a new single-column figure.
    colors
        ``{group: colour}``; default :func:`group_colors`.
    annotate
        Write the values in the cells; default when there are at most 8 rows
        (beyond that the numbers no longer fit a single-column cell at 7 pt).
    cmap
        Sequential colour map.
    max_labels
        With more rows, id tick labels are left out (group strips remain).
    strips
        Draw the group colour strips and their legend.

    Returns
    -------
    Axes

    Examples
    --------
    >>> s = pd.DataFrame([[1, .2], [.2, 1]], index=["a", "b"], columns=["a", "b"])
    >>> ax = plot_similarity(s, {"a": "outlet-b", "b": "mixed"})
    >>> [t.get_text() for t in ax.texts]
    ['1.00', '0.20', '0.20', '1.00']
    """
    sim = order_similarity(similarity, groups)
    gs = pd.Series(groups)
    gs.index = gs.index.astype(str)
    row_groups = [str(gs[i]) for i in sim.index]
    colors = resolve_colors(sorted(set(row_groups)), colors)
    values = sim.to_numpy(dtype=float)
    n = len(sim)
    annotate = n <= 8 if annotate is None else annotate
    with style():
        ax = new_axes(ax, "single", 3.2)
        im = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        if annotate:
            for i in range(n):
                for j in range(n):
                    v = values[i, j]
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7 if n <= 8 else 6,
                            color="black" if v > 0.6 else "white")
        ids = [shorten(i, 12 if strips else 18) for i in sim.index] if n <= max_labels else []
        ax.set_xticks(np.arange(len(ids)), ids, rotation=90 if n > 6 else 0)
        ax.set_yticks(np.arange(len(ids)), ids)
        ax.tick_params(axis="both", length=0)
        ax.xaxis.set_tick_params(pad=2)
        ax.yaxis.set_tick_params(pad=8)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if strips:
            _group_strip(ax, row_groups, colors, axis="y", width=0.035)
            _group_strip(ax, row_groups, colors, axis="x", width=0.035)
        else:
            ax.yaxis.set_tick_params(pad=2)
        cbar = ax.figure.colorbar(im, ax=ax, shrink=0.8, pad=0.03)
        cbar.set_label("Cosine similarity (TF-IDF)")
        cbar.ax.tick_params(labelsize=7)
        if strips:
            group_legend(ax, colors, marker="s", loc="lower left", bbox_to_anchor=(0.0, 1.05),
                         ncols=min(3, len(colors)), handletextpad=0.2, columnspacing=0.8)
        finish_ticks(ax)
    return ax


def keyness_heatmap_table(table: pd.DataFrame, *, n_terms: int = 5, value: str = "log_odds",
                          fdr_level: float = 0.05) -> pd.DataFrame:
    """Long table of a term x group heatmap: each group's top terms against the rest, every group's value.

    Parameters
    ----------
    table
        Keyness rows with ``reference == "rest"`` (each group against the rest); other rows are ignored.
    n_terms
        Terms per group: its highest-``z`` key terms (``q_perm < fdr_level`` or the ``key`` column),
        topped up with its highest-``z`` terms when fewer are key.
    value
        Column drawn in the cells (``"log_odds"`` or ``"z"``).
    fdr_level
        Level of ``key`` when the table has no ``key`` column.

    Returns
    -------
    DataFrame
        ``row, term, label, selected_for, group, value, key``: ``row`` orders terms (grouped
        by the group they were selected for), one row per (term, group).

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["a", "b", "a", "b"], "label": ["a", "b", "a", "b"], "group": ["x", "x", "y", "y"],
    ...                   "reference": "rest", "z": [3.0, -3.0, -3.0, 3.0], "log_odds": [1.0, -1.0, -1.0, 1.0],
    ...                   "q_perm": [0.01, 0.01, 0.01, 0.01]})
    >>> keyness_heatmap_table(t, n_terms=1)[["row", "term", "group", "value"]].values.tolist()
    [[0, 'a', 'x', 1.0], [0, 'a', 'y', -1.0], [1, 'b', 'x', -1.0], [1, 'b', 'y', 1.0]]
    """
    from textlab.plots.keyness import key_mask

    require_columns(table, ["term", "group", "reference", "z", value], "table")
    rest = table[table["reference"].astype(str) == "rest"].assign(key=lambda t: key_mask(t, fdr_level))
    if rest.empty:
        raise ConfigError("table has no rows with reference == 'rest'; score keyness with reference='rest'")
    chosen: list[tuple[str, str]] = []
    for g, rows in rest.groupby(rest["group"].astype(str), sort=True):
        rows = rows.sort_values(["key", "z", "term"], ascending=[False, False, True], kind="stable")
        for term in rows[rows["z"] > 0]["term"].astype(str).head(n_terms):
            if term not in {t for t, _ in chosen}:
                chosen.append((term, g))
    order = {t: i for i, (t, _) in enumerate(chosen)}
    picked = rest[rest["term"].astype(str).isin(order)]
    labels = picked.drop_duplicates("term").set_index("term")["label"] if "label" in picked.columns else None
    out = pd.DataFrame({
        "row": picked["term"].astype(str).map(order).to_numpy(),
        "term": picked["term"].astype(str).to_numpy(),
        "label": (picked["term"].map(labels) if labels is not None else picked["term"]).astype(str).to_numpy(),
        "selected_for": picked["term"].astype(str).map(dict(chosen)).to_numpy(),
        "group": picked["group"].astype(str).to_numpy(),
        "value": picked[value].to_numpy(dtype=float),
        "key": picked["key"].to_numpy(dtype=bool),
    })
    return out.sort_values(["row", "group"], kind="stable", ignore_index=True)


def plot_keyness_heatmap(
    heat: pd.DataFrame,
    *,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    value_label: str = "log-odds vs the rest",
    cmap: str = "RdBu_r",
    label_width: int = 22,
) -> Axes:
    """Term x group heatmap of keyness against the rest; key cells marked.

    A dot marks key cells when at most half of the cells are key; otherwise (large corpora, where
    nearly every difference is significant) an open circle marks the cells that are *not* key,
    and the axis label says which.

    Legible for 10-20 groups: one column per group, each group's top terms as rows (grouped
    by the group they were chosen for, that group's colour in a strip on the left); the cells
    show every group's value for the term, so a term shared by several groups shows as a
    row with several warm cells. Colour scale symmetric around zero.

    Parameters
    ----------
    heat
        :func:`keyness_heatmap_table` output.
    ax
        Axes; default a new full-width figure sized to the rows.
    colors
        ``{group: colour}`` for the strip; default :func:`group_colors`.
    value_label
        Colour bar label.
    cmap
        Diverging colour map.
    label_width
        Term labels cut to this many characters.

    Returns
    -------
    Axes

    Examples
    --------
    >>> t = pd.DataFrame({"row": [0, 0], "term": "a", "label": "a", "selected_for": "x", "group": ["x", "y"],
    ...                   "value": [1.0, -1.0], "key": [True, False]})
    >>> ax = plot_keyness_heatmap(t)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['x', 'y']
    """
    require_columns(heat, ["row", "term", "label", "selected_for", "group", "value", "key"], "heat")
    groups = sorted(heat["group"].astype(str).unique())
    rows = heat.drop_duplicates("row").sort_values("row")
    n = len(rows)
    grid = heat.pivot(index="row", columns="group", values="value").reindex(index=rows["row"], columns=groups)
    keys = heat.pivot(index="row", columns="group", values="key").reindex(index=rows["row"], columns=groups)
    keys = keys.fillna(False).astype(bool).to_numpy()
    values = grid.to_numpy(dtype=float)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    colors = resolve_colors(groups, colors)
    with style():
        ax = new_axes(ax, "full", 0.9 + 0.13 * n)
        im = ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
        # mark the rarer kind: key cells (a dot) when at most half the cells are key, else the cells that are
        # not (an open circle) - with thousands of documents nearly every difference is significant
        mark_key = keys.mean() <= 0.5 if keys.size else True
        yy, xx = np.nonzero(keys if mark_key else ~keys)
        if mark_key:
            ax.scatter(xx, yy, s=4, c="black", linewidths=0, zorder=3)
        else:
            ax.scatter(xx, yy, s=9, facecolors="none", edgecolors="black", linewidths=0.5, zorder=3)
        ax.set_xticks(np.arange(len(groups)), [shorten(g, 18) for g in groups], rotation=45, ha="right",
                      rotation_mode="anchor")
        ax.set_yticks(np.arange(n), [shorten(t, label_width) for t in rows["label"].astype(str)], fontsize=6)
        ax.tick_params(axis="both", length=0)
        ax.yaxis.set_tick_params(pad=7)
        for spine in ax.spines.values():
            spine.set_visible(False)
        _group_strip(ax, rows["selected_for"].astype(str).tolist(), colors, axis="y", width=0.012)
        cbar = ax.figure.colorbar(im, ax=ax, shrink=min(1.0, 6.0 / max(n, 1) + 0.3), pad=0.02)
        cbar.set_label(value_label)
        cbar.ax.tick_params(labelsize=7)
        ax.set_xlabel("Group (each against all the others); " + ("dot: key (permutation q_perm below the level)"
                      if mark_key else f"open circle: not key; the other {keys.mean():.0%} of cells are key"))
    return ax
