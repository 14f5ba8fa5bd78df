"""Pure ``str -> str`` normalisers and the word-level rules (numbers, plurals).

Everything here is a top-level function or constant so that it pickles for process pools.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "normalize_text",
    "classify_amount",
    "MONEY_PATTERN",
    "PERCENT_PATTERN",
    "number_rule",
    "singularize",
    "MONEY_TOKEN",
    "PERCENT_TOKEN",
]

MONEY_TOKEN = "money_amount"
PERCENT_TOKEN = "percent"

# Characters NFKC leaves alone that still vary between sources.
_TRANSLATION = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark / apostrophe
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent used as apostrophe
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2212": "-",  # minus sign
        "\u2013": " - ",  # en dash (ranges, asides)
        "\u2014": " - ",  # em dash
        "\u2015": " - ",  # horizontal bar
        "\u00a0": " ",  # no-break space (NFKC does this too; kept for the fast path)
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",  # figure space
        "\u200b": None,  # zero-width space
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u2060": None,  # word joiner
        "\ufeff": None,  # byte-order mark
        "\u00ad": None,  # soft hyphen
    }
)


_REPLACEMENTS = tuple(
    (chr(code), "" if value is None else value) for code, value in _TRANSLATION.items()
)


def normalize_text(text: str) -> str:
    r"""Normalise Unicode so that the same word is always spelled with the same characters.

    NFKC (ligatures, full-width forms, most unusual spaces), then curly quotes and primes to
    straight quotes, hyphen variants to ``-``, en/em dashes to a spaced ``" - "``, and
    zero-width characters and soft hyphens removed.  ASCII text is returned unchanged at once.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The normalised text (same line structure).

    Examples
    --------
    >>> normalize_text("The council\u2019s \u201cwell\u2011known\u201d\u00a0plan\u2014now")
    'The council\'s "well-known" plan - now'
    """
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for char, replacement in _REPLACEMENTS:  # str.replace per rare char beats str.translate
        if char in text:
            text = text.replace(char, replacement)
    return text


_SCALE = r"(?:[Tt]rillion|[Bb]illion|[Mm]illion|[Tt]housand|bn|mn|tn|[kKmMbBtT])"
_CURRENCY_SYMBOL = r"(?:US\$|S\$|A\$|C\$|HK\$|RM|USD|EUR|GBP|CNY|RMB|MYR|[$€£¥₹])"
_CURRENCY_WORD = r"(?i:dollars?|euros?|pounds|yuan|renminbi|ringgit|yen|rupees?)"
_NUM = r"\d+(?:[.,]\d+)*"
#: Money: currency symbol/code + number + optional scale ("$200 billion", "$51M", "RM 10 million"),
#: or number + optional scale + currency word ("180 billion yuan").
MONEY_PATTERN = (
    rf"{_CURRENCY_SYMBOL}\s?{_NUM}(?:\s?{_SCALE}(?![^\W_]))?"
    rf"|{_NUM}(?:\s?{_SCALE})?\s{_CURRENCY_WORD}(?![^\W_])"
)
#: Percentages: "13%", "6.5 %", "20 percent", "20 per cent".
PERCENT_PATTERN = rf"{_NUM}\s?(?:%|(?i:per\s?cent)(?![^\W_]))"
_MONEY_FULL = re.compile(MONEY_PATTERN)
_PERCENT_FULL = re.compile(PERCENT_PATTERN)


def classify_amount(text: str) -> str | None:
    """``"money_amount"`` or ``"percent"`` if ``text`` is exactly a money amount or percentage.

    Examples
    --------
    >>> [classify_amount(t) for t in ["$200 billion", "180 billion yuan", "6.5%", "2025"]]
    ['money_amount', 'money_amount', 'percent', None]
    """
    if _MONEY_FULL.fullmatch(text):
        return MONEY_TOKEN
    if _PERCENT_FULL.fullmatch(text):
        return PERCENT_TOKEN
    return None


_BARE_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def number_rule(word: str, mode: str) -> str | None:
    """Apply the number rule to one lower-cased word that starts with a digit.

    ``"bucket"`` (default): years 1800-2099 are kept as tokens (``"2025"``), other bare numbers
    are dropped.  ``"drop"``: all bare numbers are dropped.  ``"keep"``: bare numbers are kept
    with thousands separators removed (``"30,000"`` -> ``"30000"``).  Words that mix digits
    and letters (``"5g"``, ``"910b"``, ``"h20"``) are names, kept in every mode.

    Returns
    -------
    str or None
        The token, or ``None`` to drop the word.

    Examples
    --------
    >>> [number_rule(w, "bucket") for w in ["2025", "30,000", "5g"]]
    ['2025', None, '5g']
    """
    if not _BARE_NUMBER_RE.fullmatch(word):
        return word
    if mode == "keep":
        return word.replace(",", "")
    if mode == "bucket" and len(word) == 4 and word.isdigit() and 1800 <= int(word) <= 2099:
        return word
    return None


# Plural folding ------------------------------------------------------------------------------
_KEEP_AS_IS = frozenset(
    """news series species means always perhaps towards afterwards whereas sometimes
    various numerous previous famous serious obvious thus plus bonus status campus census
    virus corpus focus consensus nexus radius analysis basis crisis thesis emphasis synthesis
    diagnosis hypothesis chassis axis canvas atlas alias bias gas texas kansas arkansas
    lens yes ups aids mathematics physics economics politics ethics statistics logistics
    analytics electronics robotics""".split()
)
_IES_KEEP = frozenset(
    "movies cookies pies ties lies dies calories zombies rookies selfies brownies".split()
)
_CHES_KEEP = frozenset("caches niches headaches moustaches avalanches".split())


def singularize(word: str) -> str:
    """Fold an English plural noun to its singular with a few conservative rules.

    A light, readable alternative to Snowball stemming: only plural ``-s`` endings change
    (``companies`` -> ``company``, ``centers`` -> ``center``, ``approaches`` -> ``approach``);
    ``-ss``, ``-us``, ``-is``, ``-ics`` words and a short exception list are left alone, and so
    is every other word (``computing`` stays ``computing``).

    Examples
    --------
    >>> [singularize(w) for w in ["companies", "centers", "approaches", "business", "news"]]
    ['company', 'center', 'approach', 'business', 'news']
    """
    n = len(word)
    if n <= 3 or word[-1] != "s" or word in _KEEP_AS_IS:
        return word
    if word.endswith(("ss", "us", "is", "ics", "'s")):
        return word
    if word.endswith("ies"):
        if n > 4 and word not in _IES_KEEP:
            return word[:-3] + "y"
        return word[:-1]
    if word.endswith(("sses", "xes", "shes")) or (word.endswith("ches") and word not in _CHES_KEEP):
        return word[:-2]
    return word[:-1]
