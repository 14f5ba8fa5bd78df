"""The cleaning rules behind :mod:`textlab.preprocessing.clean`: the text being cleaned and each rule.

Each rule is a function ``(text: _Text, ctx: _Context) -> list[_Removal]``; :data:`RULES` lists
them in the order they run. Rules cost little when they cannot fire: each finds its candidate
lines with one pass of a compiled pattern over the whole text and tests only those lines (see
``_Text``), so ordinary article lines are not examined one by one.
"""

from __future__ import annotations

import bisect
import functools
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from textlab._errors import CleaningWarning
from textlab.preprocessing._clean_text import (  # noqa: F401  (_Text: re-exported for clean and _clean_furniture)
    _NON_ASCII_DIGIT,
    _matching_lines,
    _Text,
)


AUDIT_COLUMNS = ["doc_id", "line_start", "line_end", "rule", "text"]
PATTERN_SEPARATOR = " || "
_TRUE = {"true", "1", "yes", "y", "t"}
_HEADER_ZONE = 10  # non-blank lines at the top where bylines and handles are expected
_MAX_HEADLINE_WORDS = 30


@dataclass(frozen=True)
class _Removal:
    start: int  # 0-based line index, inclusive
    end: int
    replacement: str | None = None  # for inline edits: the new line
    fragment: str | None = None  # for inline edits: the removed text


@dataclass(frozen=True)
class _Context:
    cutoff: str | None = None
    patterns: tuple[re.Pattern[str], ...] = ()
    doc_id: str = ""
    study_patterns: tuple[re.Pattern[str], ...] = ()  # the study's removal patterns (rule "pattern")
    furniture: dict | None = None  # this document's source: furniture shape -> metadata field (or None)
    max_words: int = 40  # longer lines are never furniture
    fields: dict | None = None  # filled by rule "boilerplate_field": metadata column -> value


# --------------------------------------------------------------------------- helpers

_WORD = re.compile(r"\S+")
_NON_WORD = re.compile(r"[\W_]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_WORD = re.compile(r"\w")
_SPACES = re.compile(r"\s+")
_SHORT_LINE = 120  # characters; navigation and metadata lines are never longer
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")


def count_words(text: str) -> int:
    """Number of whitespace-separated words in ``text``.

    Examples
    --------
    >>> count_words("Two words\\n\\nand three")
    4
    """
    return len(text.split())


@functools.lru_cache(maxsize=1 << 16)
def _norm(line: str) -> str:
    """Lower-case words separated by single spaces (punctuation and quotes dropped)."""
    return _NON_WORD.sub(" ", line.lower()).strip()


def _core(line: str) -> str:
    """The line without leading / trailing bullets, emoji and punctuation."""
    line = line.strip()
    if not line or (line[0].isalnum() and line[-1].isalnum()):  # [\W_] is exactly "not isalnum()"
        return line
    return _EDGES.sub("", line)


# --------------------------------------------------------------------------- rules

_NAVIGATION = re.compile(
    r"(?:table of contents|contents|logo|skip to (?:main )?content|(?:main |open |close )?menu|home|search"
    r"|share(?: this)?(?: article| post| story| page)?|subscribe(?: now)?|sign (?:in|up)|log ?in|log ?out"
    r"|advertisement|sponsored(?: content)?|back to top|toggle navigation|print(?: this)?(?: article| page)?"
    r"|follow us|newsletter|related (?:articles|posts|stories|content|news)|you (?:may|might) also like"
    r"|(?:accept|reject)(?: all)?(?: cookies)?|cookie (?:settings|preferences)|listen to (?:this )?article"
    r"|copy link|tweet|email|facebook|twitter|linkedin|whatsapp)",
    re.IGNORECASE,
)
_EDGE_RUN = r"[^\w\n]*+(?:_[^\w\n]*+)*+"  # [\W_]* within one line, never given back
_NAVIGATION_TRIGGER = re.compile(
    rf"\n{_EDGE_RUN}(?:{_NAVIGATION.pattern}){_EDGE_RUN}(?=\n)"  # the line's core is a navigation phrase
    r"|\n[^\S\n]*+[^\w\s][^\w\n]*+(?=\n)",  # or the line has symbols and no word character
    re.IGNORECASE,
)


def _navigation(text: _Text, ctx: _Context) -> list[_Removal]:
    """Lines that are only site chrome ("Table of Contents", "Logo", "Share") or only symbols."""
    out = []
    lines = text.lines
    for i in _matching_lines(_NAVIGATION_TRIGGER, text.padded):
        if not text.is_live(i) or len(lines[i]) > _SHORT_LINE:
            continue
        if not _HAS_WORD.search(lines[i]) or _NAVIGATION.fullmatch(_core(lines[i])):
            out.append(_Removal(i, i))
    return out


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? )?"
    rf"(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},?(?: \d{{4}})?"
    rf"|{_MONTH},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}"
    rf"|\d+ (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago)"
    rf"(?:,? (?:at )?\d{{1,2}}[:.]\d{{2}}(?: ?[ap]\.?m\.?)?(?: [a-z]{{2,4}})?)?"
)
_DATE_LINE = re.compile(rf"(?:(?:posted|published|updated|last updated)(?: on)?:? )?{_DATE}", re.IGNORECASE)
_COUNTER = re.compile(
    r"\b\d[\d,.]*\s*(?:k|m)?\s*(?:views?|reads?|likes?|shares?|comments?)\b"
    r"|\b\d+\s*(?:-\s*)?(?:min(?:ute)?s?|hrs?|hours?)"
    r"\.?\s+(?:read|reading time|listen)\b|\bread(?:ing)? time:?\s*\d",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"@[\w.]{2,}|[a-z][a-z._]*\d{2,}", re.IGNORECASE)
