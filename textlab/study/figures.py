"""Every figure of a study, built from its step results, and the one call that writes them all.

Each step of :data:`textlab.study.steps.STEPS` names its figure functions
(``draw(result) -> FigureSpec | list[FigureSpec] | None``); the built-in ones are below.
:func:`build_figures` draws every figure of a :class:`~textlab.study.run.StudyResult` (in
memory, from a fresh run or a results folder read back); :func:`make_figures` writes each in
the study's ``[figures] formats`` (default vector PDF and 300 dpi PNG) with the CSV of exactly
what is drawn, plus ``README.md`` with a caption and the numbers behind each headline claim.
Files are byte-identical on reruns.  Group colours come from ``[figures] colors`` (other groups
get the colour-blind-safe palette) and interval levels from each result's ``params``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from textlab import plots
from textlab.study._figures_write import _formats_sentence, _readme, make_figures  # noqa: F401 - re-exported

__all__ = ["FigureSpec", "build_figures", "make_figures", "FIGURE_NAMES", "study_colors"]

#: File stems of the figures, in the order of the README.
FIGURE_NAMES = (
    "01_corpus_overview",
    "02_keyness",
    "03_keyness_intervals",
    "04_distinctive_terms",
    "05_model_selection",
    "06_topic_terms",
    "07_topic_prevalence",
    "08_prevalence_difference",
    "09_passage_topics",
    "10_document_similarity",
    "11_frames",
    "12_topic_map",
    "13_keyness_by_group",
    "14_perspectives",
    "15_frame_difference",
    "16_frame_wording",
)


@dataclass(frozen=True)
class FigureSpec:
    """One figure: the drawing, the table drawn, a caption and its headline numbers."""

    name: str
    figure: Any
    table: pd.DataFrame
    caption: str
    claim: str


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _interval(row: pd.Series, value: str = "mean") -> str:
    return f"{_fmt(row[value])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"


def study_colors(result: Any) -> dict[str, str]:
    """One colour per group of the study: ``[figures] colors`` first, the palette for the rest."""
    groups = result.tables["documents"]["group"].astype(str).unique()
    return plots.group_colors(groups, fixed=getattr(result.config, "figure_colors", None) or None)


def _ci_level(result: Any, step: str) -> float:
    from textlab.study._results_lazy import step_params

    return float(step_params(result, step).get("ci_level", result.config.ci_level))


def _contrast(result: Any) -> tuple[str, str]:
    if result.config.contrast:
        return tuple(result.config.contrast)  # type: ignore[return-value]
    groups = sorted(result.tables["documents"]["group"].unique())
    return groups[0], groups[1] if len(groups) > 1 else "rest"


def _topic_labels(result: Any) -> dict[int, str]:
    """Topic -> "term · term" (top two FREX terms), "(unstable)" appended where stability is low.

    The one labelling of the study (:func:`textlab.plots.topic_labels`), used by every figure and the
    report; read from the ``topic_terms`` table, so drawing needs no topic-model code.
    """
    from textlab.plots.topics import topic_labels

    return topic_labels(result.tables["topic_terms"], result.tables.get("stability"))


#: Above this many documents figure 01 draws box plots per group and its CSV holds what they draw (the
#: quartiles and whiskers of words per document before and after cleaning, per group) instead of one row
#: per document (32 MB at a million documents).
OVERVIEW_CSV_MAX_DOCUMENTS = 10_000


def figure_corpus(result: Any) -> FigureSpec:
    """01: words per document before and after cleaning (step ``corpus``)."""
    table = plots.corpus_overview_table(result.tables["documents"], group_column="group")
    fig, ax = plots.figure("single", 2.4)
    plots.plot_corpus_overview(table, ax=ax, colors=_colors_for(result, table["group"]))
    from textlab.study._overview import overview_summary

    drawn = table if len(table) <= OVERVIEW_CSV_MAX_DOCUMENTS else overview_summary(table)
    worst = table.sort_values("share_removed", ascending=False).iloc[0]
    claim = (f"Cleaning kept {int(table['n_words_clean'].sum())} of {int(table['n_words_raw'].sum())} words; "
             f"document {worst['doc_id']} lost the most ({worst['share_removed']:.0%}, "
             f"{int(worst['n_words_removed'])} words removed by the cleaning rules).")
    caption = ("Words per document before (outline) and after (filled) cleaning, by group. Removed text is web "
               "boilerplate listed row by row in the audit table.")
    if drawn is not table:
        caption += (f" {len(table):,} documents: the CSV holds each group's box plot (quartiles and whiskers), "
                    "not one row per document (the documents table has those).")
    return FigureSpec("01_corpus_overview", fig, drawn, caption, claim)


def _keyness_side(result: Any) -> pd.DataFrame:
    group_a, group_b = _contrast(result)
    keyness = result.tables["keyness"]
    side = keyness[(keyness["group"] == group_a)]
    if group_b != "rest":
        side = side[side["reference"] == group_b]
    return side


def _colors_for(result: Any, groups: Iterable[str]) -> dict[str, str]:
    colors = study_colors(result)
    return {g: colors[g] for g in sorted({str(g) for g in groups}) if g in colors}


def figure_keyness(result: Any) -> tuple[FigureSpec, FigureSpec]:
    """02 and 03: key terms of the contrast and their intervals (step ``keyness``)."""
    side = _keyness_side(result)
    labels = plots.select_keyness_labels(side, n=8, z_threshold=1.0)
    group_a, group_b = _contrast(result)
    colors = study_colors(result)
    fig, ax = plots.figure("full", 3.6)
    plots.plot_keyness(side, ax=ax, labels=labels, colors=colors)
    key = plots.keyness.key_mask(side)
    top_a = side.sort_values("z", ascending=False).head(3)
    top_b = side.sort_values("z").head(3)

    def _term(r: Any) -> str:
        return f"{r.label} (z = {r.z:.1f}, q = {r.q_perm:.2g})"

    units = ", ".join(sorted(str(u).replace("_", " ") for u in side["resampling_unit"].unique()))  # document blocks
    claim = (f"{int(key.sum())} of {len(side)} terms are key (permutation q_perm < 0.05, resampling "
             f"{units}s): {int((key & (side['z'] > 0)).sum())} favour "
             f"{group_a}, {int((key & (side['z'] < 0)).sum())} {group_b}. Highest z for {group_a}: "
             + ", ".join(_term(r) for r in top_a.itertuples()) + f"; for {group_b}: "
             + ", ".join(_term(r) for r in top_b.itertuples()) + ".")
    caption = (f"Fightin' words: each term's total frequency against its log-odds z-score ({group_a} vs {group_b}, "
               "Monroe et al. 2008, informative Dirichlet prior). Coloured points are key terms: the permutation "
               "test that reassigns whole documents gives q_perm < 0.05 (Benjamini-Hochberg); z places a term but "
               "treats tokens as independent, so it does not decide. Labelled terms are the eight highest and "
               "lowest z with |z| ≥ 1 (grey labels: not key).")
    keyness_spec = FigureSpec("02_keyness", fig, side, caption, claim)

    fig2, ax2 = plots.figure("single", 3.4)
    plots.plot_keyness_intervals(labels, ax=ax2, colors=colors, ci_level=_ci_level(result, "keyness"))
    caption2 = ("Log-odds of the labelled terms with bootstrap intervals that resample documents (passages "
                "where a group has one document); filled points are key (permutation q_perm < 0.05), open points "
                "are not. Token-level z-scores alone overstate certainty.")
    wide = labels[(labels["ci_low"] > 0) | (labels["ci_high"] < 0)]
    claim2 = (f"{int(plots.keyness.key_mask(labels).sum())} of {len(labels)} labelled terms are key; {len(wide)} keep "
              "a bootstrap interval that excludes zero.")
    return keyness_spec, FigureSpec("03_keyness_intervals", fig2, labels, caption2, claim2)


def figure_distinctive(result: Any) -> FigureSpec:
    """04: the most distinctive terms of each group (step ``tfidf``)."""
    table = result.tables["distinctive_terms"]
    table = table[table["rank"] <= 10]
    from textlab.plots.terms import panel_grid

    n_groups = table["group"].nunique()
    height = 2.8 if panel_grid(n_groups)[1] == 1 else panel_grid(n_groups)[1] * 2.15
    fig = plt.figure(figsize=(plots.FULL_WIDTH, height))
    with plots.style():
        plots.plot_distinctive_terms(table, fig=fig, colors=_colors_for(result, table["group"]))
    tops = table[table["rank"] == 1]
    claim = "Top TF-IDF term per group: " + "; ".join(f"{r.group}: {r.label}" for r in tops.itertuples()) + "."
    caption = ("The ten most distinctive terms of each group by TF-IDF, treating all passages of a group as one "
               "document.")
    return FigureSpec("04_distinctive_terms", fig, table, caption, claim)


def figure_selection(result: Any) -> FigureSpec | None:
    """05: coherence and diversity against K (step ``model_selection``)."""
    table = result.tables.get("model_selection")
    if table is None:
        return None
    selection = result.results["model_selection"]
    edge = bool(selection.params.get("at_edge", False))
    fig = plt.figure(figsize=(plots.FULL_WIDTH, 2.3))
    with plots.style():
        plots.plot_model_selection(table, chosen_n_topics=result.n_topics, fig=fig, at_edge=edge)
    summary = table.groupby("n_topics")[["c_v", "c_npmi", "diversity"]].mean()
    chosen = summary.loc[result.n_topics]
    claim = (f"K = {result.n_topics} chosen by: {result.provenance.get('n_topics_rule')}; at that K mean "
             f"c_npmi = {chosen['c_npmi']:.3f}, c_v = {chosen['c_v']:.3f}, diversity = {chosen['diversity']:.2f}.")
    if edge:
        low, high = int(table["n_topics"].min()), int(table["n_topics"].max())
        claim += (f" Warning: K = {result.n_topics} is at the edge of the range searched ({low}..{high}); "
                  "a wider [lda] n_topics_range may choose another K.")
    caption = ("Model selection: topic coherence (c_v, c_npmi) and diversity against the number of topics K; "
               "points are seeds, lines are means; the dashed line marks the chosen K.")
    return FigureSpec("05_model_selection", fig, table, caption, claim)


def figure_topics(result: Any) -> FigureSpec:
    """06: top terms of each topic with its stability (step ``topics``)."""
    terms = result.tables["topic_terms"]
    terms = terms[(terms["method"] == "probability") & (terms["rank"] <= 8)]
    stability = result.tables["stability"]
    k = result.n_topics
    ncols = min(4, k)
    nrows = int(np.ceil(k / ncols))
    fig = plt.figure(figsize=(plots.FULL_WIDTH, 1.75 * nrows + 0.3))
    with plots.style():
        plots.plot_topic_terms(terms, stability, fig=fig, topic_labels=_topic_labels(result), ncols=ncols)
    unstable = stability[~stability["stable"].astype(bool)]
    claim = (f"{k} topics; stability (mean 1 − JSD to matched topics over {len(result.fits)} seeds) ranges "
             f"{stability['stability'].min():.2f}–{stability['stability'].max():.2f}; "
             + (f"unstable: {', '.join(str(t) for t in unstable['topic'])}." if len(unstable) else "none unstable."))
    caption = ("Top terms of each topic by probability p(term | topic), with each topic's stability across seeds "
               "(mean 1 − Jensen–Shannon distance to the matched topic of every other seed); topics below the "
               "stability threshold are hatched and flagged. Each panel is titled with the topic's name used in every "
               "figure and table (its top two FREX terms: frequent in the topic and exclusive to it).")
    return FigureSpec("06_topic_terms", fig, terms, caption, claim)


def figure_prevalence(result: Any) -> tuple[FigureSpec, FigureSpec]:
    """07 and 08: topic prevalence by group and the contrast's difference (step ``prevalence``)."""
    labels = _topic_labels(result)
    colors = study_colors(result)
    by_group = result.tables["prevalence_by_group"]
    fig, ax = plots.figure("full", 0.45 * result.n_topics + 1.0)
    plots.plot_prevalence(by_group, ax=ax, topic_labels=labels, label_width=46,
                          colors=_colors_for(result, by_group["group"]), ci_level=_ci_level(result, "prevalence"))
    caption = ("Mean share of each topic in a group's passages, with intervals composing posterior draws of "
               "passage topic proportions, resampling of documents (passages for one-document groups) and the "
               "spread across aligned seed runs.")
    top = by_group.sort_values("mean", ascending=False).groupby("group").head(1)
    claim = "Most prevalent topic per group: " + "; ".join(
        f"{r.group}: topic {r.topic} ({_fmt(r.mean)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}])" for r in top.itertuples()
    ) + "."
    spec1 = FigureSpec("07_topic_prevalence", fig, by_group, caption, claim)

    difference = result.tables["prevalence_difference"]
    fig2, ax2 = plots.figure("full", 0.4 * result.n_topics + 1.0)
    plots.plot_prevalence_difference(difference, ax=ax2, topic_labels=labels, label_width=46, colors=colors)
    group_a, group_b = difference["group_a"].iloc[0], difference["group_b"].iloc[0]
    excl = difference[(difference["ci_low"] > 0) | (difference["ci_high"] < 0)]
    divergence = result.tables["topic_divergence"].iloc[0]
    claim2 = (f"{len(excl)} of {len(difference)} topics differ with an interval excluding zero ({group_a} − "
              f"{group_b}); largest: " + "; ".join(
                  f"topic {r.topic} {r.difference:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
                  for r in difference.reindex(difference["difference"].abs().sort_values(ascending=False).index)
                  .head(2).itertuples())
              + f". Jensen–Shannon divergence of the topic mixtures {_interval(divergence, 'jsd')}.")
    caption2 = (f"Difference in topic prevalence, {group_a} minus {group_b}, with composed intervals "
                "(as in stm's estimateEffect plots).")
    return spec1, FigureSpec("08_prevalence_difference", fig2, difference, caption2, claim2)


