"""The compiled per-text tokenising pipeline behind :func:`textlab.preprocessing.tokens.tokenize_text`.

A :class:`Pipeline` is built once per :class:`~textlab.preprocessing.tokens.TokenizerOptions` (cached per
process), so calling ``tokenize_text(text, options)`` from worker processes costs one build per
worker and gives exactly the single-process result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

from textlab._errors import InputFileError
from textlab.preprocessing._text.aliases import AliasTable, load_alias_table
from textlab.preprocessing._text.normalize import (
    MONEY_PATTERN,
    MONEY_TOKEN,
    PERCENT_PATTERN,
    PERCENT_TOKEN,
    classify_amount,
    normalize_text,
    number_rule,
    singularize,
)

__all__ = ["Pipeline", "get_pipeline", "read_word_list", "DEFAULT_STOPWORDS_PATH"]

_RESOURCES = resources.files("textlab") / "resources"
DEFAULT_STOPWORDS_PATH = Path(str(_RESOURCES / "stopwords.txt"))
DEFAULT_PHRASES_PATH = Path(str(_RESOURCES / "phrases.txt"))

#: Words: numbers with separators ("30,000", "2.0"), else letter/digit runs joined by an
#: apostrophe or underscore ("council's", "united_states").  Hyphens and other marks split words.
WORD_PATTERN = r"\d+(?:[.,]\d+)+|[^\W_]+(?:['_][^\W_]+)*"


def read_word_list(source: object, default: Path, what: str) -> tuple[str, ...]:
    """Read a one-entry-per-line list (``#`` comments) from ``"default"``, a path or an iterable."""
    if source is None:
        return ()
    if isinstance(source, str) and source == "default":
        source = default
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputFileError(path, f"{what} list not found (expected a text file, one per line)")
        lines = path.read_text(encoding="utf-8").splitlines()
    else:
        lines = list(source)
    entries = []
    for line in lines:
        line = normalize_text(str(line).split("#", 1)[0]).strip()
        if line:
            entries.append(line)
    return tuple(entries)


_ALL_CHARACTERS = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x30000)))


def _start_class(exact: Iterable[str], lower: Iterable[str]) -> str:
    """Regex character-class body of every character that can start a variant.

    Exact variants start with their own first character; lower-case variants are matched
    case-insensitively, so every character that ``re.IGNORECASE`` equates with their first
    character (e.g. ``S`` and ``ſ`` for ``s``) is included, found by the regex engine itself.
    """
    chars = {v[:1] for v in exact if v}
    firsts = sorted({v[:1] for v in lower if v})
    if firsts:
        folded = re.compile("[" + "".join(re.escape(c) for c in firsts) + "]", re.IGNORECASE)
        chars.update(folded.findall(_ALL_CHARACTERS))
    return "".join(re.escape(c) for c in sorted(chars))


