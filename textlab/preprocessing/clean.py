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

:func:`clean_text_fast` returns the cleaned text alone, without building an audit table,
for streaming. Rules cost little when they cannot fire: each finds its candidate lines with
one pass of a compiled pattern over the whole text and tests only those lines (see
``_Text`` below), so ordinary article lines are not examined one by one.
"""

from __future__ import annotations

import bisect
import functools
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from textlab._errors import CleaningWarning, ConfigError
from textlab._progress import progress
from textlab.preprocessing.read import Corpus

__all__ = [
    "CleanResult", "DEFAULT_RULES", "clean_corpus", "clean_text", "clean_text_fast", "audit_summary", "count_words",
]

AUDIT_COLUMNS = ["doc_id", "line_start", "line_end", "rule", "text"]
PATTERN_SEPARATOR = " || "
_TRUE = {"true", "1", "yes", "y", "t"}
_HEADER_ZONE = 10  # non-blank lines at the top where bylines and handles are expected
_MAX_HEADLINE_WORDS = 30


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
        Rules applied, rules disabled and whether metadata overrides were used.
    """

    corpus: Corpus
    audit: pd.DataFrame
    params: dict = field(default_factory=dict)


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


# --------------------------------------------------------------------------- helpers

_WORD = re.compile(r"\S+")
_NON_WORD = re.compile(r"[\W_]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_HAS_WORD = re.compile(r"\w")
_SPACES = re.compile(r"\s+")
_SHORT_LINE = 120  # characters; navigation and metadata lines are never longer
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")
_BLANK_RUNS = re.compile(r"\n{3,}")


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


# --------------------------------------------------------------------------- the text being cleaned
#
# Each rule first finds candidate lines with one pass of a compiled pattern over the whole text
# (or over its fingerprint, below) and then applies its exact per-line test to those lines only.
# Every trigger is a necessary condition of its rule (a line the rule would remove always contains
# a trigger match), so the result is the same as testing every line; ordinary article lines cost
# no Python work beyond splitting and joining. Triggers run over ``"\n" + text + "\n"`` so that
# line-anchored ones start with the literal "\n", which the regex engine scans for quickly.

# The fingerprint of a text keeps, per line, only ASCII letters and digits, lower-cased. The four
# non-ASCII letters that lower-case or case-fold to ASCII letters under re.IGNORECASE are mapped
# first (İ and ı match "i", K (Kelvin) matches "k", ſ matches "s"). Each line's fingerprint is then
# a function of its ``_norm``: equal norms give equal fingerprints, and a norm inside another
# line's norm has its fingerprint inside the other fingerprint. Case-insensitive keywords appear in
# it lower-cased and without the spaces and punctuation between them.
_FOLD_TO_ASCII = (("\u0130", "i"), ("\u0131", "i"), ("\u212a", "k"), ("\u017f", "s"))
_NOT_IN_FINGERPRINT = bytes(b for b in range(128) if not (chr(b).isalnum() or b == 10))
_NO_FINGERPRINT_LINE = re.compile(  # a non-blank line whose fingerprint is empty
    r"\n[^\S\n]*+[^\sA-Za-z0-9\u0130\u0131\u212a\u017f][^\nA-Za-z0-9\u0130\u0131\u212a\u017f]*+(?=\n)"
)
_NON_ASCII_DIGIT = re.compile(r"[^\D0-9]")


def _fingerprint(text: str) -> bytes:
    if not text.isascii():
        for char, ascii_letter in _FOLD_TO_ASCII:
            if char in text:
                text = text.replace(char, ascii_letter)
    return text.encode("ascii", "ignore").lower().translate(None, _NOT_IN_FINGERPRINT)


def _matching_lines(pattern: re.Pattern, string: str | bytes, *, first: int = 0) -> list[int]:
    """Sorted distinct line numbers of the matches of ``pattern`` in ``string``.

    A match starting at ``string``'s j-th newline is on line ``first + j`` (``first=0`` for
    patterns that start with the newline before their line in the padded text; ``-1`` for matches
    inside a line of the padded text; ``0`` for matches inside a line of an unpadded string).
    """
    newline = "\n" if isinstance(string, str) else b"\n"
    out: list[int] = []
    line, previous = first, 0
    for match in pattern.finditer(string):
        start = match.start()
        line += string.count(newline, previous, start)
        previous = start
        if not out or out[-1] != line:
            out.append(line)
    return out


class _Text:
    """Lines of one text, which of them earlier rules kept, and whole-text views for the triggers."""

    __slots__ = ("lines", "keep", "n_dropped", "_text", "_padded", "_fingerprint", "_by_line", "_live", "_repeats")

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.keep = [True] * len(self.lines)
        self.n_dropped = 0
        self._text: str | None = text
        self._padded: str | None = None
        self._fingerprint: bytes | None = None
        self._by_line: list[bytes] | None = None
        self._live: list[int] | None = None
        self._repeats: list[int] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "\n".join(self.lines)
        return self._text

    @property
    def padded(self) -> str:
        if self._padded is None:
            self._padded = "\n" + self.text + "\n"
        return self._padded

    @property
    def fingerprint(self) -> bytes:
        if self._fingerprint is None:
            self._fingerprint = _fingerprint(self.text)
        return self._fingerprint

    @property
    def fingerprints(self) -> list[bytes]:
        """The fingerprint of every line."""
        if self._by_line is None:
            self._by_line = self.fingerprint.split(b"\n")
        return self._by_line

    def is_live(self, i: int) -> bool:
        return self.keep[i] and bool(self.lines[i].strip())

    def live(self) -> list[int]:
        """Indices of kept non-blank lines."""
        if self._live is None:
            lines = self.lines
            self._live = [i for i, k in enumerate(self.keep) if k and lines[i].strip()]
        return self._live

    def repeats(self) -> list[int]:
        """Lines whose norm may equal another line's norm (all others have a norm no other line has).

        Those are the lines whose fingerprint another line shares, and non-blank lines with an
        empty fingerprint (their norm, if any, is made of non-ASCII letters).
        """
        if self._repeats is None:
            by_line = self.fingerprints
            counts = Counter(by_line)
            n_empty = counts.pop(b"", 0)
            shared: set[int] = set()
            if len(counts) < len(by_line) - n_empty:  # some non-empty fingerprint occurs twice
                twice = {f for f, c in counts.items() if c > 1}
                shared = {i for i, f in enumerate(by_line) if f in twice}
            if n_empty:
                shared.update(_matching_lines(_NO_FINGERPRINT_LINE, self.padded))
            self._repeats = sorted(shared)
        return self._repeats

    def drop(self, start: int, end: int) -> None:
        keep = self.keep
        for i in range(start, end + 1):
            if keep[i]:
                keep[i] = False
                self.n_dropped += 1
        self._live = None

    def edit(self, i: int, line: str) -> None:
        self.lines[i] = line
        self._text = self._padded = self._fingerprint = self._by_line = self._live = self._repeats = None

    def result(self) -> str:
        """Kept lines, right-stripped, blank-line runs collapsed, no blank lines at the ends."""
        kept = self.lines if not self.n_dropped else [line for line, k in zip(self.lines, self.keep) if k]
        out = "\n".join([line.rstrip() for line in kept])
        if "\n\n\n" in out:
            out = _BLANK_RUNS.sub("\n\n", out)
        return out.strip("\n")


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
    """Inline glossary pop-ups fused into a sentence: ``HuaweiiHuaweiHuawei is a … READ MORE``.

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
            compiled.append(re.compile(pattern.strip()))
        except re.error as err:
            raise ConfigError(
                f"clean_patterns for doc_id {doc_id!r}: {pattern.strip()!r} is not a valid regular expression "
                f"({err}); separate patterns with {PATTERN_SEPARATOR!r}"
            ) from None
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
    rules: Sequence[str] = DEFAULT_RULES,
    disable: Sequence[str] = (),
    overrides_from_metadata: bool = True,
) -> CleanResult:
    """Remove boilerplate from every document, recording each removal.

    Parameters
    ----------
    corpus
        Loaded corpus; its files are not touched.
    rules
        Rule names to apply, in order (default :data:`DEFAULT_RULES`: ``override_cutoff``,
        ``override_pattern``, ``navigation``, ``trailing_comments``, ``metadata_line``,
        ``teaser_block``, ``repeated_headline``, ``pull_quote``, ``tooltip_glitch``).
    disable
        Rule names to switch off, e.g. ``("pull_quote",)``.
    overrides_from_metadata
        Use the optional ``clean_cutoff``, ``clean_patterns`` and ``clean_keep_all``
        metadata columns.

    Returns
    -------
    CleanResult
        ``corpus.docs`` with cleaned ``text`` plus ``raw_text``, ``n_words_raw``,
        ``n_words_clean``; ``audit`` with one row per removal.

    Raises
    ------
    ConfigError
        Unknown rule names (the message lists the valid ones) or an invalid regex in
        ``clean_patterns``.

    Examples
    --------
    >>> from textlab.preprocessing.read import load_texts
    >>> corpus = load_texts({"a": "Table of Contents\\nThe article.\\n4 min read"})
    >>> result = clean_corpus(corpus)
    >>> result.corpus.docs.loc["a", "text"], result.audit["rule"].tolist()
    ('The article.', ['navigation', 'metadata_line'])
    >>> clean_corpus(corpus, disable=("navigation",)).corpus.docs.loc["a", "text"]
    'Table of Contents\\nThe article.'
    """
    active = _check_rules(rules, disable)
    docs = corpus.docs
    columns = docs.columns if overrides_from_metadata else []
    cutoffs = docs["clean_cutoff"] if "clean_cutoff" in columns else None
    patterns = docs["clean_patterns"] if "clean_patterns" in columns else None
    keep_all = docs["clean_keep_all"] if "clean_keep_all" in columns else None
    cleaned, audit_rows, kept_whole, emptied = [], [], [], []
    pairs = zip(docs.index, docs["text"], strict=True)
    for doc_id, text in progress(pairs, desc="Cleaning", total=len(docs), unit="doc"):
        if keep_all is not None and _is_true(keep_all.at[doc_id]):
            cleaned.append(text)
            kept_whole.append(doc_id)
            continue
        ctx = _context(cutoffs.at[doc_id] if cutoffs is not None else None,
                       patterns.at[doc_id] if patterns is not None else None, str(doc_id))
        new, rows = _apply(text, active, ctx)
        cleaned.append(new)
        audit_rows.extend((doc_id, *r) for r in rows)
        if text.strip() and not new.strip():
            emptied.append(doc_id)
    if emptied:
        warnings.warn(
            f"cleaning removed all text of {len(emptied)} documents: {', '.join(map(repr, emptied[:10]))}; "
            "check the audit or set clean_keep_all for them",
            CleaningWarning,
            stacklevel=2,
        )
    out = docs.copy()
    out["raw_text"] = docs["text"]
    out["text"] = cleaned
    out["n_words_raw"] = docs["text"].map(count_words).astype("int64")
    out["n_words_clean"] = out["text"].map(count_words).astype("int64")
    audit = (
        pd.DataFrame(audit_rows, columns=AUDIT_COLUMNS)
        .astype({"line_start": "int64", "line_end": "int64"})
        .sort_values(["doc_id", "line_start"], kind="stable")  # documents keep their corpus order
        .reset_index(drop=True)
    )
    params = {
        "rules": list(active),
        "disabled": list(disable),
        "overrides_from_metadata": overrides_from_metadata,
        "kept_whole": [str(d) for d in kept_whole],
        "n_removals": len(audit),
    }
    new_corpus = replace(corpus, docs=out, params={**corpus.params, "clean": params})
    return CleanResult(corpus=new_corpus, audit=audit, params=params)


def audit_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Summarise an audit table per rule.

    Parameters
    ----------
    audit
        ``CleanResult.audit``.

    Returns
    -------
    pandas.DataFrame
        ``rule, n_removals, n_lines, n_words``, one row per rule that removed something,
        most words first.

    Examples
    --------
    >>> audit = pd.DataFrame({"doc_id": ["a", "a"], "line_start": [1, 5], "line_end": [1, 7],
    ...                       "rule": ["navigation", "teaser_block"], "text": ["Logo", "x y\\n\\nz"]})
    >>> audit_summary(audit).to_dict("records")[0]
    {'rule': 'teaser_block', 'n_removals': 1, 'n_lines': 3, 'n_words': 3}
    """
    table = audit.assign(
        n_lines=audit["line_end"] - audit["line_start"] + 1, n_words=audit["text"].map(count_words)
    )
    summary = (
        table.groupby("rule", sort=False)
        .agg(n_removals=("rule", "size"), n_lines=("n_lines", "sum"), n_words=("n_words", "sum"))
        .reset_index()
        .sort_values(["n_words", "rule"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return summary.astype({"n_removals": "int64", "n_lines": "int64", "n_words": "int64"})
