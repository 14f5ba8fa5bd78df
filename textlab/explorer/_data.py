"""The tables the explorer page is drawn from, computed from a study's results.

Everything here is a pure function of a :class:`~textlab.study.run.StudyResult` (a fresh run or
a results folder read back): topic numbers and labels come from the same tables as the static
figures (``topic_terms``, ``stability``, ``topic_map``), so topic 3 on the page is topic 3 in every
table and figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value

__all__ = ["topic_labels", "topics_table", "candidate_terms", "terms_table", "relevance_ranking",
           "prevalence_tables", "frames_table", "keyness_table", "lambda_grid", "contrast_of", "check_topics",
           "NO_LEAN"]

_TINY = 1e-300  # floor before log, as in textlab.analysis.topics.labels
#: Lean of a topic whose difference interval includes zero.
NO_LEAN = "no clear lean"


def topic_labels(result: Any, *, n_terms: int = 2) -> dict[int, str]:
    """Topic -> ``"term · term"``: its top FREX terms, read from ``topic_terms`` as the figures do.

    Unstable topics are not marked here (the page flags them in a column of their own).

    Examples
    --------
    >>> terms = pd.DataFrame({"topic": [1, 1], "method": "frex", "rank": [1, 2], "label": ["chips", "cloud"]})
    >>> topic_labels(type("R", (), {"tables": {"topic_terms": terms}})())
    {1: 'chips · cloud'}
    """
    from textlab.plots.topics import topic_labels as study_labels

    return study_labels(result.tables["topic_terms"], None, n_terms=n_terms)


def _lean(difference: pd.DataFrame | None, k: int) -> dict[str, Any]:
    """The group a topic leans towards: the largest difference whose interval excludes zero."""
    empty = {"lean": NO_LEAN, "difference": np.nan, "diff_low": np.nan, "diff_high": np.nan, "contrast": ""}
    if difference is None or difference.empty:
        return empty
    rows = difference[difference["topic"] == k]
    if rows.empty:
        return empty
    clear = rows[(rows["ci_low"] > 0) | (rows["ci_high"] < 0)]
    pick = (clear if len(clear) else rows).loc[lambda t: t["difference"].abs().idxmax()]
    lean = NO_LEAN
    if len(clear):
        lean = str(pick["group_a"]) if pick["difference"] > 0 else str(pick["group_b"])
    return {"lean": lean, "difference": float(pick["difference"]), "diff_low": float(pick["ci_low"]),
            "diff_high": float(pick["ci_high"]), "contrast": f"{pick['group_a']} − {pick['group_b']}"}


def topics_table(result: Any) -> pd.DataFrame:
    """One row per topic: ``topic, name, label, x, y, prevalence, stable, stability, lean, difference ...``.

    ``x, y, prevalence`` are the study's ``topic_map`` (classical scaling of Jensen–Shannon
    distances; token share); ``lean`` is the group of the largest prevalence difference whose
    interval excludes zero, else :data:`NO_LEAN`.
    """
    tables = result.tables
    topic_map = tables["topic_map"].sort_values("topic").reset_index(drop=True)
    labels = topic_labels(result)
    stability = tables["stability"].set_index("topic")
    difference = tables.get("prevalence_difference")
    rows = []
    for rec in topic_map.itertuples(index=False):
        k = int(rec.topic)
        stable = bool(stability["stable"].get(k, True))
        rows.append({"topic": k, "name": f"Topic {k}" + ("" if stable else " (unstable)"),
                     "label": labels.get(k, ""), "x": float(rec.x), "y": float(rec.y),
                     "prevalence": float(rec.prevalence), "stable": stable,
                     "stability": float(stability["stability"].get(k, np.nan)), **_lean(difference, k)})
    return pd.DataFrame(rows)


def lambda_grid(step: float) -> np.ndarray:
    """The λ values the slider can take: ``0, step, 2 step, ..., 1`` (rounded to 10 decimals).

    Examples
    --------
    >>> lambda_grid(0.25).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not 0 < step <= 1:
        raise bad_value("lambda_step", step, "a number in (0, 1], e.g. 0.01")
    n = int(round(1.0 / step))
    if not np.isclose(n * step, 1.0):
        raise bad_value("lambda_step", step, "a step that divides 1 (0.01, 0.05, 0.1 ...)")
    return np.round(np.linspace(0.0, 1.0, n + 1), 10)


