"""Choosing the number of topics K: fits over K and seeds scored by coherence, diversity and perplexity.

:func:`select_n_topics` fits LDA for every ``K`` in a range (by default
:func:`default_n_topics_range` of the number of passages) and records per fit

``c_v``, ``c_npmi``
    Topic coherence of the top ``top_n`` words (Röder et al. 2015) as gensim's
    ``CoherenceModel`` defines it (sliding windows of 110 tokens for c_v, 10 for c_npmi),
    averaged over topics, on all passages' tokens (:func:`~textlab.analysis.topics.coherence.topic_coherence`:
    one counting pass for all fits; equal to ``CoherenceModel(...).get_coherence()``, tested).
``diversity``
    Share of distinct words among the top 25 words of all topics (Dieng et al. 2020).
``perplexity``
    Only when asked for (``held_out_fraction > 0``, or the rule ``"min_perplexity"``, which
    uses 0.2): a share of every passage's tokens, drawn once with ``random_state``, is left out
    of every fit and scored inside the same fit: ``exp(−Σ log Σ_k θ_dk β_kw / n)`` over the
    held-out tokens, ``θ_d`` the passage's posterior topic proportions from its training tokens
    (document completion).  No second fit is made; such fits saw fewer tokens, so stability does
    not reuse them.

The least work that answers the question (``search="staged"``, default): every K is fitted on
the first seed; the other seeds are fitted only for the K whose first-seed coherence is within
one standard error (over that fit's topics) of the best, and the rule then chooses among those K,
each averaged over every seed (a K screened out keeps its one first-seed row in the table).  ``search="full"`` fits every (K, seed).  All fits share one term-id corpus and run in
parallel processes (``n_jobs``), each single-threaded and seeded, so the table equals a serial
run.  Each seed's chains come from ``SeedSequence(seed)``, so seeds are independent.

The chosen K is then picked by a documented, deterministic rule (default ``"c_npmi_1se"``): the
smallest K whose mean c_npmi over seeds is within one standard error of the best mean — the
"one-standard-error rule" of Breiman et al., preferring the simpler model when the evidence
cannot separate them.  When the chosen K is the smallest or largest K searched the result says
so (``params["at_edge"]``) and :class:`KRangeEdgeWarning` is issued: a K outside the range may
be better.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from gensim.models.coherencemodel import SLIDING_WINDOW_SIZES

from textlab._errors import ConfigError, TextlabWarning, bad_value
from textlab.analysis.topics.coherence import (  # noqa: F401  (re-exported: public names of this module)
    _MEASURES, _top_words, heldout_perplexity, topic_coherence, topic_diversity,
)
from textlab.analysis.topics.lda import LdaFit
from textlab.data import Result

__all__ = [
    "ModelSelection",
    "KRangeEdgeWarning",
    "select_n_topics",
    "choose_n_topics",
    "default_n_topics_range",
    "topic_coherence",
    "topic_diversity",
    "heldout_perplexity",
    "RULES",
]

_TABLE_COLUMNS = ["n_topics", "random_state", "c_v", "c_npmi", "diversity", "perplexity", "converged", "stage"]
RULES = {
    "c_npmi_1se": ("c_npmi", "1se"),
    "c_v_1se": ("c_v", "1se"),
    "max_c_npmi": ("c_npmi", "max"),
    "max_c_v": ("c_v", "max"),
    "min_perplexity": ("perplexity", "min"),
}
SEARCHES = ("staged", "full")
_RESERVED = ("n_topics", "random_state", "keep_model", "passage_ids", "dictionary")


class KRangeEdgeWarning(TextlabWarning):
    """The chosen number of topics is the smallest or largest K searched: widen the range."""


@dataclass(frozen=True, kw_only=True)
class ModelSelection(Result):
    """Result of a search over the number of topics (tables + every setting in ``params``).

    Attributes
    ----------
    table
        One row per fit: ``n_topics, random_state, c_v, c_npmi, diversity, perplexity,
        converged, stage`` (1: first seed of every K; 2: further seeds of the candidate K).
    summary
        One row per K: ``n_topics, n_runs``, ``<metric>_mean`` and ``<metric>_sd`` for each
        metric, ``converged`` (share of runs), ``chosen``, ``at_edge``.
    chosen_n_topics
        K picked by ``rule``.
    rule
        The rule and the numbers that decided it, in words.
    fits
        ``{(K, seed): LdaFit}`` (by default the fits of the chosen K, reused by ``fit_seeds``).
    params
        Every setting: range, seeds, search, candidates, held-out share, measures, window sizes,
        LDA options as used, ``n_jobs``, ``chosen_n_topics``, ``rule_text``, ``at_edge``, ``edge``.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    chosen_n_topics: int
    rule: str
    fits: dict[tuple[int, int], LdaFit] = field(default_factory=dict)

    @property
    def at_edge(self) -> bool:
        """Whether the chosen K is the smallest or largest K searched."""
        return bool(self.params.get("at_edge", False))

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], params: dict) -> "ModelSelection":
        """Rebuild from ``table``, ``summary`` and ``params`` (fits are not stored)."""
        return cls(table=tables["table"], summary=tables["summary"], chosen_n_topics=int(params["chosen_n_topics"]),
                   rule=str(params.get("rule_text", params.get("rule", ""))), params=dict(params))


