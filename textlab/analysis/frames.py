"""Dictionary-based frame analysis from a codebook (frame -> terms and phrases).

A *codebook* is the researcher's operationalisation of the frames of a study:
which words and phrases signal each frame. textlab ships a generic default,
the five news frames of Semetko & Valkenburg (2000) as a keyword dictionary
(``resources/codebook_news_frames.toml``, documented in ``docs/codebook.md``);
studies bring their own TOML file or mapping (the seeds study's is
``seeds/codebook.toml``).

Codebook entries are written as plain words and phrases ("export controls",
"U.S.-China"). They are put through the *same* token pipeline as the corpus
(``normalize``), so they match the corpus tokens whatever aliases, stopwords and
plural folding were used. A multi-word entry matches its joined phrase token
(``export_control``) when that exists in the corpus, and otherwise the
consecutive token sequence. Every entry is listed in the ``coverage`` table
with the tokens it became and how often it occurs, so entries that never match
are visible rather than silently ignored. Groups are compared as in prevalence and
keyness (:class:`textlab.stats.Contrast`): ``difference`` gives each compared pair's
difference in mean frame share with a document-bootstrap interval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp

from textlab._errors import ConfigError
from textlab.analysis._text_shards import count_units, token_vocabulary
from textlab.analysis.codebook import Codebook, default_codebook_path, load_codebook
from textlab.data import Result, require_tokens
from textlab.preprocessing.tokens import TokenizedCorpus
from textlab.stats.checks import check_count, check_level, check_unit
from textlab.stats.contrasts import Contrast, as_contrast
from textlab.stats.differences import DIFFERENCE_COLUMNS, difference_table, group_table
from textlab.stats.intervals import percentile_interval
from textlab.stats.layout import GroupLayout, build_layout, group_labels

__all__ = ["Codebook", "FrameResult", "default_codebook_path", "load_codebook", "score_frames"]

def _empty_difference() -> pd.DataFrame:
    return pd.DataFrame(columns=["frame", *DIFFERENCE_COLUMNS])


@dataclass(frozen=True)
class FrameResult(Result):
    """Frame scores per passage and per group, and differences between groups with intervals.

    Attributes
    ----------
    by_passage
        ``passage_id, doc_id, group, frame, n_hits, n_tokens, share`` (``share = n_hits / n_tokens``).
    by_group
        ``frame, group, mean, ci_low, ci_high, n_passages, n_docs, resampling_unit``:
        mean passage share with a percentile bootstrap interval.
    drivers
        ``frame, group, term, label, count, share_of_frame``: the matched terms behind each frame in each group.
    coverage
        ``frame, entry, tokens, count, note``: what each codebook entry became and how often it occurs.
    difference
        ``frame, group_a, group_b, difference, ci_low, ci_high, resampling_unit``: ``group_a``
        minus ``group_b`` (``"rest"``: the other groups pooled) in mean passage share, with a
        percentile interval of the paired bootstrap replicates (the draws of ``by_group``).
    params
        Settings (``ci_level``, ``n_boot``, ``resampling_unit``, fallbacks, ``contrast``,
        ``random_state``), the normaliser used and the codebook's provenance.
    """

    by_passage: pd.DataFrame
    by_group: pd.DataFrame
    drivers: pd.DataFrame
    coverage: pd.DataFrame
    difference: pd.DataFrame = field(default_factory=_empty_difference)
    params: dict = field(default_factory=dict, kw_only=True)


def score_frames(
    tokenized,
    codebook: Codebook,
    *,
    group_column: str | None,
    contrast: Contrast | Sequence | Mapping | None = None,
    groups: Sequence | None = None,
    reference: object = None,
    normalize: Callable[[str], list[str]] | None = None,
    match_phrase_parts: bool = True,
    n_boot: int = 500,
    resampling_unit: str = "document",
    ci_level: float = 0.95,
    random_state: int = 0,
) -> FrameResult:
    """Count codebook hits per passage and compare frame prevalence between groups.

    Parameters
    ----------
    tokenized
        Passages and their tokens: a :class:`~textlab.preprocessing.tokens.TokenizedCorpus`
        or a :class:`textlab.data.TextData` that holds tokens (``.passages``/``.rows``,
        ``.tokens``, ``.surface_forms``).
    codebook
        From :func:`load_codebook`.
    group_column
        Column of ``tokenized.passages`` defining the groups (``None``: one group ``"all"``).
    contrast
        Which groups the ``difference`` table compares: a :class:`textlab.stats.Contrast`,
        a ``(group_a, group_b)`` pair or a list of pairs; ``None``: every pair once
        (sorted). ``groups``/``reference`` are shortcuts, e.g. ``reference="rest"``.
    normalize
        Turns a codebook entry into tokens, e.g. ``partial(tokenize_text, options=options)``
        with the options used for the corpus. ``None``: rebuilt from ``tokenized.params``
        when they hold textlab :class:`~textlab.preprocessing.tokens.TokenizerOptions`, otherwise
        lower-cased words (recorded in ``params["normalize"]``).
    match_phrase_parts
        A one-word entry also matches the corpus's phrase tokens that contain the word
        (``"Pangu"`` matches ``pangu_model``, ``"security"`` matches ``national_security``)
        unless that phrase is itself an entry. Phrases are learned from the data, so
        without this an entry could silently lose its hits to a phrase; the ``drivers``
        and ``coverage`` tables show every token matched.
    n_boot
        Bootstrap replicates for the group intervals.
    resampling_unit
        ``"document"`` (stratified within groups; groups with fewer than 2 documents fall
        back to passages with a :class:`~textlab._errors.SmallSampleWarning` and the
        ``resampling_unit`` column says so) or ``"passage"``.
    ci_level
        Level of the percentile intervals.
    random_state
        Seed of the bootstrap.

    Returns
    -------
    FrameResult
        Token positions are matched once, longest entry first: an occurrence of
        "data center" is not also counted for an entry "data". A term listed under two
        frames counts for both. ``share`` is hits per token of the passage; passages
        without tokens have ``share`` NaN and are left out of the group means.

    Examples
    --------
    >>> passages = pd.DataFrame({"passage_id": ["a:000", "b:000"], "doc_id": ["a", "b"], "side": ["x", "y"]})
    >>> tc = TokenizedCorpus(passages, [["export", "control", "hurt", "trade"], ["new", "job", "investment"]])
    >>> book = load_codebook({"security": ["export control"], "economy": ["investment", "job", "trade"]})
    >>> result = score_frames(tc, book, group_column="side", resampling_unit="passage", n_boot=10)
    >>> result.by_passage[["passage_id", "frame", "n_hits"]].values.tolist()
    [['a:000', 'security', 1], ['a:000', 'economy', 1], ['b:000', 'security', 0], ['b:000', 'economy', 2]]
    >>> result.by_passage["share"].round(3).tolist()
    [0.25, 0.25, 0.0, 0.667]
    """
    passages, tokens, surface_forms = _text_inputs(tokenized)
    if not isinstance(codebook, Codebook):
        raise ConfigError(f"codebook must be a Codebook (use load_codebook), got {type(codebook).__name__}")
    check_count("n_boot", n_boot, 1)
    check_unit(resampling_unit)
    check_level(ci_level)
    spec = as_contrast(contrast, groups=groups, reference=reference)
    labels = group_labels(passages, group_column)
    if resampling_unit == "document" and "doc_id" not in passages.columns:
        raise ConfigError("resampling_unit='document' needs a 'doc_id' column in the passages; "
                          "add it or use resampling_unit='passage'")
    normalize, normalize_name = (normalize, _describe(normalize)) if normalize else _default_normalize(tokenized)

    frame_names = list(codebook.frames)
    vocabulary = token_vocabulary(tokens)  # on disk: one task per shard (on the Dask workers when active)
    entries, units = _compile(codebook, normalize, vocabulary, surface_forms, match_phrase_parts)
    counts, n_tokens = count_units(tokens, units)  # N x U, and tokens per passage
    unit_frame = sp.csr_matrix(
        (np.ones(sum(len(e["units"]) for e in entries)),
         ([u for e in entries for u in e["units"]], [frame_names.index(e["frame"]) for e in entries for _ in e["units"]])),
        shape=(len(units), len(frame_names)),
    )
    unit_frame.data[:] = 1.0  # an occurrence counts once per frame, however many entries share it
    hits = np.asarray((counts @ unit_frame).todense()) if len(units) else np.zeros((len(passages), len(frame_names)))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_tokens[:, None] > 0, hits / np.maximum(n_tokens, 1)[:, None], np.nan)

    doc_ids = passages["doc_id"] if "doc_id" in passages.columns else None
    layout = build_layout(labels, doc_ids, resampling_unit=resampling_unit, what="score_frames")
    one_group = len(layout.groups) < 2 and spec == Contrast()  # nothing to compare, nothing asked
    comparisons = [] if one_group else spec.resolve(layout.groups, default="pairs")
    by_group, difference = _group_tables(layout, frame_names, share, n_tokens, comparisons, n_boot=n_boot,
                                         ci_level=ci_level, random_state=random_state)  # fmt: skip
    drivers = _drivers(counts, units, unit_frame, frame_names, layout, surface_forms)
    coverage = _coverage(entries, units, counts)
    del counts  # the long by-passage table is built last, when the bootstrap's draws are gone
    by_passage = _by_passage(passages, labels, frame_names, hits, n_tokens, share)
    params = {
        "group_column": group_column,
        "contrast": spec.to_dict(),
        "comparisons": [[c.group, c.reference] for c in comparisons],
        "n_boot": n_boot,
        "resampling_unit": resampling_unit,
        "resampling_unit_by_group": dict(zip(layout.groups, layout.units)),
        "resampling_fallbacks": dict(layout.fallbacks),
        "ci_level": ci_level,
        "interval": "percentile",
        "random_state": random_state,
        "normalize": normalize_name,
        "matching": "longest entry first; multi-word entries as phrase token and as token sequence",
        "match_phrase_parts": match_phrase_parts,
        "codebook": dict(codebook.params),
        "n_entries_unmatched": int((coverage["count"] == 0).sum()),
    }
    return FrameResult(by_passage=by_passage, by_group=by_group, drivers=drivers, coverage=coverage,
                       difference=difference, params=params)


def _text_inputs(data) -> tuple[pd.DataFrame, Sequence[list[str]], dict]:
    """Passages, token lists and surface forms of a TokenizedCorpus or a TextData holding tokens."""
    passages = getattr(data, "passages", None)
    if not isinstance(passages, pd.DataFrame) or not hasattr(data, "tokens"):
        raise ConfigError(f"tokenized must be a TokenizedCorpus or a TextData with tokens, got {type(data).__name__}")
    tokens = require_tokens(data, "score_frames")
    passages = passages.reset_index(drop=True)
    if len(passages) != len(tokens):
        raise ConfigError(f"tokenized has {len(passages)} passages but {len(tokens)} token lists")
    return passages, tokens, dict(getattr(data, "surface_forms", None) or {})


#: Above this many passages the long by-passage table is built column by column in Arrow strings
#: (``Series.repeat``), never as millions of Python or fixed-width NumPy strings.
COMPACT_ROWS = 100_000


def _by_passage(passages, labels, frame_names, hits, n_tokens, share) -> pd.DataFrame:
    n_frames = len(frame_names)
    if len(passages) > COMPACT_ROWS:
        return _by_passage_compact(passages, labels, frame_names, hits, n_tokens, share)
    doc_values = passages["doc_id"].astype(str).to_numpy() if "doc_id" in passages.columns else np.full(len(passages), "")
    ids = (passages["passage_id"].astype(str).to_numpy() if "passage_id" in passages.columns
           else np.arange(len(passages)).astype(str))  # fmt: skip
    return pd.DataFrame({
        "passage_id": np.repeat(ids, n_frames),
        "doc_id": np.repeat(doc_values, n_frames),
        "group": np.repeat(labels.to_numpy(dtype=object), n_frames),
        "frame": np.tile(frame_names, len(passages)),
        "n_hits": hits.ravel().astype(np.int64),
        "n_tokens": np.repeat(n_tokens, n_frames),
        "share": share.ravel(),
    })


def _by_passage_compact(passages, labels, frame_names, hits, n_tokens, share) -> pd.DataFrame:
    """:func:`_by_passage` for large corpora: the same columns and values, strings repeated in Arrow."""
    n_frames, n = len(frame_names), len(passages)

    def repeated(values) -> pd.Series:
        return pd.Series(values, dtype="str").repeat(n_frames).reset_index(drop=True)

    ids = passages["passage_id"] if "passage_id" in passages.columns else pd.Series(np.arange(n)).astype(str)
    docs = passages["doc_id"] if "doc_id" in passages.columns else pd.Series([""] * n)
    frames = pd.Series(list(frame_names), dtype="str").take(np.tile(np.arange(n_frames), n)).reset_index(drop=True)
    return pd.DataFrame({
        "passage_id": repeated(ids.astype(str).array), "doc_id": repeated(docs.astype(str).array),
        "group": repeated(labels.astype(str).array), "frame": frames,
        "n_hits": hits.ravel().astype(np.int64), "n_tokens": np.repeat(n_tokens, n_frames), "share": share.ravel(),
    })


def _group_tables(layout: GroupLayout, frame_names, share, n_tokens, comparisons, *, n_boot, ci_level,
                  random_state) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Mean passage share per group and differences between groups, bootstrapped over units."""
    base = (n_tokens > 0).astype(float)
    values = np.nan_to_num(share)
    point_sums, point_totals = layout.group_sums(values, base)  # 1 x G x F, 1 x G
    rep_sums, rep_totals = layout.bootstrap_sums(values, base, n_boot, np.random.default_rng(random_state))
    with np.errstate(invalid="ignore", divide="ignore"):
        point = (point_sums / point_totals[:, :, None])[0]
        low, high = percentile_interval(rep_sums / rep_totals[:, :, None], ci_level=ci_level)
    by_group = group_table("frame", frame_names, layout, point, low, high)
    difference = difference_table(
        "frame", frame_names, comparisons, groups=layout.groups, units=layout.units, point_sums=point_sums,
        point_totals=point_totals, replicate_sums=rep_sums, replicate_totals=rep_totals, ci_level=ci_level,
    )  # fmt: skip
    return by_group, difference


