"""Syndicated and near-duplicate articles in a study: ``[duplicates]``.

Two steps share the section (declared in :mod:`textlab.study.steps`):

``duplicates`` (right after ``corpus``)
    Finds clusters of near-duplicate documents in the cleaned texts
    (:func:`~textlab.preprocessing.duplicates.find_duplicates`: MinHash LSH, verified exactly;
    the earliest dated member of a cluster is its original) and applies ``action``:
    ``"keep"`` (every copy counts), ``"collapse"`` (each cluster's original and the unique texts
    only: every later step reads the collapsed corpus) or ``"weight"`` (every copy counts in the
    main analyses, whose intervals take no weights; the comparison below gives the weighted
    point estimates, each copy weighing ``1 / cluster size``).
``duplicates_effect`` (after ``frames``)
    How the headline numbers change when duplicates are collapsed (or weighted): the top key
    terms of each group (z of the log-odds), the topic prevalence differences and the frame
    differences between the two groups contrasted (passage means), all copies against
    de-duplicated, in one table ``duplicates_effect`` and one report line.

The steps run when the study file has a ``[duplicates]`` section or the corpus was cleaned as a
news export; otherwise they are skipped.

.. code-block:: toml

    [duplicates]
    threshold = 0.8        # Jaccard or containment of word 5-gram sets
    action = "keep"        # "keep" | "collapse" | "weight"
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value
from textlab.data import Result

__all__ = ["DUPLICATE_OPTIONS", "DuplicatesResult", "DuplicatesEffect", "run_duplicates", "run_duplicates_effect",
           "section_duplicates"]

#: ``[duplicates]`` options and their defaults.
DUPLICATE_OPTIONS = {"threshold": 0.8, "action": "keep", "num_perm": 128}
_ACTIONS = ("keep", "collapse", "weight")
_N_TERMS = 8  # key terms per group, as in the report's headline table


@dataclass(frozen=True)
class DuplicatesResult(Result):
    """Near-duplicate clusters of a study's documents (``duplicate_clusters``: one row per member)."""

    clusters: pd.DataFrame = None


@dataclass(frozen=True)
class DuplicatesEffect(Result):
    """Headline numbers with every copy and de-duplicated (``duplicates_effect``).

    Columns: ``analysis`` (``key_terms``, ``prevalence``, ``frames``), ``group`` (the group, or
    ``"a - b"`` for differences), ``item`` (term, ``topic k`` or frame), ``all_copies``,
    ``deduplicated``, ``change``, and for key terms ``top_all`` / ``top_deduplicated`` (in that
    version's top list).
    """

    table: pd.DataFrame = None


def _wanted(ctx: Any) -> bool:
    corpus = ctx.results.get("corpus")
    profile = ((corpus.params.get("clean") or {}).get("profile") if corpus is not None else None)
    return "duplicates" in ctx.config.step_options or profile == "news_export"


def _check(options: dict) -> None:
    if options["action"] not in _ACTIONS:
        raise ConfigError(f"[duplicates] action = {options['action']!r} is not allowed: expected one of "
                          f"{', '.join(map(repr, _ACTIONS))}")
    if not 0 < float(options["threshold"]) <= 1:
        raise bad_value("[duplicates] threshold", options["threshold"], "a similarity in (0, 1], e.g. 0.8")


def _tokenized(corpus: Any) -> Any:
    """The corpus step's passages and token lists as a TokenizedCorpus (materialised from a disk store)."""
    from textlab.preprocessing.tokens import TokenizedCorpus

    tokenized = corpus.tokenized_corpus()
    if isinstance(tokenized, TokenizedCorpus):
        return tokenized
    passages = corpus.passages
    if "text" not in passages.columns:  # on disk the texts live in the token shards
        passages = passages.assign(text=tokenized.texts())
    return TokenizedCorpus(passages, [list(t) for t in tokenized.require_tokens("duplicates")],
                           dict(tokenized.surface_forms), dict(corpus.params.get("tokenizer", {})))


