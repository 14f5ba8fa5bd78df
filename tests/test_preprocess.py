"""Tests for textlab.preprocessing.tokens: passages, offline tokens, aliases, numbers, stems, phrases."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from gensim.models.phrases import Phrases
from nltk.stem.snowball import SnowballStemmer

from textlab._errors import ConfigError, InputFileError
from textlab.preprocessing.read import Corpus
from textlab.preprocessing.tokens import (
    TokenizerOptions,
    apply_phrases,
    learn_phrases,
    normalize_text,
    preprocess,
    split_passages,
    split_sentences,
    tokenize,
    tokenize_text,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PLAIN = TokenizerOptions(phrases=False, user_phrases=None)
#: The seeds study's own alias table (cloud providers, Huawei products, places): not textlab's default.
STUDY = TokenizerOptions(phrases=False, user_phrases=None, aliases=SEEDS / "aliases.toml")


def corpus(*texts: str, **meta) -> Corpus:
    ids = [f"d{i}" for i in range(len(texts))]
    docs = pd.DataFrame({"text": list(texts), **meta}, index=pd.Index(ids, name="doc_id"))
    return Corpus(docs=docs)


@pytest.fixture(scope="module")
def seeds() -> Corpus:
    meta = pd.read_csv(SEEDS / "metadata.csv", dtype=str).set_index("doc_id")
    meta["text"] = [(SEEDS / f).read_text(encoding="utf-8") for f in meta["file"]]
    return Corpus(docs=meta)


@pytest.fixture(scope="module")
def seed_passages(seeds) -> pd.DataFrame:
    return split_passages(seeds)


# --- normalisation, aliases, stopwords --------------------------------------------------------
def test_normalize_quotes_dashes_spaces():
    text = "Huawei\u2019s \u201cfull\u2011stack\u201d\u00a0AI\u2014now\u200b \ufb01nal 2021\u20132025"
    assert normalize_text(text) == "Huawei's \"full-stack\" AI - now final 2021 - 2025"
    # curly and straight spellings give the same tokens
    assert tokenize_text("Huawei\u2019s cloud\u00a0push", PLAIN) == tokenize_text(
        "Huawei's cloud push", PLAIN
    )


def test_alias_us_is_not_the_pronoun():
    tokens = tokenize_text("The U.S. and the US told us; the United States and USA.", PLAIN)
    assert tokens == ["united_states"] * 4  # "told" and "us" are stopwords, "us" never aliased
    no_stop = TokenizerOptions(stopwords=None, stem="none", phrases=False, user_phrases=None)
    assert tokenize_text("Let us see US data.", no_stop) == ["let", "us", "see", "united_states", "data"]


def test_alias_variants_case_rules_and_hyphen():
    tokens = tokenize_text(
        "Amazon Web Services (AWS) and Data Centres; U.S.-China rivalry; SE Asia", STUDY
    )
    assert tokens == ["aws", "data_center", "united_states", "china", "rivalry", "southeast_asia"]
    # an exact (capitalised) variant does not match other casings
    assert tokenize_text("amazon web services", STUDY) == ["amazon", "web", "service"]
    assert tokenize_text("Ascend 910B chips and Pangu models", STUDY) == ["ascend", "chip", "pangu", "model"]
    # textlab's generic default knows none of the study's entities, only places and blocs
    assert tokenize_text("Amazon Web Services and Data Centres; U.S.-China; the UN and EU", PLAIN) == [
        "amazon", "web", "service", "data", "centre", "united_states", "china", "united_nations", "european_union"]


def test_name_with_bracketed_abbreviation_counts_once():
    text = "Amazon Web Services (AWS) and Artificial Intelligence (AI); later AWS and AI."
    assert tokenize_text(text, STUDY) == ["aws", "ai", "later", "aws", "ai"]


def test_custom_and_extended_alias_tables(tmp_path):
    own = TokenizerOptions(aliases={"acme": ["ACME Corp"]}, phrases=False, user_phrases=None)
    assert tokenize_text("ACME Corp and United States", own) == ["acme", "united", "state"]  # default not used
    extended = TokenizerOptions(extra_aliases={"acme": ["ACME Corp"]}, phrases=False, user_phrases=None)
    assert tokenize_text("ACME Corp and AWS", extended) == ["acme", "aws"]
    assert tokenize_text("United States", extended) == ["united_states"]
    toml = tmp_path / "a.toml"
    toml.write_text('[aliases]\nbig_tech = ["Big Tech", "big tech firms"]\n[display]\nbig_tech = "Big Tech"\n')
    tc = tokenize(pd.DataFrame({"text": ["Big tech firms and Big Tech."]}),
                  options=TokenizerOptions(aliases=toml, phrases=False, user_phrases=None))
    assert tc.tokens == [["big_tech", "big_tech"]]
    assert tc.surface_forms["big_tech"] == "Big Tech"


def test_stopwords_default_extra_and_none():
    text = "The company said it would also build the hub"
    assert tokenize_text(text, PLAIN) == ["company", "build", "hub"]
    extra = TokenizerOptions(extra_stopwords=("hub",), phrases=False, user_phrases=None)
    assert tokenize_text(text, extra) == ["company", "build"]
    none = TokenizerOptions(stopwords=None, stem="none", phrases=False, user_phrases=None)
    assert tokenize_text(text, none) == ["the", "company", "said", "it", "would", "also", "build", "the", "hub"]


# --- numbers ---------------------------------------------------------------------------------
NUMBERS = "A $200 billion market in 2025, up 13% on 30,000 units; 180 billion yuan; 5G and $51M."


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("bucket", ["money_amount", "market", "2025", "percent", "unit", "money_amount", "5g", "money_amount"]),
        ("drop", ["market", "unit", "5g"]),
        ("keep", ["200", "billion", "market", "2025", "13", "30000", "unit", "180", "billion", "yuan", "5g", "51m"]),
    ],
)
def test_number_rule(mode, expected):
    options = TokenizerOptions(numbers=mode, phrases=False, user_phrases=None)
    assert tokenize_text(NUMBERS, options) == expected


# --- stems and surface forms -----------------------------------------------------------------
def test_snowball_stems_map_back_to_surface():
    table = pd.DataFrame({"text": ["Data centers and computing.", "New centers, computing centers."]})
    tc = tokenize(table, options=TokenizerOptions(stem="snowball", aliases=None, phrases=False, user_phrases=None))
    stem = SnowballStemmer("english").stem
    assert tc.tokens[0] == [stem("data"), stem("centers"), stem("computing")]
    assert stem("computing") == "comput"
    assert tc.surface_forms["comput"] == "computing"
    assert tc.surface_forms[stem("centers")] == "centers"  # 3 x "centers" beats nothing else


def test_plural_folding_default():
    tokens = tokenize_text("Companies build data hubs, analytics, approaches and business news", PLAIN)
    assert tokens == ["company", "build", "data", "hub", "analytics", "approach", "business", "news"]


def test_surface_forms_for_aliases_and_phrases():
    table = pd.DataFrame({"text": ["AWS and the U.S. build data centres.", "Malaysia welcomes AWS."]})
    tc = tokenize(table, options=STUDY)
    assert tc.surface_forms["aws"] == "AWS"
    assert tc.surface_forms["united_states"] == "United States"
    assert tc.surface_forms["data_center"] == "data center"
    assert tc.surface_forms["malaysia"] == "Malaysia"
    assert set(tc.surface_forms) == {t for doc in tc.tokens for t in doc}


# --- phrases ---------------------------------------------------------------------------------
def test_phrases_learned_on_seeds(seed_passages):
    learned_only = TokenizerOptions(aliases=None, user_phrases=None)
    tc = tokenize(seed_passages, options=learned_only)
    vocabulary = {t for doc in tc.tokens for t in doc}
    for phrase in ("data_center", "export_control", "cloud_computing"):
        assert phrase in vocabulary
        assert phrase in tc.params["phrases_found"]
    assert tc.surface_forms["export_control"] in {"export control", "export controls"}
    default = tokenize(seed_passages)
    vocabulary = {t for doc in default.tokens for t in doc}
    assert {"data_center", "export_control", "cloud_computing", "united_states", "aws"} <= vocabulary


def test_learn_and_apply_phrases_match_gensim(seed_passages):
    tokens = [tokenize_text(t, PLAIN) for t in seed_passages["text"]]
    ours = learn_phrases(tokens, min_count=3, threshold=0.5)
    reference = Phrases(tokens, min_count=3, threshold=0.5, scoring="npmi", delimiter="__").freeze()
    assert ours.phrasegrams == pytest.approx(reference.phrasegrams)
    expected = [[t.replace("__", "_") for t in reference[doc]] for doc in tokens]
    assert apply_phrases(tokens, ours) == expected


def _random_token_lists(seed: int, n: int) -> list[list[str]]:
    import random

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)]
    lists = []
    for _ in range(n):
        doc = rng.choices(words, weights=[1 / (k + 1) for k in range(60)], k=rng.randint(0, 12))
        if rng.random() < 0.3:
            doc[rng.randint(0, len(doc)) if doc else 0:0] = ["data", "center"]
        lists.append(doc)
    return lists


@pytest.mark.parametrize(("scoring", "threshold", "min_count"), [("npmi", 0.5, 3), ("npmi", -0.2, 1),
                                                                  ("default", 2.0, 2), ("default", 0.5, 5)])
def test_learned_phrases_equal_gensim_phrases_on_the_same_counts(scoring, threshold, min_count, monkeypatch):
    from textlab.preprocessing._text import phrases as module

    monkeypatch.setattr(module, "PRUNE_EVERY", 7)  # many blocks, never pruned (the default size is large)
    tokens = _random_token_lists(1, 400)
    ours = learn_phrases(tokens, min_count=min_count, threshold=threshold, scoring=scoring)
    reference = Phrases(tokens, min_count=min_count, threshold=threshold, scoring=scoring, delimiter="__").freeze()
    assert ours.phrasegrams == reference.phrasegrams  # the same floats: gensim's scorer on the same counts
    assert apply_phrases(tokens, ours) == [[t.replace("__", "_") for t in reference[doc]] for doc in tokens]


def test_pruned_phrase_counts_follow_the_documented_rule(monkeypatch):
    """With a small table, entries seen <= min_reduce times go at each check (reference: Counters)."""
    from collections import Counter

    from textlab.preprocessing._text import phrases as module

    monkeypatch.setattr(module, "PRUNE_EVERY", 50)
    monkeypatch.setattr(module, "_COUNT_BLOCK", 13)  # counted in blocks that do not line up with the checks
    tokens = _random_token_lists(2, 1000)
    limit = 150
    unigrams, pairs, min_reduce = Counter(), Counter(), 0
    for i, doc in enumerate(tokens, start=1):
        unigrams.update(doc)
        pairs.update(zip(doc, doc[1:]))
        if i % 50 == 0 and len(unigrams) + len(pairs) > limit:
            min_reduce += 1
            for table in (unigrams, pairs):
                for key in [k for k, n in table.items() if n <= min_reduce]:
                    del table[key]
    model = Phrases(None, min_count=3, threshold=0.3, scoring="npmi", delimiter="__")
    model.vocab = {**unigrams, **{a + "__" + b: n for (a, b), n in pairs.items()}}
    model.corpus_word_count = sum(map(len, tokens))
    expected = model.freeze().phrasegrams
    ours = learn_phrases(tokens, min_count=3, threshold=0.3, max_vocab_size=limit)
    assert min_reduce > 0 and ours.textlab_min_reduce == min_reduce
    assert ours.phrasegrams == expected and "data__center" in expected


def test_user_phrase_list_forces_a_rare_phrase():
    table = pd.DataFrame({"text": ["A brown fox met new export control rules.", "Nothing here."]})
    options = TokenizerOptions(user_phrases=["brown fox", "export controls"], phrases=True)
    tc = tokenize(table, options=options)
    # once each, below min_count; plural folding makes "export controls" match "export control"
    assert tc.tokens[0] == ["brown_fox", "met", "new", "export_control", "rule"]
    assert tc.surface_forms["brown_fox"] == "brown fox"
    assert tc.params["phrases_found"] == {}


# --- passages --------------------------------------------------------------------------------
def test_heading_joined_to_following_paragraph():
    text = (
        "Strategic Alignment with National Goals\n"
        "Huawei intends to nurture two hundred local partners with access to its chips and models.\n"
        "A second paragraph stands on its own with enough words to be a passage."
    )
    p = split_passages(corpus(text), min_words=5)
    assert list(p["text"]) == [
        "Strategic Alignment with National Goals\nHuawei intends to nurture two hundred local "
        "partners with access to its chips and models.",
        "A second paragraph stands on its own with enough words to be a passage.",
    ]
    assert list(p["passage_id"]) == ["d0:000", "d0:001"]
    assert list(p["position"]) == [0, 1]
    assert list(p["n_words"]) == [len(t.split()) for t in p["text"]]


def test_bullets_joined_to_lead_in_marked_and_unmarked():
    marked = (
        "Several factors make Malaysia attractive for investment:\n\n"
        "  • Energy costs: lower than in Singapore\n\n  • Land: abundant real estate\n"
        "- Stability: consistent policies\n\n"
        "The roadmap identifies seven key sectors for deployment across the whole economy."
    )
    p = split_passages(corpus(marked), min_words=5)
    assert p["text"].iloc[0].splitlines() == [
        "Several factors make Malaysia attractive for investment:",
        "• Energy costs: lower than in Singapore",
        "• Land: abundant real estate",
        "- Stability: consistent policies",
    ]
    assert len(p) == 2
    unmarked = (  # like seeds/002: no markers, no blank lines
        "Malaysia's expertise in packaging positions it to:\n"
        "Support next-generation chip development.\n"
        "Collaborate with global giants like Intel and AMD.\n"
        "2. Cloud Expansion and Data Center Growth\n"
        "Cloud computing is the other pillar of AI infrastructure for the region."
    )
    p = split_passages(corpus(unmarked), min_words=5)
    assert len(p) == 2
    assert p["text"].iloc[0].count("\n") == 2
    assert p["text"].iloc[1].startswith("2. Cloud Expansion and Data Center Growth\nCloud computing")


def test_long_paragraph_split_at_sentence_boundaries():
    sentences = [f"Sentence number {i} talks about the U.S. market and e.g. chips in detail." for i in range(20)]
    text = " ".join(sentences)  # 13 words each, 260 words, one line
    p = split_passages(corpus(text), max_words=60, min_words=5)
    assert (p["n_words"] <= 60).all()
    assert len(p) == 5  # ceil(260 / 60)
    assert " ".join(p["text"]) == text  # nothing lost, cuts only between sentences
    for chunk in p["text"]:
        assert chunk.endswith("in detail.") and chunk.startswith("Sentence number")


def test_tiny_fragments_merged_and_metadata_carried():
    doc_a = (
        "This is a full paragraph with plenty of words to stand alone as its passage.\n"
        "Too short.\n"
        "Another paragraph that is long enough to be kept on its own as well, clearly."
    )
    c = corpus(doc_a, "Only a short document.", narrative=["huawei-led", "aws-led"],
               raw_text=["raw a", "raw b"], n_words_raw=[1, 2], n_words_clean=[1, 2])
    p = split_passages(c, min_words=6)
    assert list(p.columns) == ["passage_id", "doc_id", "position", "text", "n_words", "narrative"]
    assert (p["n_words"] >= 6).sum() == 2 and len(p) == 3  # the short document stays as is
    assert "Too short." in p["text"].iloc[0] or "Too short." in p["text"].iloc[1]
    assert list(p["narrative"]) == ["huawei-led", "huawei-led", "aws-led"]
    assert list(p["doc_id"]) == ["d0", "d0", "d1"]


def test_sentence_splitter_respects_abbreviations():
    text = "Huawei Technologies Co. uses U.S. chips. Version 2.0 is out, e.g. today. J. R. Smith spoke."
    assert split_sentences(text) == [
        "Huawei Technologies Co. uses U.S. chips.",
        "Version 2.0 is out, e.g. today.",
        "J. R. Smith spoke.",
    ]


def test_seed_passages_shape(seed_passages, seeds):
    assert set(seed_passages["doc_id"]) == set(seeds.docs.index)
    assert seed_passages["passage_id"].is_unique
    assert seed_passages["n_words"].min() >= 12
    assert seed_passages["n_words"].max() <= 120 + 11
    by_doc = seed_passages.groupby("doc_id")["narrative"].first()
    assert by_doc.to_dict() == seeds.docs["narrative"].to_dict()


# --- whole pipeline, params, offline, parallel -------------------------------------------------
def test_preprocess_params_and_row_alignment(seeds):
    tc = preprocess(seeds, max_words=100, min_words=10)
    assert len(tc.tokens) == len(tc.passages)
    assert tc.params["max_words"] == 100 and tc.params["stem"] == "plural"
    assert tc.params["n_tokens"] == sum(map(len, tc.tokens))
    assert set(tc.params["resources"]) == {"aliases", "stopwords", "user_phrases"}
    json.dumps(tc.params)  # JSON-friendly for the provenance file


def test_works_without_nltk_data(tmp_path):
    code = (
        "import nltk; nltk.data.path[:] = ['/nonexistent']\n"
        "import pandas as pd\n"
        "from textlab.preprocessing.read import Corpus\n"
        "from textlab.preprocessing.tokens import preprocess, TokenizerOptions\n"
        "docs = pd.DataFrame({'text': ['Heading Here\\nThe U.S. Co. builds data centers. It grows. "
        "Malaysia said so.']}, index=pd.Index(['a'], name='doc_id'))\n"
        "tc = preprocess(Corpus(docs), min_words=2, max_words=6, options=TokenizerOptions(stem='snowball'))\n"
        "print(tc.tokens)\n"
    )
    env = {**os.environ, "NLTK_DATA": "/nonexistent", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "united_states" in result.stdout and "'center'" in result.stdout


def test_parallel_tokenize_text_identical(seed_passages):
    options = TokenizerOptions(stem="snowball")
    texts = list(seed_passages["text"])
    single = [tokenize_text(t, options) for t in texts]
    assert pickle.loads(pickle.dumps(options)) == options
    with multiprocessing.get_context("fork").Pool(2) as pool:
        parallel = pool.starmap(tokenize_text, [(t, options) for t in texts])
    assert parallel == single


def test_bad_values_name_the_parameter(tmp_path):
    with pytest.raises(ConfigError, match="stem='porter'"):
        TokenizerOptions(stem="porter")
    with pytest.raises(ConfigError, match="numbers"):
        TokenizerOptions(numbers="round")
    with pytest.raises(ConfigError, match="phrase_threshold"):
        TokenizerOptions(phrase_threshold=5.0)
    with pytest.raises(ConfigError, match="min_words"):
        split_passages(corpus("text"), max_words=10, min_words=20)
    with pytest.raises(ConfigError, match="United States"):
        tokenize_text("x", TokenizerOptions(aliases={"United States": ["US"]}))
    with pytest.raises(InputFileError, match="missing.toml"):
        tokenize_text("x", TokenizerOptions(aliases=tmp_path / "missing.toml"))


def test_empty_text_and_counts():
    tc = tokenize(pd.DataFrame({"text": ["", "Malaysia and Malaysia"]}), options=PLAIN)
    assert tc.tokens == [[], ["malaysia", "malaysia"]]
    assert Counter(tc.tokens[1]) == {"malaysia": 2}


def test_alias_guard_admits_every_case_variant_of_lower_case_aliases():
    """The lookahead before the alias trie must never skip a position where a variant can match."""
    from textlab.preprocessing._text.pipeline import _start_class

    assert _start_class(["AWS"], []) == "A"  # exact variants: their own first character only
    guard = re.compile(f"[{_start_class([], ['sea', 'kelvin'])}]")
    for char in "sSſkK\u212a":  # re.IGNORECASE equates ſ with s and the Kelvin sign with k
        assert guard.fullmatch(char), char
    assert not guard.fullmatch("a")


# --- line boundaries: phrases and passages (issue 12) -----------------------------------------
def _furniture_texts(n: int = 12) -> list[str]:
    """Source and language tags on consecutive lines (so "guardian english" is adjacent across a
    line break in every text), plus a real phrase inside sentences."""
    return [f"The Guardian\nEnglish\nThe council said the flood defences held on street {i} today.\n"
            f"Residents praised the flood defences after the storm on day {i}." for i in range(n)]


def test_no_learned_phrase_spans_two_lines():
    table = pd.DataFrame({"text": _furniture_texts()})
    options = TokenizerOptions(aliases=None, user_phrases=None, stem="none")
    tc = tokenize(table, options=options)
    vocabulary = {t for doc in tc.tokens for t in doc}
    assert "flood_defences" in vocabulary  # same-line pairs still become phrases
    assert "guardian_english" not in vocabulary and "guardian_english" not in tc.params["phrases_found"]
    assert all("\n" not in t for doc in tc.tokens for t in doc)  # the line marks never reach the tokens
    # the same texts on one line each: the pair is learned (so the test above can fail)
    flat = tokenize(table.assign(text=table["text"].str.replace("\n", " ")), options=options)
    assert "guardian_english" in flat.params["phrases_found"]


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_prepare_data_forms_no_phrase_across_lines(store, tmp_path):
    from textlab.preprocessing.pipeline import prepare_data
    from textlab.preprocessing.read import load_texts

    prepared = prepare_data(load_texts(_furniture_texts()), store=store, cache_dir=tmp_path / "c", n_jobs=1,
                            clean=False, passages={"min_words": 2}, progress=False,
                            tokens={"aliases": None, "user_phrases": None, "stem": "none"})
    vocabulary = set(prepared.data.terms["term"])
    assert "flood_defences" in vocabulary and "guardian_english" not in vocabulary
    assert "guardian" in vocabulary and "english" in vocabulary


def test_passages_respect_max_words_without_sentence_punctuation():
    import random

    rng = random.Random(0)
    words = "the minister said new plan for housing would be ready by spring and council agreed".split()
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) for _ in range(80)]
    text = "\n".join(lines)  # lower-cased, no full stops: every line looks like a heading
    table = split_passages(corpus(text), max_words=120, min_words=12)
    assert table["n_words"].max() <= 120
    assert table["n_words"].sum() == len(text.split())  # nothing lost
    assert len(table) >= len(text.split()) // 120
    # a heading longer than half the budget no longer rides on top of a full paragraph
    head = "A twelve word heading without any final punctuation mark at all here"
    body = ("one two three four five six seven eight nine ten eleven " * 5).strip() + "."  # 55 words, one sentence
    packed = split_passages(corpus(head + "\n" + body + "\n" + body), max_words=60, min_words=5)
    assert packed["n_words"].max() <= 60 and packed["n_words"].sum() == 122
