"""Cleaning rules for corpora that are not web pages, and the cleaning profiles.

Three rules join those of :mod:`textlab.preprocessing._clean_rules` (registered by
:mod:`textlab.preprocessing.clean`):

``pattern``
    The study's own removal patterns (regular expressions, ``[clean] patterns``): matching lines go
    (added after the overrides whenever patterns are given).
``boilerplate_field``
    Furniture lines that carry a field (date, byline, ``N words``, section, source, language,
    edition): removed and their value moved into a metadata column (``ctx.fields``).
``boilerplate``
    Other furniture lines (copyright, document ids, source codes ...); a recurring label in front
    of a long line (``Full text: <paragraph>``) loses the label only.

Furniture is learnt on the corpus by :func:`~textlab.preprocessing.boilerplate.find_boilerplate`
(line shapes recurring in many documents of one source) and handed to each document as
``ctx.furniture`` (shape -> field), so these rules see one document at a time like the others and
their audit rows carry the raw line numbers.

:data:`PROFILE_RULES` lists the rules of each profile: ``web`` (:data:`DEFAULT_RULES`, every web rule:
the rules textlab always ran), ``news_export`` (overrides, study patterns, corpus furniture) and ``plain`` (overrides
and study patterns only: no rule that guesses, so speeches and books keep every sentence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from textlab._errors import ConfigError
from textlab.preprocessing._clean_rules import _RULES, DEFAULT_RULES, _Context, _Removal, _Text
from textlab.preprocessing.boilerplate import _field_value, _in_place, _shape, _zones

__all__ = ["FURNITURE_RULES", "PROFILE_RULES", "PROFILES", "CleaningPlan", "plan_cleaning", "choose_profile",
           "compile_study_patterns", "with_fields"]


def _pattern(text: _Text, ctx: _Context) -> list[_Removal]:
    """The study's removal patterns (``[clean] patterns``): lines matching any of them."""
    if not ctx.study_patterns:
        return []
    return [_Removal(i, i) for i in text.live() if any(p.search(text.lines[i]) for p in ctx.study_patterns)]


def _furniture(text: _Text, ctx: _Context) -> list[tuple[int, object, object]]:
    """``(line, shape, field)`` of every live line whose shape is furniture of the document's source."""
    if not ctx.furniture:
        return []
    lines = text.lines
    first, last = _zones(lines)
    out = []
    for i in text.live():
        shape = _shape(lines[i], ctx.max_words)
        if shape is not None and shape.key in ctx.furniture and _in_place(shape, i, first, last):
            out.append((i, shape, ctx.furniture[shape.key]))
    return out


def _runs(text: _Text, indices: list[int]) -> list[_Removal]:
    """Consecutive lines (blank or already removed lines between them allowed) as one removal each."""
    out: list[list[int]] = []
    for i in indices:
        if out and all(not text.is_live(k) for k in range(out[-1][1] + 1, i)):
            out[-1][1] = i
        else:
            out.append([i, i])
    return [_Removal(a, b) for a, b in out]


def _boilerplate_field(text: _Text, ctx: _Context) -> list[_Removal]:
    """Furniture lines that carry a metadata field: removed, their value kept in ``ctx.fields``."""
    found = []
    for i, shape, column in _furniture(text, ctx):
        if shape.kind == "prefix" or not column:
            continue
        if ctx.fields is not None and column not in ctx.fields:
            ctx.fields[column] = _field_value(column, shape.value if shape.value is not None else text.lines[i])
        found.append(i)
    return _runs(text, found)


def _boilerplate(text: _Text, ctx: _Context) -> list[_Removal]:
    """Other furniture lines; a recurring label before a long line loses the label only."""
    found, out = [], []
    for i, shape, column in _furniture(text, ctx):
        if shape.kind == "prefix":
            line = text.lines[i].strip()
            out.append(_Removal(i, i, replacement=shape.value, fragment=line[: len(line) - len(shape.value)].strip()))
        elif not column:
            found.append(i)
    return sorted(out + _runs(text, found), key=lambda r: r.start)


FURNITURE_RULES = {"pattern": _pattern, "boilerplate_field": _boilerplate_field, "boilerplate": _boilerplate}
_RULES.update(FURNITURE_RULES)  # valid rule names everywhere; DEFAULT_RULES (the web rules) is unchanged

