"""Tests for textlab.preprocessing.clean: each rule on hand-made texts, overrides, the audit, and the seeds."""

from __future__ import annotations

import hashlib
import random
import warnings
from pathlib import Path

import pandas as pd
import pytest

from textlab._errors import CleaningWarning, ConfigError
from textlab.preprocessing.clean import DEFAULT_RULES, audit_summary, clean_corpus, clean_text, clean_text_fast
from textlab.preprocessing.read import load_corpus, load_texts

DATA = Path(__file__).parent / "data" / "clean"
SEEDS = Path(__file__).parents[1] / "seeds"


def _rules(audit: pd.DataFrame) -> list[tuple[int, int, str]]:
    return list(zip(audit["line_start"], audit["line_end"], audit["rule"], strict=True))


# --------------------------------------------------------------------------- rules one by one


def test_navigation_lines_and_symbol_only_lines():
    text = "📑 Table of Contents\nLogo\n• • •\nA real title\nBody about the share of chips."
    cleaned, audit = clean_text(text)
    assert cleaned == "A real title\nBody about the share of chips."
    assert _rules(audit) == [(1, 1, "navigation"), (2, 2, "navigation"), (3, 3, "navigation")]
    assert audit["text"].tolist() == ["📑 Table of Contents", "Logo", "• • •"]


def test_metadata_lines_counters_dates_handles_bylines():
    text = (
        "Title of the piece\n- james18879\nBy Ann Lee\n- Sep 24\n📅 · 📁 Industry · 👁 10 views · ⏱️ 13 min read\n"
        "Updated: 2024-05-01\nThe body says 10 views were logged by the 4 min read meter of the site in May.\n"
        "March 2024 was warm.\n"
    )
    cleaned, audit = clean_text(text)
    assert cleaned.split("\n") == [
        "Title of the piece",
        "The body says 10 views were logged by the 4 min read meter of the site in May.",
        "March 2024 was warm.",
    ]
    assert [r for _, _, r in _rules(audit)] == ["metadata_line"] * 5
    assert audit["line_start"].tolist() == [2, 3, 4, 5, 6]


def test_counter_needs_the_line_to_be_mostly_metadata():
    text = "10 Views on Cloud Computing\nTech News · 2.4k views · Sep 3, 2024\nBody."
    cleaned, audit = clean_text(text)
    assert cleaned == "10 Views on Cloud Computing\nBody."
    assert _rules(audit) == [(2, 2, "metadata_line")]


def test_handle_like_line_outside_the_header_is_kept():
    body = "\n".join(f"Paragraph {i} has several words in it." for i in range(12))
    cleaned, audit = clean_text(f"Title here\n{body}\n- python3\n")
    assert cleaned.endswith("- python3")
    assert audit.empty


def test_trailing_comments_only_at_the_end():
    text = "Headline words here\nComments\nThe article body.\n\n\n\nComments\n12 Comments\n"
    cleaned, audit = clean_text(text)
    assert cleaned == "Headline words here\nComments\nThe article body."
    assert _rules(audit) == [(7, 7, "trailing_comments"), (8, 8, "trailing_comments")]


def test_teaser_block_removed_but_preceding_note_kept():
    text = (
        "Main headline of story\n\nStory body sentence.\n\nEditor's Note\n\nA closing note that belongs to the story.\n\n"
        "First teaser title\nFirst teaser title\n\nFirst summary paragraph.\n\n"
        "Second teaser title\nSecond teaser title\n\nSecond summary paragraph.\n"
    )
    cleaned, audit = clean_text(text)
    assert cleaned == (
        "Main headline of story\n\nStory body sentence.\n\nEditor's Note\n\nA closing note that belongs to the story."
    )
    assert _rules(audit) == [(9, 17, "teaser_block")]
    assert audit["text"].iloc[0].startswith("First teaser title\nFirst teaser title\n\nFirst summary")


def test_a_single_doubled_headline_is_not_a_teaser_block():
    text = "Intro line.\nLone title words\nLone title words\nIts paragraph.\n"
    cleaned, audit = clean_text(text, disable=("repeated_headline",))
    assert cleaned == text.rstrip("\n")
    cleaned, audit = clean_text(text)
    assert cleaned == "Intro line.\nLone title words\nIts paragraph."
    assert _rules(audit) == [(3, 3, "repeated_headline")]