_BYLINE = re.compile(r"(?i:by|written by|posted by|author:?)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}")
_DATE_ANYWHERE = re.compile(_DATE, re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_COUNTER_MAX_OTHER_WORDS = 2  # e.g. a category label such as "Industry"
# Triggers: a date line's core starts like _DATE_LINE; a counter shows in the fingerprint as a digit
# followed by its keyword, or as "read(ing)time" (a counter with only non-ASCII digits is caught by
# testing every line of a text holding such digits).
_DATE_TRIGGER = re.compile(
    rf"\n{_EDGE_RUN}(?:posted|published|updated|last|mon|tue|wed|thu|fri|sat|sun"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d)",
    re.IGNORECASE,
)
_COUNTER_TRIGGER = re.compile(rb"[0-9](?:[km]?(?:view|read|like|share|comment)|min|hr|hour)")
_READ_TIME_TRIGGER = re.compile(rb"read(?:ing)?time")


def _metadata_line(text: _Text, ctx: _Context) -> list[_Removal]:
    """Counter, date, byline and author-handle lines ("13 min read", "- Sep 24", "- james18879")."""
    lines = text.lines
    rank_of: dict[int, int] = {}  # the first _HEADER_ZONE live lines
    for i in range(len(lines)):
        if text.is_live(i):
            rank_of[i] = len(rank_of)
            if len(rank_of) == _HEADER_ZONE:
                break
    candidates = set(rank_of)
    candidates.update(_matching_lines(_DATE_TRIGGER, text.padded))
    if not text.text.isascii() and _NON_ASCII_DIGIT.search(text.text):
        candidates.update(range(len(lines)))
    else:
        candidates.update(_matching_lines(_COUNTER_TRIGGER, text.fingerprint))
        candidates.update(_matching_lines(_READ_TIME_TRIGGER, text.fingerprint))
    out = []
    for i in sorted(candidates):
        if not text.is_live(i):
            continue
        rank = rank_of.get(i, _HEADER_ZONE)
        line = lines[i].strip()
        if len(line) > _SHORT_LINE:
            continue
        core = _SPACES.sub(" ", _core(line))
        counter = False
        if _COUNTER.search(line):  # counters may share the line with dates and a short label, nothing more
            rest = _DATE_ANYWHERE.sub(" ", _COUNTER.sub(" ", line))
            counter = len(_LETTERS.findall(rest)) <= _COUNTER_MAX_OTHER_WORDS
        date = _DATE_LINE.fullmatch(core)
        header = rank < _HEADER_ZONE and (_HANDLE.fullmatch(core) or _BYLINE.fullmatch(core))
        if counter or date or header:
            out.append(_Removal(i, i))
    return out


