"""Remove web-page chrome from documents, keeping an audit of every removal.

Scraped articles carry navigation, counters, repeated headlines, pull quotes, tooltip
glitches and blocks of related-article teasers. Left in, they distort word counts and
framing measures. :func:`clean_corpus` applies small, general, line-based rules in order;
each rule sees only the lines earlier rules kept and reports what it removes. Every
removal becomes a row of the audit table (``doc_id, line_start, line_end, rule, text``,
1-based line numbers of the raw text), any rule can be switched off with ``disable=``,
and per-document overrides come from optional metadata columns:

``clean_cutoff``
    A marker line: it and everything after it are dropped (rule ``override_cutoff``).
``clean_patterns``
    Extra regular expressions separated by `` || ``; matching lines are dropped
    (rule ``override_pattern``).
``clean_keep_all``
    ``true`` / ``1`` / ``yes``: the document is not cleaned at all.

Input files are never touched: cleaning works on the loaded text only.

:func:`clean_batch` cleans a chunk of documents with their overrides and returns the audit
rows as data; :func:`clean_corpus` (in memory) and :func:`textlab.preprocessing.pipeline.prepare_data`
(in memory or streamed to disk) both call it, so they clean identically.
:func:`clean_text_fast` returns the cleaned text alone, without building an audit table.
The rules themselves live in :mod:`textlab.preprocessing._clean_rules`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from textlab._errors import CleaningWarning, ConfigError
from textlab._progress import progress
from textlab.preprocessing._clean_rules import (
    _RULES,
    _TRUE,
    AUDIT_COLUMNS,
    DEFAULT_RULES,
    PATTERN_SEPARATOR,
    _Context,
    _Text,
    count_words,
)
from textlab.preprocessing._clean_furniture import (
    FURNITURE_DEFAULTS,
    PROFILE_RULES,
    PROFILES,
    CleaningPlan,
    choose_profile,
    compile_study_patterns,
    furniture_summary,
    plan_cleaning,
    source_values,
    with_fields,
)
from textlab.preprocessing._clean_audit import audit_frame, audit_summary, clean_params, emit_notes, warn_emptied
from textlab.preprocessing.read import Corpus

__all__ = [
    "CleanResult", "CleanedBatch", "DEFAULT_RULES", "AUDIT_COLUMNS", "OVERRIDE_COLUMNS", "clean_batch",
    "clean_corpus", "clean_text", "clean_text_fast", "audit_summary", "audit_frame", "count_words", "emit_notes",
    "PROFILES", "PROFILE_RULES", "choose_profile", "plan_cleaning", "CleaningPlan",
]

#: Metadata columns read as per-document overrides.
OVERRIDE_COLUMNS = ("clean_cutoff", "clean_patterns", "clean_keep_all")


@dataclass(frozen=True)
class CleanResult:
    """Cleaned corpus plus an audit of everything removed.

    Attributes
    ----------
    corpus
        The input corpus with ``docs["text"]`` cleaned and columns ``raw_text``,
        ``n_words_raw`` and ``n_words_clean`` added.
    audit
        One row per removal: ``doc_id, line_start, line_end, rule, text``.
    params
        Profile (and why), rules applied, rules disabled, whether metadata overrides were used,
        the study patterns and the furniture thresholds and patterns.
    summary
        Furniture removed per source (``source, n_docs, docs_changed, lines_removed, fields_moved,
        words_before, words_removed, share_words_removed``) when furniture was looked for, else ``None``.
    """

    corpus: Corpus
    audit: pd.DataFrame
    params: dict = field(default_factory=dict)
    summary: pd.DataFrame | None = None  # furniture removed per source (news_export profile)


# --------------------------------------------------------------------------- driver


def _check_rules(rules: Sequence[str], disable: Sequence[str]) -> tuple[str, ...]:
    if isinstance(rules, str) or isinstance(disable, str):
        raise ConfigError("rules= and disable= take a list of rule names, e.g. disable=('pull_quote',)")
    unknown = [r for r in [*rules, *disable] if r not in _RULES]
    if unknown:
        raise ConfigError(
            f"unknown cleaning rule(s) {', '.join(map(repr, unknown))}; valid names: {', '.join(_RULES)}"
        )
    return tuple(r for r in rules if r not in set(disable))


def _apply(
    text: str, rules: Sequence[str], ctx: _Context, *, audit: bool = True
) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Run ``rules`` in order; the cleaned text and (with ``audit``) the audit rows."""
    doc = _Text(text)
    rows = []
    for name in rules:
        for rem in _RULES[name](doc, ctx):
            if rem.replacement is not None:
                doc.edit(rem.start, rem.replacement)
                rows.append((rem.start + 1, rem.end + 1, name, rem.fragment or ""))
                continue
            if audit:
                removed = [doc.lines[i] for i in range(rem.start, rem.end + 1) if doc.keep[i]]
                body = "\n".join(removed).strip("\n")
                if body.strip():
                    rows.append((rem.start + 1, rem.end + 1, name, body))
            doc.drop(rem.start, rem.end)
    return doc.result(), sorted(rows, key=lambda row: row[0]) if audit else []


