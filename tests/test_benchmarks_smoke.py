"""Synthetic corpora, the recovery scorer, and a tiny run of the benchmark runner."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import (  # noqa: E402
    iter_synthetic_documents,
    make_synthetic_corpus,
    make_topics,
    make_vocabulary,
    recovery,
    write_synthetic_jsonl,
)


def test_vocabulary_is_distinct_and_survives_textlab_tokenising():
    vocab = make_vocabulary(2000)
    assert len(set(vocab)) == 2000
    from textlab.preprocessing.tokens import tokenize_text
    from textlab.preprocessing.stream import default_preprocess_fn

    text = " ".join(vocab[::7])
    assert tokenize_text(text) == list(vocab[::7])
    assert default_preprocess_fn()(text) == list(vocab[::7])  # cleaning keeps a one-line document


def test_generator_follows_the_lda_process():
    corpus = make_synthetic_corpus(3000, n_topics=3, vocab_size=30, mean_length=60, alpha=0.5, eta=0.5,
                                   random_state=1)
    lengths = np.array([len(d.split()) for d in corpus.documents])
    assert abs(lengths.mean() - 60) < 1.0  # Poisson mean
    counts = np.zeros(30)
    index = {w: i for i, w in enumerate(corpus.vocabulary)}
    for doc in corpus.documents:
        for w in doc.split():
            counts[index[w]] += 1
    # expected word frequencies: sum_d N_d * theta_d @ phi
    expected = (lengths[:, None] * corpus.doc_topic).sum(axis=0) @ corpus.topic_term
    assert np.allclose(counts / counts.sum(), expected / expected.sum(), atol=0.003)
    # same seed -> same corpus; written file holds the same documents
    again = make_synthetic_corpus(3000, n_topics=3, vocab_size=30, mean_length=60, alpha=0.5, eta=0.5,
                                  random_state=1)
    assert again.documents == corpus.documents


def test_written_corpus_equals_in_memory_corpus(tmp_path):
    mem = make_synthetic_corpus(2100, n_topics=4, vocab_size=50, mean_length=8, random_state=2)
    disk = write_synthetic_jsonl(tmp_path / "s.jsonl", 2100, n_topics=4, vocab_size=50, mean_length=8,
                                 chunk_size=700, random_state=2)
    lines = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [r["text"] for r in lines] == mem.documents
    assert np.array_equal(disk.topic_term, mem.topic_term)
    phi = make_topics(n_topics=2, vocab_size=9)
    a = [d for _, docs in iter_synthetic_documents(phi, 2500, chunk_size=1500) for d in docs]
    b = [d for _, docs in iter_synthetic_documents(phi, 2500, chunk_size=333) for d in docs]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_recovery_matches_scipy_and_is_permutation_invariant():
    rng = np.random.default_rng(0)
    true = rng.dirichlet(np.full(40, 0.3), size=5)
    est = rng.dirichlet(np.full(40, 0.3), size=5)
    score = recovery(true, est)
    for row in score.pairs.itertuples():
        p, q = true[row.true_topic], est[row.est_topic]
        assert row.jsd == pytest.approx(jensenshannon(p, q, base=2) ** 2, abs=1e-9)
        assert row.cosine == pytest.approx(p @ q / np.linalg.norm(p) / np.linalg.norm(q))
    # Hungarian optimum: no permutation has a lower total JSD (brute force over 5! orders)
    from itertools import permutations

    jsd = np.array([[jensenshannon(p, q, base=2) ** 2 for q in est] for p in true])
    best = min(sum(jsd[i, j] for i, j in enumerate(perm)) for perm in permutations(range(5)))
    assert score.pairs["jsd"].sum() == pytest.approx(best)
    assert 0 <= score.jsd_similarity <= 1
    # shuffled topics and shuffled, partly renamed vocabulary: perfect recovery is still 1
    vocab = np.array([f"w{i}" for i in range(40)], dtype=object)
    order = rng.permutation(40)
    perfect = recovery(true, true[::-1][:, order], true_vocabulary=vocab, est_vocabulary=vocab[order])
    assert perfect.jsd_similarity == pytest.approx(1.0) and perfect.cosine == pytest.approx(1.0)


def test_quick_benchmark_runs_and_reports_recovery(tmp_path, capsys):
    """``python benchmarks/run.py --quick``, called in-process to share the imported libraries."""
    from benchmarks.run import main

    out = tmp_path / "RESULTS.md"
    code = main(["--quick", "--out", str(out), "--workdir", str(tmp_path / "work")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert re.search(r"150 tomotopy +wall", printed)  # figures printed as they come
    report = out.read_text()
    assert "## Machine" in report and "cores" in report
    lines = report.splitlines()
    header = next(line for line in lines if line.startswith("| documents |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    rows = [dict(zip(columns, (c.strip() for c in line.strip("|").split("|")))) for line in lines
            if line.startswith("| 150 |")]
    engines = {row["step"]: row for row in rows}
    names = {"textlab", "textlab-gensim", "gensim-same", "gensim-issue", "sklearn", "tomotopy", "tomotopy-equal-time"}
    assert names <= set(engines)
    for name in names:
        assert 0.0 <= float(engines[name]["recovery (1−JSD)"]) <= 1.0
        assert 0.0 <= float(engines[name]["cosine"]) <= 1.0
        assert float(engines[name]["wall s"]) > 0
    # Gibbs sampling recovers 4 well-separated planted topics almost perfectly even in the quick run
    assert float(engines["tomotopy"]["recovery (1−JSD)"]) > 0.9
    assert "input tokens/s" in report
    assert "equal wall time" in report  # the tomotopy-equal-time row is compared with textlab's


# --- the generated news corpus and the study-level benchmarks ------------------------------------


def _table_rows(report: str, header_start: str) -> list[dict]:
    """Rows of the first markdown table whose header starts with ``header_start``, as dicts."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    columns = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(columns, (c.strip() for c in line.strip("|").split("|")))))
    return rows


