"""A study whose corpus is distributed only as counts (``[corpus] counts = "dtm.parquet"``).

Replication archives often ship a document-term matrix instead of texts.  With ``[corpus]
counts`` set, the corpus step reads it with :func:`textlab.store.load.load_counts` (a long
``doc_id, term, count`` table as ``.parquet``/``.csv``/``.tsv``, or a ``.npz`` matrix with
``[corpus] vocabulary`` naming a file of terms, one per line) and ``[corpus] path`` names the
documents' metadata table (``doc_id`` and the group column, one row per document, in matrix
row order for a ``.npz``).  Every document is one row (no passages, no cleaning, no tokens).

The count-based steps run unchanged (TF-IDF, keyness, topics fitted from counts, prevalence);
the steps that need running text are skipped, each with its reason recorded in the
provenance (``steps.<name>.skipped``) and said in a warning: model selection (coherence
counts words in sliding windows of the text; set ``[lda] n_topics``), frames (a codebook's
phrases and KWIC evidence need the text), and representative passages (an empty table).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["tax", "vote", "tax"],
...               "count": [2, 1, 5]}).to_parquet(folder / "dtm.parquet")
>>> pd.DataFrame({"doc_id": ["a", "b"], "party": ["x", "y"]}).to_csv(folder / "docs.csv", index=False)
>>> data = read_counts_corpus(folder / "dtm.parquet", rows=folder / "docs.csv")
>>> data.rows[["passage_id", "doc_id", "party", "n_words"]].values.tolist()
[['a', 'a', 'x', 3], ['b', 'b', 'y', 5]]
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import TextlabWarning

__all__ = ["read_counts_corpus", "run_counts_corpus", "needs_text", "TEXT_STEPS"]

#: Steps that need running text, and why (the reason recorded when they are skipped).
TEXT_STEPS = {
    "model_selection": "model selection scores coherence over sliding windows of the running text, which a "
                       "counts-only corpus does not have; set [lda] n_topics to fit topics from the counts",
    "frames": "frames match a codebook's words and phrases in the running text (and show it as evidence), "
              "which a counts-only corpus does not have",
}


def read_counts_corpus(counts: str | Path, *, rows: str | Path | None = None, vocabulary: str | Path | None = None,
                       id_column: str = "doc_id") -> Any:
    """Read counts (and document metadata) into a :class:`~textlab.data.TextData` a study can use.

    The rows gain ``passage_id`` (= ``doc_id``), ``position`` (0) and ``n_words`` (the row's
    total count), the columns the study's tables expect of a passage.
    """
    from textlab.store.load import load_counts

    data = load_counts(counts, rows=rows, vocabulary=vocabulary, id_column=id_column)
    table = data.rows
    if id_column != "doc_id":
        table = table.rename(columns={id_column: "doc_id"})
    lengths = np.asarray(data.store.to_csr().sum(axis=1)).ravel().astype(np.int64)
    table = table.assign(passage_id=table["doc_id"].astype(str), position=0, n_words=lengths)
    front = ["passage_id", "doc_id", "position", "n_words"]
    table = table[front + [c for c in table.columns if c not in front]]
    return data.with_(rows=table, params={**data.params, "counts_path": str(counts)})


def needs_text(ctx: Any, name: str) -> bool:
    """Whether step ``name`` must be skipped because the corpus was read as counts only (warns with why)."""
    if getattr(ctx.config, "counts_path", None) is None:
        return False
    reason = TEXT_STEPS[name]
    ctx.memory.setdefault("skip_reasons", {})[name] = f"skipped: {reason}"
    warnings.warn(f"the {name} step is skipped: {reason}", TextlabWarning, stacklevel=3)
    return True


def run_counts_corpus(ctx: Any) -> Any:
    """The corpus step for ``[corpus] counts``: documents, terms and counts, no audit, no tokens."""
    from textlab.study.steps import CorpusResult, check_groups

    config = ctx.config
    data = read_counts_corpus(config.counts_path, rows=config.corpus_path, vocabulary=config.counts_vocabulary,
                              id_column=config.id_column)
    rows = data.rows
    check_groups(config, rows.columns, lambda column: rows[column])
    ctx.memory["dtm"] = data
    documents = pd.DataFrame({"doc_id": rows["doc_id"].astype(str).to_numpy(),
                              "group": rows[config.group_column].astype(str).to_numpy(),
                              "n_words_raw": rows["n_words"].to_numpy(), "n_words_clean": rows["n_words"].to_numpy()})
    audit = pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                          (("doc_id", str), ("line_start", "int64"), ("line_end", "int64"), ("rule", str),
                           ("text", str))})
    terms = data.terms[["term", "label"]].sort_values("term", kind="stable").reset_index(drop=True)
    params = {"read": {"counts": str(config.counts_path), "rows": str(config.corpus_path),
                       "vocabulary": None if config.counts_vocabulary is None else str(config.counts_vocabulary),
                       **{k: v for k, v in data.params.items() if k in ("format", "n_repeated_pairs_summed")}},
              "input": "counts", "clean": None, "passages": None, "tokenizer": {},
              "counts": {k: data.params[k] for k in ("n_rows", "n_terms", "n_tokens")},
              "store": {"requested": config.store, "used": "memory", "reason": "a counts table is read into memory",
                        "cache_dir": None, "data_folder": None},
              "unavailable": dict(TEXT_STEPS, representative_passages="needs the passages' text")}
    return CorpusResult(documents=documents, audit=audit, passages=rows, terms=terms, tokens=None, params=params,
                        cleaned=None, tokenized=data)
