"""Tests of textlab.analysis.frames: codebook loading, hit counts, group intervals, drivers, coverage."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textlab._errors import ConfigError, EstimationError, InputFileError, SmallSampleWarning
from textlab.analysis.frames import Codebook, default_codebook_path, load_codebook, score_frames
from textlab.preprocessing.tokens import TokenizedCorpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def split(text: str) -> list[str]:
    return text.lower().split()


def corpus(token_lists, docs, groups, surface_forms=None) -> TokenizedCorpus:
    passages = pd.DataFrame({
        "passage_id": [f"{d}:{i:03d}" for i, d in enumerate(docs)],
        "doc_id": docs,
        "narrative": groups,
    })
    return TokenizedCorpus(passages, [list(t) for t in token_lists], surface_forms or {}, {})


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return func(*args, **kwargs)


TOKENS = [
    ["huawei", "faces", "sanctions", "and", "export_control", "rules"],  # security 2
    ["new", "investment", "creates", "jobs", "and", "investment", "flows"],  # economy 3
    ["export", "control", "and", "investment", "talk"],  # security 1 (sequence), economy 1
    ["training", "for", "talent"],  # talent 2
    ["nothing", "here"],  # none
    ["data", "center", "data", "sanctions"],  # infra 1 (data center), data 1 (governance), security 1
]
DOCS = ["a", "a", "b", "b", "c", "c"]
GROUPS = ["x", "x", "x", "x", "y", "y"]
BOOK = load_codebook({
    "security": ["sanctions", "export controls"],
    "economy": ["investment", "jobs"],
    "talent": ["training", "talent", "skills"],
    "infra": ["data center"],
    "governance": ["data"],
})


def test_hit_counts_and_shares_match_a_hand_count():
    tc = corpus(TOKENS, DOCS, GROUPS)
    def normalize(text):  # folds "controls" like the corpus tokenizer would
        return [w.rstrip("s") if w == "controls" else w for w in split(text)]

    result = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=normalize, n_boot=20)
    hits = result.by_passage.pivot(index="passage_id", columns="frame", values="n_hits")
    expected = {
        "security": [2, 0, 1, 0, 0, 1],
        "economy": [0, 3, 1, 0, 0, 0],
        "talent": [0, 0, 0, 2, 0, 0],
        "infra": [0, 0, 0, 0, 0, 1],
        "governance": [0, 0, 0, 0, 0, 1],
    }
    for frame, counts in expected.items():
        assert hits[frame].tolist() == counts, frame
    by_passage = result.by_passage
    np.testing.assert_allclose(by_passage["share"], by_passage["n_hits"] / by_passage["n_tokens"])
    assert list(by_passage.columns) == ["passage_id", "doc_id", "group", "frame", "n_hits", "n_tokens", "share"]
    assert by_passage.loc[by_passage["passage_id"] == "a:000", "n_tokens"].iloc[0] == 6


def test_multi_word_entry_matches_phrase_token_and_token_sequence():
    tc = corpus(TOKENS, DOCS, GROUPS)
    normalize = lambda s: ["export", "control"] if s == "export controls" else split(s)  # noqa: E731
    result = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=normalize, n_boot=5)
    row = result.coverage.query("entry == 'export controls'").iloc[0]
    assert row["tokens"] == "export_control | export control"
    assert row["count"] == 2  # one phrase token in a:000, one sequence in b:002
    assert list(result.coverage.columns) == ["frame", "entry", "tokens", "count", "note"]


def test_longest_match_first_and_shared_terms_count_for_each_frame():
    tc = corpus([["data", "center", "data"], ["cloud", "cloud"]], ["a", "b"], ["x", "y"])
    book = load_codebook({"infra": ["data center", "cloud"], "governance": ["data"], "tech": ["cloud"]})
    result = quiet(score_frames, tc, book, group_column="narrative", normalize=split, resampling_unit="passage", n_boot=5)
    hits = result.by_passage.pivot(index="passage_id", columns="frame", values="n_hits")
    assert hits.loc["a:000"].to_dict() == {"governance": 1, "infra": 1, "tech": 0}
    assert hits.loc["b:001"].to_dict() == {"governance": 0, "infra": 2, "tech": 2}


def test_group_means_drivers_and_fallback_column():
    tc = corpus(TOKENS, DOCS, GROUPS, surface_forms={"investment": "investments", "export_control": "export control"})
    with pytest.warns(SmallSampleWarning, match="'y' has 1 document"):
        result = score_frames(tc, BOOK, group_column="narrative", normalize=split, n_boot=50)
    shares = result.by_passage.pivot(index="passage_id", columns="frame", values="share")
    x = shares.index.str[0].isin(["a", "b"])
    security = result.by_group.query("frame == 'security'").set_index("group")
    assert security.loc["x", "mean"] == pytest.approx(shares.loc[x, "security"].mean())
    assert security.loc["y", "mean"] == pytest.approx(shares.loc[~x, "security"].mean())
    assert security.loc["x", "resampling_unit"] == "document" and security.loc["y", "resampling_unit"] == "passage"
    assert (security["n_passages"].tolist(), security["n_docs"].tolist()) == ([4, 2], [2, 1])
    assert (result.by_group["ci_low"] <= result.by_group["mean"] + 1e-12).all()
    assert (result.by_group["mean"] <= result.by_group["ci_high"] + 1e-12).all()

    drivers = result.drivers
    assert list(drivers.columns) == ["frame", "group", "term", "label", "count", "share_of_frame"]
    economy_x = drivers.query("frame == 'economy' and group == 'x'").set_index("term")
    assert economy_x["count"].to_dict() == {"investment": 3, "jobs": 1}
    assert economy_x.loc["investment", "label"] == "investments"
    assert economy_x.loc["investment", "share_of_frame"] == pytest.approx(0.75)
    sums = drivers.groupby(["frame", "group"])["share_of_frame"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)


def test_passage_bootstrap_interval_matches_normal_theory_width():
    rng = np.random.default_rng(0)
    n = 400
    tokens = [["term"] * k + ["other"] * (10 - k) for k in rng.integers(0, 11, size=n)]
    tc = corpus(tokens, [f"d{i}" for i in range(n)], ["g"] * n)
    book = load_codebook({"f": ["term"]})
    result = score_frames(tc, book, group_column="narrative", normalize=split, n_boot=2000, random_state=1)
    row = result.by_group.iloc[0]
    shares = np.array([t.count("term") / 10 for t in tokens])
    se = shares.std(ddof=1) / np.sqrt(n)
    assert row["mean"] == pytest.approx(shares.mean())
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 1.959964 * se, rel=0.1)


def test_coverage_reports_entries_that_never_occur():
    tc = corpus(TOKENS, DOCS, GROUPS)
    result = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=5)
    skills = result.coverage.query("entry == 'skills'").iloc[0]
    assert skills["count"] == 0 and "no occurrence" in skills["note"]
    book = load_codebook({"f": ["the", "sanctions"]})
    stop = quiet(score_frames, tc, book, group_column="narrative", normalize=lambda s: [w for w in split(s) if w != "the"],
                 n_boot=5)
    assert "no tokens" in stop.coverage.query("entry == 'the'").iloc[0]["note"]
    assert stop.params["n_entries_unmatched"] == 1


def test_phrase_parts_option():
    tc = corpus([["pangu_model", "launch"], ["pangu", "again"]], ["a", "b"], ["x", "y"])
    book = load_codebook({"tech": ["Pangu"]})
    on = quiet(score_frames, tc, book, group_column="narrative", normalize=split, resampling_unit="passage", n_boot=5)
    off = quiet(score_frames, tc, book, group_column="narrative", normalize=split, resampling_unit="passage",
                n_boot=5, match_phrase_parts=False)
    assert on.by_passage["n_hits"].tolist() == [1, 1]
    assert off.by_passage["n_hits"].tolist() == [0, 1]


def test_default_normalizer_follows_textlab_tokenizer_options():
    from textlab.preprocessing.tokens import TokenizerOptions, tokenize

    passages = pd.DataFrame({"passage_id": ["a:000", "b:000", "c:000"], "doc_id": ["a", "b", "c"],
                             "narrative": ["x", "x", "y"],
                             "text": ["The U.S. tightened export controls and sanctions.",
                                      "New data centres bring investments.", "Talent and training matter."]})
    tc = tokenize(passages, options=TokenizerOptions(phrases=False, aliases=SEEDS / "aliases.toml"))
    book = load_codebook({"security": ["sanction", "United States", "export control"], "infra": ["data center"]})
    result = quiet(score_frames, tc, book, group_column="narrative", n_boot=5)
    assert "tokenize_text" in result.params["normalize"]
    hits = result.by_passage.pivot(index="passage_id", columns="frame", values="n_hits")
    assert hits.loc["a:000", "security"] == 3 and hits.loc["b:000", "infra"] == 1


def test_same_random_state_identical_tables():
    tc = corpus(TOKENS, DOCS, GROUPS)
    a = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=50, random_state=5)
    b = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=50, random_state=5)
    for name in ("by_passage", "by_group", "drivers", "coverage"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_load_codebook_from_toml_and_refusals(tmp_path):
    path = tmp_path / "book.toml"
    path.write_text('name = "t"\n[frames.economy]\ndescription = "money"\nterms = ["investment", "jobs", "jobs"]\n',
                    encoding="utf-8")
    book = load_codebook(path)
    assert book.frames == {"economy": ("investment", "jobs")} and book.descriptions["economy"] == "money"
    assert book.params["source"] == str(path) and len(book.params["sha256"]) == 64
    with pytest.raises(InputFileError, match="does not exist"):
        load_codebook(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[frames.x\nterms = 1", encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid TOML"):
        load_codebook(bad)
    with pytest.raises(ConfigError, match="non-empty list"):
        load_codebook({"frames": {"x": {"terms": []}}})
    with pytest.raises(ConfigError, match="unknown key"):
        load_codebook({"frames": {"x": {"term": ["a"]}}})
    with pytest.raises(ConfigError, match="non-empty string"):
        load_codebook({"x": ["a", ""]})


def test_group_refusals():
    tc = corpus(TOKENS, DOCS, GROUPS)
    with pytest.raises(ConfigError, match="group_column"):
        score_frames(tc, BOOK, group_column="outlet", normalize=split)
    categorical = TokenizedCorpus(tc.passages.assign(narrative=pd.Categorical(GROUPS, categories=["x", "y", "z"])),
                                  tc.tokens)
    with pytest.raises(EstimationError, match="z"):
        score_frames(categorical, BOOK, group_column="narrative", normalize=split)
    with pytest.raises(ConfigError, match="Codebook"):
        score_frames(tc, {"f": ["a"]}, group_column="narrative")


def _seeds_tokens(**options):
    from textlab.preprocessing.read import Corpus
    from textlab.preprocessing.tokens import TokenizerOptions, split_passages, tokenize

    meta = pd.read_csv(SEEDS / "metadata.csv", dtype=str).set_index("doc_id")
    meta["text"] = [(SEEDS / f).read_text(encoding="utf-8") for f in meta["file"]]
    return tokenize(split_passages(Corpus(meta[["text", "narrative"]], None, {})), options=TokenizerOptions(**options))


def test_seeds_codebook_has_six_frames_that_occur_in_the_seeds():
    book = load_codebook(SEEDS / "codebook.toml")
    assert isinstance(book, Codebook) and len(book.frames) == 6
    assert all(8 <= len(terms) <= 20 for terms in book.frames.values())
    assert all(book.descriptions[f] for f in book.frames)
    tc = _seeds_tokens(aliases=SEEDS / "aliases.toml", user_phrases=SEEDS / "phrases.txt")
    result = quiet(score_frames, tc, book, group_column="narrative", n_boot=10)
    assert result.params["n_entries_unmatched"] <= 0.05 * len(result.coverage)
    assert (result.by_passage.groupby("frame")["n_hits"].sum() > 0).all()


def test_default_codebook_is_the_five_generic_news_frames_and_mentions_no_study():
    path = default_codebook_path()
    book = load_codebook(path)
    assert sorted(book.frames) == ["conflict", "economic_consequences", "human_interest", "morality",
                                   "responsibility"]
    assert all(15 <= len(terms) <= 30 and book.descriptions[f] for f, terms in book.frames.items())
    text = path.read_text(encoding="utf-8").lower()
    assert not any(word in text for word in ("huawei", "malaysia", "aws", "narrative"))
    # a generic dictionary still finds something in any news-like text: economic words in the seeds
    result = quiet(score_frames, _seeds_tokens(), book, group_column="narrative", n_boot=10)
    hits = result.by_passage.groupby("frame")["n_hits"].sum()
    assert hits["economic_consequences"] > 0 and hits.idxmax() == "economic_consequences"


# --------------------------------------------------------------------------- differences, contrasts, TextData


def _simulated(n_docs_per_group=40, seed=0):
    """Documents of 2 passages; group x mentions 'trade' at rate 0.10, y at 0.05."""
    rng = np.random.default_rng(seed)
    tokens, docs, groups = [], [], []
    for g, rate in (("x", 0.10), ("y", 0.05)):
        for d in range(n_docs_per_group):
            for _ in range(2):
                n = int(rng.integers(20, 40))
                tokens.append(["trade" if rng.random() < rate else "word" for _ in range(n)])
                docs.append(f"{g}{d}")
                groups.append(g)
    return corpus(tokens, docs, groups)


def test_difference_table_has_intervals_from_the_document_bootstrap():
    tc = _simulated()
    book = load_codebook({"economy": ["trade"]})
    result = score_frames(tc, book, group_column="narrative", normalize=split, n_boot=3000, random_state=1)
    assert list(result.difference.columns) == ["frame", "group_a", "group_b", "difference", "ci_low", "ci_high",
                                               "resampling_unit"]  # fmt: skip
    row = result.difference.iloc[0]
    means = result.by_group.set_index("group")["mean"]
    assert (row.group_a, row.group_b, row.resampling_unit) == ("x", "y", "document")
    assert row.difference == pytest.approx(means["x"] - means["y"], rel=1e-12)
    # independent check: the normal interval from document-level (cluster) variances
    shares = result.by_passage.assign(doc=lambda t: t.doc_id).groupby(["group", "doc"])["share"].mean()
    se = np.sqrt(sum(shares[g].var(ddof=1) / len(shares[g]) for g in ("x", "y")))
    assert row.ci_low == pytest.approx(row.difference - 1.96 * se, abs=0.25 * se)
    assert row.ci_high == pytest.approx(row.difference + 1.96 * se, abs=0.25 * se)
    assert result.params["comparisons"] == [["x", "y"]] and result.params["ci_level"] == 0.95


def test_contrast_against_the_rest_and_refused_groups():
    tc = corpus(TOKENS * 3, [f"{d}{k}" for k in range(3) for d in DOCS], ["x", "x", "y", "y", "z", "z"] * 3)
    result = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=50, reference="rest")
    assert set(zip(result.difference.group_a, result.difference.group_b)) == {("x", "rest"), ("y", "rest"),
                                                                            ("z", "rest")}  # fmt: skip
    shares = result.by_passage.pivot_table(index="passage_id", columns="frame", values="share")
    groups = result.by_passage.drop_duplicates("passage_id").set_index("passage_id")["group"]
    row = result.difference[(result.difference.group_a == "z") & (result.difference.frame == "economy")].iloc[0]
    by_hand = shares.loc[groups == "z", "economy"].mean() - shares.loc[groups != "z", "economy"].mean()
    assert row.difference == pytest.approx(by_hand)
    with pytest.raises(ConfigError, match="pairs='w' is not a group"):
        quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=5, contrast=("x", "w"))


def test_text_data_with_tokens_gives_the_same_result():
    from textlab.data import TextData
    from textlab.store.memory import MemoryStore
    import scipy.sparse as sp

    tc = corpus(TOKENS, DOCS, GROUPS, surface_forms={"export_control": "export controls"})
    data = TextData(rows=tc.passages, terms=pd.DataFrame({"term": ["export_control"], "label": ["export controls"]}),
                    store=MemoryStore(sp.csr_matrix((len(TOKENS), 1))), tokens=tc.tokens)  # fmt: skip
    a = quiet(score_frames, tc, BOOK, group_column="narrative", normalize=split, n_boot=30)
    b = quiet(score_frames, data, BOOK, group_column="narrative", normalize=split, n_boot=30)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name])
    counts_only = data.with_(tokens=None)
    with pytest.raises(ConfigError, match="score_frames needs running text"):
        score_frames(counts_only, BOOK, group_column="narrative")


def test_frame_result_is_a_result_that_rebuilds_from_its_tables():
    from textlab.data import Result

    result = quiet(score_frames, corpus(TOKENS, DOCS, GROUPS), BOOK, group_column="narrative", normalize=split,
                   n_boot=20)  # fmt: skip
    assert isinstance(result, Result)
    assert set(result.tables()) == {"by_passage", "by_group", "drivers", "coverage", "difference"}
    again = type(result).from_tables(result.tables(), result.params)
    pd.testing.assert_frame_equal(again.difference, result.difference)
    assert result.params["resampling_fallbacks"] == {"y": "1 document(s): passages resampled instead"}
    old = type(result).from_tables({k: v for k, v in result.tables().items() if k != "difference"}, {})
    assert old.difference.empty and "ci_low" in old.difference.columns


def test_large_by_passage_table_is_built_compactly_with_the_same_values(monkeypatch):
    from textlab.analysis import frames as frames_module

    rng = np.random.default_rng(0)
    n = 300
    passages = pd.DataFrame({"passage_id": [f"d{i}:000" for i in range(n)], "doc_id": [f"d{i}" for i in range(n)]})
    labels = pd.Series(rng.choice(["a", "b"], n))
    hits = rng.integers(0, 3, (n, 3))
    n_tokens = rng.integers(1, 30, n)
    share = hits / n_tokens[:, None]
    plain = frames_module._by_passage(passages, labels, ["x", "y", "z"], hits, n_tokens, share)
    monkeypatch.setattr(frames_module, "COMPACT_ROWS", 10)
    compact = frames_module._by_passage(passages, labels, ["x", "y", "z"], hits, n_tokens, share)
    pd.testing.assert_frame_equal(plain, compact)
    assert compact["frame"].tolist()[:4] == ["x", "y", "z", "x"] and compact["passage_id"].iat[3] == "d1:000"