_OVERRIDES = ("override_cutoff", "override_pattern")
#: The rules of each cleaning profile, in the order they run (``pattern`` joins them, after the
#: overrides, when the study gives removal patterns).
PROFILE_RULES: dict[str, tuple[str, ...]] = {
    "web": DEFAULT_RULES,
    "news_export": (*_OVERRIDES, "boilerplate_field", "boilerplate"),
    "plain": _OVERRIDES,
}

#: Profiles a corpus can be cleaned with (``"auto"`` chooses one by :func:`choose_profile`).
PROFILES = ("auto", "web", "news_export", "plain")
#: Columns tried, in order, as the source of each document when ``source_column="auto"``.
SOURCE_COLUMNS = ("outlet", "source", "publication", "newspaper", "publisher", "file")
#: Thresholds of corpus-level furniture (see :func:`~textlab.preprocessing.boilerplate.find_boilerplate`).
FURNITURE_DEFAULTS = {"min_docs": 5, "min_share": 0.2, "prose_share": 0.5, "max_words": 40}


def choose_profile(docs, profile: str = "auto", *, random_state: int = 0) -> tuple[str, list[str]]:
    """The profile to clean ``docs`` with and why (``profile`` itself unless it is ``"auto"``)."""
    from textlab._errors import bad_value
    from textlab.preprocessing.exports.profile import detect_profile

    if profile not in PROFILES:
        raise bad_value("profile", profile, "one of " + ", ".join(map(repr, PROFILES)))
    if profile != "auto":
        return profile, [f"profile={profile!r} given"]
    choice = detect_profile(docs, random_state=random_state)
    return choice.profile, ["chosen automatically: " + choice.reasons[0], *choice.reasons[1:3]]


def source_column_of(columns, source_column: str | None) -> str | None:
    """``source_column``, or for ``"auto"`` the first of :data:`SOURCE_COLUMNS` among ``columns``."""
    if source_column != "auto":
        return source_column
    return next((c for c in SOURCE_COLUMNS if c in columns), None)


def learn_furniture(docs, *, source_column: str | None, **thresholds) -> tuple[dict, object]:
    """Furniture of each source: ``({source: {shape: field or None}}, Boilerplate)``."""
    from textlab.preprocessing.boilerplate import _outlet_lines, find_boilerplate

    found = find_boilerplate(docs, source_column=source_column, **{**FURNITURE_DEFAULTS, **thresholds})
    table = _outlet_lines(found)
    lookup: dict[str, dict] = {}
    for source, shape, column in zip(table["source"], table["shape"], table["field"]):
        lookup.setdefault(str(source), {})[shape] = column if isinstance(column, str) else None
    return lookup, replace(found, patterns=table)


def source_values(values, n: int) -> list[str]:
    """Each document's source as :func:`find_boilerplate` names it (``"(all)"`` without a column)."""
    if values is None:
        return ["(all)"] * n
    return pd.Series(list(values), dtype="string").fillna("(missing)").astype(str).tolist()


def furniture_summary(audit: pd.DataFrame, sources: dict, words_before: dict, n_fields: dict) -> pd.DataFrame:
    """Per source: documents, lines and words removed as furniture, fields moved (``boilerplate*`` rules)."""
    from textlab.preprocessing._clean_rules import count_words

    rows = audit[audit["rule"].isin(("boilerplate", "boilerplate_field"))]
    src = rows["doc_id"].map(sources)
    lines = rows["text"].map(lambda t: sum(1 for line in t.split("\n") if line.strip()))
    words = rows["text"].map(count_words)
    table = pd.DataFrame({"source": src, "rule": rows["rule"], "doc_id": rows["doc_id"], "lines": lines,
                          "words": words})
    out = []
    all_sources = pd.Series(sources).value_counts()
    before = pd.Series(words_before).groupby(pd.Series(sources)).sum()
    for source, n_docs in sorted(all_sources.items()):
        part = table[table["source"] == source]
        removed = int(part["words"].sum())
        out.append({"source": source, "n_docs": int(n_docs), "docs_changed": int(part["doc_id"].nunique()),
                    "lines_removed": int(part["lines"].sum()),
                    "fields_moved": int(sum(n_fields.get(d, 0) for d, s in sources.items() if s == source)),
                    "words_before": int(before.get(source, 0)), "words_removed": removed,
                    "share_words_removed": removed / max(int(before.get(source, 0)), 1)})
    return pd.DataFrame(out, columns=["source", "n_docs", "docs_changed", "lines_removed", "fields_moved",
                                      "words_before", "words_removed", "share_words_removed"])