_COMMENTS = re.compile(
    r"(?:\d+ )?(?:comments?|responses?|replies)(?: \d+)?|(?:leave|post|add|write) a (?:comment|reply|response)"
    r"|(?:view|show|load|hide) (?:all )?comments|join the (?:discussion|conversation)",
    re.IGNORECASE,
)


def _trailing_comments(text: _Text, ctx: _Context) -> list[_Removal]:
    """A "Comments" (or "Leave a reply", "3 Comments") line at the very end of the text."""
    out = []
    lines = text.lines
    for i in range(len(lines) - 1, -1, -1):  # the live lines from the end
        if not text.is_live(i):
            continue
        if len(lines[i]) > _SHORT_LINE or not _COMMENTS.fullmatch(_SPACES.sub(" ", _core(lines[i]))):
            break
        out.append(_Removal(i, i))
    return out


def _teaser_block(text: _Text, ctx: _Context, *, min_units: int = 2) -> list[_Removal]:
    """Runs of related-article teasers: a headline printed twice, then a one-paragraph summary."""
    lines = text.lines
    repeats = [i for i in text.repeats() if text.is_live(i)]
    if len(repeats) < 2 * min_units:  # every unit holds two lines with the same norm
        return []
    live = text.live()
    n = len(live)
    is_repeat = set(repeats)

    def norm_at(k: int) -> str | int:  # a line outside ``repeats`` has a norm no other line has
        return _norm(lines[live[k]]) if live[k] in is_repeat else live[k]

    def unit_at(k: int) -> bool:
        return (
            k + 2 < n
            and norm_at(k) != ""
            and norm_at(k) == norm_at(k + 1)
            and norm_at(k + 2) != norm_at(k)
            and count_words(lines[live[k]]) <= _MAX_HEADLINE_WORDS
        )

    # a unit can only start where two consecutive live lines are both repeats with the same norm
    positions = [bisect.bisect_left(live, i) for i in repeats]
    starts = [k for k, k_next in zip(positions, positions[1:]) if k_next == k + 1 and norm_at(k) == norm_at(k_next)]
    out, j, s = [], 0, 0
    while s < len(starts):
        if starts[s] < j:
            s += 1
            continue
        j = starts[s]
        k, units = j, 0
        while unit_at(k):
            units, k = units + 1, k + 3
        if units >= min_units:
            out.append(_Removal(live[j], live[k - 1]))
            j = k
        else:
            j += 1
    return out


def _repeated_headline(text: _Text, ctx: _Context, *, min_words: int = 3) -> list[_Removal]:
    """A headline-like line (short, no sentence end) repeating an earlier line; the first stays.

    Repeated sentences are left to ``pull_quote``.
    """
    lines = text.lines
    seen, out = set(), []
    for i in text.repeats():  # only these can share a norm with an earlier line
        if not text.is_live(i):
            continue
        norm = _norm(lines[i])
        if (
            norm in seen
            and min_words <= count_words(lines[i]) <= _MAX_HEADLINE_WORDS
            and not _SENTENCE_END.search(lines[i])
        ):
            out.append(_Removal(i, i))
        seen.add(norm)
    return out


_SENTENCE_END_TRIGGER = re.compile(r"[.!?…][\"'”’»)\]]*+[^\S\n]*+(?=\n)")


def _containing_lines(text: _Text, needle: bytes) -> list[int]:
    """Live lines whose fingerprint contains ``needle`` (all live lines for an empty needle)."""
    if not needle:
        return text.live()
    haystack, out = text.fingerprint, []
    line, previous, start = 0, 0, haystack.find(needle)
    while start != -1:
        line += haystack.count(b"\n", previous, start)
        if text.is_live(line):
            out.append(line)
        previous = haystack.find(b"\n", start)
        if previous == -1:
            break
        start = haystack.find(needle, previous)
    return out


