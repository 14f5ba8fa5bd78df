"""Evidence for the explorer: the passages behind a topic or frame, keyword-in-context lines for a term.

The page cannot hold 100,000 passages, so it holds a stated sample:

* for each topic, the ``n_passages`` passages with the highest share of it (repeated texts,
  e.g. syndicated copies, shown once);
* for each frame, the ``n_passages`` passages with the most frame tokens (ties: the higher share);
* for each term a user can click, up to ``n_kwic`` keyword-in-context lines from passages
  drawn at random (``random_state``) among those that contain it.

Topic and frame passages are added round-robin (every topic's first passage, then every
topic's second ...) until ``max_passages`` distinct passages are held.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import bad_value
from textlab._progress import progress

__all__ = ["ranked_passages", "allocate_passages", "term_index", "kwic_lines"]


def _check_count(name: str, value: int, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise bad_value(name, value, f"an integer >= {low}")
    return int(value)


def ranked_passages(scores: pd.DataFrame, key: str, score: str, texts: pd.Series, *, n: int,
                    then: str | None = None) -> pd.DataFrame:
    """Per ``key`` (topic or frame), the ``n`` passages with the highest ``score``, repeated texts once.

    ``scores`` has ``passage_id``, ``key`` and ``score`` (and ``then``, the tie-breaker) columns;
    ``texts`` maps passage id to text (passages without a text are not shown).
    Returns ``key, rank, passage_id, score``.

    Examples
    --------
    >>> s = pd.DataFrame({"topic": 1, "passage_id": ["a", "b", "c"], "share": [.2, .9, .5]})
    >>> ranked_passages(s, "topic", "share", pd.Series(["x", "y", "y"], index=["a", "b", "c"]), n=2)["passage_id"].tolist()
    ['b', 'a']
    """
    known = scores["passage_id"].astype(str).isin(texts.index)
    order = [key, score, *([then] if then else []), "passage_id"]
    table = scores[(scores[score] > 0) & known].sort_values(order, ascending=[True, False, *([False] if then else []),
                                                                              True], kind="stable")
    table = table.assign(_text=table["passage_id"].map(texts).fillna("").str.strip().str.lower())
    table = table.drop_duplicates([key, "_text"]).groupby(key, sort=True).head(n)
    table = table.assign(rank=table.groupby(key).cumcount() + 1)
    return table[[key, "rank", "passage_id", score]].rename(columns={key: "key", score: "score"}).reset_index(drop=True)


def allocate_passages(ranked: Iterable[pd.DataFrame], *, max_passages: int) -> tuple[list[pd.DataFrame], int]:
    """Keep rank 1 of every key of every table, then rank 2 ..., until ``max_passages`` distinct passages.

    Returns the tables cut to what is kept and the number of distinct passages kept.
    """
    tables = list(ranked)
    order = pd.concat([t.assign(_table=i, _row=np.arange(len(t))) for i, t in enumerate(tables)], ignore_index=True)
    order = order.sort_values(["rank", "_table", "_row"], kind="stable")
    seen: set[str] = set()
    keep = np.zeros(len(order), dtype=bool)
    for j, pid in enumerate(order["passage_id"].astype(str)):
        if pid in seen:
            keep[j] = True
        elif len(seen) < max_passages:
            seen.add(pid)
            keep[j] = True
    kept = order[keep]
    out = [kept[kept["_table"] == i].sort_values("_row").drop(columns=["_table", "_row"]).reset_index(drop=True)
           for i in range(len(tables))]
    return out, len(seen)


def term_index(tokens: Sequence[Sequence[str]], terms: set[str]) -> tuple[dict[str, list[int]], dict[str, int], int]:
    """Rows holding each of ``terms``, the count of each term, and the total number of tokens.

    One pass over the token lists (a list, or a Parquet-backed sequence on disk).
    """
    rows: dict[str, list[int]] = {t: [] for t in terms}
    counts: dict[str, int] = dict.fromkeys(terms, 0)
    n_tokens = 0
    for i, toks in enumerate(progress(tokens, desc="explorer: indexing terms", unit="passages")):
        n_tokens += len(toks)
        for t in set(toks) & terms:
            rows[t].append(i)
        for t in toks:
            if t in counts:
                counts[t] += 1
    return rows, counts, n_tokens


def term_index_from_counts(data: Any, terms: set[str]) -> tuple[dict[str, np.ndarray], dict[str, int], int] | None:
    """What :func:`term_index` returns, read from the counts of a disk store (no token list is read).

    Only when every token was counted (``min_df = 1``, ``max_df = 1.0``, no fixed vocabulary): then
    the rows holding a term are its column's non-zero rows and the counts and token total are sums.
    The rows come as sorted ``int64`` arrays (the same values as :func:`term_index`'s lists; a common
    term's million rows as Python ints would cost 30 MB each). Returns ``None`` otherwise (the caller
    reads the tokens).
    """
    store, params = getattr(data, "store", None), getattr(data, "params", None) or {}
    if getattr(store, "kind", None) != "disk" or params.get("min_df") != 1 or float(params.get("max_df", 0)) != 1.0 \
            or params.get("vocabulary_given"):
        return None
    column = {t: j for j, t in enumerate(data.terms["term"].astype(str))}
    wanted = sorted(t for t in terms if t in column)
    columns = np.array([column[t] for t in wanted], dtype=np.int64)
    found: list[list[np.ndarray]] = [[] for _ in wanted]
    counts = dict.fromkeys(terms, 0)
    n_tokens = 0
    for first, block in progress(store.iter_blocks(), desc="explorer: indexing terms", unit="blocks"):
        n_tokens += int(block.sum())
        part = block[:, columns].tocsc()
        for j, term in enumerate(wanted):
            start, end = part.indptr[j], part.indptr[j + 1]
            found[j].append(part.indices[start:end].astype(np.int64) + first)
            counts[term] += int(part.data[start:end].sum())
    rows = {t: np.zeros(0, dtype=np.int64) for t in terms}
    for j, term in enumerate(wanted):
        rows[term] = np.sort(np.concatenate(found[j])) if found[j] else rows[term]
    return rows, counts, n_tokens


def _cached(normalize: Any) -> Any:
    """``normalize`` memoised: locating a match re-tokenises every short run of words, and words repeat."""

    @lru_cache(maxsize=200_000)
    def cached(text: str) -> tuple[str, ...]:
        return tuple(normalize(text))

    return cached


def _texts(tokenized: Any, rows: list[int]) -> list[str]:
    """Texts of some rows: the ``text`` column, or read from the token shards on disk."""
    passages = tokenized.passages
    if "text" in passages.columns:
        column = passages["text"]
        return [column.iat[i] if isinstance(column.iat[i], str) else "" for i in rows]
    return tokenized.texts(rows)


def kwic_lines(tokenized: Any, rows_of_term: dict[str, list[int]], *, n_kwic: int, window: int,
               group_column: str, random_state: int) -> pd.DataFrame:
    """Up to ``n_kwic`` keyword-in-context lines per term, one per passage drawn at random.

    Occurrences are located as :func:`textlab.analysis.kwic.keywords_in_context` locates them
    (through the corpus's own tokeniser, so ``data_center`` is found where the text says "data
    centres"), each drawn passage once for all the terms that drew it.  The first occurrence in
    each passage is shown.  Returns ``term, n_passages, passage_id, doc_id, group, left, match, right``.
    """
    from textlab.analysis.frames import _default_normalize
    from textlab.analysis.kwic import _contains_any, _context, _locate, _with_parts

    _check_count("n_kwic", n_kwic)
    normalize = _cached(_default_normalize(tokenized)[0])
    rng = np.random.default_rng(random_state)
    draws: dict[int, list[str]] = {}
    for term in sorted(rows_of_term):
        rows = rows_of_term[term]
        for i in rng.choice(rows, size=min(n_kwic, len(rows)), replace=False).tolist() if len(rows) else ():
            draws.setdefault(int(i), []).append(term)
    order = sorted(draws)
    drawn = tokenized.passages.iloc[order]  # only the drawn rows' ids become Python strings
    ids, docs, groups = (dict(zip(order, drawn[c].astype(str).to_numpy()))
                         for c in ("passage_id", "doc_id", group_column))
    found = []
    texts = _texts(tokenized, order)
    for i, text in progress(zip(order, texts), desc="explorer: keyword-in-context lines", total=len(order),
                            unit="passages"):
        targets = {t: _with_parts({(t,)}) for t in draws[i]}
        waiting = set(targets)
        for start, end in _locate(text, set().union(*targets.values()), normalize):
            tokens = normalize(text[start:end])
            for term in [t for t in waiting if _contains_any(tokens, targets[t])]:
                waiting.discard(term)
                found.append((term, i, ids[i], docs[i], groups[i], *_context(text, start, end, window)))
            if not waiting:
                break
    columns = ["term", "n_passages", "passage_id", "doc_id", "group", "left", "match", "right"]
    if not found:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(found, columns=["term", "_row", *columns[2:]]).sort_values(["term", "_row"], kind="stable")
    table["n_passages"] = table["term"].map({t: len(r) for t, r in rows_of_term.items()})
    return table[columns].reset_index(drop=True)
