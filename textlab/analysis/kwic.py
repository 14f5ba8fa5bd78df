"""Keyword-in-context evidence: read every claim in its source passage.

A table row shows one occurrence in a passage's *original text* — the words
before it, the matched words, the words after it — with the passage, document
and group it comes from. Occurrences are located through the corpus's own token
pipeline, so a token such as ``united_states`` is found where the text says
"U.S." or "United States", ``sanction`` where it says "sanctions", and
``data_center`` where it says "data centres".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, bad_value
from textlab.analysis.frames import Codebook, _compile, _default_normalize
from textlab.analysis.topics.lda import LdaFit
from textlab.analysis._text_shards import find_in_shards, on_disk, token_vocabulary
from textlab.data import Result, require_tokens

__all__ = ["KeywordsInContext", "keywords_in_context"]

_COLUMNS = ["passage_id", "doc_id", "group", "left", "match", "right"]
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class KeywordsInContext(Result):
    """Occurrences in their text: ``table`` has ``passage_id, doc_id, group, left, match, right``."""

    table: pd.DataFrame


def _rows_of(data: Any) -> pd.DataFrame:
    rows = getattr(data, "rows", None)
    rows = getattr(data, "passages", None) if not isinstance(rows, pd.DataFrame) else rows
    if not isinstance(rows, pd.DataFrame):
        raise ConfigError(f"data must be a TextData or a TokenizedCorpus, got {type(data).__name__}")
    return rows.reset_index(drop=True)


def _iter_texts(rows: pd.DataFrame, tokens: Any) -> Iterator[str]:
    """Row texts in order: from the ``text`` column, or streamed from the token shards on disk."""
    if "text" in rows.columns:
        return (t if isinstance(t, str) else "" for t in rows["text"])
    if getattr(tokens, "has_text", False):
        return tokens.iter_texts()
    raise ConfigError("the rows have no 'text' column and no text is stored with the tokens: "
                      "keyword-in-context needs the passage text")


def _take(rows: pd.DataFrame, tokens: Any, indices: list[int]) -> Iterator[tuple[int, str, Sequence[str]]]:
    """``(row, text, tokens)`` of a few rows, reading only the shards that hold them on disk."""
    if "text" in rows.columns:
        column = rows["text"]
        texts = [column.iat[i] if isinstance(column.iat[i], str) else "" for i in indices]
    else:
        _iter_texts(rows, tokens)  # a one-line error when there is no text at all
        texts = tokens.read_texts(indices)
    token_lists = tokens.take(indices) if hasattr(tokens, "take") else [tokens[i] for i in indices]
    return zip(indices, texts, token_lists)


def _check_options(by: str, window: int, top_n: int, n_terms: int, max_rows: int) -> None:
    if by not in ("token", "frame", "topic"):
        raise bad_value("by", by, "'token', 'frame' or 'topic'")
    for name, value, low in (("window", window, 0), ("top_n", top_n, 1), ("n_terms", n_terms, 1),
                             ("max_rows", max_rows, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise bad_value(name, value, f"an integer >= {low}")


def keywords_in_context(
    data: Any,
    query: str | int,
    *,
    by: str = "token",
    window: int = 8,
    group_column: str | None = None,
    codebook: Codebook | None = None,
    fit: LdaFit | None = None,
    normalize: Callable[[str], list[str]] | None = None,
    top_n: int = 10,
    n_terms: int = 10,
    max_rows: int = 50,
) -> KeywordsInContext:
    """Occurrences of a term, frame or topic in the passages' text, with ``window`` words either side.

    Parameters
    ----------
    data
        A :class:`~textlab.data.TextData` (from ``count_terms``, in memory or on disk) or a
        ``TokenizedCorpus``: rows with their tokens, and their text in a ``text`` column or
        in the token shards on disk (read shard by shard; only the rows shown are kept).
        Counts-only data (``load_counts``) has no running text: a one-line error says so.
        A query is matched as a token when it is one of ``data.terms`` (every token of a
        ``TokenizedCorpus``), and by its words as written otherwise.
    query
        ``by="token"``: a token (``"export_control"``) or any word or phrase as written
        (``"U.S."``, ``"export controls"``), normalised like the corpus. ``by="frame"``: a
        frame name of ``codebook``. ``by="topic"``: a topic number (1..K) of ``fit``.
    by
        ``"token"``, ``"frame"`` or ``"topic"``.
    window
        Words shown on each side (whitespace-separated words of the original text).
    group_column
        Row column shown as ``group`` (``None``: an empty ``group``).
    codebook
        Needed for ``by="frame"``; entries are matched as in :func:`~textlab.analysis.frames.score_frames`.
    fit
        Needed for ``by="topic"``; its ``passage_ids`` must be rows of ``data``.
    normalize
        Per-text tokeniser (default: rebuilt from ``data.params``, as in ``score_frames``).
    top_n
        ``by="topic"``: how many passages with the highest proportion of the topic; each is
        shown with the occurrences of the topic's ``n_terms`` most probable terms (or, if it
        contains none, once with its opening words).
    n_terms
        ``by="topic"``: number of top terms of the topic to highlight.
    max_rows
        At most this many rows (in passage order; for topics, by decreasing proportion).

    Returns
    -------
    KeywordsInContext
        ``.table``: ``passage_id, doc_id, group, left, match, right``. Words that the token
        pipeline drops (stopwords) are found by a case-insensitive whole-word search.
        ``.params``: the query and settings.

    Examples
    --------
    >>> from textlab.preprocessing.tokens import TokenizedCorpus
    >>> passages = pd.DataFrame({"passage_id": ["a:000"], "doc_id": ["a"], "outlet": ["x"],
    ...                          "text": ["Washington tightened export controls on advanced chips last year."]})
    >>> tc = TokenizedCorpus(passages, [["washington", "tightened", "export", "controls", "advanced", "chips"]])
    >>> row = keywords_in_context(tc, "controls", window=2).table.iloc[0]
    >>> row["left"], row["match"], row["right"]
    ('tightened export', 'controls', 'on advanced')
    """
    _check_options(by, window, top_n, n_terms, max_rows)
    rows = _rows_of(data)
    tokens = require_tokens(data, "keyword-in-context")
    if group_column is not None and group_column not in rows.columns:
        raise ConfigError(f"group_column={group_column!r} is not a column of the passages: "
                          f"expected one of {sorted(map(str, rows.columns))}")
    if normalize is None:
        normalize, _ = _default_normalize(data)
    # the counted terms when the data has them (no pass over every token on disk), else every token
    terms = getattr(data, "terms", None)
    if isinstance(terms, pd.DataFrame):
        vocabulary = set(terms["term"].astype(str))
    else:
        vocabulary = token_vocabulary(tokens)

    literal = None
    if by == "topic":
        order, targets = _topic_targets(rows, query, fit, top_n, n_terms)
        candidates = _take(rows, tokens, order)
    else:
        if by == "frame":
            targets = _frame_targets(data, query, codebook, normalize, vocabulary)
        else:
            targets, literal = _token_targets(str(query), normalize, vocabulary)
        candidates = zip(range(len(rows)), _iter_texts(rows, tokens), tokens)

    if by != "topic" and "text" not in rows.columns and on_disk(tokens) and tokens.has_text:
        # one task per shard (on the Dask workers when a cluster is active), the first max_rows kept
        found = find_in_shards(tokens, targets, literal, normalize, window, max_rows)
    else:
        found = _find(candidates, targets, literal, normalize, window, max_rows, by == "topic")
    params = {"query": query if isinstance(query, (int, str)) else str(query), "by": by, "window": int(window),
              "group_column": group_column, "max_rows": int(max_rows), "n_rows": len(found)}
    if by == "topic":
        params.update({"top_n": int(top_n), "n_terms": int(n_terms)})
    return KeywordsInContext(_table(rows, found, group_column), params=params)


def _find(candidates, targets, literal, normalize, window: int, max_rows: int, topic: bool) -> list[tuple]:
    """``(row, left, match, right)`` of the first ``max_rows`` occurrences among ``(row, text, tokens)``."""
    found: list[tuple] = []
    for i, text, toks in candidates:
        spans = []
        if targets and _contains_any(toks, targets):
            spans = _locate(text, targets, normalize)
        if literal is not None:
            spans = sorted(set(spans) | {m.span() for m in literal.finditer(text)})
        if topic and not spans:
            found.append((i, "", "", " ".join(text.split()[: 2 * window])))
        found.extend((i, *_context(text, start, end, window)) for start, end in spans)
        if len(found) >= max_rows:
            break
    return found[:max_rows]


def _table(rows: pd.DataFrame, found: list[tuple], group_column: str | None) -> pd.DataFrame:
    idx = [r[0] for r in found]
    if group_column is not None:
        labels = rows[group_column].iloc[idx]
        group = labels.astype(object).where(labels.notna(), "").astype(str).to_numpy()
    else:
        group = np.full(len(idx), "", dtype=object)
    return pd.DataFrame({
        "passage_id": rows["passage_id"].astype(str).to_numpy()[idx] if "passage_id" in rows.columns
        else np.array(idx, dtype=str),
        "doc_id": rows["doc_id"].astype(str).to_numpy()[idx] if "doc_id" in rows.columns else "",
        "group": group,
        "left": [r[1] for r in found],
        "match": [r[2] for r in found],
        "right": [r[3] for r in found],
    }, columns=_COLUMNS)


def _token_targets(query: str, normalize, vocabulary: set[str]):
    """Token sequences for a token/word query, plus a literal pattern for words the pipeline drops."""
    if not query.strip():
        raise bad_value("query", query, "a non-empty word, phrase or token")
    targets: set[tuple[str, ...]] = set()
    if query in vocabulary:
        targets.add((query,))
    tokens = tuple(normalize(query))
    if tokens:
        targets.add(tokens)
        if len(tokens) > 1 and "_".join(tokens) in vocabulary:
            targets.add(("_".join(tokens),))
    literal = None
    if not tokens or not any(_in_vocabulary(t, vocabulary) for t in targets):
        words = [re.escape(w) for w in query.replace("_", " ").split()]
        literal = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)
    return _with_parts(targets), literal


def _frame_targets(data, frame, codebook, normalize, vocabulary) -> set[tuple[str, ...]]:
    if not isinstance(codebook, Codebook):
        raise ConfigError("by='frame' needs codebook= (a Codebook from load_codebook)")
    if frame not in codebook.frames:
        raise ConfigError(f"query={frame!r} is not a frame of the codebook: expected one of {sorted(codebook.frames)}")
    one = Codebook(frames={frame: codebook.frames[frame]}, descriptions={}, params={})
    entries, units = _compile(one, normalize, vocabulary, getattr(data, "surface_forms", {}) or {}, True)
    return _with_parts({units[u] for e in entries for u in e["units"]})


def _topic_targets(rows: pd.DataFrame, query, fit, top_n, n_terms):
    if not isinstance(fit, LdaFit):
        raise ConfigError("by='topic' needs fit= (an LdaFit)")
    try:
        topic = int(query)
    except (TypeError, ValueError):
        topic = -1
    if not 1 <= topic <= fit.n_topics:
        raise bad_value("query", query, f"a topic number from 1 to {fit.n_topics}")
    if "passage_id" not in rows.columns:
        raise ConfigError("by='topic' needs a 'passage_id' column in the rows (the ids the model was fitted on)")
    ids = rows["passage_id"].astype(str)
    position = pd.Index(ids).get_indexer(np.asarray(fit.passage_ids).astype(str))
    if (position < 0).any():
        raise ConfigError("fit.passage_ids are not all passages of data: pass the corpus the model was fitted on")
    proportion = np.asarray(fit.doc_topic)[:, topic - 1]
    best = np.argsort(-proportion, kind="stable")[:top_n]
    terms = np.asarray(fit.vocabulary)[np.argsort(-np.asarray(fit.topic_term)[topic - 1], kind="stable")[:n_terms]]
    return [int(position[b]) for b in best], _with_parts({(str(t),) for t in terms})


def _with_parts(targets: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Add the word sequence of every phrase token (learned phrases are not made by ``normalize``)."""
    out = set(targets)
    for seq in targets:
        if len(seq) == 1 and "_" in seq[0]:
            out.add(tuple(seq[0].split("_")))
    return out