def _document_texts(tokenized: Any, data: Any) -> pd.DataFrame:
    """One row per document: its cleaned text (passages joined in order) and metadata."""
    rows = tokenized.passages
    texts = rows["text"].tolist() if "text" in rows.columns else data.texts()
    table = pd.DataFrame({"doc_id": rows["doc_id"].astype(str).to_numpy(), "position": rows["position"].to_numpy(),
                          "text": texts})
    docs = (table.sort_values(["doc_id", "position"], kind="stable").groupby("doc_id", sort=False)["text"]
            .agg("\n\n".join))
    order = pd.unique(rows["doc_id"].astype(str))
    meta = rows.drop(columns=[c for c in ("text", "passage_id", "position", "n_words") if c in rows.columns])
    meta = meta.assign(doc_id=meta["doc_id"].astype(str)).drop_duplicates("doc_id").set_index("doc_id")
    return meta.reindex(order).assign(text=docs.reindex(order)).reset_index()


def _subset(tokenized: Any, keep_docs: set[str]) -> Any:
    mask = tokenized.passages["doc_id"].astype(str).isin(keep_docs).to_numpy()
    tokens = [t for t, k in zip(tokenized.tokens, mask) if k]
    return replace(tokenized, passages=tokenized.passages[mask].reset_index(drop=True), tokens=tokens)


def run_duplicates(ctx: Any) -> DuplicatesResult | None:
    """Find near-duplicate documents; with ``action = "collapse"`` later steps read the collapsed corpus."""
    from textlab.preprocessing.counts import count_terms
    from textlab.preprocessing.duplicates import find_duplicates

    if not _wanted(ctx):
        return None
    options = {**DUPLICATE_OPTIONS, **ctx.options}
    _check(options)
    config, corpus = ctx.config, ctx.results["corpus"]
    tokenized = _tokenized(corpus)
    docs = _document_texts(tokenized, ctx.memory.get("dtm"))
    date = "date" if "date" in docs.columns else None
    source = next((c for c in ("outlet", "source", config.group_column) if c in docs.columns), None)
    found = find_duplicates(docs, threshold=float(options["threshold"]), num_perm=int(options["num_perm"]),
                            random_state=config.random_state, date_column=date, source_column=source)
    clusters = found.clusters.assign(group=lambda t: t["doc_id"].map(
        dict(zip(docs["doc_id"], docs[config.group_column].astype(str)))))
    size = clusters.groupby("cluster")["doc_id"].transform("size")
    clusters = clusters.assign(weight=1.0 / size)
    dropped = set(clusters.loc[~clusters["first_seen"].astype(bool), "doc_id"].astype(str))
    ctx.memory["duplicates_all"] = tokenized
    if options["action"] == "collapse" and dropped:
        kept = set(docs["doc_id"]) - dropped
        collapsed = _subset(tokenized, kept)
        tokens = corpus.tokens  # None on the disk store (the tokens stay in its shards)
        if tokens is not None:
            tokens = tokens[tokens["passage_id"].isin(collapsed.passages["passage_id"])].reset_index(drop=True)
        ctx.results["corpus"] = replace(
            corpus, passages=collapsed.passages, tokens=tokens,
            documents=corpus.documents[corpus.documents["doc_id"].astype(str).isin(kept)].reset_index(drop=True),
            tokenized=collapsed, params={**corpus.params, "duplicates_collapsed": sorted(dropped)})
        ctx.memory["dtm"] = count_terms(collapsed)
    params = {**found.params, "action": options["action"], "date_column": date, "source_column": source,
              "n_documents": len(docs), "n_in_clusters": len(clusters), "n_copies_dropped": len(dropped)
              if options["action"] == "collapse" else 0}
    return DuplicatesResult(clusters=clusters.reset_index(drop=True), params=params)


# --------------------------------------------------------------------------- the effect on headline numbers


def _two_groups(config: Any, passages: pd.DataFrame) -> tuple[str, str] | None:
    if config.contrast:
        return str(config.contrast[0]), str(config.contrast[1])
    counts = passages[config.group_column].astype(str).value_counts()
    return (str(counts.index[0]), str(counts.index[1])) if len(counts) >= 2 else None


