"""Passages and tokens: from cleaned documents to a :class:`TokenizedCorpus`.

Pipeline per text (each step is a picklable top-level function or object, so other code can run
it in a process pool and get the single-process result):

1. :func:`normalize_text` - NFKC, curly quotes -> straight, dashes, non-breaking/zero-width spaces;
2. one compiled regex, one ``findall`` pass, matches alias variants (``U.S.``, ``Amazon Web
   Services``), money amounts, percentages and words; hyphens split words;
3. each distinct match becomes a token once (memoised): alias -> canonical token, amount ->
   ``money_amount`` / ``percent``, else lower-case, possessive ``'s`` removed, stopwords,
   number rule, minimum length, plural folding or Snowball stem;
4. user phrases joined, then two-word phrases learned on the corpus (gensim ``Phrases``, npmi)
   and joined with ``_``.

No step needs ``nltk_data``: sentences come from an untrained Punkt tokenizer with an
abbreviation list, stems from NLTK's Snowball stemmer or a plural-folding rule, stopwords from
``textlab/resources/stopwords.txt``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from textlab._errors import TextlabError, bad_value
from textlab._io import sha256_file
from textlab.preprocessing._text.aliases import DEFAULT_ALIASES_PATH
from textlab.preprocessing._text.normalize import normalize_text
from textlab.preprocessing._text.passages import split_sentences
from textlab.preprocessing._text.phrases import LINE_BREAK, PHRASE_DELIMITER, apply_phrases, learn_phrases
from textlab.preprocessing._text.pipeline import DEFAULT_PHRASES_PATH, DEFAULT_STOPWORDS_PATH, get_pipeline
from textlab.preprocessing.passages import TEXT_COLUMNS, split_passages  # noqa: F401 (public here too)
from textlab.preprocessing.read import Corpus

__all__ = [
    "TokenizedCorpus",
    "TokenizerOptions",
    "split_passages",
    "split_sentences",
    "normalize_text",
    "tokenize_text",
    "learn_phrases",
    "apply_phrases",
    "tokenize",
    "tokenize_texts",
    "learn_corpus_phrases",
    "surface_forms",
    "tokens_params",
    "preprocess",
]



@dataclass(frozen=True)
class TokenizedCorpus:
    """Passages with their tokens.

    Attributes
    ----------
    passages
        One row per passage: ``passage_id``, ``doc_id``, ``position``, ``text``,
        ``n_words`` and the document's metadata columns.
    tokens
        One token list per passage, in the row order of ``passages``.
    surface_forms
        Token -> most frequent readable surface form, for figures.
    params
        The options that produced the tokens.
    """

    passages: pd.DataFrame
    tokens: list[list[str]]
    surface_forms: dict[str, str] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tokens)


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------
_CHOICES = {
    "stem": ("plural", "snowball", "none"),
    "numbers": ("bucket", "drop", "keep"),
    "phrase_scoring": ("npmi", "default"),
}


def _freeze(value: object) -> object:
    """Make option values hashable: mappings -> sorted pairs, lists/sets -> tuples, Path -> str."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value