def default_n_topics_range(n_documents: int) -> tuple[int, int]:
    """Default ``(low, high)`` K range for a corpus of ``n_documents`` rows (passages) fitted.

    ``low`` is 3 (2 below 10 rows); ``high`` grows with the cube root of the number of rows,
    ``round(n ** (1/3))``, kept between 8 and 40 and never above the number of rows: 8 up to
    about 600 passages, 13 at 2,000, 36 at 45,000, 40 from 64,000.  The cube root keeps the
    search affordable (every K is one fit) while letting large corpora reach more topics; the
    result says when the chosen K is at either end so the range can be widened.

    Examples
    --------
    >>> default_n_topics_range(93), default_n_topics_range(2000), default_n_topics_range(45_595)
    ((3, 8), (3, 13), (3, 36))
    """
    if isinstance(n_documents, bool) or not isinstance(n_documents, (int, np.integer)) or n_documents < 2:
        raise bad_value("n_documents", n_documents, "an integer >= 2 (K needs at least 2 passages)")
    n = int(n_documents)
    high = min(n, max(8, min(40, int(round(n ** (1 / 3))))))
    low = min(2 if n < 10 else 3, high)
    return low, high


def _choose(summary: pd.DataFrame, rule: str) -> tuple[int, str]:
    metric, kind = RULES[rule]
    means = summary[f"{metric}_mean"].to_numpy(dtype=float)
    ks = summary["n_topics"].to_numpy()
    if np.all(np.isnan(means)):
        raise ConfigError(f"rule={rule!r} needs {metric}, which was not computed: add it to coherence= "
                          "or use held_out_fraction > 0 for perplexity")
    sign = -1.0 if kind == "min" else 1.0
    score = np.where(np.isnan(means), -np.inf, sign * means)
    best = int(np.argmax(score))  # first maximum: the smallest K among ties
    if kind in ("max", "min"):
        word = "highest" if kind == "max" else "lowest"
        return int(ks[best]), (f"{rule}: the K with the {word} mean {metric} over seeds "
                               f"(K={ks[best]}: {means[best]:.4g})")
    n = summary["n_runs"].to_numpy()[best]
    sd = summary[f"{metric}_sd"].to_numpy(dtype=float)[best]
    se = 0.0 if n < 2 or np.isnan(sd) else sd / np.sqrt(n)
    ok = np.flatnonzero(score >= score[best] - se)
    chosen = int(ok[0])
    return int(ks[chosen]), (
        f"{rule}: the smallest K whose mean {metric} over seeds is within one standard error of the best mean "
        f"(best K={ks[best]}: {means[best]:.4g} ± {se:.2g} SE over {n} seeds; chosen K={ks[chosen]}: "
        f"{means[chosen]:.4g})" + (" — one seed, so no standard error: the best K" if n < 2 else "")
    )


def choose_n_topics(table: pd.DataFrame, *, rule: str = "c_npmi_1se") -> tuple[int, str]:
    """Apply a selection rule to a saved ``ModelSelection.table`` (no refitting).

    Parameters
    ----------
    table
        One row per (K, seed) with ``n_topics`` and the rule's metric column.
    rule
        One of ``RULES``: ``"c_npmi_1se"``, ``"c_v_1se"`` (smallest K within one standard error
        of the best mean), ``"max_c_npmi"``, ``"max_c_v"``, ``"min_perplexity"``.

    Returns
    -------
    (int, str)
        The chosen K and the rule with the numbers that decided it.

    Examples
    --------
    >>> table = pd.DataFrame({"n_topics": [3, 3, 4, 4], "random_state": [0, 1, 0, 1],
    ...                       "c_npmi": [0.105, 0.12, 0.11, 0.14], "converged": True})
    >>> choose_n_topics(table, rule="max_c_npmi")[0], choose_n_topics(table)[0]
    (4, 3)
    """
    if rule not in RULES:
        raise bad_value("rule", rule, f"one of {list(RULES)}")
    metric = RULES[rule][0]
    if "n_topics" not in table.columns or metric not in table.columns:
        raise ConfigError(f"table needs columns 'n_topics' and {metric!r} for rule={rule!r}")
    return _choose(_summarise(table), rule)