def _key_terms(tokenized: Any, config: Any) -> pd.DataFrame:
    from textlab.analysis.keyness import score_keyness
    from textlab.preprocessing.counts import count_terms

    with warnings.catch_warnings():  # only z is read here; the few replicates' warnings are not the study's
        warnings.simplefilter("ignore")
        table = score_keyness(count_terms(tokenized), group_column=config.group_column, groups=config.contrast,
                              n_boot=10, n_perm=10, resampling_unit=config.resampling_unit,
                              surface_forms=tokenized.surface_forms, random_state=config.random_state).table
    return _headline_rows(table, config)[["group", "term", "z"]]


def _headline_rows(table: pd.DataFrame, config: Any) -> pd.DataFrame:
    """Rows of the contrast (each group against the other), else of each group against the rest."""
    group, reference = table["group"].astype(str), table["reference"].astype(str)
    if config.contrast:
        a, b = map(str, config.contrast)
        return table[((group == a) & (reference == b)) | ((group == b) & (reference == a))]
    return table[reference == "rest"] if (reference == "rest").any() else table.drop_duplicates(["group", "term"])


def _keyness_rows(full: Any, dedup: Any, config: Any) -> list[dict]:
    a, b = _key_terms(full, config), _key_terms(dedup, config)
    rows = []
    for group in sorted(set(a["group"].astype(str))):
        za = a[a["group"].astype(str) == group].set_index("term")["z"]
        zb = b[b["group"].astype(str) == group].set_index("term")["z"]
        top_a, top_b = set(za.nlargest(_N_TERMS).index), set(zb.nlargest(_N_TERMS).index)
        for term in sorted(top_a | top_b, key=lambda t: -za.get(t, -np.inf)):
            rows.append({"analysis": "key_terms", "group": group, "item": term, "all_copies": za.get(term, np.nan),
                         "deduplicated": zb.get(term, np.nan), "top_all": term in top_a,
                         "top_deduplicated": term in top_b})
    return rows


def _mean_difference(values: pd.DataFrame, groups: tuple[str, str], weights: pd.Series | None) -> pd.Series:
    """Per column: (weighted) mean in group a minus mean in group b; ``values`` has a ``group`` column."""
    out = {}
    for g in groups:
        part = values[values["group"] == g].drop(columns="group")
        w = None if weights is None else weights.reindex(part.index).to_numpy()
        out[g] = part.mean() if w is None else (part.mul(w, axis=0).sum() / w.sum())
    return out[groups[0]] - out[groups[1]]


def _difference_rows(analysis: str, full: pd.DataFrame, dedup: pd.DataFrame | None, groups: tuple[str, str],
                     weights: pd.Series | None, label: str) -> list[dict]:
    a = _mean_difference(full, groups, None)
    b = (_mean_difference(full, groups, weights) if weights is not None
         else _mean_difference(dedup, groups, None) if dedup is not None else pd.Series(np.nan, index=a.index))
    return [{"analysis": analysis, "group": f"{groups[0]} - {groups[1]}", "item": label.format(item),
             "all_copies": a[item], "deduplicated": b[item]} for item in a.index]


def _frame_shares(tokenized: Any, config: Any) -> pd.DataFrame | None:
    from textlab.analysis.frames import load_codebook, score_frames
    from textlab.study.steps import codebook_path

    path = codebook_path(config)
    if path is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_passage = score_frames(tokenized, load_codebook(path), group_column=config.group_column, n_boot=10,
                                  random_state=config.random_state).by_passage
    wide = by_passage.pivot_table(index=["passage_id", "doc_id", "group"], columns="frame", values="share")
    return wide.reset_index().set_index("passage_id")