def test_news_corpus_is_deterministic_nested_and_plants_its_leans(tmp_path):
    import csv

    from benchmarks.newscorpus import build_news_corpus, generate_articles

    small = build_news_corpus(tmp_path / "a", 60, random_state=3)
    again = build_news_corpus(tmp_path / "b", 60, random_state=3)
    assert small.articles.read_bytes() == again.articles.read_bytes()
    other_seed = build_news_corpus(tmp_path / "c", 60, random_state=4)
    assert small.articles.read_bytes() != other_seed.articles.read_bytes()
    records = [json.loads(line) for line in small.articles.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 60 and {"doc_id", "text", "outlet", "date", "title"} == set(records[0])
    assert len({r["outlet"] for r in records}) == 9  # every outlet present even in a small corpus
    assert all("2023-01-01" <= r["date"] <= "2024-12-31" for r in records)
    assert all(300 <= len(r["text"].split()) <= 1_500 for r in records)  # body 300-1,200 words + furniture
    assert all("\n\n" in r["text"] for r in records)  # paragraphs
    # the first 60 articles of a larger corpus are the same articles (ids widen with the size)
    bigger = [a for a, _ in zip(generate_articles(150, random_state=3), range(60))]
    assert [b["text"] for b in bigger] == [r["text"] for r in records]
    # planted leans are visible in the realised sentence shares (independent count from the CSV)
    with open(small.folder / "truth_documents.csv", encoding="utf-8") as handle:
        truth_rows = list(csv.DictReader(handle))
    assert [row["doc_id"] for row in truth_rows] == [r["doc_id"] for r in records]
    big = build_news_corpus(tmp_path / "d", 900, random_state=0)
    with open(big.folder / "truth_documents.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    share = lambda outlet, topic: np.mean([float(r[f"topic_{topic}"]) for r in rows if r["outlet"] == outlet])
    assert share("daily-ledger", "economy") > 2 * share("metro-herald", "economy")
    assert share("metro-herald", "sport") > 2 * share("daily-ledger", "sport")
    tech_2023 = np.mean([float(r["topic_technology"]) for r in rows if r["date"] < "2023-07-01"])
    tech_2024 = np.mean([float(r["topic_technology"]) for r in rows if r["date"] >= "2024-07-01"])
    assert tech_2024 > 1.5 * tech_2023  # planted trend: technology rises
    synd = big.truth["corpus"]["syndicated"]
    assert synd, "syndicated near-duplicates are planted"
    by_id = {json.loads(line)["doc_id"]: json.loads(line) for line in big.articles.read_text().splitlines()}
    copy, source = by_id[synd[0][0]], by_id[synd[0][1]]
    assert copy["outlet"] != source["outlet"] and copy["title"] == source["title"]
    # the study file loads and names the corpus, groups and codebook textlab reads
    import textlab as tl

    config = tl.load_study_config(small.study)
    assert config.group_column == "outlet" and tuple(config.contrast) == ("daily-ledger", "northern-courier")
    codebook = tl.load_codebook(small.folder / "codebook.toml")
    assert len(codebook.frames) == 5


def test_study_speed_runs_and_reports_both_sides(tmp_path):
    from benchmarks.study_speed import main

    out = tmp_path / "speed.md"
    code = main(["--size", "12", "--textlab-fast", "--skip-seeds", "--sweeps", "10", "--workdir",
                 str(tmp_path / "work"), "--out", str(out)])
    report = out.read_text(encoding="utf-8")
    assert code == 0, report
    rows = {r["step"]: r for r in _table_rows(report, "| step |")}
    tl_row = rows["textlab analyze --fast"]
    peer = next(r for name, r in rows.items() if name.startswith("minimal peer"))
    assert "textlab tokens for the peer" in rows
    assert tl_row["K searched"] == peer["K searched"]  # the peer searches textlab's range
    low, high = (int(x) for x in peer["K searched"].split("–"))
    assert int(peer["Gibbs sweeps"].replace(",", "")) == 10 * (high - low + 1)
    assert low <= int(peer["K chosen"]) <= high and low <= int(tl_row["K chosen"]) <= high
    assert int(tl_row["Gibbs sweeps"].replace(",", "")) > 0  # counted in textlab's processes
    assert "textlab analyze / minimal peer, wall time" in report
    assert "### Seed study" not in report


@pytest.mark.slow
def test_study_speed_seeds_side_reports_analyze_and_figures(tmp_path):
    """The seeds half (``textlab figures`` draws every figure: ~25 CPU s, so not in the default run)."""
    from benchmarks.study_speed import main

    out = tmp_path / "speed.md"
    code = main(["--skip-news", "--seeds-fast", "--workdir", str(tmp_path / "work"), "--out", str(out)])
    report = out.read_text(encoding="utf-8")
    assert code == 0, report
    seeds = {r["step"] for r in _table_rows(report.split("### Seed study")[1], "| step |")}
    assert seeds == {"textlab analyze seeds (run 1)", "textlab figures seeds (run 1)"}
    assert "textlab figures / textlab analyze on the seeds" in report


def test_planted_benchmark_reports_both_engines(tmp_path):
    from benchmarks.planted import main

    out = tmp_path / "planted.md"
    code = main(["--sizes", "200", "--topics", "4", "--vocab", "200", "--length", "40", "--workdir",
                 str(tmp_path / "work"), "--out", str(out)])
    report = out.read_text(encoding="utf-8")
    assert code == 0, report
    rows = {r["engine"]: r for r in _table_rows(report, "| documents |")}
    assert set(rows) == {"textlab", "tomotopy"}
    for row in rows.values():
        assert 0.0 <= float(row["recovery (1−JSD)"]) <= 1.0 and float(row["peak MB"]) > 0
        assert int(row["sweeps"]) > 0
    assert float(rows["tomotopy"]["recovery (1−JSD)"]) > 0.9  # 4 well-separated topics: Gibbs finds them
    assert "memory: peak" in report and "recovery at equal wall time" in report