@dataclass(frozen=True)
class TokenizerOptions:
    """How text becomes tokens.  Every field is recorded in ``TokenizedCorpus.params``.

    Parameters
    ----------
    aliases
        Alias table: ``"default"`` (the shipped generic ``resources/aliases.toml``: United
        States, United Kingdom, EU, UN, UAE), a TOML path, a mapping ``{canonical: [variants]}``, or ``None``.  Variants with
        an upper-case letter match exactly (``"US"`` never matches the pronoun "us");
        lower-case variants match any case.  Applied before lower-casing and stopwords.
    extra_aliases
        Mapping or TOML path merged over ``aliases`` (to extend the default table).
    stopwords
        ``"default"`` (NLTK's English list + news-writing additions, ``resources/stopwords.txt``),
        a path to a one-word-per-line file, an iterable of words, or ``None``.
    extra_stopwords
        Words added to ``stopwords``.
    stem
        ``"plural"`` (default: fold plural nouns, ``centers`` -> ``center``, words stay
        readable), ``"snowball"`` (NLTK Snowball English stems, ``computing`` -> ``comput``)
        or ``"none"``.  ``surface_forms`` maps each token back to its most frequent word.
    numbers
        ``"bucket"`` (default): money amounts (``$200 billion``, ``$51M``, ``180 billion
        yuan``) -> ``money_amount``, percentages -> ``percent``, years 1800-2099 kept,
        other bare numbers dropped.  ``"drop"``: money, percentages and all bare numbers
        dropped.  ``"keep"``: bare numbers kept without thousands separators.  In every mode
        words mixing digits and letters (``5G``, ``910B``, ``H20``) are kept as words.
    min_token_length
        Shorter words are dropped (alias and bucket tokens are exempt).  Words are runs of
        letters and digits; hyphens split them (``AI-driven`` -> ``ai``, ``driven``), a
        possessive ``'s`` is removed, other apostrophes are dropped (``don't`` is a stopword).
    phrases
        Learn two-word phrases on the corpus with gensim ``Phrases`` and join them with ``_``.
    phrase_min_count, phrase_threshold, phrase_scoring
        Passed to ``Phrases`` (``min_count``, ``threshold``, ``scoring``).  The defaults
        (3, 0.5, ``"npmi"``) find ``data_center``, ``export_control`` and
        ``cloud_computing`` in five news articles; npmi is in [-1, 1] and does not depend on
        corpus size, so the threshold carries over to large corpora (raise ``phrase_min_count``
        there).
    user_phrases
        ``"default"`` (``resources/phrases.txt``), a path, an iterable of phrases, or ``None``.
        Listed phrases are always joined, before phrase learning.

    Examples
    --------
    >>> TokenizerOptions(stem="none", phrases=False).stem
    'none'
    """

    aliases: object = "default"
    extra_aliases: object = ()
    stopwords: object = "default"
    extra_stopwords: tuple[str, ...] = ()
    stem: str = "plural"
    numbers: str = "bucket"
    min_token_length: int = 2
    phrases: bool = True
    phrase_min_count: int = 3
    phrase_threshold: float = 0.5
    phrase_scoring: str = "npmi"
    user_phrases: object = "default"

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise bad_value(name, getattr(self, name), " or ".join(map(repr, allowed)))
        if not isinstance(self.min_token_length, int) or self.min_token_length < 1:
            raise bad_value("min_token_length", self.min_token_length, "an integer >= 1")
        if not isinstance(self.phrase_min_count, int) or self.phrase_min_count < 1:
            raise bad_value("phrase_min_count", self.phrase_min_count, "an integer >= 1")
        if self.phrase_scoring == "npmi" and not -1 <= self.phrase_threshold <= 1:
            raise bad_value("phrase_threshold", self.phrase_threshold, "a number in [-1, 1] for npmi")
        if isinstance(self.extra_stopwords, str):
            raise bad_value("extra_stopwords", self.extra_stopwords, "a list of words, not a string")
        for name in ("aliases", "extra_aliases", "stopwords", "extra_stopwords", "user_phrases"):
            object.__setattr__(self, name, _freeze(getattr(self, name)))

    def to_params(self) -> dict:
        """JSON-friendly dict of the options (mappings as dicts, tuples as lists).

        Examples
        --------
        >>> TokenizerOptions(extra_aliases={"acme": ["ACME"]}).to_params()["extra_aliases"]
        {'acme': ['ACME']}
        """
        out = asdict(self)
        for name in ("aliases", "extra_aliases"):
            value = out[name]
            if isinstance(value, tuple):
                out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in value}
        for name in ("stopwords", "extra_stopwords", "user_phrases"):
            if isinstance(out[name], tuple):
                out[name] = list(out[name])
        return out


_DEFAULT_OPTIONS = TokenizerOptions()