#: Passages drawn in figure 09 at most (above it, a stratified random sample of this many).
MAX_PASSAGES_SHOWN = 3_000


def figure_passage_topics(result: Any) -> FigureSpec:
    """09: topic proportions of every passage (step ``topics``)."""
    from textlab.analysis.topics.sampled import sample_rows

    labels = _topic_labels(result)
    passages, doc_topic = result.tokenized.passages, result.fits[0].doc_topic
    n_all, shown = len(passages), ""
    if n_all > MAX_PASSAGES_SHOWN:  # a readable figure and a small CSV: a stratified sample of the passages
        rows, _ = sample_rows(passages, size=MAX_PASSAGES_SHOWN, strata=[result.group_column], random_state=0)
        passages, doc_topic = passages.iloc[rows].reset_index(drop=True), np.asarray(doc_topic)[rows]
        shown = (f" A random sample of {MAX_PASSAGES_SHOWN:,} of the {n_all:,} passages is shown (stratified by "
                 "group, proportional; seed 0).")
    table = plots.passage_topic_table(doc_topic, passages, group_column=result.group_column)
    fig, ax = plots.figure("full", 4.2)
    plots.plot_passage_topics(doc_topic, passages, group_column=result.group_column, ax=ax,
                              topic_labels=labels, colors=_colors_for(result, passages[result.group_column].astype(str)))
    topics = result.tables["passage_topics"]
    dominant = pd.Series(topics.filter(like="topic_").to_numpy().argmax(axis=1) + 1)
    if topics["doc_id"].nunique() <= 50:
        per_doc = dominant.groupby(topics["doc_id"].to_numpy()).agg(lambda s: int(s.mode().iloc[0]))
        claim = "Dominant topic per document: " + ", ".join(f"{d}: {t}" for d, t in per_doc.items()) + "."
    else:  # many documents: the commonest dominant topic of each group's passages
        per_group = dominant.groupby(topics["group"].astype(str).to_numpy()).agg(lambda s: int(s.mode().iloc[0]))
        claim = "Most frequent dominant topic of the passages, per group: " + ", ".join(
            f"{g}: {t}" for g, t in per_group.items()) + "."
    caption = ("Topic proportions of every passage (rows), ordered by group, document and position; lines "
               "separate documents." + shown)
    return FigureSpec("09_passage_topics", fig, table, caption, claim)