class _WordCache(dict):
    """``word -> token`` memo; a miss runs the word rule once (``""`` means drop)."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, word: str) -> str:
        token = self.rule(word)
        self[word] = token
        return token


class Pipeline:
    """Compiled aliases, stopwords, number rule, stemmer and user phrases for one option set."""

    def __init__(self, options) -> None:
        table = load_alias_table(options.aliases)
        if options.extra_aliases:
            table = table.merged(load_alias_table(options.extra_aliases))
        self.alias_table: AliasTable = table
        alias_pattern, self._exact, self._lower = table.compile()
        # One regex, one pass: alias variants | money | percentages | words.  Each distinct
        # match is turned into a token once (memoised in self.cache).
        branches = []
        if alias_pattern:
            # the guard skips the trie unless the next character can start a variant: one
            # character class (much faster than trying the trie at every word)
            branches.append(f"(?=[{_start_class(self._exact, self._lower)}])" + alias_pattern)
        if options.numbers != "keep":
            branches.append(f"(?=[\\d$€£¥₹A-Z])(?:{MONEY_PATTERN}|{PERCENT_PATTERN})")
        self.regex = re.compile("|".join(branches + [WORD_PATTERN]))
        words = read_word_list(options.stopwords, DEFAULT_STOPWORDS_PATH, "stopword")
        self.stopwords = frozenset(w.lower() for w in words + tuple(options.extra_stopwords))
        self.numbers = options.numbers
        self.min_length = options.min_token_length
        self.display: dict[str, str] = dict(table.display)
        if options.numbers == "bucket":
            self.display.update({MONEY_TOKEN: "money amount", PERCENT_TOKEN: "percent"})
        self.protected = frozenset(self.display)
        if options.stem == "snowball":
            stemmer = SnowballStemmer("english")
            self._stem: Callable[[str], str] = stemmer.stem
        elif options.stem == "plural":
            self._stem = singularize
        else:
            self._stem = str
        self.cache = _WordCache(self._rule)
        # user phrases: token sequences to join, longest first
        self.user_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        phrases = read_word_list(options.user_phrases, DEFAULT_PHRASES_PATH, "phrase")
        for phrase in phrases:
            seq = tuple(self.tokens(phrase))
            if len(seq) < 2:
                continue
            joined = "_".join(seq)
            self.display.setdefault(joined, " ".join(phrase.split()))
            self.user_phrases.setdefault(seq[0], []).append((seq, joined))
        for candidates in self.user_phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self._first_pairs = frozenset(
            seq[:2] for candidates in self.user_phrases.values() for seq, _ in candidates
        )

    # -- per-word rule ----------------------------------------------------------------------
    def _rule(self, match: str) -> str:
        """One matched string -> token ("" = drop).  Runs once per distinct string."""
        plain = match.isalnum()
        key = match if plain else " ".join(match.split())
        canonical = self._exact.get(key) or self._lower.get(key.lower())
        if canonical:
            return canonical
        if not plain and self.numbers != "keep":
            amount = classify_amount(key)
            if amount:
                return amount if self.numbers == "bucket" else ""
        low = match.lower()
        if "_" in low and low in self.protected:  # a canonical token already in the text
            return low
        if "'" in low:
            if low in self.stopwords:
                return ""
            if low.endswith("'s"):
                low = low[:-2]
            low = low.replace("'", "")
            if low in self.protected:
                return low
        if low in self.stopwords or not low:
            return ""
        if low[0].isdigit():
            return number_rule(low, self.numbers) or ""
        if len(low) < self.min_length:
            return ""
        return self._stem(low)

    # -- per-text steps ---------------------------------------------------------------------
    def words(self, text: str) -> list[str]:
        """Matched strings of the normalised text, in order (words, alias variants, amounts)."""
        return self.regex.findall(normalize_text(text))

    def join_user_phrases(self, tokens: list[str]) -> list[str]:
        """Join user-listed phrases (left to right, longest match first)."""
        first_pairs = self._first_pairs
        if not first_pairs:
            return tokens
        hits = [i for i, pair in enumerate(zip(tokens, tokens[1:])) if pair in first_pairs]
        if not hits:
            return tokens
        out: list[str] = []
        pos = 0
        for i in hits:
            if i < pos:
                continue
            for seq, joined in self.user_phrases[tokens[i]]:
                if tuple(tokens[i : i + len(seq)]) == seq:
                    out.extend(tokens[pos:i])
                    out.append(joined)
                    pos = i + len(seq)
                    break
        out.extend(tokens[pos:])
        return out

    def tokens(self, text: str, words: Iterable[str] | None = None) -> list[str]:
        """Tokens of one text before user phrases."""
        if words is None:
            words = self.words(text)
        return [t for t in map(self.cache.__getitem__, words) if t]

    def __call__(self, text: str) -> list[str]:
        return self.join_user_phrases(self.tokens(text))


_last: list = [None, None]  # (options object, pipeline): skips hashing options on every call


def get_pipeline(options) -> Pipeline:
    """The compiled pipeline for ``options`` (built once per process and option set)."""
    if options is _last[0]:
        return _last[1]
    pipeline = _build(options)
    _last[:] = [options, pipeline]
    return pipeline


@lru_cache(maxsize=16)
def _build(options) -> Pipeline:
    return Pipeline(options)