def _compile_patterns(value: object, doc_id: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    compiled = []
    for pattern in value.split(PATTERN_SEPARATOR):
        if not pattern.strip():
            continue
        try:
            re.compile(pattern.strip())
        except re.error as err:
            raise ConfigError(
                f"clean_patterns for doc_id {doc_id!r}: {pattern.strip()!r} is not a valid regular expression "
                f"({err}); separate patterns with {PATTERN_SEPARATOR!r}"
            ) from None
        from textlab._regex import compile_user_pattern  # nested quantifiers refused, searches time-limited

        compiled.append(compile_user_pattern(pattern.strip(), f"clean_patterns for doc_id {doc_id!r}"))
    return tuple(compiled)


def _is_true(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    return str(value).strip().lower() in _TRUE


def _context(cutoff: object, patterns: object, doc_id: str) -> _Context:
    """The per-document overrides of one text (a non-string cutoff, e.g. NaN, means none)."""
    return _Context(cutoff=cutoff if isinstance(cutoff, str) else None,
                    patterns=_compile_patterns(patterns, doc_id), doc_id=doc_id)


@dataclass(frozen=True)
class CleanedBatch:
    """What :func:`clean_batch` returns for a chunk of documents (plain data, so it crosses processes).

    Attributes
    ----------
    texts
        Cleaned text per document, in input order.
    audit_rows
        ``(doc_id, line_start, line_end, rule, text)`` per removal, documents in input order.
    n_words_raw, n_words_clean
        Whitespace words per document before and after cleaning.
    kept_whole, emptied
        Ids of documents left alone (``clean_keep_all``) and of documents cleaning emptied.
    notes
        Warnings raised while cleaning (e.g. a ``clean_cutoff`` marker not found), to be
        re-emitted by the caller with :func:`emit_notes`.
    fields
        Per document, the metadata found in its furniture lines (``{"date": ..., "byline": ...}``).
    """

    texts: list[str]
    audit_rows: list[tuple]
    n_words_raw: list[int]
    n_words_clean: list[int]
    kept_whole: list[str] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)  # per document: metadata moved out of furniture lines


def _overrides(docs: pd.DataFrame, use: bool) -> dict[str, list]:
    """The override columns of ``docs`` present (and wanted), as lists in row order."""
    if not use:
        return {}
    return {name: docs[name].tolist() for name in OVERRIDE_COLUMNS if name in docs.columns}


def clean_batch(
    doc_ids: Sequence,
    texts: Sequence[str],
    overrides: dict[str, Sequence] | None = None,
    *,
    rules: Sequence[str] = DEFAULT_RULES,
    show_progress: bool | None = False,
    patterns: Sequence[str] = (),
    furniture: dict | None = None,
    sources: Sequence | None = None,
    max_words: int = FURNITURE_DEFAULTS["max_words"],
) -> CleanedBatch:
    """Clean a chunk of documents with their per-document overrides; the audit as rows.

    The one cleaning loop of textlab: :func:`clean_corpus` runs it on a whole corpus, the
    streamed path of :func:`textlab.preprocessing.pipeline.prepare_data` on each chunk (in
    worker processes), so both give the same texts and audit.

    Parameters
    ----------
    doc_ids, texts
        Ids and raw texts, in the same order.
    overrides
        Optional ``{"clean_cutoff": [...], "clean_patterns": [...], "clean_keep_all": [...]}``,
        one value per document (missing keys: no override of that kind).
    rules
        Rule names to apply, in order (already without the disabled ones).
    show_progress
        Progress bar (``None``: automatic, ``False``: none).
    patterns
        The study's removal patterns (rule ``pattern``).
    furniture, sources, max_words
        ``{source: {shape: field}}`` from :func:`learn_furniture`, each document's source and the
        longest furniture line (rules ``boilerplate_field`` and ``boilerplate``).

    Returns
    -------
    CleanedBatch

    Examples
    --------
    >>> batch = clean_batch(["a", "b"], ["Logo\\nText one.", "Logo\\nText two.\\nEND\\nfooter"],
    ...                     {"clean_cutoff": [None, "END"]})
    >>> batch.texts, [row[3] for row in batch.audit_rows]
    (['Text one.', 'Text two.'], ['navigation', 'navigation', 'override_cutoff'])
    """
    rules = _check_rules(rules, ())
    overrides = overrides or {}
    cutoffs = overrides.get("clean_cutoff")
    doc_patterns = overrides.get("clean_patterns")
    keep_all = overrides.get("clean_keep_all")
    out = CleanedBatch([], [], [], [])
    study = compile_study_patterns(patterns)
    furniture = furniture or {}
    sources = source_values(sources, len(texts)) if furniture else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CleaningWarning)
        pairs = progress(enumerate(zip(doc_ids, texts, strict=True)), desc="Cleaning", total=len(texts), unit="doc",
                         disable=None if show_progress is None else not show_progress)
        for i, (doc_id, text) in pairs:
            text = text if isinstance(text, str) else ""
            out.n_words_raw.append(count_words(text))
            out.fields.append({})
            if keep_all is not None and _is_true(keep_all[i]):
                out.texts.append(text)
                out.kept_whole.append(str(doc_id))
                out.n_words_clean.append(out.n_words_raw[-1])
                continue
            ctx = _context(cutoffs[i] if cutoffs is not None else None,
                           doc_patterns[i] if doc_patterns is not None else None, str(doc_id))
            if study or furniture:
                ctx = replace(ctx, study_patterns=study, max_words=max_words, fields=out.fields[-1],
                              furniture=furniture.get(sources[i]) if furniture else None)
            new, rows = _apply(text, rules, ctx)
            out.texts.append(new)
            out.audit_rows.extend((str(doc_id), *r) for r in rows)
            out.n_words_clean.append(count_words(new))
            if text.strip() and not new.strip():
                out.emptied.append(str(doc_id))
    out.notes.extend(str(w.message) for w in caught if issubclass(w.category, CleaningWarning))
    for w in caught:  # anything else is not ours to swallow
        if not issubclass(w.category, CleaningWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def clean_text(
    text: str,
    *,
    rules: Sequence[str] = DEFAULT_RULES,
    disable: Sequence[str] = (),
    cutoff: str | None = None,
    patterns: str | None = None,
    doc_id: str = "",
) -> tuple[str, pd.DataFrame]:
    """Clean one text; return the cleaned text and its audit table.

    Parameters
    ----------
    text
        Raw text, lines separated by ``\\n``.
    rules, disable
        Rule names to apply (in order) and to skip; see :data:`DEFAULT_RULES`.
    cutoff, patterns
        The per-document overrides (``clean_cutoff``, ``clean_patterns``).
    doc_id
        Written into the audit's ``doc_id`` column.

    Returns
    -------
    tuple of (str, pandas.DataFrame)
        Cleaned text (blank-line runs collapsed) and audit rows.

    Examples
    --------
    >>> cleaned, audit = clean_text("Logo\\nA headline here\\n\\nBody text.\\n\\nA headline here")
    >>> cleaned
    'A headline here\\n\\nBody text.'
    >>> audit["rule"].tolist()
    ['navigation', 'repeated_headline']
    """
    active = _check_rules(rules, disable)
    ctx = _context(cutoff, patterns, doc_id)
    cleaned, rows = _apply(text, active, ctx)
    audit = pd.DataFrame([(doc_id, *r) for r in rows], columns=AUDIT_COLUMNS)
    return cleaned, audit.astype({"line_start": "int64", "line_end": "int64"})


def clean_text_fast(
    text: str,
    *,
    rules: Sequence[str] = DEFAULT_RULES,
    disable: Sequence[str] = (),
    cutoff: str | None = None,
    patterns: str | None = None,
    doc_id: str = "",
) -> str:
    """Clean one text and return only the cleaned text: :func:`clean_text` without the audit.

    For streaming many texts, where no audit is kept: no DataFrame is built, and the
    result is the string :func:`clean_text` returns (``clean_text(text, ...)[0]``).
    Picklable, so usable in worker processes.

    Parameters
    ----------
    text
        Raw text, lines separated by ``\\n``.
    rules, disable
        Rule names to apply (in order) and to skip; see :data:`DEFAULT_RULES`.
    cutoff, patterns
        The per-document overrides (``clean_cutoff``, ``clean_patterns``).
    doc_id
        Named in warnings and errors about the overrides.

    Returns
    -------
    str
        Cleaned text (blank-line runs collapsed).

    Examples
    --------
    >>> clean_text_fast("Logo\\nA headline here\\n\\nBody text.\\n\\nA headline here")
    'A headline here\\n\\nBody text.'
    """
    active = _check_rules(rules, disable)
    ctx = _context(cutoff, patterns, doc_id)
    return _apply(text, active, ctx, audit=False)[0]


def clean_corpus(
    corpus: Corpus,
    *,
    profile: str = "auto",
    rules: Sequence[str] | None = None,
    disable: Sequence[str] = (),
    patterns: Sequence[str] = (),
    source_column: str | None = "auto",
    boilerplate: dict | None = None,
    overrides_from_metadata: bool = True,
) -> CleanResult:
    """Remove boilerplate from every document, recording each removal.

    Parameters
    ----------
    corpus
        Loaded corpus; its files are not touched.
    profile
        ``"web"`` (web-page chrome: :data:`DEFAULT_RULES`), ``"news_export"`` (furniture of
        news-database exports learnt on the corpus: rules ``boilerplate_field``, ``boilerplate``),
        ``"plain"`` (only the overrides and ``patterns``) or ``"auto"`` (chosen from the texts by
        :func:`~textlab.preprocessing.exports.profile.detect_profile`; the choice and why are in
        ``params``). Web rules never run on news exports or plain text.
    rules
        Rule names to apply, in order, instead of the profile's (see :data:`PROFILE_RULES`).
    disable
        Rule names to switch off, e.g. ``("pull_quote",)``.
    patterns
        The study's removal patterns (regular expressions); matching lines go (rule ``pattern``).
    source_column
        Column naming each document's source, whose recurring lines are its furniture
        (``"auto"``: ``outlet``, ``source``, ``publication`` ... if present; ``None``: one source).
    boilerplate
        Furniture thresholds (``min_docs``, ``min_share``, ``prose_share``, ``max_words``; see
        :func:`~textlab.preprocessing.boilerplate.find_boilerplate`).
    overrides_from_metadata
        Use the optional ``clean_cutoff``, ``clean_patterns`` and ``clean_keep_all``
        metadata columns.

    Returns
    -------
    CleanResult
        ``corpus.docs`` with cleaned ``text`` plus ``raw_text``, ``n_words_raw``,
        ``n_words_clean`` (and metadata moved out of furniture lines into ``date``, ``byline``,
        ``length`` ... where missing); ``audit`` with one row per removal; ``summary`` per source.

    Raises
    ------
    ConfigError
        Unknown rule names (the message lists the valid ones) or an invalid regex in
        ``clean_patterns`` or ``patterns``.

    Examples
    --------
    >>> from textlab.preprocessing.read import load_texts
    >>> corpus = load_texts({"a": "Table of Contents\\nThe article.\\n4 min read"})
    >>> result = clean_corpus(corpus)
    >>> result.corpus.docs.loc["a", "text"], result.audit["rule"].tolist(), result.params["profile"]
    ('The article.', ['navigation', 'metadata_line'], 'web')
    >>> clean_corpus(corpus, disable=("navigation",)).corpus.docs.loc["a", "text"]
    'Table of Contents\\nThe article.'
    """
    docs = corpus.docs
    plan = plan_cleaning(docs, profile=profile, rules=rules, disable=disable, patterns=patterns,
                         source_column=source_column, boilerplate=boilerplate)
    sources = docs[plan.source_column] if plan.furniture and plan.source_column else None
    batch = clean_batch(
        docs.index, docs["text"], _overrides(docs, overrides_from_metadata), rules=plan.rules,
        show_progress=None, patterns=plan.patterns, furniture=plan.furniture, sources=sources,
        max_words=plan.thresholds.get("max_words", FURNITURE_DEFAULTS["max_words"]),
    )
    emit_notes(batch.notes)
    warn_emptied(batch.emptied)
    out = with_fields(docs.copy(), batch.fields, plan.fields)
    out["raw_text"] = docs["text"]
    out["text"] = batch.texts
    out["n_words_raw"] = pd.array(batch.n_words_raw, dtype="int64")
    out["n_words_clean"] = pd.array(batch.n_words_clean, dtype="int64")
    audit = audit_frame(batch.audit_rows)
    params = clean_params(plan.rules, disable, overrides_from_metadata, batch.kept_whole, len(audit), plan)
    summary = None
    if plan.furniture:
        ids = docs.index.astype(str)
        summary = furniture_summary(audit, dict(zip(ids, source_values(sources, len(docs)))),
                                    dict(zip(ids, batch.n_words_raw)), dict(zip(ids, map(len, batch.fields))))
    new_corpus = replace(corpus, docs=out, params={**corpus.params, "clean": params})
    return CleanResult(corpus=new_corpus, audit=audit, params=params, summary=summary)
