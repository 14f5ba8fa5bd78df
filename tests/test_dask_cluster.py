"""The same work on a real Dask cluster (2 worker processes; a scheduler and a worker on tcp://) as on one process.

Equality, not closeness: counts, rows, tokens, audit, LDA fits and every study table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from textlab.compute import activate, use_compute  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_DOCS = 2_000


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    """2,000 generated news articles (headline furniture, bylines, syndicated copies), first ~120 words each."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.newscorpus import generate_articles

    path = tmp_path_factory.mktemp("news") / "articles.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for a in generate_articles(N_DOCS, random_state=5):
            record = {k: a[k] for k in ("doc_id", "outlet", "date", "title")}
            handle.write(json.dumps({**record, "text": a["text"][:800]}) + "\n")
    return path


@pytest.fixture(scope="module")
def client():
    with use_compute({"scheduler": "dask", "n_workers": 2}) as dask_client:
        dask_client.wait_for_workers(2, timeout=120)
        yield dask_client


def test_cluster_runs_two_worker_processes(client):
    pids = client.run(os.getpid)
    assert len(pids) == 2 and len(set(pids.values())) == 2 and os.getpid() not in pids.values()


@pytest.fixture(scope="module")
def prepared(news, client, tmp_path_factory):
    """The corpus prepared in one process (memory store) and on the cluster (disk store, 1,000-row shards)."""
    from functools import partial

    from textlab.preprocessing.pipeline import prepare_data
    from textlab.store import disk

    with activate(None):  # one process, no cluster
        one = prepare_data(news, store="memory", n_jobs=1, progress=False)
    seen_before = sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values())
    from distributed import get_task_stream

    with pytest.MonkeyPatch.context() as patch, activate(client), get_task_stream(client) as stream:
        patch.setattr(disk, "TokenShardWriter", partial(disk.TokenShardWriter, shard_rows=1_000))  # several shards
        dist = prepare_data(news, store="disk", cache_dir=tmp_path_factory.mktemp("cache"), n_jobs=1,
                            progress=False)
    assert sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values()) > seen_before  # workers worked
    _PREPARE_TASKS.extend(stream.data)
    return one, dist


_PREPARE_TASKS: list[dict] = []  # the cluster's task stream while `prepared` ran


def test_preparation_on_the_cluster_equals_one_process(prepared):
    one, dist = prepared
    assert one.params["scheduler"] == "local" and dist.params["scheduler"] == "dask"
    a, b = one.data, dist.data
    assert len(one.documents) == N_DOCS and a.store.shape[0] > N_DOCS and b.store.kind == "disk"
    assert (a.store.to_csr() != b.store.to_csr()).nnz == 0 and b.store.to_csr().dtype == np.int64
    columns = [c for c in a.rows.columns if c != "text"]  # the disk store keeps the texts in its shards
    pd.testing.assert_frame_equal(a.rows[columns].reset_index(drop=True), b.rows[columns].reset_index(drop=True))
    assert a.rows["text"].tolist() == b.texts()
    pd.testing.assert_frame_equal(a.terms, b.terms)
    assert [list(t) for t in a.tokens] == [list(t) for t in b.tokens]
    assert a.surface_forms == b.surface_forms
    pd.testing.assert_frame_equal(one.audit_table(), dist.audit_table())
    assert one.audit_table()["rule"].nunique() >= 2  # the furniture was really cleaned, with its audit
    pd.testing.assert_frame_equal(one.documents, dist.documents)


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_topic_fits_on_the_cluster_equal_serial_fits(client):
    from textlab.analysis.topics.lda import fit_grid
    from textlab.preprocessing.read import load_texts
    from textlab.preprocessing.tokens import preprocess

    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(60)]
    texts = {f"d{i}": " ".join(rng.choice(vocab[(i % 3) * 20:(i % 3) * 20 + 20], 40)) for i in range(90)}
    tokenized = preprocess(load_texts(texts), max_words=200, min_words=5)
    grid = [(3, 0), (3, 1), (4, 0)]
    serial, _ = fit_grid(tokenized, grid, n_jobs=1, passes=30)
    with activate(client):
        remote, _ = fit_grid(tokenized, grid, n_jobs=1, passes=30)
    for s, r in zip(serial, remote, strict=True):
        np.testing.assert_array_equal(s.topic_term, r.topic_term)
        np.testing.assert_array_equal(s.doc_topic, r.doc_topic)


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                            start_new_session=True)


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"dask scheduler did not start (exit {proc.poll()})")
        time.sleep(0.2)