def _log_tables(topic_term: np.ndarray, prevalence: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log p(w|k)``, ``log lift = log p(w|k)/p(w)`` and ``p(w) = Σ_k p(k) p(w|k)``."""
    topic_term = np.asarray(topic_term, dtype=float)
    marginal = np.asarray(prevalence, dtype=float) @ topic_term
    log_beta = np.log(np.maximum(topic_term, _TINY))
    log_lift = log_beta - np.log(np.maximum(marginal, _TINY))[None, :]
    return log_beta, log_lift, marginal


def candidate_terms(topic_term: np.ndarray, prevalence: np.ndarray, *, n_terms: int,
                    lambdas: np.ndarray) -> list[np.ndarray]:
    """Per topic, the term indices in the top ``n_terms`` by relevance at some λ of ``lambdas``.

    Only these terms are written into the page: at any slider position the top ``n_terms``
    are among them.  Ties at the cut are all kept.
    """
    log_beta, log_lift, _ = _log_tables(topic_term, prevalence)
    k, v = log_beta.shape
    n = min(int(n_terms), v)
    chosen = np.zeros((k, v), dtype=bool)
    for lam in lambdas:
        scores = lam * log_beta + (1.0 - lam) * log_lift
        cutoff = np.partition(scores, v - n, axis=1)[:, v - n][:, None]
        chosen |= scores >= cutoff
    return [np.flatnonzero(row) for row in chosen]


def terms_table(fit: Any, prevalence: np.ndarray, candidates: list[np.ndarray], *, labels: dict[str, str],
                counts: dict[str, int]) -> pd.DataFrame:
    """Candidate terms of every topic: ``topic, term, label, logp, loglift, topic_count, corpus_count``.

    ``candidates`` are the term indices of each topic (:func:`candidate_terms`).

    ``corpus_count`` is the term's count in the corpus and ``topic_count`` the part of it the
    model assigns to the topic, ``corpus_count · p(k|w)`` with ``p(k|w) = p(w|k) p(k) / p(w)``
    (so a topic's bar never exceeds the corpus bar, and a term's topic bars sum to it).
    """
    topic_term = np.asarray(fit.topic_term, dtype=float)
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    log_beta, log_lift, marginal = _log_tables(topic_term, prevalence)
    parts = []
    for k, idx in enumerate(candidates):
        terms = vocabulary[idx]
        corpus = np.array([int(counts.get(t, 0)) for t in terms], dtype=np.int64)
        parts.append(pd.DataFrame({
            "topic": k + 1, "term": terms, "label": [labels.get(t, t.replace("_", " ")) for t in terms],
            "logp": log_beta[k, idx], "loglift": log_lift[k, idx],
            "topic_count": corpus * topic_term[k, idx] * float(prevalence[k]) / np.maximum(marginal[idx], _TINY),
            "corpus_count": corpus}))
    return pd.concat(parts, ignore_index=True)


def relevance_ranking(terms: pd.DataFrame, lambda_: float, *, n_terms: int = 30) -> pd.DataFrame:
    """The term bars at one slider position: per topic the ``n_terms`` most relevant terms.

    Relevance is ``λ log p(w|k) + (1 − λ) log(p(w|k) / p(w))`` (Sievert & Shirley 2014); ties
    are broken by ``log p(w|k)`` then by term, as on the page.

    Examples
    --------
    >>> t = pd.DataFrame({"topic": 1, "term": ["a", "b"], "logp": np.log([.6, .4]), "loglift": np.log([1, 2])})
    >>> relevance_ranking(t, 1.0, n_terms=1)["term"].tolist(), relevance_ranking(t, 0.0, n_terms=1)["term"].tolist()
    (['a'], ['b'])
    """
    if not 0.0 <= float(lambda_) <= 1.0:
        raise bad_value("lambda_", lambda_, "a number between 0 and 1")
    ranked = terms.assign(relevance=lambda_ * terms["logp"] + (1.0 - lambda_) * terms["loglift"])
    ranked = ranked.sort_values(["topic", "relevance", "logp", "term"], ascending=[True, False, False, True],
                                kind="stable")
    ranked["rank"] = ranked.groupby("topic").cumcount() + 1
    return ranked[ranked["rank"] <= n_terms].reset_index(drop=True)


def prevalence_tables(result: Any, labels: dict[int, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``prevalence_by_group`` and ``prevalence_difference`` with ``name`` and ``label`` of each topic."""
    by_group = result.tables.get("prevalence_by_group")
    difference = result.tables.get("prevalence_difference")
    stable = result.tables["stability"].set_index("topic")["stable"].astype(bool)

    def named(table: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
        if table is None:
            return pd.DataFrame(columns=["topic", "name", "label", *columns])
        out = table[["topic", *columns]].copy()
        out["topic"] = out["topic"].astype(int)
        out.insert(1, "name", [f"Topic {k}" + ("" if stable.get(k, True) else " (unstable)") for k in out["topic"]])
        out.insert(2, "label", out["topic"].map(labels).fillna(""))
        return out.reset_index(drop=True)

    return (named(by_group, ["group", "mean", "ci_low", "ci_high"]),
            named(difference, ["group_a", "group_b", "difference", "ci_low", "ci_high"]))


def frames_table(result: Any) -> pd.DataFrame:
    """``frames_by_group``: ``frame, group, mean, ci_low, ci_high`` (empty if no frames step)."""
    table = result.tables.get("frames_by_group")
    if table is None:
        return pd.DataFrame(columns=["frame", "group", "mean", "ci_low", "ci_high"])
    return table[["frame", "group", "mean", "ci_low", "ci_high"]].reset_index(drop=True)


def contrast_of(result: Any) -> tuple[str, str] | None:
    """The study's two-group contrast, or ``None``."""
    contrast = getattr(result.config, "contrast", None)
    return (str(contrast[0]), str(contrast[1])) if contrast and len(contrast) == 2 else None


def keyness_table(result: Any, *, n_terms: int = 15) -> pd.DataFrame:
    """The key terms drawn: ``term, label, key_for, log_odds, ci_low, ci_high, z, q_perm, count_group``.

    With a two-group contrast, the ``n_terms`` terms with the highest and the lowest ``z`` of
    ``group_a`` against ``group_b`` (as in figure 02); otherwise the ``n_terms`` highest per group.
    """
    table = result.tables.get("keyness")
    columns = ["term", "label", "key_for", "log_odds", "ci_low", "ci_high", "z", "q_perm", "count_group"]
    if table is None or table.empty:
        return pd.DataFrame(columns=columns)
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise bad_value("n_keyness", n_terms, "an integer >= 1")
    contrast = contrast_of(result)
    if contrast is not None:
        side = table[(table["group"] == contrast[0]) & (table["reference"] == contrast[1])]
        top = side.nlargest(n_terms, "z").query("z > 0").assign(key_for=contrast[0])
        bottom = side.nsmallest(n_terms, "z").query("z < 0").assign(key_for=contrast[1])
        out = pd.concat([top, bottom])
    else:
        out = (table.sort_values(["group", "z"], ascending=[True, False]).groupby("group").head(n_terms)
               .query("z > 0").assign(key_for=lambda t: t["group"]))
    if "q_perm" not in out.columns:
        out = out.assign(q_perm=np.nan)
    return out[columns].reset_index(drop=True)


def check_topics(result: Any) -> None:
    """Refuse a result whose topics step did not run (the explorer's map needs it)."""
    missing = [t for t in ("topic_map", "topic_terms", "stability") if t not in result.tables]
    if missing:
        raise ConfigError(f"the study result has no {', '.join(missing)} table(s): the explorer needs the topics "
                          "step; run `textlab analyze STUDY.toml` with an [lda] section")
