"""LDA topic models (gensim by default; tomotopy as an optional faster engine)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["LdaFit"]


@dataclass(frozen=True)
class LdaFit:
    """A fitted topic model as plain arrays.

    Attributes
    ----------
    topic_term
        ``K x V`` topic-word probabilities (rows sum to 1).
    doc_topic
        ``N x K`` posterior-mean topic proportions per passage (rows sum to 1).
    doc_topic_dirichlet
        ``N x K`` Dirichlet parameters of each passage's topic proportions
        (gensim's variational ``gamma``), for posterior draws.
    vocabulary
        ``V`` term strings.
    passage_ids
        ``N`` passage ids, row order of ``doc_topic``.
    convergence
        Per-pass diagnostics (``pass``, ``perplexity_bound``, ``converged``).
    params
        ``n_topics``, ``random_state``, ``passes``, ``iterations``, ``alpha``, ``eta``, ``engine``.
    """

    topic_term: np.ndarray
    doc_topic: np.ndarray
    doc_topic_dirichlet: np.ndarray
    vocabulary: np.ndarray
    passage_ids: np.ndarray
    convergence: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def n_topics(self) -> int:
        """Number of topics ``K``."""
        return int(self.topic_term.shape[0])
