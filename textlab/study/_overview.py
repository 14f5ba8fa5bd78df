"""What figure 01 draws for a large corpus: one box plot per group and stage (its CSV, instead of a row per document)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["overview_summary"]


def overview_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per group and stage, the box plot figure 01 draws: ``n_documents, words, whisker_low, q1, median, q3,
    whisker_high`` (words per document, clipped at 1 as on the log axis; whiskers at 1.5 IQR, as matplotlib)
    and ``share_removed`` (of the group's words).

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "a"], "n_words_raw": [10, 20], "n_words_clean": [5, 20]})
    >>> overview_summary(t)[["stage", "median", "share_removed"]].values.tolist()
    [['before cleaning', 15.0, 0.16666666666666663], ['after cleaning', 12.5, 0.16666666666666663]]
    """
    rows = []
    for group, part in table.groupby(table["group"].astype(str), sort=True):
        raw_total, clean_total = part["n_words_raw"].sum(), part["n_words_clean"].sum()
        share = 1 - clean_total / raw_total if raw_total > 0 else 0.0
        for stage, column in (("before cleaning", "n_words_raw"), ("after cleaning", "n_words_clean")):
            values = np.clip(part[column].to_numpy(dtype=float), 1, None)
            q1, median, q3 = np.percentile(values, [25, 50, 75])
            low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
            rows.append({"group": group, "stage": stage, "n_documents": len(part), "words": int(part[column].sum()),
                         "whisker_low": values[values >= low].min(), "q1": q1, "median": median, "q3": q3,
                         "whisker_high": values[values <= high].max(), "share_removed": float(share)})
    return pd.DataFrame(rows)
