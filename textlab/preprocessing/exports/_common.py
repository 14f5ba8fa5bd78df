"""Pieces every export reader shares: dates, word counts, labelled fields, records and the table."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

__all__ = ["COLUMNS", "parse_date", "parse_length", "is_date_line", "body_text", "record", "records_frame"]

#: Columns of :func:`read_export`'s table, in order (the first nine are always there).
COLUMNS = ["doc_id", "text", "outlet", "date", "title", "byline", "section", "length", "file",
           "language", "source_id", "format"]

MONTHS = {name: i + 1 for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")]) for name in names}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tue", "wed", "thu", "fri", "sat", "sun"}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATES = [
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"),   # January 15, 2014 / Jan 15 2014
    re.compile(r"(?P<day>\d{1,2})\.?\s+" + _MONTH + r",?\s+(?P<year>\d{4})"),  # 15 January 2014
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),     # 2014-01-15
]
_TIME = re.compile(r"^\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:gmt|bst|utc|et|est|edt|cet|cest))?$",
                   re.I)
_WORDS = re.compile(r"(\d[\d,.]*)\s+words?\b", re.I)
_BLANK_RUNS = re.compile(r"\n{3,}")


def _match_date(text: str) -> tuple[re.Match[str], str] | None:
    for pattern in _DATES:
        for m in pattern.finditer(text):
            month = m.group("month")
            number = int(month) if month.isdigit() else MONTHS.get(month.lower())
            day, year = int(m.group("day")), int(m.group("year"))
            if number and 1 <= number <= 12 and 1 <= day <= 31 and 1000 <= year <= 2999:
                return m, f"{year:04d}-{number:02d}-{day:02d}"
    return None


def parse_date(text: object) -> str | None:
    """ISO date (``YYYY-MM-DD``) of the first English date in ``text``, or ``None``.

    Examples
    --------
    >>> parse_date("January 15, 2014 Wednesday"), parse_date("15 Jan. 2014"), parse_date("no date")
    ('2014-01-15', '2014-01-15', None)
    """
    if not isinstance(text, str):
        return None
    found = _match_date(text)
    return found[1] if found else None


def is_date_line(line: str) -> bool:
    """Whether ``line`` is a date alone (with at most a weekday, a time or an edition word).

    Examples
    --------
    >>> is_date_line("January 15, 2014 Wednesday 10:30 AM GMT"), is_date_line("Sales fell on 15 May 2014.")
    (True, False)
    """
    found = _match_date(line)
    if not found:
        return False
    rest = (line[: found[0].start()] + " " + line[found[0].end():]).replace(",", " ").split()
    rest = [w for w in rest if w.lower().strip(".") not in WEEKDAYS]
    return not rest or _TIME.match(" ".join(rest)) is not None or rest in (["am"], ["pm"])


def is_time_line(line: str) -> bool:
    """Whether ``line`` is a time of day alone (``10:30``, ``10:30 GMT``)."""
    return _TIME.match(line.strip()) is not None


def parse_length(text: object) -> int | None:
    """Word count from a length field (``"812 words"``, ``"1,204 words"``), or ``None``.

    Examples
    --------
    >>> parse_length("LENGTH: 1,204 words"), parse_length("n/a")
    (1204, None)
    """
    if not isinstance(text, str):
        return None
    m = _WORDS.search(text)
    return int(re.sub(r"[,.]", "", m.group(1))) if m else None


def body_text(lines: Sequence[str]) -> str:
    """Body lines as text: right-stripped, blank-line runs collapsed, no blank lines at the ends."""
    text = "\n".join(line.strip() for line in lines)
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def clean_value(value: object) -> str | None:
    """A field value with whitespace collapsed, or ``None`` when empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def record(*, body: Sequence[str], title=None, outlet=None, date=None, byline=None, section=None,
           length=None, language=None, source_id=None) -> dict:
    """One article as a dict of :data:`COLUMNS` (without ``doc_id``, ``file`` and ``format``)."""
    raw_date = clean_value(date)
    return {
        "text": body_text(body),
        "outlet": clean_value(outlet),
        "date": parse_date(raw_date) or raw_date,
        "title": clean_value(title),
        "byline": clean_value(byline),
        "section": clean_value(section),
        "length": parse_length(length) if isinstance(length, str) else length,
        "language": clean_value(language),
        "source_id": clean_value(source_id),
    }


def records_frame(records: list[dict], *, file: str, fmt: str, stem: str) -> pd.DataFrame:
    """The table of one file's articles, ids ``<stem>-0001`` ... in file order."""
    rows = [{"doc_id": f"{stem}-{i:04d}", **rec, "file": file, "format": fmt} for i, rec in enumerate(records, 1)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["length"] = frame["length"].astype("Int64")
    return frame
