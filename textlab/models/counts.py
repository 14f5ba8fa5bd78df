"""Document-term counts from textlab tokens (scikit-learn ``CountVectorizer``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["DocumentTermMatrix"]


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Term counts per passage (or document).

    Attributes
    ----------
    counts
        ``n_rows x n_terms`` CSR matrix of int64 counts.
    vocabulary
        Term strings, column order of ``counts``.
    passages
        Row metadata in the row order of ``counts``.
    params
        Settings that produced the matrix.
    """

    counts: sp.csr_matrix
    vocabulary: np.ndarray
    passages: pd.DataFrame
    params: dict = field(default_factory=dict)