def figure_similarity(result: Any) -> FigureSpec:
    """10: TF-IDF cosine similarity between documents (step ``tfidf``)."""
    table = result.tables["document_similarity"]
    similarity = table.set_index(table.columns[0])
    similarity.index = similarity.index.astype(str)
    params = getattr(result.results.get("tfidf"), "params", {}).get("similarity", {})
    by_group = params.get("level_shown") == "group"
    if by_group:  # summed to groups beyond the size a document matrix stays readable
        groups = pd.Series(similarity.index, index=similarity.index)
    else:
        groups = result.tables["documents"].set_index("doc_id")["group"]
        groups.index = groups.index.astype(str)
        groups = groups.reindex(similarity.index)
    ordered = plots.order_similarity(similarity, groups)
    fig, ax = plots.figure("single", 3.6 if by_group else 3.2)
    plots.plot_similarity(similarity, groups, ax=ax, colors=_colors_for(result, groups),
                          annotate=True if by_group and len(similarity) <= 12 else None, strips=not by_group)
    values = ordered.to_numpy().copy()
    np.fill_diagonal(values, np.nan)
    i, j = np.unravel_index(np.nanargmax(values), values.shape)
    claim = (f"Most similar pair: {ordered.index[i]} and {ordered.columns[j]} (cosine {values[i, j]:.2f}); "
             f"mean off-diagonal cosine {np.nanmean(values):.2f}.")
    caption = "TF-IDF cosine similarity between documents, with group colour strips."
    if by_group:
        caption = (f"TF-IDF cosine similarity between groups: the corpus has {params.get('n_rows_total')} documents, "
                   "more than a readable document-by-document matrix, so each group's passages are summed into "
                   "one profile (set by max_rows in textlab.analysis.tfidf.similarity_table).")
    elif params.get("sampled"):
        caption += (f" A random sample of {params.get('n_rows_shown')} of {params.get('n_rows_total')} documents "
                    "is shown.")
    table = ordered.reset_index().rename(columns={"index": "doc_id" if not by_group else "group"})
    return FigureSpec("10_document_similarity", fig, table, caption, claim)