def test_repeated_headline_keeps_first_and_short_repeats():
    text = "The Big Headline Here\n\nBody.\n\nThe big headline here\nNote\nNote\n"
    cleaned, audit = clean_text(text)
    assert cleaned == "The Big Headline Here\n\nBody.\n\nNote\nNote"
    assert _rules(audit) == [(5, 5, "repeated_headline")]


def test_pull_quote_repeating_a_quoted_sentence():
    text = (
        "“Cloud demand keeps doubling every year,” the analyst said on Monday.\n\n"
        "Cloud demand keeps doubling every year.”\n\n"
        "Cloud demand keeps doubling\n\n"
        "Later paragraph.\n"
    )
    cleaned, audit = clean_text(text)
    # the heading-like line (no sentence end) stays; the pull quote goes
    assert cleaned.split("\n\n") == [
        "“Cloud demand keeps doubling every year,” the analyst said on Monday.",
        "Cloud demand keeps doubling",
        "Later paragraph.",
    ]
    assert _rules(audit) == [(3, 3, "pull_quote")]
    cleaned_off, audit_off = clean_text(text, disable=("pull_quote",))
    assert cleaned_off == text.rstrip("\n")
    assert audit_off.empty


def test_repeated_sentence_goes_as_pull_quote_not_headline():
    text = "Cloud demand keeps doubling every year.\n\nMiddle paragraph here.\n\nCloud demand keeps doubling every year.\n"
    cleaned, audit = clean_text(text)
    assert cleaned == "Cloud demand keeps doubling every year.\n\nMiddle paragraph here."
    assert _rules(audit) == [(5, 5, "pull_quote")]
    cleaned_off, audit_off = clean_text(text, disable=("pull_quote",))
    assert cleaned_off == text.rstrip("\n")
    assert audit_off.empty


def test_pull_quote_needs_whole_words():
    text = "The network grew quickly in many markets abroad.\n\nnetwork grew quickly in many markets.\n"
    cleaned, _ = clean_text(text)
    assert cleaned == text.rstrip("\n")  # "markets." vs "markets abroad." -> not a repeat


def test_tooltip_glitch_single_and_multiword_names():
    line = (
        "Blocked abroad, AcmeiAcmeAcme is a maker of widgets and gadgets.READ MORE is expanding south. "
        "Partners like Blue OceaniBlue OceanBlue Ocean is a shipping firm.READ MORE agree."
    )
    cleaned, audit = clean_text(line + "\nSecond line.")
    assert cleaned == "Blocked abroad, Acme is expanding south. Partners like Blue Ocean agree.\nSecond line."
    assert _rules(audit) == [(1, 1, "tooltip_glitch")]
    assert audit["text"].iloc[0] == (
        "iAcmeAcme is a maker of widgets and gadgets.READ MORE\niBlue OceanBlue Ocean is a shipping firm.READ MORE"
    )


def test_tooltip_rule_leaves_ordinary_read_more_alone():
    text = "Huawei is a company. READ MORE about it on the site.\nBonbon sells sweets."
    cleaned, audit = clean_text(text)
    assert cleaned == text
    assert audit.empty


def test_blank_runs_collapsed_and_line_ends_stripped():
    cleaned, _ = clean_text("\n\nA  \n\n\n\nB\t\n\n")
    assert cleaned == "A\n\nB"


def test_unknown_rule_names_are_listed():
    with pytest.raises(ConfigError, match=r"'pull_quotes'.*valid names: .*pull_quote"):
        clean_text("x", disable=("pull_quotes",))
    with pytest.raises(ConfigError, match="list of rule names"):
        clean_text("x", disable="pull_quote")


def test_rules_argument_selects_and_orders():
    text = "Logo\nHeadline words here\nHeadline words here\nBody."
    cleaned, audit = clean_text(text, rules=("repeated_headline",))
    assert cleaned == "Logo\nHeadline words here\nBody."
    assert set(audit["rule"]) == {"repeated_headline"}


# --------------------------------------------------------------------------- overrides and corpus level


def _corpus_with_overrides():
    texts = {
        "a": "Title words here\nBody one.\nSee also\nLink list\nMore links",
        "b": "Title two here\nBody two.\nPromo: buy now\nAd: more\nEnd.",
        "c": "Logo\nKept as is.\n4 min read",
        "d": "Logo\nNo overrides.",
    }
    meta = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "clean_cutoff": ["See also", None, None, None],
            "clean_patterns": [None, r"^Promo: || ^Ad:", None, ""],
            "clean_keep_all": [None, "false", "true", None],
        }
    )
    return load_texts(texts, meta)


