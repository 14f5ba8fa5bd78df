"""What is modelled: passage topic proportions (with posterior draws) or frame shares (observed).

:func:`as_outcome` turns an ``LdaFit``, a list of aligned fits, a ``FrameResult`` or a
passages x outcomes share table into an :class:`Outcome`: the point values (``N x K``), the
outcome names and a sampler giving posterior draws (topics: one seed run per draw, cycled, and
each passage's proportions drawn from its Dirichlet; frames and tables: the observed shares).
:func:`outcome_draws` exposes the exact draws :func:`~textlab.analysis.effects.estimate_effect`
composes, so a regression can be checked against them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError

__all__ = ["Outcome", "as_outcome", "outcome_draws"]


@dataclass(frozen=True)
class Outcome:
    """Outcomes per passage and how to draw them.

    Attributes
    ----------
    kind
        ``"topic"`` (topic proportions of LDA fits), ``"frame"`` (frame shares) or ``"share"`` (a table).
    names
        One name per outcome column (topic numbers 1..K, frame names, table columns).
    point
        ``N x K`` values: mean over seed runs of ``doc_topic``, or the observed shares.
    ids
        ``N`` passage ids (``None`` for a table without ids: rows matched by position).
    dirichlet
        Per seed run, the ``N x K`` Dirichlet parameters (topics only).
    means
        Per seed run, the ``N x K`` posterior means (topics only).
    params
        Where the outcome came from (seeds of the fits, frame normaliser ...).
    """

    kind: str
    names: list
    point: np.ndarray
    ids: np.ndarray | None
    dirichlet: list[np.ndarray] = field(default_factory=list)
    means: list[np.ndarray] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    @property
    def has_posterior(self) -> bool:
        """Whether passages' values are uncertain (posterior draws) rather than observed."""
        return bool(self.dirichlet)

    def select(self, columns: Sequence[int]) -> "Outcome":
        """The same outcome restricted to some columns (positions)."""
        idx = list(columns)
        return Outcome(self.kind, [self.names[i] for i in idx], self.point[:, idx], self.ids,
                       [a for a in self.dirichlet], [m for m in self.means], {**self.params, "columns": idx})

    def take(self, rows: np.ndarray) -> "Outcome":
        """The same outcome for some passages (positions), e.g. those with every covariate present."""
        idx = np.asarray(rows)
        return Outcome(self.kind, list(self.names), self.point[idx], None if self.ids is None else self.ids[idx],
                       [a[idx] for a in self.dirichlet], [m[idx] for m in self.means], dict(self.params))

    def draw(self, d: int, rng: np.random.Generator, columns: Sequence[int] | None = None) -> np.ndarray:
        """Draw ``d``: run ``d mod n_runs``, each passage's proportions from its Dirichlet (``N x K``)."""
        if not self.has_posterior:
            return self.point
        run = d % len(self.dirichlet)
        gamma = rng.standard_gamma(self.dirichlet[run])
        totals = gamma.sum(axis=1)
        bad = ~(totals > 0)
        theta = gamma / np.where(bad, 1.0, totals)[:, None]
        if bad.any():  # every component underflowed (tiny parameters): the posterior mean
            theta[bad] = self.means[run][bad]
        idx = self.params.get("columns")
        return theta if idx is None else theta[:, idx]


def _from_fits(fits: Sequence[Any]) -> Outcome:
    first = fits[0]
    ids = np.asarray(first.passage_ids).astype(str)
    dirichlet, means = [], []
    for i, fit in enumerate(fits):
        theta = np.asarray(fit.doc_topic, dtype=float)
        alpha = np.asarray(fit.doc_topic_dirichlet, dtype=float)
        if theta.shape != first.doc_topic.shape or alpha.shape != theta.shape:
            raise ConfigError(f"outcome[{i}]: doc_topic {theta.shape} and doc_topic_dirichlet {alpha.shape} must "
                              f"match outcome[0]'s {np.shape(first.doc_topic)}: fits aligned to one topic order "
                              "(assess_stability(...).aligned) on the same passages")
        if not np.array_equal(np.asarray(fit.passage_ids).astype(str), ids):
            raise ConfigError(f"outcome[{i}] has other passages (or another order) than outcome[0]: fit every run "
                              "on the same passages")
        if not (np.all(np.isfinite(alpha)) and np.all(alpha > 0)):
            raise ConfigError(f"outcome[{i}].doc_topic_dirichlet must be finite and > 0 (Dirichlet parameters)")
        dirichlet.append(alpha)
        means.append(theta)
    point = np.mean(means, axis=0)
    names = list(range(1, point.shape[1] + 1))
    return Outcome("topic", names, point, ids, dirichlet, means,
                   {"n_fits": len(fits), "fit_random_states": [f.params.get("random_state") for f in fits]})


