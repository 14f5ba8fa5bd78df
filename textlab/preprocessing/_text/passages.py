"""Split one document's text into passages (paragraph blocks packed to a word budget)."""

from __future__ import annotations

import math
import re

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

__all__ = ["split_sentences", "document_passages", "ABBREVIATIONS"]

#: Abbreviations after which a period does not end a sentence (lower case, no final period).
ABBREVIATIONS = frozenset(
    """u.s u.k u.n u.s.a e.u e.g i.e etc vs cf al co corp inc ltd llc plc bhd mr mrs ms dr prof
    sr jr st mt no nos fig figs vol pp ed eds gov gen sen rep dept est approx min max jan feb mar
    apr jun jul aug sep sept oct nov dec a.m p.m ph.d b.a m.a m.s""".split()
)

_params = PunktParameters()
_params.abbrev_types = set(ABBREVIATIONS)
_SENTENCES = PunktSentenceTokenizer(_params)  # untrained: needs no nltk_data


def split_sentences(text: str) -> list[str]:
    """Split text into sentences offline (NLTK Punkt with an abbreviation list, no training).

    Periods after listed abbreviations (``U.S.``, ``Co.``, ``e.g.``), in decimals (``2.0``)
    and after initials (``J. R. Smith``) do not end a sentence.

    Examples
    --------
    >>> split_sentences("Acme Holdings Co. uses U.S. chips. Version 2.0 is out.")
    ['Acme Holdings Co. uses U.S. chips.', 'Version 2.0 is out.']
    """
    if len(text) <= _MAX_PIECE:
        return _SENTENCES.tokenize(text)
    sentences: list[str] = []
    start, n = 0, len(text)
    while n - start > _MAX_PIECE:  # a very long line: Punkt on windows, cut where Punkt ends a sentence
        window = text[start:start + _MAX_PIECE]
        spans = list(_SENTENCES.span_tokenize(window))
        if len(spans) > 1:  # keep every sentence but the last (it may run on past the window)
            sentences.extend(window[a:b] for a, b in spans[:-1])
            start += spans[-1][0]
            continue
        cut = window.rfind(" ", _MAX_PIECE // 2)  # no sentence end: cut at a space (a word only if none)
        cut = _MAX_PIECE if cut <= 0 else cut
        sentences.extend(_SENTENCES.tokenize(window[:cut]))
        start += cut
    return sentences + _SENTENCES.tokenize(text[start:])


#: Longest text handed to Punkt at once: NLTK >= 3.9 stops its sentence regex after 5 s, which a
#: single line of several megabytes (a document without line breaks) reaches.
_MAX_PIECE = 50_000


_BULLET_RE = re.compile(r"^(?:[•●▪◦‣·∙○■□➢►✓✔*]|[-–](?=\s))\s*")
_CLOSERS = "\"')]}\u201d\u2019\u00bb*"
_SENTENCE_END = frozenset(".!?…;,")


def _kind(line: str, heading_max_words: int) -> str:
    """Classify a stripped line: blank, bullet, leadin (ends with ':'), heading or text."""
    if not line:
        return "blank"
    if _BULLET_RE.match(line):
        return "bullet"
    tail = line.rstrip(_CLOSERS)
    last = tail[-1:] if tail else ""
    if last == ":":
        return "leadin"
    if last not in _SENTENCE_END and len(line.split()) <= heading_max_words:
        return "heading"
    return "text"


def _ends_like_sentence(line: str) -> bool:
    tail = line.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _SENTENCE_END


def _blocks(lines: list[str], heading_max_words: int, item_max_words: int) -> list[tuple]:
    """Group lines into blocks ``(headings, units, is_list)``."""
    kinds = [_kind(line, heading_max_words) for line in lines]
    n = len(lines)
    blocks: list[tuple[list[str], list[str], bool]] = []
    headings: list[str] = []
    i = 0
    while i < n:
        kind = kinds[i]
        if kind == "blank":
            i += 1
            continue
        if kind == "heading":
            headings.append(lines[i])
            i += 1
            continue
        units = [lines[i]]
        is_list = kind in ("bullet", "leadin")
        i += 1
        if kind in ("bullet", "leadin"):
            j = i
            while j < n and kinds[j] == "blank":
                j += 1
            if j < n and kinds[j] == "bullet":  # marked items, blank lines allowed between
                while j < n and kinds[j] in ("bullet", "blank"):
                    if kinds[j] == "bullet":
                        units.append(lines[j])
                        i = j + 1
                    j += 1
            elif kind == "leadin" and j < n:  # unmarked run of short lines of one shape
                shape = _ends_like_sentence(lines[j])
                while (
                    j < n
                    and kinds[j] in ("text", "heading", "leadin")
                    and len(lines[j].split()) <= item_max_words
                    and _ends_like_sentence(lines[j]) == shape
                    and len(split_sentences(lines[j])) == 1
                ):
                    units.append(lines[j])
                    j += 1
                    i = j
                    if j < n and kinds[j] == "blank":
                        break
            is_list = len(units) > 1
        blocks.append((headings, units, is_list))
        headings = []
    if headings:
        blocks.append((headings, [], False))
    return blocks


def _pack(units: list[str], counts: list[int], first_extra: int, max_words: int) -> list[list[int]]:
    """Pack consecutive units into chunks of at most ``max_words`` words, evenly sized."""
    total = first_extra + sum(counts)
    n_chunks = max(1, math.ceil(total / max_words))
    target = total / n_chunks
    chunks: list[list[int]] = [[]]
    current = first_extra
    for k, w in enumerate(counts):
        if (chunks[-1] and (current + w > max_words or abs(current - target) <= abs(current + w - target))) or (
            not chunks[-1] and current and current + w > max_words  # the heading alone, then the body
        ):
            chunks.append([])
            current = 0
        chunks[-1].append(k)
        current += w
    return chunks


def _split_long(block_units: list[str], is_list: bool, max_words: int) -> tuple[list[str], str]:
    """Break units into pieces no longer than max_words: sentences, then word windows."""
    pieces: list[str] = []
    for unit in block_units:
        if len(unit.split()) <= max_words:
            pieces.append(unit)
            continue
        for sentence in split_sentences(unit):
            words = sentence.split()
            for start in range(0, len(words), max_words):
                pieces.append(" ".join(words[start : start + max_words]))
    return pieces, "\n" if is_list else " "


def _merge_tiny(texts: list[str], counts: list[int], min_words: int) -> tuple[list, list]:
    """Merge passages under ``min_words`` into the shorter neighbour (the next one on ties)."""
    i = 0
    while len(texts) > 1 and i < len(texts):
        if counts[i] >= min_words:
            i += 1
            continue
        prev_n = counts[i - 1] if i > 0 else math.inf
        next_n = counts[i + 1] if i + 1 < len(texts) else math.inf
        j = i + 1 if next_n <= prev_n else i - 1
        a, b = min(i, j), max(i, j)
        texts[a : b + 1] = [texts[a] + "\n" + texts[b]]
        counts[a : b + 1] = [counts[a] + counts[b]]
        i = a
    return texts, counts


def document_passages(
    text: str,
    *,
    max_words: int = 120,
    min_words: int = 12,
    heading_max_words: int = 16,
    item_max_words: int = 30,
) -> list[str]:
    """Split one cleaned document into passage texts.

    Paragraphs are lines (blank lines optional).  A heading (a short line without final
    punctuation) is joined to the block that follows it; a lead-in line ending with ``:`` is
    joined to the list after it (lines starting with a bullet marker, or a run of short lines
    of one shape); a block longer than ``max_words`` is cut at sentence boundaries (list blocks
    between items) into near-equal chunks; passages under ``min_words`` are merged into the
    shorter neighbour, so a passage can exceed ``max_words`` by at most ``min_words - 1``.
    Consecutive short lines without final punctuation holding more than ``max_words // 2``
    words (exports lower-cased with full stops removed) are text lines, not headings, so they
    are packed to ``max_words`` like any paragraph.

    Examples
    --------
    >>> document_passages("Key facts\\nThe deal was signed in May by both sides.", min_words=3)
    ['Key facts\\nThe deal was signed in May by both sides.']
    """
    lines = [line.strip() for line in text.splitlines()]
    texts: list[str] = []
    counts: list[int] = []
    for headings, units, is_list in _blocks(lines, heading_max_words, item_max_words):
        head = "\n".join(headings)
        head_n = len(head.split())
        if head_n > max_words // 2:  # a run of unpunctuated lines (lower-cased exports) is text, not headings
            units, is_list, head, head_n = [*headings, *units], False, "", 0
        unit_n = [len(u.split()) for u in units]
        if head_n + sum(unit_n) <= max_words:
            pieces, sep, chunks = units, ("\n" if is_list else " "), [list(range(len(units)))]
        else:
            pieces, sep = _split_long(units, is_list, max_words)
            unit_n = [len(p.split()) for p in pieces]
            chunks = _pack(pieces, unit_n, head_n, max_words)
        for c, chunk in enumerate(chunks):
            body = sep.join(pieces[k] for k in chunk)
            passage = "\n".join(filter(None, [head if c == 0 else "", body]))
            if passage:
                texts.append(passage)
                counts.append(len(passage.split()))
    texts, counts = _merge_tiny(texts, counts, min_words)
    return texts
