"""``explore(result)``: an offline, interactive view of a study's topics, groups, frames and evidence."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError
from textlab.data import Result
from textlab.explorer import _charts, _data
from textlab.explorer._evidence import (_check_count, _texts, allocate_passages, kwic_lines, ranked_passages,
                                       term_index, term_index_from_counts)
from textlab.explorer._page import render_document, render_fragment

__all__ = ["Explorer", "explore"]


@dataclass(frozen=True)
class Explorer(Result):
    """The tables an explorer page is drawn from, and the page itself (:meth:`to_html`, :meth:`save`).

    Attributes
    ----------
    topics
        ``topic, name, label, x, y, prevalence, stable, stability, lean, difference, diff_low, diff_high``.
    terms
        Candidate terms per topic: ``topic, term, label, logp, loglift, topic_count, corpus_count``
        (every term in some topic's top ``n_terms`` at some λ of the slider).
    prevalence, difference
        Topic prevalence by group and its difference between groups, with intervals.
    frames, keyness
        Frame share by group; the key terms drawn.
    passages
        The sampled passages whose text the page holds: ``passage_id, doc_id, group, title, text``.
    topic_passages, frame_passages
        ``key, rank, passage_id, score``: the passages shown for each topic (score = its share of
        the passage) and frame (score = the number of frame tokens in the passage).
    kwic
        ``term, n_passages, passage_id, doc_id, group, left, match, right``.
    frame_drivers
        ``frame, drivers``: the terms that contribute most to each frame.
    """

    topics: pd.DataFrame
    terms: pd.DataFrame
    prevalence: pd.DataFrame
    difference: pd.DataFrame
    frames: pd.DataFrame
    keyness: pd.DataFrame
    passages: pd.DataFrame
    topic_passages: pd.DataFrame
    frame_passages: pd.DataFrame
    kwic: pd.DataFrame
    frame_drivers: pd.DataFrame

    # -- the page ------------------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        """The JSON the page is built from: Vega-Lite specs and the evidence."""
        p = self.params
        colors = {**p["colors"], _data.NO_LEAN: "#BBBBBB"}
        first = int(self.topics["topic"].min()) if len(self.topics) else None
        ci = p["ci_percent"]
        specs: dict[str, dict] = {}
        if len(self.topics):
            specs["map"] = _charts.map_chart(self.topics, colors)
            specs["terms"] = _charts.terms_chart(self.terms, first_topic=first, n_terms=p["n_terms"],
                                                 lambda_step=p["lambda_step"])
        if len(self.prevalence):
            specs["prevalence"] = _charts.prevalence_chart(self.prevalence, p["colors"], first_topic=first,
                                                           ci_percent=ci)
        if len(self.difference):
            specs["difference"] = _charts.difference_chart(self.difference, first_topic=first, ci_percent=ci)
        if len(self.frames):
            specs["frames"] = _charts.frames_chart(self.frames, p["colors"], ci_percent=ci)
        if len(self.keyness):
            key_colors = {g: p["colors"].get(g, "#555555") for g in self.keyness["key_for"].astype(str).unique()}
            specs["keyness"] = _charts.keyness_chart(self.keyness, key_colors, ci_percent=ci)
        passages = {r.passage_id: [r.doc_id, r.group, r.title, r.text] for r in self.passages.itertuples()}
        label_of = dict(zip(self.terms["term"], self.terms["label"]))
        label_of.update(zip(self.keyness["term"], self.keyness["label"]))
        kwic = {}
        for term, rows in self.kwic.groupby("term", sort=True):
            kwic[str(term)] = {"label": str(label_of.get(term, term)), "n": int(rows["n_passages"].iloc[0]),
                               "lines": rows[["passage_id", "doc_id", "group", "left", "match", "right"]]
                               .astype(str).values.tolist()}
        return {
            "specs": specs, "first_topic": first, "n_terms": p["n_terms"], "random_state": p["random_state"],
            "window": p["window"], "passages": passages, "kwic": kwic,
            "topics": {str(r.topic): {"name": r.name, "label": r.label, "stable": bool(r.stable)}
                       for r in self.topics.itertuples()},
            "topic_passages": _by_key(self.topic_passages), "frame_passages": _by_key(self.frame_passages),
            "frame_drivers": dict(zip(self.frame_drivers["frame"].astype(str), self.frame_drivers["drivers"])),
        }

    def _notes(self) -> list[str]:
        p = self.params
        unstable = self.topics.loc[~self.topics["stable"].astype(bool), "topic"].astype(int).tolist()
        notes = [
            f"{p['n_topics']} topics, numbered 1..{p['n_topics']} as in every table and figure of this study; "
            + (f"unstable across seeds: {', '.join(map(str, unstable))} (dashed on the map, marked in labels)."
               if unstable else "all stable across seeds."),
            html.escape(f"Evidence is a sample: this page holds {p['n_passages_embedded']:,} of the "
                        f"{p['n_passages_total']:,} passages (up to {p['n_passages']} per topic and per frame, "
                        f"highest topic share or most frame tokens first, repeated texts once, at most "
                        f"{p['max_passages']:,} in all) and up to "
                        f"{p['n_kwic']} keyword-in-context lines for each of {p['n_kwic_terms']:,} terms, from "
                        f"passages drawn at random (random_state={p['random_state']})."),
            "Every view exports as PNG or SVG from its ⋯ menu. Works offline: all scripts are in this file.",
        ]
        if p.get("fast"):
            notes.insert(0, "<b>Quick look (--fast)</b>: fewer seeds and replicates than the study asks for.")
        return notes

    def fragment(self, *, root_id: str = "textlab-explorer") -> str:
        """The explorer as an HTML fragment (for embedding in another page, e.g. the report)."""
        options = [(int(r.topic), f"{r.name}: {r.label}") for r in self.topics.itertuples()]
        return render_fragment(self.payload(), root_id=root_id, heading=self.params["title"], notes=self._notes(),
                               topic_options=options)

    def to_html(self) -> str:
        """The explorer as one self-contained HTML page."""
        return render_document(self.fragment(), title=f"textlab explorer: {self.params['title']}")

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path`` atomically; return the path written."""
        from textlab._io import write_text

        return write_text(self.to_html(), Path(path).expanduser())

    def _repr_html_(self) -> str:
        """Notebook display (Jupyter classic and Lab): the page in an ``<iframe srcdoc>``, isolated from the notebook."""
        return (f"<iframe srcdoc=\"{html.escape(self.to_html(), quote=True)}\" style=\"width:100%;height:1500px;"
                "border:1px solid #ddd\" sandbox=\"allow-scripts allow-downloads\" "
                "title=\"textlab explorer\"></iframe>")


def _by_key(table: pd.DataFrame) -> dict[str, list]:
    return {str(k): rows[["passage_id", "score"]].values.tolist() for k, rows in table.groupby("key", sort=True)}


def _ci_percent(result: Any) -> str:
    for step in ("prevalence", "frames", "keyness"):
        params = getattr(result.results.get(step), "params", None) or {}
        if "ci_level" in params:
            return f"{float(params['ci_level']) * 100:.10g}%"
    return f"{float(result.config.ci_level) * 100:.10g}%"


def _study(results_or_study: Any) -> Any:
    """A StudyResult from a StudyResult, a results folder or a study file (run first)."""
    if hasattr(results_or_study, "tables") and hasattr(results_or_study, "results"):
        return results_or_study
    from textlab.study.results import is_results_folder, read_results

    path = Path(results_or_study).expanduser()
    if path.is_dir() and is_results_folder(path):
        return read_results(path)
    if path.is_file():
        from textlab.study.run import run_study

        return run_study(path)
    raise ConfigError(f"{results_or_study}: not a study result, a results folder or a study file (TOML)")


def _frame_evidence(result: Any, by_passage: pd.DataFrame | None, texts: pd.Series,
                    n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    drivers = result.tables.get("frame_drivers")
    empty = pd.DataFrame(columns=["key", "rank", "passage_id", "score"])
    if by_passage is None:
        return empty, pd.DataFrame(columns=["frame", "drivers"])
    ranked = ranked_passages(by_passage, "frame", "n_hits", texts, n=n, then="share")
    if drivers is None:
        return ranked, pd.DataFrame(columns=["frame", "drivers"])
    summed = drivers.groupby(["frame", "label"])["count"].sum().reset_index().sort_values(
        ["frame", "count", "label"], ascending=[True, False, True])
    top = summed.groupby("frame").head(6).groupby("frame")["label"].agg(lambda s: ", ".join(map(str, s)))
    return ranked, top.rename("drivers").reset_index()


def _candidate_texts(tokenized: Any, passages: pd.DataFrame, tables: list[tuple[pd.DataFrame, str, str]],
                     n: int) -> pd.Series:
    """Passage id -> text for the ``3 n`` highest-scoring passages of every key (read from disk if need be)."""
    ids: set[str] = set()
    for table, key, score in tables:
        top = (table[table[score] > 0].assign(passage_id=lambda t: t["passage_id"].astype(str))
               .sort_values([score, "passage_id"], ascending=[False, True], kind="stable").groupby(key).head(3 * n))
        ids |= set(top["passage_id"].astype(str))
    position = pd.Series(np.arange(len(passages)), index=passages["passage_id"].astype(str))
    rows = sorted(position.reindex(sorted(ids)).dropna().astype(int))
    texts = _texts(tokenized, rows)
    return pd.Series([t if isinstance(t, str) else "" for t in texts], index=position.index[rows])


def _top_rows(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The rows of ``table`` among the ``k`` largest of some ``topic_*`` column, ties included.

    Only those can be a topic's candidates (:func:`_candidate_texts` takes the ``3 n`` largest shares), so
    a million-passage table is not melted into K million rows to find them: the candidates are the same.
    """
    columns = [c for c in table.columns if str(c).startswith("topic_")]
    if len(table) <= k * max(len(columns), 1):
        return table
    keep = np.zeros(len(table), dtype=bool)
    for column in columns:
        values = table[column].to_numpy()
        keep |= values >= np.partition(values, len(values) - k)[len(values) - k]
    return table[keep]


def _top_frame_rows(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The rows of a frames-by-passage table among the ``k`` largest ``n_hits`` of their frame, ties included."""
    if len(table) <= k:
        return table
    codes = pd.factorize(table["frame"])[0]
    values = table["n_hits"].to_numpy()
    keep = np.zeros(len(table), dtype=bool)
    for code in range(codes.max() + 1):
        rows = np.flatnonzero(codes == code)
        if len(rows) > k:
            rows = rows[values[rows] >= np.partition(values[rows], len(rows) - k)[len(rows) - k]]
        keep[rows] = True
    return table[keep]


def _shares(table: pd.DataFrame) -> pd.DataFrame:
    """``passage_id, topic, share`` (long) from the ``passage_id, topic_1 ... topic_K`` table."""
    shares = table.melt(id_vars=["passage_id"], value_vars=[c for c in table.columns if str(c).startswith("topic_")],
                        var_name="topic", value_name="share")
    shares["topic"] = shares["topic"].str.removeprefix("topic_").astype(int)
    return shares


def _held(table: pd.DataFrame | None, texts: pd.Series) -> pd.DataFrame | None:
    """The rows of ``table`` whose passage has a candidate text: the only rows :func:`ranked_passages` keeps."""
    if table is None:
        return None
    ids = table["passage_id"]
    return table[(ids if pd.api.types.is_string_dtype(ids) else ids.astype(str)).isin(texts.index)]


def _passage_evidence(result: Any, passages: pd.DataFrame, *, n_passages: int, max_passages: int) -> tuple:
    """Topic and frame passages (ranked, capped round-robin), frame drivers, and the held passages table.

    The candidates of each topic and frame are found among its ``3 n`` highest-scoring rows and the
    ranking reads only the rows of candidate passages: a million-passage study is never melted or
    sorted whole, and the passages chosen are the same.
    """
    from textlab.study._results_lazy import table_columns

    k = 3 * n_passages  # only the columns ranked (a results folder reads no others)
    topics = table_columns(result, "passage_topics", lambda c: c == "passage_id" or str(c).startswith("topic_"))
    frames = table_columns(result, "frames_by_passage", lambda c: c in ("passage_id", "frame", "n_hits", "share"))
    texts = _candidate_texts(result.tokenized, passages, [(_shares(_top_rows(topics, k)), "topic", "share")]
                             + ([(_top_frame_rows(frames, k), "frame", "n_hits")] if frames is not None else []),
                             n_passages)
    topic_ranked = ranked_passages(_shares(_held(topics, texts)), "topic", "share", texts, n=n_passages)
    frame_ranked, drivers = _frame_evidence(result, _held(frames, texts), texts, n_passages)
    (topic_ranked, frame_ranked), n_kept = allocate_passages([topic_ranked, frame_ranked], max_passages=max_passages)
    kept = pd.Index(pd.concat([topic_ranked["passage_id"], frame_ranked["passage_id"]]).astype(str).unique())
    ids = passages["passage_id"].astype(str)
    mask = ids.isin(kept).to_numpy()  # the kept rows only, not a copy of every passage
    held = passages[mask].assign(passage_id=ids[mask].to_numpy()).set_index("passage_id").loc[kept]
    title = held["title"] if "title" in held.columns else pd.Series("", index=held.index)
    held_table = pd.DataFrame({"passage_id": kept, "doc_id": held["doc_id"].astype(str).to_numpy(),
                               "group": held[result.config.group_column].astype(str).to_numpy(),
                               "title": title.fillna("").astype(str).to_numpy(),
                               "text": texts.loc[kept].to_numpy()})
    return topic_ranked, frame_ranked, drivers, held_table, n_kept


def explore(results_or_study: Any, *, lambda_step: float = 0.01, n_terms: int = 30, n_passages: int = 8,
            n_kwic: int = 6, window: int = 10, max_passages: int = 2000, n_keyness: int = 15,
            random_state: int = 0) -> Explorer:
    """An interactive, offline explorer of a study's topics, groups, frames, key terms and evidence.

    Parameters
    ----------
    results_or_study
        A :class:`~textlab.study.run.StudyResult`, a results folder (``textlab analyze``) or a
        study file (run first).
    lambda_step
        Step of the relevance slider λ (a divisor of 1).
    n_terms
        Terms shown per topic (the top ``n_terms`` by relevance at the slider's λ).
    n_passages
        Passages held per topic and per frame (highest share first).
    n_kwic
        Keyword-in-context lines held per term, from passages drawn at random.
    window
        Words either side of a keyword.
    max_passages
        At most this many distinct passages are held (topics and frames share them round-robin).
    n_keyness
        Key terms drawn per side of the contrast.
    random_state
        Seed of the passage draws for keyword-in-context lines.

    Returns
    -------
    Explorer
        Its tables, ``.save(path)`` for one self-contained HTML file, and inline display in Jupyter.

    Examples
    --------
    >>> explorer = explore("results")                 # doctest: +SKIP
    >>> explorer.save("explorer.html")                # doctest: +SKIP
    """
    for name, value in (("n_terms", n_terms), ("n_passages", n_passages), ("n_kwic", n_kwic),
                        ("max_passages", max_passages), ("window", window)):
        _check_count(name, value, 0 if name == "window" else 1)
    lambdas = _data.lambda_grid(lambda_step)
    result = _study(results_or_study)
    _data.check_topics(result)
    tokenized = result.tokenized
    passages = tokenized.passages.reset_index(drop=True)
    topics = _data.topics_table(result)
    fit = result.fits[0]
    keyness = _data.keyness_table(result, n_terms=n_keyness)
    prevalence = topics.sort_values("topic")["prevalence"].to_numpy()
    candidates = _data.candidate_terms(fit.topic_term, prevalence, n_terms=n_terms, lambdas=lambdas)
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    kwic_terms = {str(t) for idx in candidates for t in vocabulary[idx]} | set(keyness["term"].astype(str))
    indexed = term_index_from_counts(tokenized, kwic_terms)  # a disk store: its counts, not a million token lists
    rows_of_term, counts, n_tokens = indexed if indexed is not None else term_index(tokenized.tokens, kwic_terms)
    labels = dict(getattr(tokenized, "surface_forms", {}) or {})
    terms = _data.terms_table(fit, prevalence, candidates, labels=labels, counts=counts)
    by_group, difference = _data.prevalence_tables(result, _data.topic_labels(result))

    topic_ranked, frame_ranked, drivers, held, n_kept = _passage_evidence(result, passages, n_passages=n_passages,
                                                                          max_passages=max_passages)
    kwic = kwic_lines(tokenized, rows_of_term, n_kwic=n_kwic, window=window, group_column=result.config.group_column,
                      random_state=random_state)

    from textlab.plots._colors import group_colors

    groups = result.tables["documents"]["group"].astype(str).unique()
    colors = group_colors(groups, fixed=getattr(result.config, "figure_colors", None) or None)
    title = getattr(result.config, "report_title", None) or "Topics, groups, frames and evidence"
    params = {"title": title, "n_topics": int(len(topics)), "lambda_step": float(lambda_step),
              "lambdas": len(lambdas), "n_terms": int(n_terms), "n_passages": int(n_passages), "n_kwic": int(n_kwic),
              "window": int(window), "max_passages": int(max_passages), "n_keyness": int(n_keyness),
              "random_state": int(random_state), "colors": colors, "ci_percent": _ci_percent(result),
              "n_passages_total": int(len(passages)), "n_passages_embedded": int(n_kept),
              "n_kwic_terms": int(kwic["term"].nunique()) if len(kwic) else 0, "n_tokens": int(n_tokens),
              "fast": bool(getattr(result.config, "fast", False)),
              "source": str(result.source) if getattr(result, "source", None) else None}
    return Explorer(topics=topics, terms=terms, prevalence=by_group, difference=difference,
                    frames=_data.frames_table(result), keyness=keyness, passages=held,
                    topic_passages=topic_ranked, frame_passages=frame_ranked, kwic=kwic, frame_drivers=drivers,
                    params=params)