def tokenize_text(text: str, options: TokenizerOptions | None = None) -> list[str]:
    """Tokens of one text, with aliases and user phrases but without learned phrases.

    Picklable and deterministic: the compiled pipeline is built once per process and option
    set, so a process pool gives exactly the single-process tokens.

    Examples
    --------
    >>> tokenize_text("U.S. supply chains worry us, said the UN.")
    ['united_states', 'supply_chain', 'worry', 'united_nations']
    """
    return get_pipeline(options if options is not None else _DEFAULT_OPTIONS)(text)


def tokenize_texts(texts: Iterable[str], options: TokenizerOptions) -> tuple[list[list[str]], Counter]:
    """Tokens of each text before learned phrases, and the count of every matched surface word.

    The per-chunk step of :func:`tokenize` and of the streamed path of
    :func:`textlab.preprocessing.pipeline.prepare_data` (run in worker processes there).
    With ``options.phrases`` each line is tokenised on its own and lines are separated by
    :data:`~textlab.preprocessing._text.phrases.LINE_BREAK`, so that no phrase (learned or
    given) joins words of two lines (a byline and the headline under it, a date and a source
    line); :func:`apply_phrases` drops the marks.

    Examples
    --------
    >>> tokens, words = tokenize_texts(["The EU opens new offices."], TokenizerOptions(phrases=False))
    >>> tokens, words["opens"]
    ([['european_union', 'open', 'new', 'office']], 1)
    """
    pipe = get_pipeline(options)
    counts: Counter = Counter()
    tokens: list[list[str]] = []
    for text in texts:
        text = text if isinstance(text, str) else ""
        if not (options.phrases and "\n" in text):
            words = pipe.words(text)
            counts.update(words)
            tokens.append(pipe.join_user_phrases(pipe.tokens("", words)))
            continue
        joined: list[str] = []
        for line in text.split("\n"):
            words = pipe.words(line)
            counts.update(words)
            line_tokens = pipe.join_user_phrases(pipe.tokens("", words))
            if line_tokens:
                joined.extend([LINE_BREAK, *line_tokens] if joined else line_tokens)
        tokens.append(joined)
    return tokens, counts


def learn_corpus_phrases(token_lists: Iterable[Sequence[str]], options: TokenizerOptions):
    """The phrase model of ``options`` learned on ``token_lists`` (read once), or ``None`` when phrases are off."""
    if not options.phrases:
        return None
    return learn_phrases(token_lists, min_count=options.phrase_min_count, threshold=options.phrase_threshold,
                         scoring=options.phrase_scoring)


def tokens_params(options: TokenizerOptions, frozen, n_passages: int, n_tokens: int) -> dict:
    """``TokenizedCorpus.params``: the options, the phrases found (with npmi scores), resource hashes, sizes."""
    params = options.to_params()
    params["phrases_found"] = {} if frozen is None else {
        p.replace(PHRASE_DELIMITER, "_"): round(float(v), 6) for p, v in sorted(frozen.phrasegrams.items())
    }
    if frozen is not None and getattr(frozen, "textlab_min_reduce", 0):
        params["phrase_counts_pruned_at"] = int(frozen.textlab_min_reduce)
    params["resources"] = _resource_hashes(options)
    params["n_passages"] = int(n_passages)
    params["n_tokens"] = int(n_tokens)
    return params


def surface_forms(counts: Counter, options: TokenizerOptions, vocabulary: Iterable[str]) -> dict[str, str]:
    """Most frequent surface word per token; display names for aliases; phrases from their parts."""
    pipe = get_pipeline(options)
    best: dict[str, tuple[int, str]] = {}
    for word, n in counts.items():
        token = pipe.cache[word]
        if token and (token not in best or n > best[token][0] or (n == best[token][0] and word < best[token][1])):
            best[token] = (n, word)
    forms = {token: word for token, (n, word) in best.items()}
    forms.update({k: v for k, v in pipe.display.items()})
    vocabulary = set(vocabulary)
    for token in sorted(vocabulary - forms.keys()):
        forms[token] = _phrase_form(token, forms)
    return {token: forms[token] for token in sorted(vocabulary)}