def _coverage(entries, units, counts) -> pd.DataFrame:
    totals = np.asarray(counts.sum(axis=0)).ravel() if len(units) else np.zeros(0)
    return pd.DataFrame([
        {"frame": e["frame"], "entry": e["entry"], "tokens": " | ".join(_term(units[u]) for u in e["units"]),
         "count": int(sum(totals[u] for u in e["units"])),
         "note": e["note"] or ("" if any(totals[u] for u in e["units"]) else "no occurrence in the corpus")}
        for e in entries
    ], columns=["frame", "entry", "tokens", "count", "note"])


def _default_normalize(tokenized: TokenizedCorpus) -> tuple[Callable[[str], list[str]], str]:
    try:
        from textlab.preprocessing.tokens import TokenizerOptions, tokenize_text

        names = {f.name for f in fields(TokenizerOptions)}
        given = {k: v for k, v in tokenized.params.items() if k in names}
        if given:
            return partial(tokenize_text, options=TokenizerOptions(**given)), \
                "textlab.preprocessing.tokens.tokenize_text with the options in tokenized.params"
    except (ImportError, TypeError, ValueError):
        pass
    return _lower_words, "lower-cased words (tokenized.params holds no TokenizerOptions)"


def _describe(func: Callable) -> str:
    """Readable name of a normaliser for ``params`` (``partial`` objects show their function)."""
    inner = func.func if isinstance(func, partial) else func
    name = f"{getattr(inner, '__module__', '')}.{getattr(inner, '__qualname__', repr(inner))}".lstrip(".")
    return f"{name} (partial)" if isinstance(func, partial) else name