def test_overrides_from_metadata():
    result = clean_corpus(_corpus_with_overrides())
    text = result.corpus.docs["text"]
    assert text["a"] == "Title words here\nBody one."
    assert text["b"] == "Title two here\nBody two.\nEnd."
    assert text["c"] == "Logo\nKept as is.\n4 min read"
    assert text["d"] == "No overrides."
    audit = result.audit
    assert _rules(audit[audit["doc_id"] == "a"]) == [(3, 5, "override_cutoff")]
    assert audit.loc[audit["doc_id"] == "a", "text"].iloc[0] == "See also\nLink list\nMore links"
    assert _rules(audit[audit["doc_id"] == "b"]) == [(3, 3, "override_pattern"), (4, 4, "override_pattern")]
    assert "c" not in set(audit["doc_id"])
    assert result.params["kept_whole"] == ["c"]


def test_overrides_can_be_ignored_or_disabled():
    corpus = _corpus_with_overrides()
    ignored = clean_corpus(corpus, overrides_from_metadata=False).corpus.docs["text"]
    assert ignored["a"].endswith("More links")
    assert ignored["c"] == "Kept as is."
    disabled = clean_corpus(corpus, disable=("override_cutoff",)).corpus.docs["text"]
    assert disabled["a"].endswith("More links")


def test_cutoff_marker_not_found_warns():
    corpus = load_texts({"a": "Body.\nMore body."}, pd.DataFrame({"clean_cutoff": ["Related stories"]}))
    with pytest.warns(CleaningWarning, match=r"'a'.*'Related stories' not found"):
        result = clean_corpus(corpus)
    assert result.corpus.docs.loc["a", "text"] == "Body.\nMore body."


def test_invalid_override_pattern():
    corpus = load_texts({"a": "x"}, pd.DataFrame({"clean_patterns": ["(unclosed"]}))
    with pytest.raises(ConfigError, match=r"doc_id 'a'.*'\(unclosed'"):
        clean_corpus(corpus)


def test_corpus_columns_counts_and_input_untouched():
    corpus = load_texts({"a": "Logo\nOne two three.\n\n\nFour five.", "b": "Six."})
    before = corpus.docs.copy()
    result = clean_corpus(corpus)
    docs = result.corpus.docs
    pd.testing.assert_frame_equal(corpus.docs, before)
    assert docs["raw_text"].tolist() == before["text"].tolist()
    assert docs["text"].tolist() == ["One two three.\n\nFour five.", "Six."]
    assert docs["n_words_raw"].tolist() == [6, 1]
    assert docs["n_words_clean"].tolist() == [5, 1]
    assert list(result.audit.columns) == ["doc_id", "line_start", "line_end", "rule", "text"]
    assert result.corpus.params["clean"]["rules"] == list(DEFAULT_RULES)


def test_document_emptied_by_cleaning_warns():
    with pytest.warns(CleaningWarning, match="'a'"):
        clean_corpus(load_texts({"a": "Logo\n5 min read", "b": "Body."}))


def test_audit_summary_by_hand():
    audit = pd.DataFrame(
        {
            "doc_id": ["a", "a", "b"],
            "line_start": [1, 4, 2],
            "line_end": [1, 9, 2],
            "rule": ["navigation", "teaser_block", "navigation"],
            "text": ["Logo", "t t\n\nu v w", "Share this"],
        }
    )
    summary = audit_summary(audit)
    assert summary.to_dict("records") == [
        {"rule": "teaser_block", "n_removals": 1, "n_lines": 6, "n_words": 5},
        {"rule": "navigation", "n_removals": 2, "n_lines": 2, "n_words": 3},
    ]


def test_page_fixture_matches_hand_cleaned_version():
    raw = (DATA / "page.txt").read_text(encoding="utf-8")
    expected = (DATA / "page_clean.txt").read_text(encoding="utf-8").rstrip("\n")
    cleaned, audit = clean_text(raw)
    assert cleaned == expected
    raw_lines = raw.split("\n")
    for start, end, text in zip(audit["line_start"], audit["line_end"], audit["text"], strict=True):
        if start == end:  # a single removed line is audited verbatim, at its raw line number
            assert raw_lines[start - 1].strip() == text.strip()


# --------------------------------------------------------------------------- seeds