def _summarise(table: pd.DataFrame) -> pd.DataFrame:
    grouped = table.groupby("n_topics", sort=True)
    summary = pd.DataFrame({"n_topics": list(grouped.groups), "n_runs": grouped.size().to_numpy()})
    for metric in ("c_v", "c_npmi", "diversity", "perplexity"):
        if metric not in table.columns:
            continue
        summary[f"{metric}_mean"] = grouped[metric].mean().to_numpy()
        summary[f"{metric}_sd"] = grouped[metric].std(ddof=1).to_numpy()
    if "converged" in table.columns:
        summary["converged"] = grouped["converged"].mean().to_numpy()
    return summary


def _int_list(name: str, values: Iterable[int] | int, minimum: int) -> list[int]:
    items = [values] if isinstance(values, (int, np.integer)) else list(values)
    if not items or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum for v in items) \
            or len(set(items)) != len(items):
        raise bad_value(name, values, f"distinct integers >= {minimum}")
    return [int(v) for v in items]


def select_n_topics(
    tokenized: Any,
    *,
    n_topics_range: Iterable[int] | None = None,
    random_states: Sequence[int] = (0, 1, 2),
    held_out_fraction: float | None = None,
    coherence: Sequence[str] = _MEASURES,
    top_n: int = 10,
    rule: str = "c_npmi_1se",
    lda_kwargs: dict[str, Any] | None = None,
    processes: int = 1,
    keep_fits: str = "chosen",
    random_state: int = 0,
    search: str = "staged",
    n_jobs: int | None = None,
) -> ModelSelection:
    """Fit LDA over a range of K and seeds, score every fit, and choose K by a stated rule.

    Parameters
    ----------
    tokenized
        A :class:`~textlab.data.TextData` with tokens, a ``TokenizedCorpus`` or a list of token
        lists (one per passage).
    n_topics_range
        Values of K to try; ``None`` = :func:`default_n_topics_range` of the number of passages.
    random_states
        Seeds; their spread gives the standard errors used by the rule.
    held_out_fraction
        Share of every passage's tokens left out of the fits and scored for perplexity in the
        same fits (split fixed by ``random_state``). ``None`` (default): 0.2 when the rule is
        ``"min_perplexity"``, else 0 (no perplexity; the column is ``nan``).
    coherence
        Measures among ``"c_v"`` and ``"c_npmi"`` (one not requested is ``nan``).
    top_n
        Top words per topic used for coherence.
    rule
        ``"c_npmi_1se"`` (default), ``"c_v_1se"``, ``"max_c_npmi"``, ``"max_c_v"`` or
        ``"min_perplexity"``; see the module notes.
    lda_kwargs
        Options passed to every ``fit_lda`` fit (``engine``, ``passes``, ``alpha`` ...);
        ``restarts`` defaults to 1 here (the seeds are the independent chains).
    processes
        Worker processes for gensim's coherence counting (1 = none).
    keep_fits
        Which fits to return in ``.fits``: ``"chosen"`` (all seeds of the chosen K),
        ``"all"`` or ``"none"``.
    random_state
        Seed of the held-out tokens.
    search
        ``"staged"`` (default): every K on the first seed, the other seeds only for the K within
        one standard error (over topics) of the best first-seed score; ``"full"``: every (K, seed).
        The rule ``"min_perplexity"`` always searches in full (perplexity has no per-topic spread).
    n_jobs
        Processes for the fits (``None`` or ``-1`` = every core, ``1`` = in this process); the
        results do not depend on it.

    Returns
    -------
    ModelSelection
        ``table``, ``summary``, ``chosen_n_topics``, ``rule``, ``fits`` and ``params``.

    Warns
    -----
    KRangeEdgeWarning
        The chosen K is the smallest or largest K searched.

    Examples
    --------
    >>> docs = [["chip", "tariff", "export", "chip"], ["cloud", "server", "region", "cloud"]] * 10
    >>> result = select_n_topics(docs, n_topics_range=[2, 3], random_states=[0, 1],
    ...                          lda_kwargs={"passes": 50, "no_below": 1, "no_above": 1.0})  # doctest: +SKIP
    >>> list(result.table.columns)  # doctest: +SKIP
    ['n_topics', 'random_state', 'c_v', 'c_npmi', 'diversity', 'perplexity', 'converged', 'stage']
    """
    from textlab.analysis.topics.lda import fit_grid
    from textlab.data import require_tokens

    tokens = require_tokens(tokenized, "topic coherence (select_n_topics)") if hasattr(tokenized, "store") \
        else (tokenized.tokens if hasattr(tokenized, "tokens") else tokenized)
    texts = tokens if isinstance(tokens, list) and all(isinstance(d, list) for d in tokens) \
        else [list(doc) for doc in tokens]
    n_passages = len(texts)
    ks = sorted(_int_list("n_topics_range", n_topics_range, 2)) if n_topics_range is not None \
        else list(range(*(lambda r: (r[0], r[1] + 1))(default_n_topics_range(max(n_passages, 2)))))
    seeds = _int_list("random_states", random_states, 0)
    measures, metric, held_out_fraction, lda_kwargs = _check(coherence, rule, held_out_fraction, top_n, keep_fits,
                                                             search, lda_kwargs)
    if ks[-1] > n_passages:
        raise ConfigError(f"n_topics_range reaches K={ks[-1]} but the corpus has {n_passages} passages: "
                          f"use K <= {n_passages}")
    staged = search == "staged" and len(seeds) > 1 and metric != "perplexity"
    fit_kw = dict(n_jobs=n_jobs, held_out_fraction=float(held_out_fraction), split_random_state=int(random_state),
                  **lda_kwargs)
    with warnings.catch_warnings():
        # non-convergence is recorded per fit in the `converged` column and summarised below
        warnings.filterwarnings("ignore", message=r"LDA \(.*did not converge", category=TextlabWarning)
        grid = [(k, seeds[0]) for k in ks] if staged else [(k, s) for k in ks for s in seeds]
        fits, prepared = fit_grid(tokenized, grid, **fit_kw)
        rows, per_topic = _score(fits, texts, measures, top_n, processes, stage=1)
        candidates = _candidates(ks, per_topic, metric) if staged else ks
        more = [(k, s) for k in candidates for s in seeds[1:]] if staged else []
        if more:
            extra, _ = fit_grid(tokenized, more, prepared=prepared, **fit_kw)
            rows += _score(extra, texts, measures, top_n, processes, stage=2)[0]
            fits += extra
    table = pd.DataFrame(rows)[_TABLE_COLUMNS].sort_values(["n_topics", "random_state"], kind="stable")
    table = table.reset_index(drop=True)
    summary = _summarise(table)
    # staged: the rule chooses among the K that every seed was fitted for (all screened in by the first
    # seed), so means over equal numbers of seeds are compared
    chosen, rule_text = _choose(summary[summary["n_topics"].isin(candidates)].reset_index(drop=True), rule)
    edge = None if len(ks) < 2 else ("bottom" if chosen == ks[0] else "top" if chosen == ks[-1] else None)
    summary["chosen"] = summary["n_topics"] == chosen
    summary["at_edge"] = summary["chosen"] & (edge is not None)
    if staged:
        rule_text += (f"; staged search: every K on seed {seeds[0]}, seeds {seeds[1:]} only for K {candidates} "
                      f"(first-seed {metric} within one standard error over topics of the best)")
    _warn(table, chosen, edge, ks)
    by_key = {(f.n_topics, f.params["random_state"]): f for f in fits}
    kept = {key: f for key, f in by_key.items() if keep_fits == "all" or (keep_fits == "chosen" and key[0] == chosen)}
    params = {
        "n_topics_range": ks, "random_states": seeds, "search": "staged" if staged else "full",
        "stage2_n_topics": list(candidates) if staged else None, "n_fits": len(table),
        "held_out_fraction": float(held_out_fraction), "held_out_unit": "tokens of every passage",
        "n_passages": n_passages, "split_random_state": int(random_state),
        "coherence": measures, "coherence_window_sizes": {m: SLIDING_WINDOW_SIZES[m] for m in measures},
        "coherence_texts": "all passages' tokens", "top_n": int(top_n), "diversity_top_n": 25,
        "rule": rule, "rule_text": rule_text, "chosen_n_topics": int(chosen), "at_edge": edge is not None,
        "edge": edge, "lda_kwargs": lda_kwargs, "lda_settings": _settings(fits[0]), "processes": int(processes),
        "n_jobs": n_jobs, "keep_fits": keep_fits,
        "perplexity": "exp(-log-likelihood per held-out token), theta from the passage's training tokens",
    }
    return ModelSelection(table=table, summary=summary, chosen_n_topics=chosen, rule=rule_text, fits=kept,
                          params=params)