def figure_frames(result: Any) -> FigureSpec:
    """11: frame prevalence by group (step ``frames``)."""
    by_group = result.tables["frames_by_group"]
    n_frames = by_group["frame"].nunique()
    fig, ax = plots.figure("full", 0.45 * n_frames + 1.0)
    plots.plot_frames(by_group, ax=ax, colors=_colors_for(result, by_group["group"]),
                      ci_level=_ci_level(result, "frames"))
    group_a, group_b = _contrast(result)
    wide = by_group.pivot(index="frame", columns="group", values="mean")
    claim = ""
    if group_a in wide.columns and group_b in wide.columns:
        gap = (wide[group_a] - wide[group_b]).sort_values()
        claim = (f"Frame most {group_a}-leaning: {gap.index[-1]} ({gap.iloc[-1]:+.3f} share of tokens); most "
                 f"{group_b}-leaning: {gap.index[0]} ({gap.iloc[0]:+.3f}).")
    caption = ("Share of tokens matching each frame of the study's codebook, by group, with bootstrap intervals "
               "(documents, or passages for one-document groups).")
    return FigureSpec("11_frames", fig, by_group, caption, claim)


def figure_topic_map(result: Any) -> FigureSpec:
    """12: intertopic distance map coloured by the leaning group (step ``prevalence``)."""
    coordinates = result.tables["topic_map"]
    leaning = plots.topic_leaning(result.tables["prevalence_difference"])
    table = coordinates.assign(leaning=coordinates["topic"].map(leaning))
    fig, ax = plots.figure("single", 3.2)
    plots.plot_topic_map(coordinates, leaning, ax=ax, colors=_colors_for(result, leaning.dropna()))
    counts = table["leaning"].fillna("neither").value_counts()
    claim = "Topics leaning to each group: " + ", ".join(f"{g}: {n}" for g, n in counts.items()) + "."
    caption = ("Intertopic distance map: Jensen–Shannon distances between topics scaled to two dimensions; "
               "marker area is prevalence, colour the group whose prevalence is higher (grey where the interval "
               "includes zero).")
    return FigureSpec("12_topic_map", fig, table, caption, claim)