def test_study_against_a_tcp_scheduler_equals_one_process(tmp_path):
    """`dask scheduler` and `dask worker` as separate processes; the seeds study runs against tcp://; pids stopped."""
    from distributed import Client

    from textlab.study.config import load_study_config
    from textlab.study.run import run_study

    info = tmp_path / "scheduler.json"
    scheduler = _start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", str(info)], tmp_path / "scheduler.log")
    worker = None
    try:
        _wait_for(info, scheduler)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = _start(["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
                         "--no-dashboard"], tmp_path / "worker.log")
        with Client(address, timeout="60s") as probe:
            probe.wait_for_workers(1, timeout=90)
            assert set(probe.run(os.getpid).values()) == {worker.pid}
        config = load_study_config(ROOT / "seeds" / "study.toml").replace(n_topics=4, n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            local = run_study(config, fast=True)
            remote = run_study(config.replace(scheduler="dask", address=address), fast=True)
        assert remote.provenance["compute"] == f"dask scheduler at {address}"
        assert local.provenance["compute"] == "local processes"
        assert remote.provenance["warnings"] == local.provenance["warnings"]  # the cluster adds no notes
        assert set(local.tables) == set(remote.tables) and {"keyness", "frames_by_group",
                                                             "prevalence_difference"} <= set(local.tables)
        for name, table in local.tables.items():
            pd.testing.assert_frame_equal(table, remote.tables[name], check_exact=True, obj=name)
    finally:
        for proc in (worker, scheduler):
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in (worker, scheduler):
            if proc is not None:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
    assert scheduler.returncode is not None and worker.returncode is not None


@pytest.mark.filterwarnings("ignore::textlab._errors.TextlabWarning")
def test_sample_then_infer_runs_its_inference_on_the_workers_with_the_same_answer(client):
    """Topics at scale: fit on a sample, infer every row with the topics frozen, blocks on the cluster (joblib-dask)."""
    from distributed import get_task_stream

    from textlab.analysis.topics.sampled import fit_sampled_lda, infer_topics
    from textlab.preprocessing.counts import count_terms
    from textlab.preprocessing.tokens import TokenizedCorpus

    rng = np.random.default_rng(2)
    vocab = [f"w{i}" for i in range(40)]
    tokens = [list(rng.choice(vocab[(i % 2) * 20:(i % 2) * 20 + 20], 25)) for i in range(400)]
    counts = count_terms(TokenizedCorpus(pd.DataFrame({"passage_id": [str(i) for i in range(400)]}), tokens))
    fit = fit_sampled_lda(counts, n_topics=2, sample_size=120, passes=30, progress=False)
    serial = infer_topics(fit, counts, chunk_size=50, n_jobs=1)
    with activate(client), get_task_stream(client) as stream:
        remote = infer_topics(fit, counts, chunk_size=50, n_jobs=2)
    assert stream.data and {t["worker"] for t in stream.data} <= set(client.run(os.getpid))  # blocks ran there
    # (joblib batches the 8 blocks of 50 rows into as many tasks as it likes)
    np.testing.assert_array_equal(serial, remote)
    np.testing.assert_array_equal(serial, fit.doc_topic_dirichlet)


def test_group_sums_of_disk_shards_reduced_on_the_cluster_equal_one_process(prepared, client):
    from textlab.store.aggregate import aggregate

    data = prepared[1].data
    assert data.store.kind == "disk" and len(data.store.shards) >= 5
    by_outlet = aggregate(data, "outlet")
    with activate(client):
        remote = aggregate(data, "outlet")
    expected = np.zeros(by_outlet.store.shape, dtype=np.int64)  # independent: every row added to its outlet
    codes = pd.factorize(data.rows["outlet"], sort=False)[0]
    np.add.at(expected, codes, data.store.to_csr().toarray())
    assert np.array_equal(by_outlet.counts.toarray(), expected)
    assert (remote.counts != by_outlet.counts).nnz == 0 and remote.counts.dtype == np.int64
    pd.testing.assert_frame_equal(remote.rows, by_outlet.rows)


def test_shards_written_and_counted_on_the_workers_are_the_files_one_process_writes(news, prepared, client, tmp_path):
    """Phrase application, token shards, document frequencies and counts shards run as worker tasks; same bytes."""
    from functools import partial

    from textlab.preprocessing.pipeline import prepare_data
    from textlab.store import disk

    with pytest.MonkeyPatch.context() as patch, activate(None):
        patch.setattr(disk, "TokenShardWriter", partial(disk.TokenShardWriter, shard_rows=1_000))  # as `prepared`
        one = prepare_data(news, store="disk", cache_dir=tmp_path / "one", n_jobs=1, progress=False)
    dist = prepared[1]
    ran: dict[str, set] = {}
    for task in _PREPARE_TASKS:
        ran.setdefault(task["key"].rsplit("-", 1)[0], set()).add(task["worker"])
    for kind in ("WriteTokenShard", "ShardFrequencies", "CountShard"):
        assert f"textlab-{kind}" in ran, sorted(ran)
    assert len(set().union(*ran.values())) == 2  # both workers took tasks
    a, b = tmp_path / "one" / "data", Path(dist.params["cache_dir"]) / "data"
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert sum(n.startswith("tokens-") for n in names) >= 5 and sum(n.startswith("counts-") for n in names) >= 5
    for name in names:  # every shard, the terms, the surface forms and the manifest (with its SHA-256s)
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    manifest = json.loads((b / "manifest.json").read_text())
    assert [s["n_rows"] for s in manifest["shards"]][:-1] == [1_000] * (len(manifest["shards"]) - 1)
    expected = np.zeros(one.data.store.shape, dtype=np.int64)  # independent count from the token lists
    column = {t: j for j, t in enumerate(one.data.terms["term"])}
    for i, toks in enumerate(dist.data.tokens):
        for t in toks:
            expected[i, column[t]] += 1
    assert np.array_equal(dist.data.store.to_csr().toarray(), expected)


def test_frames_and_kwic_over_disk_shards_on_the_workers_equal_one_process(prepared, client, tmp_path):
    """score_frames and keywords_in_context: one task per shard on the workers, tables equal to one process."""
    from distributed import get_task_stream

    from benchmarks.newscorpus import _codebook_toml
    from textlab.analysis.frames import load_codebook, score_frames
    from textlab.analysis.kwic import keywords_in_context

    one, dist = prepared
    assert dist.data.store.kind == "disk" and len(dist.data.tokens.shards) >= 5
    path = tmp_path / "codebook.toml"
    path.write_text(_codebook_toml(), encoding="utf-8")
    codebook = load_codebook(path)
    frame = next(iter(codebook.frames))
    with activate(None):
        local = score_frames(one.data, codebook, group_column="outlet", n_boot=20)
        local_kwic = [keywords_in_context(one.data, q, by=by, codebook=codebook, group_column="outlet", max_rows=m)
                      for q, by, m in (("data", "token", 200), (frame, "frame", 1_200), (frame, "frame", 37))]
    with activate(client), get_task_stream(client) as stream:
        remote = score_frames(dist.data, codebook, group_column="outlet", n_boot=20)
        remote_kwic = [keywords_in_context(dist.data, q, by=by, codebook=codebook, group_column="outlet", max_rows=m)
                       for q, by, m in (("data", "token", 200), (frame, "frame", 1_200), (frame, "frame", 37))]
    ran = {task["key"].rsplit("-", 1)[0] for task in stream.data}
    assert {"textlab-_Vocabulary", "textlab-_UnitCounts", "textlab-_Find"} <= ran, sorted(ran)
    assert local.by_passage["n_hits"].sum() > 100  # the frames really occur
    for name in ("by_passage", "by_group", "difference", "drivers", "coverage"):
        pd.testing.assert_frame_equal(getattr(local, name), getattr(remote, name), obj=name)
    hits = local.by_passage.pivot(index="passage_id", columns="frame", values="n_hits")
    assert (hits.sum(axis=1) > 0).sum() > 50
    for a, b in zip(local_kwic, remote_kwic):
        assert len(a.table) > 0
        pd.testing.assert_frame_equal(a.table, b.table)
    assert len(local_kwic[2].table) == 37 and len(local_kwic[1].table) == 1_200 and len(local_kwic[0].table) == 200
    position = one.data.rows.reset_index().set_index("passage_id")["index"]
    assert position[local_kwic[1].table["passage_id"]].max() > 2_000  # occurrences from several shards
    # an independent check of one KWIC: every row's match is the query word, in passage order
    table = local_kwic[0].table
    assert table["match"].str.lower().str.startswith("data").all()
    assert position[table["passage_id"]].is_monotonic_increasing