# Boilerplate line numbers (1-based), found by reading `cat -n seeds/*.txt`.
BOILERPLATE = {
    "000": set(),
    "001": {1, 5},
    "002": {2, 3, 4, 57},
    "003": {11, 33},
    "004": {1, 7, *range(65, 154)},
}


@pytest.fixture(scope="module")
def seeds():
    files = sorted(SEEDS.glob("*"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    corpus = load_corpus(SEEDS / "metadata.csv")
    result = clean_corpus(corpus)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(SEEDS.glob("*"))}
    return corpus, result, before, after


def _expected_003_first_line(raw_line: str) -> str:
    start = raw_line.index("iHuawei")
    end = raw_line.index("READ MORE") + len("READ MORE")
    return raw_line[:start] + raw_line[end:]


def test_seeds_boilerplate_removed_and_98_percent_of_article_words_kept(seeds):
    corpus, result, _, _ = seeds
    docs = result.corpus.docs
    for doc_id, drop in BOILERPLATE.items():
        raw_lines = corpus.docs.loc[doc_id, "text"].split("\n")
        if doc_id == "003":
            raw_lines[0] = _expected_003_first_line(raw_lines[0])
        article = [ln.rstrip() for i, ln in enumerate(raw_lines, 1) if i not in drop and ln.strip()]
        cleaned = [ln for ln in docs.loc[doc_id, "text"].split("\n") if ln.strip()]
        article_words = sum(len(ln.split()) for ln in article)
        kept = sum(len(ln.split()) for ln in article if ln in set(cleaned))
        assert kept / article_words >= 0.98, doc_id
        # nothing beyond the article's own lines survives
        assert sum(len(ln.split()) for ln in cleaned) <= article_words, doc_id
        for i in drop:
            line = raw_lines[i - 1].rstrip()
            if line and line not in article:
                assert line not in cleaned, (doc_id, i, line)


def test_seed_004_teasers_gone_note_and_headline_stay(seeds):
    _, result, _, _ = seeds
    text = result.corpus.docs.loc["004", "text"]
    headline = "How Huawei Became China’s AI Powerhouse: From Telecom Giant to Tech Titan"
    assert text.count(headline) == 1 and text.startswith(headline)
    assert "Editor’s Note" in text
    assert text.endswith("especially as AI transforms critical sectors worldwide.")
    assert "Sergey Brin" not in text and "Price Wars" not in text
    audit = result.audit[result.audit["doc_id"] == "004"]
    teaser = audit[audit["rule"] == "teaser_block"]
    assert teaser[["line_start", "line_end"]].values.tolist() == [[65, 153]]


def test_seed_003_glitch_gone_first_sentence_stays(seeds):
    _, result, _, _ = seeds
    text = result.corpus.docs.loc["003", "text"]
    assert text.startswith(
        "Barred from many Western markets by U.S.-led restrictions, Huawei is doubling down on developing "
        "countries for its cloud and artificial intelligence businesses."
    )
    assert "READ MORE" not in text and "iHuawei" not in text
    assert "We are seeing a bifurcation of the global AI stack" in text  # the original quote stays
    assert text.count("We are seeing a bifurcation of the global AI stack") == 1
    assert text.count("are either too contested or off-limits due to policy restrictions") == 1


def test_seed_001_summary_and_key_facts_kept(seeds):
    corpus, result, _, _ = seeds
    text = result.corpus.docs.loc["001", "text"]
    assert text.startswith("Malaysia Teams Up with AWS to Build SE Asian AI Hub")
    assert "💡 Malaysia partners with Amazon Web Services" in text
    assert "Key Facts at a Glance" in text
    assert text.count("  • ") == corpus.docs.loc["001", "text"].count("  • ") > 0  # every bullet stays
    assert "Table of Contents" not in text and "min read" not in text


def test_seed_002_header_and_comments_gone(seeds):
    _, result, _, _ = seeds
    lines = result.corpus.docs.loc["002", "text"].split("\n")
    assert lines[:2] == ["The Future of AI Infrastructure: How Malaysia Is Becoming a Global Hub", "Introduction"]
    assert lines[-1].startswith("As the AI revolution accelerates")


def test_seeds_inputs_unchanged(seeds):
    _, result, before, after = seeds
    assert before == after
    assert result.corpus.docs.loc["000", "text"] == result.corpus.docs.loc["000", "raw_text"]


def test_fast_path_matches_audited_cleaning_on_shuffled_documents(seeds):
    """``clean_text_fast`` skips the audit and prefilters lines; its text must equal ``clean_text``'s."""
    corpus = seeds[0]
    lines = [line for text in corpus.docs["text"] for line in text.split("\n")]
    chrome = ["Logo", "Share", "13 min read", "- Sep 24", "- james18879", "Comments", "1.2K views", "★★★", "",
              "By John Smith", "Posted on 12 March 2024", "A headline repeated here", "Huawei is big. READ MORE",
              "İstanbul headline repeated", "١٢ min read", "x" * 130]
    rng = random.Random(7)
    n_changed = 0
    for _ in range(300):
        doc: list[str] = []
        for _ in range(rng.randint(1, 40)):
            r = rng.random()
            doc.append(rng.choice(chrome) if r < 0.3 else rng.choice(doc) if r < 0.4 and doc else rng.choice(lines))
        text = "\n".join(doc)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CleaningWarning)
            expected = clean_text(text)[0]
            assert clean_text_fast(text) == expected
        n_changed += expected != text.strip("\n")
    assert n_changed > 100  # the generated documents do exercise the rules