def _pull_quote(text: _Text, ctx: _Context, *, min_words: int = 5) -> list[_Removal]:
    """A short paragraph ending a sentence that already stands, as a whole clause, inside another paragraph."""
    lines = text.lines
    fingerprint, by_line = text.fingerprint, text.fingerprints
    out = []
    for i in _matching_lines(_SENTENCE_END_TRIGGER, text.padded, first=-1):
        if not text.is_live(i):
            continue
        words = count_words(lines[i])
        if not (min_words <= words <= 2 * _MAX_HEADLINE_WORDS and _SENTENCE_END.search(lines[i])):
            continue
        if by_line[i] and fingerprint.count(by_line[i]) < 2:  # no other line holds these words
            continue
        others = _containing_lines(text, by_line[i])  # the only lines whose norm can hold this one
        norms = {k: _norm(lines[k]) for k in others}
        needle = f" {norms[i]} "
        if sum(f" {norms[k]} ".count(needle) for k in others) < 2:  # only its own line holds these words
            continue
        exact: re.Pattern[str] | None = None
        for k in others:
            if k == i or needle not in f" {norms[k]} ":
                continue
            if norms[k] == norms[i] and k > i:  # of two identical copies the later one goes
                continue
            # the words must form a whole clause there: bounded by punctuation or the line's ends
            if exact is None:
                body = r"[\W_]+".join(re.escape(w) for w in norms[i].split())
                exact = re.compile(rf"(?:^|[^\w\s])[\W_]*{body}(?:[^\w\s]|$)", re.IGNORECASE)
            if exact.search(lines[k]):
                out.append(_Removal(i, i))
                break
    return out


_TOOLTIP = re.compile(
    r"(?<![\w])(?P<name>[A-Z][\w&'’.-]*?(?: [\w&'’.-]+?){0,4}?)"
    r"(?P<fused>i?(?P=name)(?:(?P=name))?(?=[\s,.:;A-Z])"
    r"(?:(?!READ MORE|Read [Mm]ore).){0,800}?(?:READ MORE|Read [Mm]ore))"
)
_READ_MORE = re.compile(r"READ MORE|Read [Mm]ore")


def _tooltip_glitch(text: _Text, ctx: _Context) -> list[_Removal]:
    """Inline glossary pop-ups fused into a sentence: ``AcmeiAcmeAcme is a … READ MORE``.

    The entity name (first copy) stays; the fused copies and the blurb up to "READ MORE" go.
    """
    whole = text.text
    if "READ MORE" not in whole and "Read more" not in whole and "Read More" not in whole:
        return []
    out = []
    for i in _matching_lines(_READ_MORE, whole):
        if not text.is_live(i):
            continue
        line = text.lines[i]
        if "ead more" not in line.lower():
            continue
        fragments = [m.group("fused") for m in _TOOLTIP.finditer(line)]
        if fragments:
            new = _TOOLTIP.sub(lambda m: m.group("name"), line)
            out.append(_Removal(i, i, replacement=new, fragment="\n".join(fragments)))
    return out


def _override_cutoff(text: _Text, ctx: _Context) -> list[_Removal]:
    """Metadata ``clean_cutoff``: the first line containing the marker, and everything after it."""
    if not ctx.cutoff:
        return []
    marker = ctx.cutoff.strip()
    for i in text.live():
        if marker in text.lines[i]:
            return [_Removal(i, len(text.lines) - 1)]
    warnings.warn(
        f"doc_id {ctx.doc_id!r}: clean_cutoff marker {marker!r} not found; nothing was cut", CleaningWarning,
        stacklevel=4,
    )
    return []


def _override_pattern(text: _Text, ctx: _Context) -> list[_Removal]:
    """Metadata ``clean_patterns``: lines matching any of the document's extra regexes."""
    if not ctx.patterns:
        return []
    return [_Removal(i, i) for i in text.live() if any(p.search(text.lines[i]) for p in ctx.patterns)]


_RULES: dict[str, Callable[[_Text, _Context], list[_Removal]]] = {
    "override_cutoff": _override_cutoff,
    "override_pattern": _override_pattern,
    "navigation": _navigation,
    "trailing_comments": _trailing_comments,
    "metadata_line": _metadata_line,
    "teaser_block": _teaser_block,
    "repeated_headline": _repeated_headline,
    "pull_quote": _pull_quote,
    "tooltip_glitch": _tooltip_glitch,
}
DEFAULT_RULES: tuple[str, ...] = tuple(_RULES)
