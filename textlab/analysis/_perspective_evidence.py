"""Keyword-in-context evidence for within-topic key terms: the passages of a group leaning most to the topic.

For each (topic, comparison) the top key terms of each side get ``n_rows`` passages of that side's
group that contain the term, chosen in order of the passage's share of the topic (ties in row order).
Which passages contain a term is read from the count structure the perspectives already hold (one
boolean per stored count), a growing chunk of candidates at a time, so a group of a million passages
costs a few sparse row slices per term; the texts and tokens of the chosen passages are then read
once, together (one read per shard of an on-disk store).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

_EVIDENCE_COLUMNS = ["topic", "group", "reference", "term", "label", "passage_id", "doc_id", "topic_share",
                     "left", "match", "right"]

#: Passages scanned per (topic, group), in order of their share of the topic, for evidence of a key term.
EVIDENCE_SCAN = 20_000


class _Presence:
    """Which passages contain a term: the count structure (rows of ``rows``) or the token lists."""

    def __init__(self, structure: Any, vocab: np.ndarray, structure_ids: np.ndarray, passage_ids: np.ndarray,
                 tokens: Any) -> None:
        self.tokens = tokens
        self.matrix = None
        if structure is not None:
            indices, indptr, shape = structure
            self.matrix = sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=shape)
            self.column = {str(t): j for j, t in enumerate(vocab)}
            self.row = pd.Index(structure_ids.astype(str)).get_indexer(passage_ids.astype(str))

    def first(self, order: np.ndarray, term: str, n: int) -> list[int]:
        """The first ``n`` passages of ``order`` that contain ``term``, in that order."""
        if self.matrix is None or term not in self.column:
            return [int(i) for i in order if term in self.tokens[i]][:n]  # token lists in memory
        j, found, start, step = self.column[term], [], 0, 256
        while start < len(order) and len(found) < n:
            chunk = order[start:start + step]
            rows = self.row[chunk]
            hits = np.zeros(len(chunk), dtype=bool)
            ok = rows >= 0
            hits[ok] = np.asarray(self.matrix[rows[ok]][:, j].todense()).ravel()
            found += [int(i) for i in chunk[hits]]
            start, step = start + step, step * 4
        return found[:n]


def _evidence(table: pd.DataFrame, data: Any, fit: Any, group_column: str, *, n_terms: int, n_rows: int,
              window: int, structure: Any = None, scan: int = EVIDENCE_SCAN) -> pd.DataFrame:
    """KWIC lines: for each side's top key terms, the group's passages leaning most to the topic.

    Passages are scanned in order of their share of the topic (ties in row order), at most ``scan`` per
    (topic, group); the texts and tokens of the chosen passages are read once, together.
    """
    from textlab.analysis.frames import _default_normalize
    from textlab.analysis.kwic import _find, _take, _token_targets
    from textlab.data import require_tokens

    passages = getattr(data, "passages", None)
    passages = getattr(data, "rows", None) if passages is None else passages
    passages = passages.reset_index(drop=True)
    tokens = require_tokens(data, "perspectives evidence")
    normalize, _ = _default_normalize(data)
    passage_ids = passages["passage_id"].to_numpy()
    theta_rows = pd.Index(np.asarray(fit.passage_ids).astype(str)).get_indexer(passage_ids.astype(str))
    theta = np.asarray(fit.doc_topic)
    labels = passages[group_column].astype(str).to_numpy()
    presence = _Presence(None if structure is None else structure[:3], None if structure is None else structure[3],
                         None if structure is None else structure[4], passage_ids, tokens)
    picks = []
    key = table[table["key"] & (table["z"] > 0)]
    for (topic, group, reference), rows in key.groupby(["topic", "group", "reference"], sort=True):
        members = np.flatnonzero((labels == str(group)) & (theta_rows >= 0))
        order = members[np.argsort(-theta[theta_rows[members], topic - 1], kind="stable")][:scan]
        for term_row in rows.sort_values("z", ascending=False).head(n_terms).itertuples():
            has = presence.first(order, str(term_row.term), n_rows)
            if has:
                picks.append((topic, group, reference, str(term_row.term), term_row.label, has))
    needed = sorted({i for *_, has in picks for i in has})
    fetched = {i: (text, toks) for i, text, toks in _take(passages, tokens, needed)} if needed else {}
    out = []
    for topic, group, reference, term, label, has in picks:
        targets, literal = _token_targets(term, normalize, {term})
        found = _find([(i, *fetched[i]) for i in has], targets, literal, normalize, window, n_rows * 3, False)
        seen = set()
        for i, left, match, right in found:
            if i in seen:
                continue
            seen.add(i)
            out.append((topic, group, reference, term, label, str(passages["passage_id"].iat[i]),
                        str(passages["doc_id"].iat[i]) if "doc_id" in passages.columns else "",
                        round(float(theta[theta_rows[i], topic - 1]), 3), left, match, right))
    return pd.DataFrame(out, columns=_EVIDENCE_COLUMNS)