# --- profiles, corpus furniture, study patterns (issue 12) -------------------------------------
_BODY = [
    "The council approved the budget after a long debate about rents and repairs in the town.",
    "Residents said the flood defences had failed for the third winter running despite promises.",
    "Ministers promised new money for rural bus routes but gave no figure for the coming year.",
    "Hospital chiefs warned that waiting times would rise again unless nurse numbers improved soon.",
    "Farmers on the Levels asked for the rivers to be dredged before the spring rains arrived.",
    "Economists said retail sales had fallen for a second month as shoppers stayed at home.",
]


_TITLES = ["Rents rise again", "Floods return", "Bus routes cut", "Nurses warn", "Farmers want dredging",
           "Shops struggle", "School roof fails", "Strike ballot called", "Lorry overturns", "Museum reopens"]


def _news_export(n: int = 8) -> pd.DataFrame:
    """One-article-per-file texts with Nexis-like furniture inside (two outlets)."""
    rows = []
    for i in range(n):
        outlet = ["The Courier", "The Herald"][i % 2]
        body = [f"{_BODY[(i + k) % len(_BODY)][:-1]}, on day {i}." for k in range(3)]  # every line its own
        text = "\n".join([outlet, f"March {i + 1}, 2014 Monday", "", _TITLES[i], "",
                          f"BYLINE: Reporter {i % 3}", f"LENGTH: {100 + i} words", "",
                          *[x for para in body for x in (para, "")],
                          "LANGUAGE: ENGLISH", f"Copyright 2014 {outlet} Ltd", f"Document CRR{i:08d}ea3f0001x"])
        rows.append((f"d{i}", text, outlet))
    return pd.DataFrame(rows, columns=["doc_id", "text", "outlet"]).set_index("doc_id")


def _news_corpus(n: int = 8):
    from textlab.preprocessing.read import Corpus

    return Corpus(docs=_news_export(n))


def test_news_export_profile_removes_furniture_keeps_body_and_moves_fields():
    result = clean_corpus(_news_corpus(), boilerplate={"min_docs": 3})
    assert result.params["profile"] == "news_export" and "chosen automatically" in result.params["profile_reasons"][0]
    assert not set(result.params["rules"]) & {"navigation", "repeated_headline", "pull_quote", "metadata_line"}
    docs = result.corpus.docs
    for i, text in enumerate(docs["text"]):
        body = [f"{_BODY[(i + k) % len(_BODY)][:-1]}, on day {i}." for k in range(3)]
        assert text == "\n\n".join([_TITLES[i], *body])
    assert docs["date"].tolist() == [f"2014-03-{i + 1:02d}" for i in range(8)]
    assert docs["byline"].tolist() == [f"Reporter {i % 3}" for i in range(8)]
    assert docs["length"].tolist() == [100 + i for i in range(8)]
    assert set(result.audit["rule"]) == {"boilerplate", "boilerplate_field"}
    raw = _news_export()["text"]
    for row in result.audit.itertuples():  # audit line numbers point at the raw text
        first = row.text.split("\n")[0]
        assert raw[row.doc_id].split("\n")[row.line_start - 1].strip().endswith(first)
    summary = result.summary.set_index("source")
    assert summary.loc["The Courier", "n_docs"] == 4 and summary.loc["The Herald", "docs_changed"] == 4
    assert summary["fields_moved"].sum() == 8 * 5  # date, byline, length, language and the outlet line
    assert (summary["share_words_removed"] > 0.2).all()