def run_duplicates_effect(ctx: Any) -> DuplicatesEffect | None:
    """Headline numbers with every copy and de-duplicated: key terms, prevalence and frame differences."""
    found = ctx.results.get("duplicates")
    if found is None:
        return None
    config = ctx.config
    action = found.params["action"]
    full = ctx.memory.get("duplicates_all") or _tokenized(ctx.results["corpus"])
    clusters = found.clusters
    dropped = set(clusters.loc[~clusters["first_seen"].astype(bool), "doc_id"].astype(str))
    kept = set(full.passages["doc_id"].astype(str)) - dropped
    dedup = _subset(full, kept)
    groups = _two_groups(config, full.passages)
    rows = _keyness_rows(full, dedup, config)
    doc_weight = dict(zip(clusters["doc_id"].astype(str), clusters["weight"]))
    if groups is not None and ctx.results.get("topics") is not None and action != "collapse":
        topics = ctx.results["topics"].passage_topics.set_index("passage_id")
        values = topics[[c for c in topics.columns if c.startswith("topic_")] + ["group"]]
        weights = (topics["doc_id"].astype(str).map(doc_weight).fillna(1.0) if action == "weight" else None)
        keep_rows = values[topics["doc_id"].astype(str).isin(kept).to_numpy()]
        rows += _difference_rows("prevalence", values, keep_rows, groups, weights, "{}")
    if groups is not None:
        shares = _frame_shares(full, config)
        if shares is not None:
            values = shares.drop(columns="doc_id")
            weights = shares["doc_id"].astype(str).map(doc_weight).fillna(1.0) if action == "weight" else None
            keep_rows = values[shares["doc_id"].astype(str).isin(kept).to_numpy()]
            rows += _difference_rows("frames", values, keep_rows, groups, weights, "{}")
    table = pd.DataFrame(rows, columns=["analysis", "group", "item", "all_copies", "deduplicated", "top_all",
                                        "top_deduplicated"])
    table["item"] = table["item"].astype(str).str.replace("topic_", "topic ", regex=False)
    table.insert(5, "change", table["deduplicated"] - table["all_copies"])
    return DuplicatesEffect(table=table, params=_effect_summary(table, found, action, len(dropped)))


def _effect_summary(table: pd.DataFrame, found: Any, action: str, n_dropped: int) -> dict:
    keys = table[table["analysis"] == "key_terms"]
    overlap = {g: int((part["top_all"].astype(bool) & part["top_deduplicated"].astype(bool)).sum())
               for g, part in keys.groupby("group")}
    out = {"action": action, "deduplicated_by": "weights 1/cluster size" if action == "weight" else "collapsing",
           "n_clusters": int(found.params.get("n_clusters", 0)), "n_copies": n_dropped,
           "key_terms_shared_of": _N_TERMS, "key_terms_shared": overlap,
           "note": "prevalence and frame differences are passage means (point estimates), not the interval tables"}
    for analysis in ("prevalence", "frames"):
        part = table[table["analysis"] == analysis]
        if len(part) and part["change"].notna().any():
            worst = part.loc[part["change"].abs().idxmax()]
            out[f"{analysis}_max_change"] = {"item": str(worst["item"]), "all_copies": float(worst["all_copies"]),
                                             "deduplicated": float(worst["deduplicated"])}
    return out


def section_duplicates(result: Any) -> str:
    """One report paragraph: clusters found and how the headline numbers move without the copies."""
    effect = result.results.get("duplicates_effect")
    found = result.results.get("duplicates")
    if found is None:
        return ""
    p = found.params
    method = html.escape(str(p.get("method")))
    parts = [f"<h3>Duplicates</h3><p>{p.get('n_clusters', 0)} clusters of near-duplicate documents "
             f"({p.get('n_in_clusters', 0)} documents, threshold {p.get('threshold')}, {method}); "
             f"action: <b>{html.escape(str(p.get('action')))}</b>."]
    if effect is not None:
        s = effect.params
        shared = ", ".join(f"{html.escape(str(g))} {n}/{s['key_terms_shared_of']}"
                           for g, n in s.get("key_terms_shared", {}).items())
        parts.append(f" De-duplicated ({html.escape(s['deduplicated_by'])}), the top key terms shared: {shared}.")
        for analysis in ("prevalence", "frames"):
            worst = s.get(f"{analysis}_max_change")
            if worst:
                parts.append(f" Largest change of a {analysis} difference: {html.escape(worst['item'])} "
                             f"{worst['all_copies']:+.3f} &rarr; {worst['deduplicated']:+.3f}.")
    return "".join(parts) + "</p>"