def _check(coherence, rule, held_out_fraction, top_n, keep_fits, search, lda_kwargs):
    """Validate select_n_topics' options; return measures, the rule's metric, held-out share, LDA options."""
    measures = [coherence] if isinstance(coherence, str) else list(coherence)
    if any(m not in _MEASURES for m in measures) or len(set(measures)) != len(measures):
        raise bad_value("coherence", coherence, f"a selection of {list(_MEASURES)}")
    if rule not in RULES:
        raise bad_value("rule", rule, f"one of {list(RULES)}")
    metric = RULES[rule][0]
    if held_out_fraction is None:
        held_out_fraction = 0.2 if metric == "perplexity" else 0.0
    if not 0.0 <= float(held_out_fraction) < 1.0:
        raise bad_value("held_out_fraction", held_out_fraction, "a fraction in [0, 1)")
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 2:
        raise bad_value("top_n", top_n, "an integer >= 2")
    if keep_fits not in ("chosen", "all", "none"):
        raise bad_value("keep_fits", keep_fits, "'chosen', 'all' or 'none'")
    if search not in SEARCHES:
        raise bad_value("search", search, " or ".join(repr(x) for x in SEARCHES))
    lda_kwargs = dict(lda_kwargs or {})
    reserved = [k for k in _RESERVED if k in lda_kwargs]
    if reserved:
        raise ConfigError(f"lda_kwargs must not set {reserved}: select_n_topics sets them itself")
    lda_kwargs.pop("progress", None)
    lda_kwargs.setdefault("restarts", 1)  # the seeds are the independent chains; no restarts inside each fit
    return measures, metric, float(held_out_fraction), lda_kwargs


