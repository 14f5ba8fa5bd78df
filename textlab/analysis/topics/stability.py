"""Topic stability across random seeds: refit, align topics, score how well each topic recurs.

LDA's answer depends on its random start.  A topic worth interpreting should come back when the
model is refitted with another seed.  :func:`assess_stability` aligns every run's topics to a
reference run by the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) on the
Jensen–Shannon distance between topic-term distributions, and scores each reference topic by
its mean similarity ``1 − JSD`` to its matches.

The default threshold 0.5 has a plain reading: for two topics spread evenly over word sets that
overlap in a fraction ``f`` of their probability mass, the JS divergence (base 2) is ``1 − f``
and the distance its square root, so ``1 − JSD ≥ 0.5`` means the matched topics share at least
about three quarters of their mass.  Below that, the "same" topic is a different mix of words
in another run and should not be read on its own.

On a small corpus sampling noise alone keeps stability well below 1: a topic estimated from a
thousand tokens differs from a re-estimate from another thousand tokens of the *same* topic.
The table therefore also reports each topic's ``noise_ceiling`` — the mean ``1 − JSD`` between
two simulated re-estimates of the reference topic from as many tokens as it holds — and warns
(``SmallSampleWarning``) when that ceiling is below the threshold, i.e. when even a perfectly
reproducible topic could not be called stable.  ``top_terms_overlap`` (share of the reference
topic's top 10 terms among its match's top 10) gives a second, easily read view.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import jensenshannon

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning, TextlabWarning, bad_value
from textlab.analysis.topics.lda import LdaFit
from textlab.data import Result

__all__ = ["StabilityResult", "assess_stability", "fit_seeds", "match_topics", "pairwise_topic_distances"]

_METRICS = ("jsd", "cosine")


@dataclass(frozen=True, kw_only=True)
class StabilityResult(Result):
    """Topic stability of a reference run against refits with other seeds (a :class:`~textlab.data.Result`).

    Attributes
    ----------
    table
        One row per topic of the reference run: ``topic`` (1..K), ``stability`` (mean of
        ``1 − JSD`` to the matched topic of every other run, in [0, 1]), ``stable``
        (``stability >= threshold``), ``n_runs`` (runs compared, reference included),
        ``n_distinct_chains`` (how many of those runs are different fits: identical fits, as
        neighbouring seeds once gave, count once), ``stability_min`` (the worst match),
        ``top_terms_overlap`` (mean share of the top 10 terms shared with the match) and
        ``noise_ceiling`` (stability an identical topic would reach from sampling noise alone;
        ``nan`` if the fit does not record ``n_tokens``).
    aligned
        The fits with topics permuted to the reference run's order (``topic_term`` rows and
        ``doc_topic`` / ``doc_topic_dirichlet`` columns); ``params["topic_permutation"]`` holds
        the permutation applied.
    distances
        ``runs x K`` JS distance of each reference topic to its match (0 for the reference).
    params
        ``reference``, ``threshold``, ``metric``, ``random_states`` of the runs, ``n_runs``,
        ``n_distinct_chains``, ``n_top_terms``, the LDA settings of the reference run.
    """

    table: pd.DataFrame
    aligned: list[LdaFit] = field(default_factory=list)
    distances: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], params: dict) -> "StabilityResult":
        """Rebuild from ``table`` and ``params`` (aligned fits and distances are not stored)."""
        return cls(table=tables["table"], params=dict(params))


def pairwise_topic_distances(
    topic_term_a: np.ndarray, topic_term_b: np.ndarray, *, metric: str = "jsd"
) -> np.ndarray:
    """Distances between every row of ``a`` and every row of ``b``.

    Parameters
    ----------
    topic_term_a, topic_term_b
        ``K_a x V`` and ``K_b x V`` non-negative matrices over the same vocabulary (rows are
        normalised to sum to 1 for ``"jsd"``).
    metric
        ``"jsd"``: Jensen–Shannon distance, base 2, in [0, 1]; ``"cosine"``: 1 − cosine similarity.

    Returns
    -------
    numpy.ndarray
        ``K_a x K_b`` distances.

    Examples
    --------
    >>> pairwise_topic_distances(np.eye(2), np.eye(2)[::-1]).round(3).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    a = np.asarray(topic_term_a, dtype=float)
    b = np.asarray(topic_term_b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise EstimationError(
            f"topic-term matrices of shapes {a.shape} and {b.shape} cannot be compared: "
            "expected two 2-D arrays over the same vocabulary (same number of columns)"
        )
    if metric == "jsd":
        out = np.empty((a.shape[0], b.shape[0]))
        for i in range(a.shape[0]):  # one row at a time keeps memory at K_b x V
            out[i] = jensenshannon(a[i][None, :], b, axis=1, base=2)
        return np.clip(np.nan_to_num(out, nan=1.0), 0.0, 1.0)
    if metric == "cosine":
        na = np.linalg.norm(a, axis=1, keepdims=True)
        nb = np.linalg.norm(b, axis=1, keepdims=True)
        sim = (a / np.where(na > 0, na, 1.0)) @ (b / np.where(nb > 0, nb, 1.0)).T
        return np.clip(1.0 - sim, 0.0, 2.0)
    raise bad_value("metric", metric, f"one of {list(_METRICS)}")


def match_topics(
    topic_term_a: np.ndarray | LdaFit,
    topic_term_b: np.ndarray | LdaFit,
    *,
    metric: str = "jsd",
) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of ``b`` to those of ``a`` one-to-one (Hungarian assignment).

    Parameters
    ----------
    topic_term_a, topic_term_b
        ``K_a x V`` and ``K_b x V`` topic-term matrices (or :class:`LdaFit` objects, whose
        vocabularies are then aligned by term) .
    metric
        ``"jsd"`` (Jensen–Shannon distance, base 2) or ``"cosine"``.

    Returns
    -------
    perm : numpy.ndarray
        Length ``K_a``: ``perm[i]`` is the row of ``b`` matched to row ``i`` of ``a`` (``-1``
        if ``K_b < K_a`` left it unmatched), so ``b[perm]`` is in ``a``'s order when
        ``K_b >= K_a``.
    distances : numpy.ndarray
        Length ``K_a``: distance of each matched pair (``nan`` if unmatched).  The assignment
        minimises their sum.

    Examples
    --------
    >>> a = np.array([[.7, .2, .1], [.1, .2, .7]])
    >>> perm, dist = match_topics(a, a[[1, 0]])
    >>> perm.tolist(), dist.round(6).tolist()
    ([1, 0], [0.0, 0.0])
    """
    if isinstance(topic_term_a, LdaFit) or isinstance(topic_term_b, LdaFit):
        a, b = _on_common_vocabulary(topic_term_a, topic_term_b)
    else:
        a, b = topic_term_a, topic_term_b
    cost = pairwise_topic_distances(a, b, metric=metric)
    rows, cols = linear_sum_assignment(cost)
    perm = np.full(cost.shape[0], -1, dtype=int)
    perm[rows] = cols
    distances = np.full(cost.shape[0], np.nan)
    distances[rows] = cost[rows, cols]
    return perm, distances


def _on_common_vocabulary(a: np.ndarray | LdaFit, b: np.ndarray | LdaFit) -> tuple[np.ndarray, np.ndarray]:
    """Topic-term matrices of two fits over the union of their vocabularies (absent terms get 0)."""
    if not (isinstance(a, LdaFit) and isinstance(b, LdaFit)):
        raise ConfigError("match_topics needs two LdaFit objects or two arrays, not a mixture")
    va, vb = np.asarray(a.vocabulary).astype(str), np.asarray(b.vocabulary).astype(str)
    if va.shape == vb.shape and np.array_equal(va, vb):
        return np.asarray(a.topic_term, float), np.asarray(b.topic_term, float)
    union = np.union1d(va, vb)
    out = []
    for fit, vocab in ((a, va), (b, vb)):
        m = np.zeros((fit.topic_term.shape[0], union.size))
        m[:, np.searchsorted(union, vocab)] = fit.topic_term
        out.append(m)
    return out[0], out[1]


def _permute(fit: LdaFit, perm: np.ndarray, reference: int) -> LdaFit:
    params = {**fit.params, "aligned_to_run": int(reference), "topic_permutation": [int(p) for p in perm]}
    dirichlet = np.asarray(fit.doc_topic_dirichlet)
    return dataclasses.replace(
        fit,
        topic_term=np.asarray(fit.topic_term)[perm],
        doc_topic=np.asarray(fit.doc_topic)[:, perm],
        doc_topic_dirichlet=dirichlet[:, perm] if dirichlet.ndim == 2 and dirichlet.shape[1] == perm.size else dirichlet,
        params=params,
    )


def _noise_ceiling(fit: LdaFit, *, n_sim: int, random_state: int) -> np.ndarray:
    """Mean ``1 − JSD`` between two re-estimates of each topic from as many tokens as it holds.

    Topic ``k`` holds about ``n_tokens × mean(doc_topic[:, k])`` tokens; two multinomial samples
    of that size from ``topic_term[k]`` are smoothed with the fit's ``eta`` (0.01 if not
    recorded) the way the topic itself was estimated, and compared.
    """
    n_tokens = fit.params.get("n_tokens")
    k = fit.n_topics
    if not n_tokens:
        return np.full(k, np.nan)
    eta = fit.params.get("eta")
    eta = float(eta) if isinstance(eta, (int, float)) and not isinstance(eta, bool) else 0.01
    beta = np.asarray(fit.topic_term, dtype=float)
    share = np.asarray(fit.doc_topic, dtype=float).mean(axis=0)
    rng = np.random.default_rng(random_state)
    out = np.empty(k)
    for t in range(k):
        n = max(int(round(n_tokens * share[t])), 1)
        p = beta[t] / beta[t].sum()
        draws = rng.multinomial(n, p, size=(n_sim, 2)) + eta
        draws /= draws.sum(axis=2, keepdims=True)
        out[t] = 1.0 - np.mean(jensenshannon(draws[:, 0], draws[:, 1], axis=1, base=2))
    return out


def _top_overlap(a: LdaFit, b: LdaFit, n: int) -> np.ndarray:
    """Share of each topic's top ``n`` terms in ``a`` also among the same topic's top ``n`` in ``b``."""
    out = np.empty(a.n_topics)
    for t in range(a.n_topics):
        top_a = set(np.asarray(a.vocabulary)[np.argsort(-np.asarray(a.topic_term)[t], kind="stable")[:n]])
        top_b = set(np.asarray(b.vocabulary)[np.argsort(-np.asarray(b.topic_term)[t], kind="stable")[:n]])
        out[t] = len(top_a & top_b) / max(len(top_a), 1)
    return out


def assess_stability(
    fits: Sequence[LdaFit],
    *,
    reference: int = 0,
    threshold: float = 0.5,
    metric: str = "jsd",
    n_top_terms: int = 10,
    random_state: int = 0,
) -> StabilityResult:
    """Align topics across refits and score how stable each topic of the reference run is.

    Parameters
    ----------
    fits
        Two or more fits with the same number of topics (e.g. from :func:`fit_seeds`).
        Vocabularies are aligned by term if they differ.
    reference
        Index in ``fits`` of the run whose topics (and topic numbers) are kept.
    threshold
        A topic is ``stable`` if its stability is at least this (see the module notes: 0.5 means
        matches share roughly 75% or more of their probability mass).
    metric
        Distance used for matching and scoring: ``"jsd"`` (default) or ``"cosine"``.
    n_top_terms
        Terms per topic compared in ``top_terms_overlap``.
    random_state
        Seed of the simulation behind ``noise_ceiling``.

    Returns
    -------
    StabilityResult
        ``table`` (``topic, stability, stable, n_runs, stability_min, top_terms_overlap,
        noise_ceiling``), ``aligned`` fits in the reference order, per-run match ``distances``
        and ``params``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from textlab.analysis.topics.lda import LdaFit
    >>> beta = np.array([[.7, .2, .1], [.1, .2, .7]])
    >>> make = lambda b: LdaFit(b, np.full((1, 2), .5), np.ones((1, 2)), np.array(["a", "b", "c"]),
    ...                         np.array(["d:000"]), pd.DataFrame())
    >>> result = assess_stability([make(beta), make(beta[[1, 0]])])
    >>> result.table[["topic", "stability", "stable"]].values.tolist()
    [[1, 1.0, True], [2, 1.0, True]]
    """
    fits = list(fits)
    if len(fits) < 2:
        raise ConfigError(
            f"fits has {len(fits)} run(s): stability needs at least 2 fits of the same K with different random_state"
        )
    if not all(isinstance(f, LdaFit) for f in fits):
        raise ConfigError("fits must be a sequence of LdaFit objects")
    if isinstance(reference, bool) or not isinstance(reference, (int, np.integer)) or not 0 <= reference < len(fits):
        raise bad_value("reference", reference, f"an index between 0 and {len(fits) - 1}")
    if not 0.0 <= float(threshold) <= 1.0:
        raise bad_value("threshold", threshold, "a number between 0 and 1")
    if metric not in _METRICS:
        raise bad_value("metric", metric, f"one of {list(_METRICS)}")
    ks = sorted({f.n_topics for f in fits})
    if len(ks) != 1:
        raise EstimationError(f"fits have different numbers of topics {ks}: stability compares refits of one K")
    k = ks[0]

    ref = fits[reference]
    distances = np.zeros((len(fits), k))
    aligned: list[LdaFit] = []
    for i, fit in enumerate(fits):
        if i == reference:
            perm = np.arange(k)
        else:
            perm, distances[i] = match_topics(ref, fit, metric=metric)
        aligned.append(_permute(fit, perm, reference))

    others = np.delete(distances, reference, axis=0)
    similarity = 1.0 - (others if metric == "jsd" else np.clip(others, 0.0, 1.0))
    stability = similarity.mean(axis=0)
    overlap = np.mean([_top_overlap(aligned[reference], a, int(n_top_terms))
                       for i, a in enumerate(aligned) if i != reference], axis=0)
    ceiling = _noise_ceiling(ref, n_sim=20, random_state=random_state) if metric == "jsd" else np.full(k, np.nan)
    n_distinct = len({np.ascontiguousarray(f.topic_term).tobytes() for f in fits})
    if n_distinct < len(fits):
        warnings.warn(f"{len(fits) - n_distinct + 1} of the {len(fits)} fits are identical (same chain): stability "
                      f"compares {n_distinct} distinct chains; refit with other random_state values",
                      TextlabWarning, stacklevel=2)
    table = pd.DataFrame(
        {
            "topic": np.arange(1, k + 1),
            "stability": stability,
            "stable": stability >= float(threshold),
            "n_runs": len(fits),
            "n_distinct_chains": n_distinct,
            "stability_min": similarity.min(axis=0),
            "top_terms_overlap": overlap,
            "noise_ceiling": ceiling,
        }
    )
    capped = np.flatnonzero(ceiling < float(threshold))
    if capped.size:
        warnings.warn(
            f"{capped.size} of {k} topics hold too few tokens for stability >= threshold={threshold}: even an "
            f"identical topic would score about {np.nanmin(ceiling):.2f} from sampling noise alone (see the "
            "noise_ceiling column); read `stable` together with top_terms_overlap",
            SmallSampleWarning,
            stacklevel=2,
        )
    params: dict[str, Any] = {
        "reference": int(reference),
        "threshold": float(threshold),
        "metric": metric,
        "n_topics": int(k),
        "random_states": [f.params.get("random_state") for f in fits],
        "n_runs": len(fits),
        "n_distinct_chains": int(n_distinct),
        "lda_settings": {key: ref.params.get(key) for key in ("engine", "passes_requested", "alpha", "eta", "tol",
                                                               "restarts", "no_below", "no_above", "keep_n")},
        "n_top_terms": int(n_top_terms),
        "noise_ceiling_random_state": int(random_state),
    }
    return StabilityResult(table=table, aligned=aligned, distances=distances, params=params)


def fit_seeds(
    tokenized: Any,
    *,
    n_topics: int,
    random_states: Sequence[int] = (0, 1, 2),
    reuse: Mapping[tuple[int, int], LdaFit] | None = None,
    n_jobs: int | None = None,
    **lda_kwargs: Any,
) -> list[LdaFit]:
    """Fit the same LDA once per seed (a convenience for :func:`assess_stability`).

    Parameters
    ----------
    tokenized
        A ``TextData``, ``TokenizedCorpus`` or a list of token lists, as accepted by ``fit_lda``.
    n_topics
        Number of topics ``K``.
    random_states
        One fit per seed, in this order; each seed's chains come from ``SeedSequence(seed)``, so
        the fits are independent.
    reuse
        Fits already made, keyed by ``(K, seed)`` — typically ``ModelSelection.fits`` — used
        instead of refitting when they were *requested* with the same settings as ``lda_kwargs``
        (options not given compared at ``fit_lda``'s defaults; the sweeps a fit happened to run
        are not compared), saw every token (no held-out share) and cover as many passages.
    n_jobs
        Processes for the fits still to make (``None`` / ``-1`` = every core); results do not
        depend on it.
    **lda_kwargs
        Passed to :func:`textlab.analysis.topics.lda.fit_lda` (``passes``, ``engine`` ...);
        ``restarts`` defaults to 1 here, as in ``select_n_topics`` (the seeds are the chains).

    Returns
    -------
    list of LdaFit

    Examples
    --------
    >>> docs = [["chip", "tariff", "export"], ["cloud", "server", "region"]] * 5
    >>> fits = fit_seeds(docs, n_topics=2, random_states=(0, 1), passes=20, no_below=1,
    ...                  progress=False, n_jobs=1)  # doctest: +SKIP
    >>> [f.params["random_state"] for f in fits]  # doctest: +SKIP
    [0, 1]
    """
    from textlab.analysis.topics.lda import fit_grid

    seeds = [random_states] if isinstance(random_states, (int, np.integer)) else list(random_states)
    if not seeds or len(set(seeds)) != len(seeds):
        raise bad_value("random_states", random_states, "a non-empty sequence of distinct integers")
    if "random_state" in lda_kwargs:
        raise ConfigError("pass seeds as random_states=(...), not random_state=")
    lda_kwargs.pop("progress", None)
    lda_kwargs.pop("keep_model", None)
    lda_kwargs.setdefault("restarts", 1)  # the seeds are the independent chains (as in select_n_topics)
    n_passages = len(tokenized.rows) if hasattr(tokenized, "store") else \
        len(tokenized.tokens if hasattr(tokenized, "tokens") else tokenized)
    fits: list[LdaFit | None] = []
    for seed in seeds:
        old = (reuse or {}).get((int(n_topics), int(seed)))
        fits.append(old if old is not None and _same_settings(old, lda_kwargs, n_passages) else None)
    todo = [i for i, fit in enumerate(fits) if fit is None]
    if todo:
        new, _ = fit_grid(tokenized, [(int(n_topics), int(seeds[i])) for i in todo], n_jobs=n_jobs, **lda_kwargs)
        for i, fit in zip(todo, new):
            fits[i] = fit
    return fits  # type: ignore[return-value]


def _same_settings(fit: LdaFit, lda_kwargs: Mapping[str, Any], n_passages: int) -> bool:
    """Whether ``fit`` was requested from ``n_passages`` passages with the options ``fit_lda(**lda_kwargs)`` uses.

    Options not given are compared at ``fit_lda``'s defaults, so a fit made with other settings
    is never reused by accident; ``passes`` is compared as requested (``params["passes_requested"]``),
    not as run, and fits with held-out tokens are never reused.
    """
    import inspect

    from textlab.analysis.topics import lda

    if fit.params.get("n_passages") != n_passages or fit.params.get("held_out_fraction"):
        return False
    signature = inspect.signature(lda.fit_lda).parameters
    skip = {"corpus", "n_topics", "random_state", "progress", "keep_model", "dictionary", "passage_ids"}
    engine = lda_kwargs.get("engine", signature["engine"].default)
    used = "tomotopy" if engine == "auto" else engine
    for name, parameter in signature.items():
        if name in skip or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        expected = lda_kwargs.get(name, parameter.default)
        recorded_name = name
        if name == "engine":
            expected = used
        elif name == "passes":
            recorded_name = "passes_requested" if "passes_requested" in fit.params else "passes"
            expected = lda.DEFAULT_PASSES.get(used) if expected is None else expected
        elif name == "iterations" and expected is None:
            expected = lda.DEFAULT_ITERATIONS.get(used)
        recorded = fit.params.get(recorded_name, expected)
        if name in ("chunksize", "update_every", "gamma_threshold", "restarts") and recorded is None:
            continue  # recorded only for the engine that uses it
        if recorded != expected:
            return False
    return True
