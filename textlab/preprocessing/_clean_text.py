"""The text being cleaned: its lines, which of them earlier rules kept, and the views the rules search.

:class:`_Text` holds one document's lines for the rules of :mod:`textlab.preprocessing._clean_rules`
(which re-exports it): the whole text, padded with newlines for line-anchored triggers, and its
ASCII fingerprint; :func:`_matching_lines` turns a pattern's matches into line numbers, so a rule
tests only the lines its trigger found.
"""

from __future__ import annotations

import re
from collections import Counter

_BLANK_RUNS = re.compile(r"\n{3,}")


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