def _lower_words(text: str) -> list[str]:
    """Fallback normaliser: lower-cased runs of letters and digits."""
    return re.findall(r"\w+", text.lower())


def _compile(codebook: Codebook, normalize, vocabulary: set[str], surface_forms: Mapping[str, str],
             match_phrase_parts: bool):
    """Turn every entry into the token sequences ("units") it matches."""
    by_surface = {str(v).lower(): k for k, v in surface_forms.items()}
    units: list[tuple[str, ...]] = []
    index: dict[tuple[str, ...], int] = {}

    def unit_id(seq: tuple[str, ...]) -> int:
        if seq not in index:
            index[seq] = len(units)
            units.append(seq)
        return index[seq]

    entries = []
    for frame, terms in codebook.frames.items():
        for entry in terms:
            tokens = tuple(str(t) for t in normalize(entry))
            seqs: list[tuple[str, ...]] = []
            note = ""
            if len(tokens) == 1:
                seqs.append(tokens)
            elif len(tokens) > 1:
                if "_".join(tokens) in vocabulary:
                    seqs.append(("_".join(tokens),))
                seqs.append(tokens)
            else:
                note = "no tokens after normalisation (stopwords or too short)"
            alias = by_surface.get(entry.lower())
            if alias is not None and (alias,) not in seqs:
                seqs.insert(0, (alias,))
            entries.append({"frame": frame, "entry": entry, "units": [unit_id(s) for s in seqs], "note": note})
    if match_phrase_parts:
        by_word: dict[str, list[dict]] = {}
        for e in entries:
            for u in e["units"]:
                if len(units[u]) == 1 and "_" not in units[u][0]:
                    by_word.setdefault(units[u][0], []).append(e)
        for token in sorted(t for t in vocabulary if "_" in t and (t,) not in index):
            for word in dict.fromkeys(token.split("_")):
                for e in by_word.get(word, ()):
                    u = unit_id((token,))
                    if u not in e["units"]:
                        e["units"].append(u)
    return entries, units