def _settings(fit: LdaFit) -> dict:
    keep = ("engine", "passes_requested", "iterations", "alpha", "eta", "tol", "no_below", "no_above", "keep_n",
            "restarts", "workers", "n_terms")
    return {k: fit.params.get(k) for k in keep}


def _score(fits: list[LdaFit], texts, measures, top_n: int, processes: int, stage: int):
    """Table rows of ``fits`` and their per-topic coherence ``{measure: [array per fit]}``."""
    topic_sets = [_top_words(f, top_n) for f in fits]
    n_words = min(len(t) for topics in topic_sets for t in topics)
    if n_words < top_n:
        raise bad_value("top_n", top_n, f"at most the vocabulary size after filtering ({n_words})")
    scores = topic_coherence(topic_sets, texts, measures=measures, top_n=top_n, processes=processes) \
        if measures else {}
    rows = []
    for i, fit in enumerate(fits):
        row = {"n_topics": fit.n_topics, "random_state": fit.params["random_state"],
               "diversity": topic_diversity(fit), "perplexity": float(fit.params.get("perplexity", np.nan)),
               "converged": bool(fit.params.get("converged", False)), "stage": stage}
        for m in _MEASURES:
            row[m] = float(np.mean(scores[m][i])) if m in scores else np.nan
        rows.append(row)
    return rows, scores


def _candidates(ks: list[int], per_topic: dict, metric: str) -> list[int]:
    """K whose first-seed mean is within one standard error (over its topics) of the best K's mean."""
    if metric not in per_topic:
        raise ConfigError(f"the rule needs {metric}, which was not computed: add it to coherence=")
    means = np.array([np.mean(v) for v in per_topic[metric]])
    best = int(np.argmax(means))
    values = per_topic[metric][best]
    se = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
    return [k for k, m in zip(ks, means) if m >= means[best] - se]


def _warn(table: pd.DataFrame, chosen: int, edge: str | None, ks: list[int]) -> None:
    n_bad = int((~table["converged"]).sum())
    if n_bad:
        warnings.warn(f"{n_bad} of {len(table)} model-selection fits did not converge (see the `converged` "
                      "column); consider more passes in lda_kwargs", TextlabWarning, stacklevel=3)
    if edge == "top":
        wider = f"range({ks[0]}, {ks[-1] + max(4, len(ks))})"
        warnings.warn(f"chosen K={chosen} is the largest K searched (n_topics_range {ks[0]}..{ks[-1]}): a larger K "
                      f"may fit better; widen the range, e.g. n_topics_range={wider}", KRangeEdgeWarning,
                      stacklevel=3)
    elif edge == "bottom" and ks[0] > 2:
        warnings.warn(f"chosen K={chosen} is the smallest K searched (n_topics_range {ks[0]}..{ks[-1]}): a smaller K "
                      f"may fit better; start the range lower, e.g. n_topics_range=range(2, {ks[-1] + 1})",
                      KRangeEdgeWarning, stacklevel=3)