def test_web_rules_do_not_run_on_plain_text_but_do_on_web_pages():
    speech = ("Fellow citizens, we meet in a time of trial for the republic and its people.\n\n"
              "Original appointments should be based upon ascertained fitness.\n\n"
              "We hold that the public service belongs to the people; original appointments should be "
              "based upon ascertained fitness, as every citizen knows.")
    corpus = load_texts({"a": speech, "b": "A second address on the state of the union and its finances."})
    plain = clean_corpus(corpus)
    assert plain.params["profile"] == "plain" and plain.corpus.docs.loc["a", "text"] == speech
    web = clean_corpus(corpus, profile="web")  # the sentence the web rules drop (so the test can fail)
    assert "pull_quote" in set(web.audit["rule"])
    assert "Original appointments should be based upon ascertained fitness." not in web.corpus.docs.loc["a", "text"]


def test_profile_can_be_overridden_and_is_checked():
    corpus = _news_corpus()
    forced = clean_corpus(corpus, profile="plain")
    assert forced.params["profile"] == "plain" and forced.audit.empty and forced.summary is None
    custom = clean_corpus(corpus, rules=("override_cutoff",))
    assert custom.params["profile"] == "custom"
    with pytest.raises(ConfigError, match="profile"):
        clean_corpus(corpus, profile="newspaper")


def test_study_patterns_remove_matching_lines_with_an_audit_row():
    corpus = load_texts({"a": "Keep this line.\nSUBSCRIBER COPY - not for resale\nAnd this one.",
                         "b": "Nothing to remove here at all."})
    result = clean_corpus(corpus, patterns=[r"^SUBSCRIBER COPY"])
    assert result.corpus.docs.loc["a", "text"] == "Keep this line.\nAnd this one."
    assert result.audit[["doc_id", "line_start", "rule"]].values.tolist() == [["a", 2, "pattern"]]
    assert "pattern" in result.params["rules"] and result.params["patterns"] == ["^SUBSCRIBER COPY"]
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        clean_corpus(corpus, patterns=["(unclosed"])


def test_prepare_data_on_an_export_file_recognises_it_and_moves_fields(tmp_path):
    from textlab.preprocessing.pipeline import prepare_data

    fixture = Path(__file__).parent / "data" / "exports" / "nexis_classic.txt"
    memory = prepare_data(fixture, store="memory", n_jobs=1, progress=False, passages={"min_words": 2})
    disk = prepare_data(fixture, store="disk", cache_dir=tmp_path / "c", n_jobs=1, progress=False,
                        passages={"min_words": 2})
    assert memory.params["read"]["kind"] == "export" and memory.params["read"]["format"] == ["nexis"]
    assert list(memory.data.tokens) == list(disk.data.tokens)
    assert {"outlet", "date", "title", "byline"} <= set(memory.documents.columns)
    assert memory.params["clean"]["profile"] in ("news_export", "plain")
    with pytest.raises(Exception, match="is not a factiva export"):
        prepare_data(fixture, read={"format": "factiva"}, store="memory", n_jobs=1, progress=False)


def test_prepare_data_news_profile_matches_clean_corpus(tmp_path):
    from textlab.preprocessing.pipeline import prepare_data
    from textlab.preprocessing.read import Corpus

    docs = _news_export(10)
    for store in ("memory", "disk"):
        prepared = prepare_data(Corpus(docs=docs), store=store, cache_dir=tmp_path / store, n_jobs=1,
                                progress=False, clean={"boilerplate": {"min_docs": 3}}, passages={"min_words": 2})
        reference = clean_corpus(Corpus(docs=docs), boilerplate={"min_docs": 3})
        assert prepared.params["clean"]["profile"] == "news_export"
        pd.testing.assert_frame_equal(prepared.audit_table().reset_index(drop=True), reference.audit,
                                      check_dtype=False)
        got = prepared.documents.set_index("doc_id")
        assert got["date"].tolist() == reference.corpus.docs["date"].tolist()
        assert prepared.clean_summary["lines_removed"].tolist() == reference.summary["lines_removed"].tolist()
        assert "date" in prepared.data.rows.columns  # passages carry the moved fields