def _count_units(token_lists: list[list[str]], units: list[tuple[str, ...]]) -> sp.csr_matrix:
    """``N x U`` counts of each unit per passage; positions matched once, longest unit first."""
    singles = {u[0]: i for i, u in enumerate(units) if len(u) == 1}
    multi: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for i, u in enumerate(units):
        if len(u) > 1:
            multi.setdefault(u[0], []).append((u, i))
    for options in multi.values():
        options.sort(key=lambda item: -len(item[0]))
    rows: list[int] = []
    cols: list[int] = []
    for row, tokens in enumerate(token_lists):
        if not multi:
            found = [singles[t] for t in tokens if t in singles]
        else:
            found = []
            pos, n = 0, len(tokens)
            while pos < n:
                token = tokens[pos]
                step = 1
                for seq, col in multi.get(token, ()):
                    if tuple(tokens[pos:pos + len(seq)]) == seq:
                        found.append(col)
                        step = len(seq)
                        break
                else:
                    if token in singles:
                        found.append(singles[token])
                pos += step
        rows.extend([row] * len(found))
        cols.extend(found)
    return sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                         shape=(len(token_lists), len(units)))


def _term(unit: tuple[str, ...]) -> str:
    return " ".join(unit)


def _drivers(counts, units, unit_frame, frame_names, layout, surface_forms) -> pd.DataFrame:
    columns = ["frame", "group", "term", "label", "count", "share_of_frame"]
    if not units:
        return pd.DataFrame(columns=columns)
    cols = np.flatnonzero(layout.codes >= 0)
    member = sp.csr_matrix((np.ones(len(cols)), (layout.codes[cols], cols)), shape=(len(layout.groups), counts.shape[0]))
    per_group = np.asarray((member @ counts).todense())  # G x U
    incidence = unit_frame.tocsc()
    rows = []
    for f, frame in enumerate(frame_names):
        in_frame = incidence.indices[incidence.indptr[f]:incidence.indptr[f + 1]]
        for g, group in enumerate(layout.groups):
            frame_counts = per_group[g, in_frame]
            total = frame_counts.sum()
            for u, c in zip(in_frame, frame_counts):
                if c > 0:
                    unit = units[u]
                    label = " ".join(surface_forms.get(t, t.replace("_", " ")) for t in unit)
                    rows.append((frame, group, _term(unit), label, int(c), float(c / total)))
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["frame", "group", "count", "term"], ascending=[True, True, False, True],
                              kind="stable", ignore_index=True)
    table["frame"] = pd.Categorical(table["frame"], categories=frame_names, ordered=True)
    table = table.sort_values(["frame", "group"], kind="stable", ignore_index=True)
    table["frame"] = table["frame"].astype(str)
    return table