def _from_frames(result: Any) -> Outcome:
    long = result.by_passage
    need = {"passage_id", "frame", "share"}
    if not isinstance(long, pd.DataFrame) or need - set(long.columns):
        raise ConfigError("outcome: FrameResult.by_passage must have passage_id, frame and share columns")
    wide = long.pivot_table(index="passage_id", columns="frame", values="share", aggfunc="first", sort=False)
    order = pd.unique(long["passage_id"].astype(str))
    wide.index = wide.index.astype(str)
    wide = wide.reindex(order)
    empty = wide.isna().any(axis=1).to_numpy()  # passages without tokens have no share
    wide = wide[~empty]
    values = wide.to_numpy(dtype=float)
    return Outcome("frame", [str(c) for c in wide.columns], values, np.asarray(wide.index, dtype=str),
                   params={"frame_share": "n_hits / n_tokens of the passage (FrameResult.by_passage.share)",
                           "passages_without_tokens_dropped": int(empty.sum())})


def _from_table(table: pd.DataFrame) -> Outcome:
    frame = table.copy()
    ids = None
    if "passage_id" in frame.columns:
        ids = frame.pop("passage_id").astype(str).to_numpy()
    elif frame.index.name == "passage_id":
        ids = frame.index.astype(str).to_numpy()
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c != "doc_id"]
    if not numeric:
        raise ConfigError("outcome table has no numeric share columns: expected passages x outcomes shares")
    return Outcome("share", [str(c) for c in numeric], frame[numeric].to_numpy(dtype=float), ids)


def as_outcome(outcome: Any) -> Outcome:
    """An :class:`Outcome` from an ``LdaFit``, a list of aligned fits, a ``FrameResult`` or a share table.

    Examples
    --------
    >>> out = as_outcome(pd.DataFrame({"passage_id": ["a", "b"], "risk": [0.1, 0.3]}))
    >>> out.kind, out.names, out.point.ravel().tolist()
    ('share', ['risk'], [0.1, 0.3])
    """
    if isinstance(outcome, pd.DataFrame):
        out = _from_table(outcome)
    elif hasattr(outcome, "doc_topic_dirichlet"):
        out = _from_fits([outcome])
    elif isinstance(outcome, Sequence) and outcome and all(hasattr(f, "doc_topic_dirichlet") for f in outcome):
        out = _from_fits(list(outcome))
    elif hasattr(outcome, "by_passage"):
        out = _from_frames(outcome)
    else:
        raise ConfigError(f"outcome must be an LdaFit, a list of aligned LdaFits, a FrameResult or a passages x "
                          f"outcomes DataFrame of shares, got {type(outcome).__name__}")
    if not np.all(np.isfinite(out.point)):
        raise ConfigError("outcome has missing or infinite values: every passage needs a share for every outcome")
    return out


def select_outcomes(out: Outcome, lhs: str) -> Outcome:
    """Keep the outcomes named on the left of the formula (``"1:3 ~"``, ``"2, 5 ~"``, ``"risk + cost ~"``)."""
    if not lhs:
        return out
    text = lhs.replace("c(", "").replace(")", "")
    span = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if span:
        wanted: list = list(range(int(span.group(1)), int(span.group(2)) + 1))
    else:
        wanted = [w.strip() for w in re.split(r"[,+]", text) if w.strip()]
        if out.kind == "topic":
            if not all(w.isdigit() for w in wanted):
                raise ConfigError(f"formula: left-hand side {lhs!r} must name topics by number, e.g. '1:5 ~'")
            wanted = [int(w) for w in wanted]
    lookup = {str(n): i for i, n in enumerate(out.names)}
    unknown = [w for w in wanted if str(w) not in lookup]
    if unknown:
        raise ConfigError(f"formula: left-hand side names {unknown}, not outcomes of the data {out.names[:20]}")
    return out.select([lookup[str(w)] for w in wanted])


def outcome_draws(outcome: Any, n_draws: int, *, random_state: int = 0) -> np.ndarray:
    """The ``n_draws x N x K`` posterior draws that ``estimate_effect`` composes (same seed, same draws).

    Draw ``d`` uses seed run ``d mod n_fits`` and its own generator ``default_rng([random_state, 1, d])``;
    frame shares and tables have no posterior, so every draw is the observed table.

    Examples
    --------
    >>> outcome_draws(pd.DataFrame({"risk": [0.1, 0.3]}), 2).shape
    (2, 2, 1)
    """
    out = outcome if isinstance(outcome, Outcome) else as_outcome(outcome)
    return np.stack([out.draw(d, draw_generator(random_state, d)) for d in range(n_draws)])


def draw_generator(random_state: int, d: int) -> np.random.Generator:
    """The generator of posterior draw ``d`` (internal; independent of the resampling stream)."""
    return np.random.default_rng([int(random_state), 1, int(d)])
