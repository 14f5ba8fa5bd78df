"""Wording within a topic ("perspectives") and within a frame, compared between groups.

Keyness of whole groups mixes two things: *what* a group writes about (its topics) and *how*
it writes about it. :func:`score_perspectives` separates them. For every topic ``k`` of a
fitted model, each occurrence of term ``w`` in passage ``d`` is shared out among the topics
by its posterior responsibility ``p(k | w, d) = theta_dk phi_kw / sum_j theta_dj phi_jw``
(the expected token-topic assignment, averaged over the sampler rather than one draw of it),
giving a passage x term matrix of the tokens each topic owns. Keyness between groups on that
matrix (:func:`textlab.analysis.keyness.score_keyness`) compares wording *within* the topic:
rates are shares of the topic's tokens, so a group that writes more about the topic does not
look "key" for it. The counts are summed per document, so the bootstrap intervals and the
permutation test resample documents; q-values control the FDR across the terms of each
(topic, comparison). ``evidence`` gives keyword-in-context lines for the top key terms: the
passages of the group that contain the term and lean most to the topic.

:func:`score_frame_wording` does the same for a codebook's frames: within each frame, the
share of the frame's hits that each of its entries takes, compared between groups with
document-bootstrap intervals and permutation q-values.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import ConfigError, EstimationError, TextlabError, TextlabWarning, bad_value
from textlab.data import Result
from textlab.analysis._perspective_evidence import _EVIDENCE_COLUMNS, _evidence
from textlab.analysis._topic_tokens import _topic_counts, topic_token_counts
from textlab.stats.checks import check_count

__all__ = ["PerspectivesResult", "FrameWordingResult", "topic_token_counts", "score_perspectives",
           "score_frame_wording", "run_perspectives_step", "PERSPECTIVE_COLUMNS"]

#: Columns of ``PerspectivesResult.table`` (keyness columns, topic first; counts are expected tokens).
PERSPECTIVE_COLUMNS = [
    "topic", "term", "label", "group", "reference", "count_group", "count_reference", "rate_group",
    "rate_reference", "log_odds", "log_odds_se", "z", "ci_low", "ci_high", "p_perm", "q_perm", "key",
    "n_docs_group", "resampling_unit", "n_perm_run", "topic_tokens_group", "topic_tokens_reference",
]  # fmt: skip



@dataclass(frozen=True)
class PerspectivesResult(Result):
    """Within-topic keyness between groups.

    Attributes
    ----------
    table
        One row per (topic, comparison, term) with :data:`PERSPECTIVE_COLUMNS`: ``count_*`` are
        expected token counts (sums of responsibilities), ``rate_*`` shares of the topic's
        tokens on each side, ``ci_*`` the document-bootstrap interval of ``log_odds``,
        ``q_perm`` BH q-values within the (topic, comparison), ``key`` = ``q_perm < fdr_level``.
    evidence
        Keyword-in-context lines for the top key terms of each side of each topic.
    frame_wording
        In a study: :attr:`FrameWordingResult.table` of the study's codebook (``None`` without one).
    params
        Settings, the comparisons and the keyness settings of each topic.
    """

    table: pd.DataFrame
    evidence: pd.DataFrame = None
    frame_wording: pd.DataFrame = None


@dataclass(frozen=True)
class FrameWordingResult(Result):
    """Within-frame wording between groups: each entry's share of the frame's hits.

    Attributes
    ----------
    table
        ``frame, term, label, group, reference, count_group, count_reference, rate_group,
        rate_reference, log_odds, z, ci_low, ci_high, p_perm, q_perm, key, n_docs_group,
        resampling_unit, n_perm_run`` (``rate_*`` = share of the side's frame hits).
    """

    table: pd.DataFrame


@dataclass(frozen=True)
class _CountsView:
    """What :func:`~textlab.analysis.keyness.score_keyness` reads of its data: rows, a count store, terms."""

    rows: pd.DataFrame
    store: Any
    vocabulary: np.ndarray
    unit: str = "passage"


def _group_sums(store: Any, labels: np.ndarray) -> dict:
    """Each group's column sums, read a block at a time, added in row order (as ``matrix[rows].sum(axis=0)``)."""
    groups = [g for g in pd.unique(labels) if not pd.isna(g)]
    code = pd.Index(groups).get_indexer(labels)
    n_terms = int(store.shape[1])
    total = np.zeros(len(groups) * n_terms)
    for first, block in store.iter_blocks(None):
        owner = code[np.repeat(np.arange(first, first + block.shape[0]), np.diff(block.indptr))]
        keep = owner >= 0
        np.add.at(total, owner[keep] * n_terms + block.indices[keep], block.data[keep])  # sequential, exact order
    return {g: total[i * n_terms:(i + 1) * n_terms] for i, g in enumerate(groups)}


def _score_one(rows, counts, vocab, forms, *, group_column, contrast, opts: dict, random_state: int) -> pd.DataFrame:
    """Keyness on one matrix or count store, with float counts and per-side totals kept exactly."""
    from textlab.analysis.keyness import score_keyness
    from textlab.store.memory import MemoryStore

    store = counts if hasattr(counts, "iter_blocks") else MemoryStore(sp.csr_matrix(counts))
    view = _CountsView(rows, store, np.asarray(vocab, dtype=object))
    with warnings.catch_warnings(record=True) as caught:  # one summary per call instead of one per topic
        warnings.simplefilter("always")
        result = score_keyness(view, group_column=group_column, contrast=contrast, surface_forms=forms,
                               random_state=random_state, **opts)
    for w in caught:
        if "smallest reachable p_perm" not in str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    table = result.table
    labels = rows[group_column].astype(object).to_numpy()
    per_group = _group_sums(store, labels)
    term_index = pd.Index(vocab).get_indexer(table["term"])
    exact_a, exact_b, tok_a, tok_b = [], [], [], []
    for comparison in result.params["contrasts"]:
        side = (table["group"] == comparison["group"]) & (table["reference"] == comparison["reference"])
        a = per_group[comparison["group"]]
        b = np.sum([per_group[h] for h in comparison["reference_groups"]], axis=0)
        exact_a.append(pd.Series(a[term_index[side.to_numpy()]], index=table.index[side]))
        exact_b.append(pd.Series(b[term_index[side.to_numpy()]], index=table.index[side]))
        tok_a.append(pd.Series(float(a.sum()), index=table.index[side]))
        tok_b.append(pd.Series(float(b.sum()), index=table.index[side]))
    table = table.assign(count_group=pd.concat(exact_a).sort_index().round(2),
                         count_reference=pd.concat(exact_b).sort_index().round(2),
                         topic_tokens_group=pd.concat(tok_a).sort_index().round(1),
                         topic_tokens_reference=pd.concat(tok_b).sort_index().round(1))
    return table, result.params


def score_perspectives(
    fit: Any,
    data: Any,
    *,
    group_column: str,
    contrast: Any = None,
    groups: Sequence | None = None,
    reference: object = None,
    topics: Sequence[int] | None = None,
    tokenized: Any = None,
    n_boot: int = 500,
    n_perm: int = 10_000,
    fdr_level: float = 0.05,
    min_count: int = 5,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    n_evidence_terms: int = 3,
    n_evidence: int = 2,
    window: int = 8,
    random_state: int = 0,
) -> PerspectivesResult:
    """Keyness between groups within each topic, on the tokens the topic owns.

    Parameters
    ----------
    fit
        An ``LdaFit`` fitted on the passages of ``data`` (the study's aligned reference fit).
    data
        A ``TextData`` or ``DocumentTermMatrix`` with ``passage_id``, ``doc_id`` and
        ``group_column`` in its rows.
    group_column, contrast, groups, reference
        The comparisons, as in :func:`textlab.analysis.keyness.score_keyness` (default each
        group against the rest, or both directions for two groups).
    topics
        Topics to score (1..K); default all.
    tokenized
        Tokenised passages with text for the evidence (default ``data`` if it holds tokens;
        ``None`` and no tokens: no evidence).
    n_boot, n_perm, fdr_level, min_count, resampling_unit, ci_level
        As in ``score_keyness`` (sequential permutation; ``min_count`` in expected tokens of
        the topic on the two sides together).
    n_evidence_terms, n_evidence, window
        Evidence: for the ``n_evidence_terms`` key terms (``q_perm < fdr_level``, highest z) of
        each side, ``n_evidence`` passages each, ``window`` words either side.
    random_state
        Seed; topic ``k`` uses ``random_state + k``.

    Returns
    -------
    PerspectivesResult

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from textlab.preprocessing.counts import DocumentTermMatrix
    >>> rng = np.random.default_rng(0)
    >>> rows = pd.DataFrame({"passage_id": [f"d{i}:000" for i in range(40)], "doc_id": [f"d{i}" for i in range(40)],
    ...                      "side": ["x"] * 20 + ["y"] * 20})
    >>> counts = sp.csr_matrix(rng.poisson(5, size=(40, 4)))
    >>> fit = SimpleNamespace(topic_term=np.full((2, 4), 0.25), doc_topic=np.full((40, 2), 0.5),
    ...                       vocabulary=np.array(list("abcd")), passage_ids=rows["passage_id"].to_numpy())
    >>> dtm = DocumentTermMatrix(counts, np.array(list("abcd"), dtype=object), rows)
    >>> res = score_perspectives(fit, dtm, group_column="side", n_boot=20, n_perm=50, min_count=1)
    >>> sorted(res.table["topic"].unique().tolist()), bool(res.table["key"].any())
    ([1, 2], False)
    """
    for name, value in (("n_evidence_terms", n_evidence_terms), ("n_evidence", n_evidence), ("window", window)):
        check_count(name, value, 0)
    from textlab.analysis.keyness import _read_data

    rows, store, vocab, forms, _ = _read_data(data)  # the counts are read a block at a time (twice), not held
    if "passage_id" not in rows.columns:
        raise ConfigError("score_perspectives needs a 'passage_id' column in the rows of data (to match the "
                          "topic model's passages)")
    k_all = int(np.asarray(fit.topic_term).shape[0])
    chosen = list(range(1, k_all + 1)) if topics is None else [int(t) for t in topics]
    bad = [t for t in chosen if not 1 <= t <= k_all]
    if bad:
        raise bad_value("topics", bad, f"topic numbers from 1 to {k_all}")
    owned = _topic_counts(fit, lambda: store.iter_blocks(None), (len(rows), len(vocab)), vocab,
                          rows["passage_id"].to_numpy(), topics=chosen, block_entries=500_000)
    spec = contrast if contrast is not None else _shortcut(groups, reference)
    opts = {"n_boot": n_boot, "n_perm": n_perm, "fdr_level": fdr_level, "min_count": min_count,
            "resampling_unit": resampling_unit, "ci_level": ci_level}
    tables, per_topic = [], {}
    from textlab._progress import progress

    for index, topic in enumerate(progress(chosen, desc="perspectives (topics)", unit="topic")):
        table, params = _score_one(rows, owned.store(index), vocab, forms, group_column=group_column, contrast=spec,
                                   opts=opts, random_state=random_state + topic)
        tables.append(table.assign(topic=topic))
        per_topic[int(topic)] = {"p_min": params.get("p_min"), "comparisons": params.get("comparisons"),
                                 "resampling_fallbacks": params.get("resampling_fallbacks")}
    table = pd.concat(tables, ignore_index=True)
    table["key"] = table["q_perm"] < fdr_level
    table = table[PERSPECTIVE_COLUMNS]
    _warn_unreachable(table, fdr_level, n_perm, "topic")
    text_data = tokenized if tokenized is not None else (data if hasattr(data, "tokens") else None)
    evidence, evidence_note = pd.DataFrame(columns=_EVIDENCE_COLUMNS), None
    if text_data is not None and n_evidence_terms and n_evidence:
        try:
            _, _, _, _, indices, indptr, _, shape, _ = owned._args  # which passage holds which term
            structure = (indices, indptr, shape, vocab, rows["passage_id"].to_numpy())
            evidence = _evidence(table, text_data, fit, group_column, n_terms=n_evidence_terms, n_rows=n_evidence,
                                 window=window, structure=structure)
        except TextlabError as exc:  # counts without running text: no keyword-in-context lines
            evidence_note = f"no evidence: {exc}"
    params = {**opts, "group_column": group_column, "topics": chosen, "random_state": random_state,
              "assignment": "expected token-topic responsibilities p(k | w, d) from the fit's doc_topic and "
                            "topic_term", "key": f"q_perm < {fdr_level}", "per_topic": per_topic,
              "n_evidence_terms": n_evidence_terms, "n_evidence": n_evidence, "window": window,
              "evidence_note": evidence_note}
    return PerspectivesResult(table=table, evidence=evidence, params=params)


def _warn_unreachable(table: pd.DataFrame, fdr_level: float, n_perm: int, unit: str) -> None:
    """One warning naming the (topic or frame, comparison) sets whose terms are too many for the resolution:
    with every p at least ``1 / (n_perm + 1)`` no BH q can fall below ``fdr_level``."""
    from textlab._errors import TextlabWarning
    from textlab.stats.intervals import smallest_bh_discovery

    if n_perm <= 0 or table.empty:
        return
    blocked = []
    for keys, rows in table.groupby([unit, "group", "reference"], sort=True):
        if smallest_bh_discovery(1.0 / (n_perm + 1), len(rows), fdr_level) > len(rows):
            blocked.append(keys)
    if blocked:
        warnings.warn(f"{len(blocked)} of {table.groupby([unit, 'group', 'reference']).ngroups} within-{unit} "
                      f"comparisons cannot reach q_perm < {fdr_level} with n_perm = {n_perm} (too few terms or "
                      f"documents for that resolution), e.g. {unit} {blocked[0][0]} {blocked[0][1]} vs "
                      f"{blocked[0][2]}; raise [uncertainty] n_perm or read their intervals",
                      TextlabWarning, stacklevel=3)


def _shortcut(groups, reference):
    from textlab.stats.contrasts import as_contrast

    return as_contrast(None, groups=groups, reference=reference)


def score_frame_wording(
    tokenized: Any,
    codebook: Any,
    *,
    group_column: str,
    contrast: Any = None,
    groups: Sequence | None = None,
    reference: object = None,
    n_boot: int = 500,
    n_perm: int = 10_000,
    fdr_level: float = 0.05,
    min_count: int = 3,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    random_state: int = 0,
) -> FrameWordingResult:
    """Which codebook entries drive each frame in each group, compared with intervals.

    Within frame ``f`` the counts are each entry's hits (matched as in
    :func:`~textlab.analysis.frames.score_frames`); keyness on them compares the share of
    the frame's hits an entry takes in one group against the other side, with document
    bootstrap intervals and permutation q-values (within the frame and comparison).

    Parameters
    ----------
    tokenized
        Tokenised passages (``passage_id``, ``doc_id``, ``group_column``).
    codebook
        From :func:`~textlab.analysis.frames.load_codebook`.
    group_column, contrast, groups, reference, n_boot, n_perm, fdr_level, min_count, resampling_unit, ci_level,
    random_state
        As in :func:`score_perspectives`.

    Returns
    -------
    FrameWordingResult

    Examples
    --------
    >>> from textlab.analysis.frames import load_codebook
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> passages = pd.DataFrame({"passage_id": [f"d{i}:000" for i in range(20)],
    ...                          "doc_id": [f"d{i}" for i in range(20)], "side": ["x"] * 10 + ["y"] * 10})
    >>> toks = [["cost", "cost", "jobs"]] * 10 + [["jobs", "jobs", "cost"]] * 10
    >>> book = load_codebook({"economy": ["cost", "jobs"]})
    >>> res = score_frame_wording(TokenizedCorpus(passages, toks), book, group_column="side", n_boot=50,
    ...                           n_perm=200)
    >>> res.table.loc[res.table.group == "x", ["term", "key"]].values.tolist()
    [['cost', True], ['jobs', True]]
    """
    from textlab.analysis.frames import _compile, _count_units, _default_normalize, _term, _text_inputs

    passages, tokens, forms = _text_inputs(tokenized)
    normalize, _ = _default_normalize(tokenized)
    frame_names = list(codebook.frames)
    vocabulary = {t for toks in tokens for t in toks}
    entries, units = _compile(codebook, normalize, vocabulary, forms, True)
    unit_counts = sp.csr_matrix(_count_units(tokens, units), dtype=np.float64)
    names = np.array([_term(u) for u in units], dtype=object)
    labels = {_term(u): " ".join(forms.get(t, t.replace("_", " ")) for t in u) for u in units}
    spec = contrast if contrast is not None else _shortcut(groups, reference)
    opts = {"n_boot": n_boot, "n_perm": n_perm, "fdr_level": fdr_level, "min_count": min_count,
            "resampling_unit": resampling_unit, "ci_level": ci_level}
    tables = []
    for f, frame in enumerate(frame_names):
        in_frame = sorted({u for e in entries if e["frame"] == frame for u in e["units"]})
        if len(in_frame) < 2 or unit_counts[:, in_frame].sum() == 0:
            continue
        sub = unit_counts[:, in_frame]
        try:
            table, _ = _score_one(passages, sub, names[in_frame], labels, group_column=group_column, contrast=spec,
                                  opts=opts, random_state=random_state + f)
        except EstimationError:  # a frame without hits in one group cannot be compared
            continue
        tables.append(table.drop(columns=["topic_tokens_group", "topic_tokens_reference"]).assign(frame=frame))
    columns = ["frame", "term", "label", "group", "reference", "count_group", "count_reference", "rate_group",
               "rate_reference", "log_odds", "z", "ci_low", "ci_high", "p_perm", "q_perm", "key", "n_docs_group",
               "resampling_unit", "n_perm_run"]
    if not tables:
        return FrameWordingResult(table=pd.DataFrame(columns=columns), params={**opts, "frames": []})
    table = pd.concat(tables, ignore_index=True)
    table["key"] = table["q_perm"] < fdr_level
    _warn_unreachable(table, fdr_level, n_perm, "frame")
    params = {**opts, "group_column": group_column, "random_state": random_state, "frames": frame_names,
              "key": f"q_perm < {fdr_level}",
              "rate": "share of the side's hits of the frame (codebook entries matched as in score_frames)"}
    return FrameWordingResult(table=table[columns], params=params)


def run_perspectives_step(ctx: Any) -> PerspectivesResult | None:
    """The study step ``perspectives`` (``[perspectives] enabled, min_count, n_evidence, n_evidence_terms``).

    Compares the study's pair (``[groups] contrast``, both directions) or, without one, every
    group against the rest, within each topic of the reference fit and within each frame of the
    codebook (if any), with the study's ``[uncertainty]`` settings.
    """
    from textlab.preprocessing.counts import count_terms
    from textlab.stats.contrasts import Contrast

    options, config = ctx.options, ctx.config
    if not options.get("enabled", True):
        return None
    fit = ctx.results["topics"].fits[0]
    dtm = ctx.memory.get("dtm")
    if dtm is None:
        dtm = ctx.memory["dtm"] = count_terms(ctx.tokenized)
    contrast = tuple(config.contrast) if config.contrast else Contrast(reference="rest")
    # a named pair is scored once and reported from both sides (the same draws, mirrored)
    spec = Contrast(groups=contrast) if isinstance(contrast, tuple) else contrast
    common = {"group_column": config.group_column, "contrast": spec, "n_boot": config.n_boot,
              "n_perm": config.n_perm, "resampling_unit": config.resampling_unit, "ci_level": config.ci_level,
              "random_state": config.random_state}
    result = score_perspectives(fit, dtm, tokenized=ctx.tokenized, min_count=int(options.get("min_count", 5)),
                                n_evidence=int(options.get("n_evidence", 2)),
                                n_evidence_terms=int(options.get("n_evidence_terms", 3)), **common)
    wording, wording_params = None, None
    from textlab.study.steps import codebook_path

    path = codebook_path(config)
    if path is not None:
        from textlab.analysis.frames import load_codebook

        try:
            frame_result = score_frame_wording(ctx.tokenized, load_codebook(path), min_count=3, **common)
            wording, wording_params = frame_result.table, frame_result.params
        except TextlabError as exc:  # e.g. a counts-only corpus: codebook entries cannot be matched
            warnings.warn(f"perspectives: within-frame wording skipped ({exc})", TextlabWarning, stacklevel=2)
            wording_params = {"skipped": str(exc)}
    params = {**result.params, "contrast": list(contrast) if isinstance(contrast, tuple) else "each group vs the rest",
              "frame_wording": wording_params}
    return PerspectivesResult(table=result.table, evidence=result.evidence, frame_wording=wording, params=params)
