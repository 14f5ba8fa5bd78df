"""Passages: cleaned documents cut into paragraph blocks packed to a word budget.

:func:`split_documents` works on any chunk of documents and gives the same passages whatever
the chunking (passage ids depend on their own document only), so the in-memory path
(:func:`split_passages`) and the streamed path of :func:`textlab.preprocessing.pipeline.prepare_data`
give identical passage tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from textlab._errors import CleaningWarning, TextlabError, bad_value
from textlab.preprocessing._text.passages import document_passages

__all__ = ["split_passages", "split_documents", "passage_table", "warn_no_passages", "SplitDocuments",
           "TEXT_COLUMNS"]

#: Document columns that describe the text rather than the document; never copied to passages.
TEXT_COLUMNS = ("text", "raw_text", "n_words_raw", "n_words_clean")


@dataclass(frozen=True)
class SplitDocuments:
    """Passages of a chunk of documents, as parallel lists (plain data, so it crosses processes).

    ``row`` is the index of each passage's document within the chunk; ``empty`` lists the
    ids of documents that gave no passage.
    """

    passage_id: list[str]
    doc_id: list[str]
    row: list[int]
    position: list[int]
    text: list[str]
    n_words: list[int]
    empty: list[str]


def _check_sizes(max_words: object, min_words: object) -> None:
    if not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 2:
        raise bad_value("max_words", max_words, "an integer >= 2")
    if not isinstance(min_words, int) or isinstance(min_words, bool) or not 1 <= min_words <= max_words:
        raise bad_value("min_words", min_words, f"an integer between 1 and max_words={max_words}")


def split_documents(doc_ids: Sequence, texts: Sequence, *, max_words: int = 120, min_words: int = 12) -> SplitDocuments:
    """Passages of a chunk of documents (see :func:`split_passages` for the rules).

    Examples
    --------
    >>> split = split_documents(["a", "b"], ["One short line here.", ""], min_words=2)
    >>> split.passage_id, split.row, split.empty
    (['a:000'], [0], ['b'])
    """
    _check_sizes(max_words, min_words)
    out = SplitDocuments([], [], [], [], [], [], [])
    for row, (doc_id, text) in enumerate(zip(doc_ids, texts, strict=True)):
        doc_id = str(doc_id)
        pieces = document_passages(text if isinstance(text, str) else "", max_words=max_words, min_words=min_words)
        if not pieces:
            out.empty.append(doc_id)
            continue
        width = max(3, len(str(len(pieces) - 1)))
        out.passage_id.extend(f"{doc_id}:{p:0{width}d}" for p in range(len(pieces)))
        out.doc_id.extend([doc_id] * len(pieces))
        out.row.extend([row] * len(pieces))
        out.position.extend(range(len(pieces)))
        out.text.extend(pieces)
        out.n_words.extend(len(piece.split()) for piece in pieces)
    return out


def passage_table(split: SplitDocuments, docs: pd.DataFrame | None) -> pd.DataFrame:
    """The passage table of :func:`split_passages` from a split and its documents' metadata.

    ``docs`` holds the chunk's documents in the order given to :func:`split_documents`;
    every column except :data:`TEXT_COLUMNS` is copied to each passage.
    """
    table = pd.DataFrame({
        "passage_id": pd.Series(split.passage_id, dtype=object).to_numpy(),
        "doc_id": pd.Series(split.doc_id, dtype=object).to_numpy(),
        "position": pd.array(split.position, dtype="int64"),
        "text": pd.Series(split.text, dtype=object).to_numpy(),
        "n_words": pd.array(split.n_words, dtype="int64"),
    })
    if docs is None:
        return table
    meta_cols = [c for c in docs.columns if c not in TEXT_COLUMNS and c not in table.columns]
    if meta_cols:
        meta = docs[meta_cols].iloc[split.row].reset_index(drop=True)
        table = pd.concat([table, meta], axis=1)
    return table


def warn_no_passages(empty: Sequence[str]) -> None:
    """One :class:`CleaningWarning` naming documents that gave no passages."""
    if empty:
        warnings.warn(f"{len(empty)} document(s) have no text and give no passages: {list(empty)[:5]}",
                      CleaningWarning, stacklevel=3)


def split_passages(corpus: Corpus, *, max_words: int = 120, min_words: int = 12) -> pd.DataFrame:
    """Split cleaned documents into passages that keep their document's metadata.

    Each line is a paragraph (blank lines between paragraphs are optional).  A heading (a line
    of at most 16 words without final punctuation) is joined to the paragraph or list after
    it; a lead-in line ending with ``:`` is joined to the list that follows (lines starting
    with ``•``, ``-``, ``*`` ..., or a run of short single-sentence lines); a block longer than
    ``max_words`` is cut at sentence boundaries (lists between items) into near-equal chunks;
    passages shorter than ``min_words`` are merged into the shorter neighbour in the same
    document.  :func:`split_documents` does the same for a chunk of documents (the streamed
    path of :func:`textlab.preprocessing.pipeline.prepare_data` calls it per chunk).  A passage is therefore at most ``max_words + min_words - 1`` words long, plus any
    heading words (sentences longer than ``max_words`` are cut between words).

    Parameters
    ----------
    corpus
        Documents; ``corpus.docs`` is indexed by ``doc_id`` and has a ``text`` column.
    max_words
        Word budget of a passage (>= 2).
    min_words
        Passages with fewer words are merged into a neighbour (1 <= min_words <= max_words).

    Returns
    -------
    pandas.DataFrame
        ``passage_id`` (``"<doc_id>:<nnn>"``, three digits or as many as the document's
        last position needs), ``doc_id``, ``position`` (0-based in the
        document), ``text``, ``n_words`` (whitespace-separated words), then every metadata
        column of ``corpus.docs`` except ``text``, ``raw_text``, ``n_words_raw`` and
        ``n_words_clean``.  Documents with no text give no passages (a ``CleaningWarning``).

    Examples
    --------
    >>> docs = pd.DataFrame({"text": ["Key Facts\\nThe council will fund schools."],
    ...                      "outlet": ["outlet-a"]}, index=pd.Index(["a"], name="doc_id"))
    >>> from textlab.preprocessing.read import Corpus
    >>> split_passages(Corpus(docs), min_words=2)[["passage_id", "n_words", "outlet"]]
      passage_id  n_words    outlet
    0      a:000        7  outlet-a
    """
    _check_sizes(max_words, min_words)
    docs = getattr(corpus, "docs", None)
    if not isinstance(docs, pd.DataFrame) or "text" not in docs.columns:
        raise TextlabError(
            f"corpus={type(corpus).__name__} is not allowed: expected a Corpus whose docs table "
            "has a 'text' column"
        )
    split = split_documents(docs.index, docs["text"], max_words=max_words, min_words=min_words)
    warn_no_passages(split.empty)
    return passage_table(split, docs)