def _phrase_form(token: str, forms: dict[str, str]) -> str:
    parts = token.split("_")
    for cut in range(1, len(parts)):
        left, right = "_".join(parts[:cut]), "_".join(parts[cut:])
        if left in forms and right in forms:
            return f"{forms[left]} {forms[right]}"
    return token.replace("_", " ")


def tokenize(passages: pd.DataFrame, *, options: TokenizerOptions | None = None) -> TokenizedCorpus:
    """Tokenise passages: aliases, stopwords, numbers, stems, user and learned phrases.

    Parameters
    ----------
    passages
        Table with a ``text`` column (normally from :func:`split_passages`).
    options
        :class:`TokenizerOptions`; ``None`` uses the defaults.

    Returns
    -------
    TokenizedCorpus
        ``passages`` (a copy, same rows), ``tokens`` (one list per row), ``surface_forms``
        (token -> most frequent surface word; alias tokens -> display name, ``united_states`` -> "United States";
        phrases -> their parts, ``supply_chain`` -> "supply chain") and ``params``
        (the options, ``phrases_found`` {phrase: npmi score}, resource SHA-256 hashes,
        ``n_passages``, ``n_tokens``).

    Examples
    --------
    >>> table = pd.DataFrame({"text": ["The EU opens supply chain offices.", "US supply chains and rules."]})
    >>> tc = tokenize(table, options=TokenizerOptions(phrases=False))
    >>> tc.tokens
    [['european_union', 'open', 'supply_chain', 'office'], ['united_states', 'supply_chain', 'rule']]
    >>> tc.surface_forms["united_states"], tc.surface_forms["open"]
    ('United States', 'opens')
    """
    if options is None:
        options = TokenizerOptions()
    if not isinstance(options, TokenizerOptions):
        raise bad_value("options", options, "a TokenizerOptions or None")
    if not isinstance(passages, pd.DataFrame) or "text" not in passages.columns:
        raise TextlabError("passages is not allowed: expected a DataFrame with a 'text' column")
    tokens, counts = tokenize_texts(passages["text"], options)
    frozen = learn_corpus_phrases(tokens, options) if tokens else None
    if frozen is not None:
        tokens = apply_phrases(tokens, frozen)
    return TokenizedCorpus(
        passages=passages.reset_index(drop=True).copy(),
        tokens=tokens,
        surface_forms=surface_forms(counts, options, (t for doc in tokens for t in doc)),
        params=tokens_params(options, frozen, len(tokens), sum(map(len, tokens))),
    )


def _resource_hashes(options: TokenizerOptions) -> dict[str, str]:
    """SHA-256 of the resource files used (shipped defaults or user paths)."""
    out = {}
    for name, default in (
        ("aliases", DEFAULT_ALIASES_PATH),
        ("stopwords", DEFAULT_STOPWORDS_PATH),
        ("user_phrases", DEFAULT_PHRASES_PATH),
    ):
        value = getattr(options, name)
        path = default if value == "default" else Path(value) if isinstance(value, str) else None
        if path is not None and path.is_file():
            out[name] = sha256_file(path)
    return out


def preprocess(
    corpus: Corpus,
    *,
    max_words: int = 120,
    min_words: int = 12,
    options: TokenizerOptions | None = None,
) -> TokenizedCorpus:
    """Split documents into passages and tokenise them (:func:`split_passages` + :func:`tokenize`).

    Examples
    --------
    >>> docs = pd.DataFrame({"text": ["The council and a utility plan for climate change in York."]},
    ...                     index=pd.Index(["a"], name="doc_id"))
    >>> preprocess(Corpus(docs), min_words=2).tokens
    [['council', 'utility', 'plan', 'climate_change', 'york']]
    """
    passages = split_passages(corpus, max_words=max_words, min_words=min_words)
    tokenized = tokenize(passages, options=options)
    params = {"max_words": max_words, "min_words": min_words, **tokenized.params}
    return TokenizedCorpus(tokenized.passages, tokenized.tokens, tokenized.surface_forms, params)