def build_figures(result: Any) -> dict[str, FigureSpec]:
    """Draw every figure of a study (in memory; nothing is written).

    The figures are those of each step that produced a result (:data:`textlab.study.steps.STEPS`),
    in order of their names.

    Parameters
    ----------
    result
        A :class:`textlab.study.run.StudyResult` (from :func:`~textlab.study.run.run_study` or
        :func:`~textlab.study.results.read_results`).

    Returns
    -------
    dict
        Figure name -> :class:`FigureSpec` (figure, table drawn, caption, claim).
    """
    return {spec.name: spec for spec in sorted(iter_figures(result), key=lambda spec: spec.name)}


def iter_figures(result: Any) -> Iterator[FigureSpec]:
    """Draw the figures of :func:`build_figures` one drawing function at a time, in step order.

    A caller that writes or encodes each figure and closes it before asking for the next (the
    report) holds one figure and its table at a time, not all of them.
    """
    from textlab.study._results_lazy import step_ran
    from textlab.study.steps import STEPS, resolve

    for step in STEPS:
        if not step_ran(result, step.name):  # read from the manifest: nothing is loaded to decide
            continue
        for draw in step.figures:
            with plots.style():
                drawn = resolve(draw)(result)
            if drawn is not None:
                yield from (drawn if isinstance(drawn, list | tuple) else [drawn])