def _in_vocabulary(seq: tuple[str, ...], vocabulary: set[str]) -> bool:
    return all(t in vocabulary for t in seq)


def _has_run(tokens: Sequence[str], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    if n == 1:
        return seq[0] in tokens
    return any(tuple(tokens[i:i + n]) == seq for i in range(len(tokens) - n + 1) if tokens[i] == seq[0])


def _contains_any(tokens: Sequence[str], targets: set[tuple[str, ...]]) -> bool:
    return any(_has_run(tokens, seq) for seq in targets)


def _locate(text: str, targets: set[tuple[str, ...]], normalize) -> list[tuple[int, int]]:
    """Character spans of the shortest word runs whose tokens contain a target and start with it."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    longest = max(len(t) for t in targets) + 3
    cache: dict[tuple[int, int], tuple[str, ...]] = {}

    def tokens(a: int, b: int) -> tuple[str, ...]:
        if (a, b) not in cache:
            cache[(a, b)] = tuple(normalize(text[words[a][0]:words[b - 1][1]]))
        return cache[(a, b)]

    spans = []
    i = 0
    while i < len(words):
        hit = None
        for n in range(1, min(longest, len(words) - i) + 1):
            if _contains_any(tokens(i, i + n), targets):
                if n > 1 and _contains_any(tokens(i + 1, i + n), targets):
                    break  # the occurrence starts later
                hit = n
                break
        if hit is None:
            i += 1
            continue
        start, end = words[i][0], words[i + hit - 1][1]
        spans.append(_trim(text, start, end))
        i += hit
    return spans


def _context(text: str, start: int, end: int, window: int) -> tuple[str, str, str]:
    """``window`` whole words either side; punctuation glued to the match stays with it, uncounted."""
    before, after = text[:start], text[end:]
    lead = re.search(r"\S*$", before).group()  # e.g. "(" before "(UN)"
    trail = re.match(r"\S*", after).group()  # e.g. ")," after it
    left_words = before[: len(before) - len(lead)].split()
    right_words = after[len(trail):].split()
    left = (" ".join(left_words[-window:]) if window else "") + (" " + lead if lead else "")
    right = (trail + " " if trail else "") + (" ".join(right_words[:window]) if window else "")
    return left.strip(), text[start:end], right.strip()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop punctuation around a matched run of words ("(sanctions)," -> "sanctions")."""
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip("\"'“‘([{«"))
    trail = len(piece) - len(piece.rstrip("\"'”’)]}».,;:!?"))
    # keep the final dot of abbreviations such as "U.S."
    if trail and re.search(r"\b\w\.\w\.$", piece[: len(piece) - trail + 1]):
        trail -= 1
    return start + lead, end - trail if end - trail > start + lead else end
