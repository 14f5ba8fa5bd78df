"""Corpus-level boilerplate: lines that recur across many documents of the same source.

Texts exported from news databases carry the database's furniture in every article: a source
line, the date, the byline, ``"812 words"``, ``"LOAD-DATE: ..."``, a language tag, a copyright
line, a ``Document <id>`` trailer. No single document shows it is furniture; the corpus does.
:func:`find_boilerplate` learns, per source, the line *shapes* (a short line lower-cased with every
number-bearing token replaced, a sentence-like line exactly, or a field shape such as "a date alone" or "N words") that occur
in at least ``min_docs`` documents **and** ``min_share`` of the source's documents.
:func:`remove_boilerplate` removes them with one audit row per removed run of lines (the audit
format of :mod:`textlab.preprocessing.clean`: ``doc_id, line_start, line_end, rule, text``),
moves field lines (date, time, byline, length, section, outlet, language, edition) into
metadata columns, and summarises the removals per source.

Safeguards for article text:

* a shape counts once per document, so an article's own refrain never counts as recurring, and a
  quote two (or ``min_docs - 1``) articles share is never furniture;
* lines longer than ``max_words`` words are never furniture, and sentence-like lines (12 words or
  more) need ``prose_share`` of the source's documents, so a story printed twice by one outlet is
  not removed from either copy (that is a job for :mod:`textlab.preprocessing.duplicates`);
* field shapes (a date, a byline, a label such as ``SECTION:``) are removed only in the leading or
  trailing block of a document (before its first or after its last sentence-like line); inside
  the body, only an exact recurring line is furniture.

:func:`detect_profile` tells a news-database export from a scraped web page and plain text, with
its reasons, so that cleaning can choose its rules.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from textlab._errors import ConfigError, bad_value
from textlab.data import Result
from textlab.preprocessing.exports._common import is_date_line, is_time_line, parse_date, parse_length
from textlab.preprocessing.exports.profile import ProfileChoice, detect_profile

__all__ = ["Boilerplate", "BoilerplateRemoval", "ProfileChoice", "find_boilerplate", "remove_boilerplate",
           "detect_profile", "BOILERPLATE_RULES", "FIELD_COLUMNS"]

#: Audit rule names: a recurring line removed; a field line moved into metadata.
BOILERPLATE_RULES = ("boilerplate", "boilerplate_field")
#: Metadata columns field lines are moved into (filled only where missing).
FIELD_COLUMNS = ("title", "date", "time", "byline", "length", "section", "outlet", "language", "edition")
_AUDIT_COLUMNS = ["doc_id", "line_start", "line_end", "rule", "text"]
_PROSE_WORDS = 12

_LABEL = re.compile(r"^([A-Za-z][A-Za-z-]*(?: [A-Za-z-]+){0,2}):\s*(.*)$")
_LABEL_FIELDS = {"byline": "byline", "by": "byline", "author": "byline", "section": "section", "length": "length",
                 "word count": "length", "language": "language", "source": "outlet", "publication": "outlet",
                 "publication title": "outlet", "date": "date", "publication date": "date", "edition": "edition",
                 "title": "title", "headline": "title"}
_CODES = {"HD": "title", "BY": "byline", "WC": "length", "PD": "date", "ET": "time", "SN": "outlet", "SC": None,
          "SE": "section", "LA": "language", "ED": "edition", "PG": None, "CY": None, "AN": None}
_CODE = re.compile(r"^(" + "|".join(_CODES) + r")\s+(\S.*)$", re.I)  # lower-cased exports too
_BYLINE = re.compile(r"^by\s+(?!(?:the|a|an|this|that|then|now|which|way|far|contrast|comparison|law|"
                     r"mid|late|early|next|last|then|some|most|all|its|their|his|her)\b)[\w'.-]+(?:\s+[\w'.,&-]+){0,5}$",
                     re.I)
_EDITION = re.compile(r"^(?:[\w-]+\s+){0,2}edition$", re.I)
_LANGUAGES = {"english", "french", "german", "spanish", "italian", "dutch", "portuguese", "swedish", "danish"}
_NUMBERISH = re.compile(r"\S*\d\S*")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")


# --------------------------------------------------------------------------- line shapes


@dataclass(frozen=True)
class _Shape:
    key: str
    kind: str            # "line" (exact recurring text), "field" (field-like), "label" (a LABEL: line)
    field: str | None    # metadata column a field line fills
    value: str | None


def _norm(line: str) -> str:
    return _SPACES.sub(" ", _NUMBERISH.sub("0", line.lower())).strip()


def _shape(line: str, max_words: int) -> _Shape | None:
    """The shape of one non-blank line, or None when it can never be furniture (too long)."""
    text = line.strip()
    words = text.split()
    if len(words) > max_words:
        m = _LABEL.match(text)
        return _Shape(f"prefix:{m.group(1).lower()}", "prefix", None, m.group(2).strip()) if m else None
    if m := _CODE.match(text):
        code = m.group(1).upper()
        return _Shape(f"code:{code}", "label", _CODES[code], m.group(2).strip())
    if parse_length(text) is not None and len(words) <= 4 and words[-1].lower() in ("words", "word"):
        return _Shape("field:length", "field", "length", text)
    if (m := _LABEL.match(text)) and (len(m.group(1)) >= 4 or m.group(1).lower() in _LABEL_FIELDS):
        label = m.group(1).lower()
        if len(m.group(2).split()) >= _PROSE_WORDS:  # "Full text: <first paragraph>": only the label may go
            return _Shape(f"prefix:{label}", "prefix", None, m.group(2).strip())
        return _Shape(f"label:{label}", "label", _LABEL_FIELDS.get(label), m.group(2).strip())
    if len(words) <= 8 and _DIGIT.search(text):  # dates and times are short and hold digits
        if is_date_line(text):
            return _Shape("field:date", "field", "date", text)
        if is_time_line(text):
            return _Shape("field:time", "field", "time", text)
    if _BYLINE.match(text) and not text.endswith((".", "?", "!")):
        return _Shape("field:byline", "field", "byline", text)
    if _EDITION.match(text):
        return _Shape("field:edition", "field", "edition", text)
    if text.lower() in _LANGUAGES:
        return _Shape("field:language", "field", "language", text)
    # short lines match whatever their numbers ("Copyright 2014 ..."); sentence-like lines match exactly
    return _Shape(f"line:{_norm(text) if len(words) < _PROSE_WORDS else _SPACES.sub(' ', text.lower())}",
                  "line", None, None)


def _is_prose(line: str) -> bool:
    """Sentence-like: 12+ words, not counting a leading ``Label:``; a line opening with an upper-case Factiva
    code that is not an English word (``HD <a long headline>``) is a field, never prose."""
    text = line.strip()
    code = _CODE.match(text)
    if code is not None and code.group(1).isupper() and code.group(1) not in ("BY", "AN"):  # "AN extraordinary row"
        return False
    m = _LABEL.match(text) or code  # a lower-case code costs a real sentence one word at most
    return len((m.group(2) if m else text).split()) >= _PROSE_WORDS


def _in_place(shape: _Shape, i: int, first: int, last: int) -> bool:
    """Exact lines count anywhere; a label prefix on the first sentence-like line only; fields outside the body."""
    if shape.kind == "line":
        return True
    if shape.kind == "prefix":
        return i == first
    return not first <= i <= last


def _zones(lines: list[str]) -> tuple[int, int]:
    """(first, last) index of sentence-like lines; lines outside are the leading/trailing blocks."""
    prose = [i for i, line in enumerate(lines) if _is_prose(line)]
    return (prose[0], prose[-1]) if prose else (len(lines), -1)


# --------------------------------------------------------------------------- find


@dataclass(frozen=True)
class Boilerplate(Result):
    """Line shapes that recur across the documents of each source.

    Attributes
    ----------
    patterns
        One row per furniture shape: ``source, shape, kind, field, n_docs, share, example``.
    params
        ``source_column, min_docs, min_share, prose_share, max_words`` and the documents per source.
    """

    patterns: pd.DataFrame


def _frame(docs: pd.DataFrame, source_column: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    if not isinstance(docs, pd.DataFrame) or "text" not in docs.columns:
        raise ConfigError("docs must be a DataFrame with a 'text' column (e.g. corpus.docs or read_export(...))")
    if source_column is not None and source_column not in docs.columns:
        raise ConfigError(f"source_column={source_column!r} is not a column of docs; columns: "
                          f"{', '.join(map(str, docs.columns))} (or source_column=None for one source)")
    ids = docs["doc_id"] if "doc_id" in docs.columns else pd.Series(docs.index, index=docs.index)
    sources = (docs[source_column].astype("string").fillna("(missing)") if source_column
               else pd.Series("(all)", index=docs.index))
    return docs["text"].fillna("").astype(str), sources, ids.astype(str)


def _check(min_docs: int, min_share: float, prose_share: float, max_words: int) -> None:
    if not isinstance(min_docs, int) or min_docs < 2:
        raise bad_value("min_docs", min_docs, "an integer >= 2 (a line in one document is never boilerplate)")
    for name, value in (("min_share", min_share), ("prose_share", prose_share)):
        if not 0 < float(value) <= 1:
            raise bad_value(name, value, "a share of the source's documents in (0, 1]")
    if not isinstance(max_words, int) or max_words < 1:
        raise bad_value("max_words", max_words, "a positive integer")


def find_boilerplate(docs: pd.DataFrame, *, source_column: str | None, min_docs: int = 5, min_share: float = 0.2,
                     prose_share: float = 0.5, max_words: int = 40) -> Boilerplate:
    """Find the line shapes that recur across many documents of the same source.

    Parameters
    ----------
    docs
        Documents: a ``text`` column, ids in ``doc_id`` (column) or the index, and the source column.
    source_column
        Column naming each document's source (outlet, export file ...); ``None``: one source.
    min_docs
        A shape is furniture only if at least this many documents of the source hold it.
    min_share
        ... and at least this share of the source's documents.
    prose_share
        Share needed for sentence-like lines (12+ words).
    max_words
        Longer lines are never furniture.

    Returns
    -------
    Boilerplate
        ``patterns`` table and the thresholds in ``params``.

    Examples
    --------
    >>> texts = [f"The Daily Star\\n\\nStory {i} on rates, prices and rents in the town centre, said the mayor."
    ...          f"\\n\\n© {2010 + i} Star Ltd" for i in range(6)]
    >>> found = find_boilerplate(pd.DataFrame({"text": texts}), source_column=None)
    >>> sorted(found.patterns["example"])
    ['The Daily Star', '© 2010 Star Ltd']
    """
    _check(min_docs, min_share, prose_share, max_words)
    texts, sources, _ = _frame(docs, source_column)
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], tuple[str, str, str | None]] = {}
    n_docs = sources.value_counts().to_dict()
    for text, source in zip(texts, sources):
        lines = text.split("\n")
        first, last = _zones(lines)
        seen = set()
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            shape = _shape(line, max_words)
            if shape is None or not _in_place(shape, i, first, last):
                continue
            if shape.key not in seen:
                seen.add(shape.key)
                examples.setdefault((source, shape.key), (line.strip(), shape.kind, shape.field))
        counts[source].update(seen)
    rows = []
    for source, counter in counts.items():
        total = n_docs[source]
        for key, n in counter.items():
            example, kind, fld = examples[(source, key)]
            share = n / total
            needed = prose_share if _is_prose(example) else min_share
            if n >= min_docs and share >= needed - 1e-12:
                rows.append((source, key, kind, fld, n, share, example))
    patterns = pd.DataFrame(rows, columns=["source", "shape", "kind", "field", "n_docs", "share", "example"])
    patterns = patterns.sort_values(["source", "n_docs", "shape"], ascending=[True, False, True], ignore_index=True)
    params = {"source_column": source_column, "min_docs": min_docs, "min_share": min_share,
              "prose_share": prose_share, "max_words": max_words, "prose_words": _PROSE_WORDS,
              "docs_per_source": {str(k): int(v) for k, v in n_docs.items()}}
    return Boilerplate(patterns, params=params)


def _simple(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def _outlet_lines(found: Boilerplate) -> pd.DataFrame:
    """Recurring short lines that name their own source become ``outlet`` field lines."""
    table = found.patterns.copy()
    if found.params.get("source_column") is None or table.empty:
        return table
    names = table["source"].map(_simple)
    mask = [kind == "line" and bool(name) and name in _simple(ex) and len(ex.split()) <= 8
            for kind, name, ex in zip(table["kind"], names, table["example"])]
    table.loc[mask, "field"] = "outlet"
    return table


# --------------------------------------------------------------------------- remove


@dataclass(frozen=True)
class BoilerplateRemoval(Result):
    """Documents without their furniture, with the audit, a summary per source and the patterns.

    Attributes
    ----------
    docs
        The input table (same index and columns) with ``text`` cleaned and field lines moved into
        the columns of :data:`FIELD_COLUMNS` (created if absent, filled only where missing).
    audit
        ``doc_id, line_start, line_end, rule, text``: one row per run of removed lines (1-based line
        numbers of the input text); rule ``boilerplate`` or ``boilerplate_field``.
    summary
        Per source: ``source, n_docs, n_patterns, docs_changed, lines_removed, fields_moved,
        words_before, words_removed, share_words_removed``.
    patterns
        The furniture shapes applied (see :class:`Boilerplate`).
    """

    docs: pd.DataFrame
    audit: pd.DataFrame
    summary: pd.DataFrame
    patterns: pd.DataFrame


def _field_value(name: str, value: str) -> object:
    value = value.strip()
    if name == "date":
        return parse_date(value) or value
    if name == "length":
        return parse_length(value if "word" in value.lower() else f"{value} words")
    if name == "byline":
        return re.sub(r"^by\s+", "", value, flags=re.I).strip()
    return value


def _clean_one(text: str, source: str, lookup: dict, max_words: int):
    """Cleaned text, audit runs (start, end, rule, text), fields and the number of lines removed."""
    lines = text.split("\n")
    first, last = _zones(lines)
    removed: list[tuple[int, str]] = []
    prefixes: dict[int, str] = {}  # line -> what stays of it once its label prefix is removed
    fields: dict[str, object] = {}
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        shape = _shape(line, max_words)
        if shape is None or (source, shape.key) not in lookup or not _in_place(shape, i, first, last):
            continue
        if shape.kind == "prefix":
            prefixes[i] = shape.value
            removed.append((i, "boilerplate"))
            continue
        fld = lookup[(source, shape.key)]
        if fld and fld not in fields:
            fields[fld] = _field_value(fld, shape.value if shape.value is not None else line)
        removed.append((i, "boilerplate_field" if fld else "boilerplate"))
    runs: list[list] = []
    for i, rule in removed:
        if i in prefixes:
            runs.append([i, i, rule, [lines[i].strip()[: len(lines[i].strip()) - len(prefixes[i])].strip()]])
            continue
        if runs and runs[-1][1] not in prefixes and runs[-1][2] == rule and all(not s.strip() for s in lines[runs[-1][1] + 1:i]):
            runs[-1][1] = i
            runs[-1][3].append(lines[i].strip())
        else:
            runs.append([i, i, rule, [lines[i].strip()]])
    gone = {i for i, _ in removed if i not in prefixes}
    kept = "\n".join(prefixes.get(i, line).rstrip() for i, line in enumerate(lines) if i not in gone)
    kept = _BLANK_RUNS.sub("\n\n", kept).strip("\n")
    audit = [(start + 1, end + 1, rule, "\n".join(body)) for start, end, rule, body in runs]
    return kept, audit, fields, len(removed)


def remove_boilerplate(docs: pd.DataFrame, patterns: Boilerplate | None = None, *, source_column: str | None,
                       min_docs: int = 5, min_share: float = 0.2, prose_share: float = 0.5,
                       max_words: int = 40) -> BoilerplateRemoval:
    """Remove each source's recurring furniture, keeping an audit and moving field lines into metadata.

    Parameters
    ----------
    docs
        Documents: ``text``, ids in ``doc_id`` (column) or the index, and ``source_column``.
    patterns
        Shapes from :func:`find_boilerplate` (e.g. learnt on a sample, applied to every chunk);
        found on ``docs`` with the thresholds below when ``None``.
    source_column, min_docs, min_share, prose_share, max_words
        As in :func:`find_boilerplate`.

    Returns
    -------
    BoilerplateRemoval
        ``docs``, ``audit``, ``summary`` and ``patterns``; thresholds in ``params``.

    Examples
    --------
    >>> texts = [f"LENGTH: {90 + i} words\\n\\nStory {i} on rates, prices and rents in the town centre today.\\n\\n"
    ...          "LANGUAGE: ENGLISH" for i in range(5)]
    >>> out = remove_boilerplate(pd.DataFrame({"text": texts}), source_column=None)
    >>> out.docs["text"].iloc[0], int(out.docs["length"].iloc[0]), out.audit["rule"].tolist()[:2]
    ('Story 0 on rates, prices and rents in the town centre today.', 90, ['boilerplate_field', 'boilerplate_field'])
    """
    if patterns is None:
        patterns = find_boilerplate(docs, source_column=source_column, min_docs=min_docs, min_share=min_share,
                                    prose_share=prose_share, max_words=max_words)
    table = _outlet_lines(patterns)
    max_words = int(patterns.params.get("max_words", max_words))
    texts, sources, ids = _frame(docs, source_column)
    lookup = {(s, k): (f if isinstance(f, str) else None) for s, k, f in
              zip(table["source"], table["shape"], table["field"])}
    new_texts, audit_rows, field_rows = [], [], []
    stats: dict[str, Counter] = defaultdict(Counter)
    for text, source, doc_id in zip(texts, sources, ids):
        kept, audit, fields, n_lines = _clean_one(text, source, lookup, max_words)
        new_texts.append(kept)
        audit_rows.extend((doc_id, *row) for row in audit)
        field_rows.append(fields)
        before = len(text.split())
        stats[source].update(n_docs=1, docs_changed=int(n_lines > 0), lines_removed=n_lines,
                             fields_moved=len(fields), words_before=before, words_removed=before - len(kept.split()))
    out = docs.copy()
    out["text"] = new_texts
    moved = pd.DataFrame(field_rows, index=docs.index)
    for name in FIELD_COLUMNS:
        if name not in moved.columns or name == source_column:
            continue
        if name in out.columns:
            out[name] = out[name].where(out[name].notna(), moved[name])
        else:
            out[name] = moved[name]
    if "length" in moved.columns and "length" in out.columns:
        out["length"] = pd.to_numeric(out["length"], errors="coerce").astype("Int64")
    summary = pd.DataFrame([{"source": s, "n_docs": c["n_docs"], "n_patterns": int((table["source"] == s).sum()),
                             "docs_changed": c["docs_changed"], "lines_removed": c["lines_removed"],
                             "fields_moved": c["fields_moved"], "words_before": c["words_before"],
                             "words_removed": c["words_removed"],
                             "share_words_removed": c["words_removed"] / max(c["words_before"], 1)}
                            for s, c in sorted(stats.items())])
    audit_frame = pd.DataFrame(audit_rows, columns=_AUDIT_COLUMNS)
    params = {**patterns.params, "rules": list(BOILERPLATE_RULES), "fields": list(FIELD_COLUMNS)}
    return BoilerplateRemoval(out, audit_frame, summary, table, params=params)