@dataclass(frozen=True)
class CleaningPlan:
    """What cleaning a corpus will do, decided once on (a sample of) its documents.

    ``rules`` in order; ``profile`` and ``reasons`` (why it was chosen); ``patterns`` (the study's
    removal patterns); ``furniture`` (``{source: {shape: field}}``, empty unless the boilerplate
    rules run) learnt on ``n_learn`` documents with ``thresholds``; ``source_column``; ``fields``
    (metadata columns furniture can fill); ``boilerplate`` (the furniture patterns table).
    """

    rules: tuple[str, ...]
    profile: str
    reasons: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    furniture: dict = field(default_factory=dict)
    source_column: str | None = None
    thresholds: dict = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    n_learn: int = 0
    boilerplate: Any = None

    def params(self) -> dict:
        """The plan as JSON-able params (recorded with the cleaning)."""
        table = self.boilerplate
        return {"profile": self.profile, "profile_reasons": list(self.reasons), "patterns": list(self.patterns),
                "source_column": self.source_column,
                "furniture": None if table is None else {
                    **self.thresholds, "learnt_on_docs": self.n_learn, "n_patterns": int(len(table)),
                    "patterns": [f"{s}: {e}" for s, e in zip(table["source"], table["example"])][:200]}}


def plan_cleaning(docs, *, profile: str = "auto", rules: Sequence[str] | None = None, disable: Sequence[str] = (),
                  patterns: Sequence[str] = (), source_column: str | None = "auto", boilerplate: dict | None = None,
                  random_state: int = 0) -> CleaningPlan:
    """Choose the profile and rules, and learn each source's furniture on ``docs`` (a corpus or its first chunk).

    ``rules`` given explicitly win over the profile's; the boilerplate rules learn furniture when
    they are among the rules. ``boilerplate`` overrides :data:`FURNITURE_DEFAULTS`.
    """
    from textlab._errors import bad_value
    from textlab.preprocessing.clean import _check_rules

    compile_study_patterns(patterns)
    thresholds = {**FURNITURE_DEFAULTS, **(boilerplate or {})}
    unknown = sorted(set(thresholds) - set(FURNITURE_DEFAULTS))
    if unknown:
        raise bad_value("boilerplate", boilerplate, f"a dict with keys among {sorted(FURNITURE_DEFAULTS)}")
    if rules is None:
        chosen, reasons = choose_profile(docs, profile, random_state=random_state)
        rules = PROFILE_RULES[chosen]
    else:
        chosen, reasons = "custom", ["rules given explicitly"]
    active = _check_rules(rules, disable)
    if patterns and "pattern" not in active:
        at = active.index("override_pattern") + 1 if "override_pattern" in active else 0
        active = (*active[:at], "pattern", *active[at:])
    column = source_column_of(docs.columns, source_column)
    if column is not None and column not in docs.columns:
        raise bad_value("source_column", column, f"a column of the corpus ({', '.join(map(str, docs.columns))})")
    if not {"boilerplate", "boilerplate_field"} & set(active):
        return CleaningPlan(active, chosen, tuple(reasons), tuple(map(str, patterns)), source_column=column)
    lookup, found = learn_furniture(docs, source_column=column, **thresholds)
    fields = tuple(sorted({f for table in lookup.values() for f in table.values() if f} - {column}))
    return CleaningPlan(active, chosen, tuple(reasons), tuple(map(str, patterns)), lookup, column, thresholds,
                        fields, len(docs), found.patterns)


def compile_study_patterns(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """The study's removal patterns compiled (one-line error naming a bad one)."""
    if isinstance(patterns, str):
        raise ConfigError("patterns= takes a list of regular expressions, e.g. patterns=['^Copyright ']")
    from textlab._regex import compile_user_pattern  # nested quantifiers refused, searches time-limited

    return tuple(compile_user_pattern(str(pattern), "[clean] patterns") for pattern in patterns)


def with_fields(docs: pd.DataFrame, fields: Sequence[dict], columns: Sequence[str]) -> pd.DataFrame:
    """``docs`` with the metadata found in furniture lines filled into ``columns`` (never overwritten)."""
    if not columns:
        return docs
    moved = pd.DataFrame(list(fields), index=docs.index).reindex(columns=list(columns))
    for name in columns:
        values = moved[name].astype(object)
        docs[name] = docs[name].where(docs[name].notna(), values) if name in docs.columns else values
    return docs
