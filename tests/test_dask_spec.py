"""[compute] scheduler keys, the jobqueue cluster they build, and the Spark-dataset reader (no cluster started)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textlab._errors import ConfigError, InputFileError
from textlab.compute import active_client, cluster_spec, ordered_map, use_compute
from textlab.compute.spark import read_spark_parquet, spark_to_parquet
from textlab.study.config import load_study_config


def _study(tmp_path: Path, compute: str) -> Path:
    (tmp_path / "texts.csv").write_text("doc_id,text,g\na,x,1\n", encoding="utf-8")
    path = tmp_path / "study.toml"
    path.write_text(f'[corpus]\npath = "texts.csv"\n[groups]\ncolumn = "g"\n[compute]\n{compute}\n', encoding="utf-8")
    return path


def test_compute_section_reads_each_way_of_naming_a_cluster(tmp_path):
    cases = {
        'scheduler = "dask"\nn_workers = 3': "dask LocalCluster, 3 worker processes",
        'scheduler = "dask"\naddress = "tcp://127.0.0.1:8786"': "dask scheduler at tcp://127.0.0.1:8786",
        'scheduler = "dask"\njobqueue = { kind = "slurm", jobs = 2, cores = 4, memory = "8GB" }':
            "dask-jobqueue slurm cluster {'jobs': 2, 'cores': 4, 'memory': '8GB'}",
        'n_jobs = 1': "local processes",
    }
    for text, described in cases.items():
        assert load_study_config(_study(tmp_path, text)).cluster().describe() == described


@pytest.mark.parametrize("text, fragment", [
    ('scheduler = "spark"', "scheduler = 'spark' is not allowed"),
    ('scheduler = "dask"', "needs exactly one of address, n_workers, jobqueue (given: none)"),
    ('scheduler = "dask"\nn_workers = 2\naddress = "tcp://h:1"', "given: ['address', 'n_workers']"),
    ('n_workers = 2', "n_workers is set but scheduler = \"local\""),
    ('scheduler = "dask"\naddress = "127.0.0.1:8786"', "expected a scheduler address"),
    ('scheduler = "dask"\nn_workers = 0', "n_workers = 0 is not allowed"),
    ('scheduler = "dask"\njobqueue = { kind = "cloud" }', "kind one of"),
    ('scheduler = "dask"\njobqueue = { kind = "slurm", jobs = 0 }', "jobqueue.jobs = 0"),
])
def test_bad_compute_values_are_refused_in_one_line_naming_the_key(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as info:
        load_study_config(_study(tmp_path, text))
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_local_scheduler_activates_nothing_and_maps_in_order():
    with use_compute(None) as client:
        assert client is None and active_client() is None
        assert list(ordered_map(len, [(i, "x" * i) for i in range(5)], n_jobs=1)) == [(i, i) for i in range(5)]


def test_slurm_spec_builds_a_job_script_with_the_requested_resources():
    pytest.importorskip("dask_jobqueue")
    from textlab.compute.dask import make_cluster

    spec = cluster_spec({"scheduler": "dask", "jobqueue": {"kind": "slurm", "jobs": 0 + 1, "cores": 4,
                                                           "memory": "8GB", "walltime": "01:30:00",
                                                           "queue": "short", "processes": 4}})
    from dask_jobqueue import SLURMCluster

    original = SLURMCluster.scale
    SLURMCluster.scale = lambda self, *a, **k: None  # no sbatch here: only the job it would submit
    try:
        cluster = make_cluster(spec)
    finally:
        SLURMCluster.scale = original
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p short" in script and "#SBATCH -t 01:30:00" in script
    assert "#SBATCH --cpus-per-task=4" in script and "--nworkers 4" in script


def _spark_folder(root: Path, docs: pd.DataFrame) -> Path:
    """The layout df.write.partitionBy("outlet").parquet(root) leaves: partition folders, part files, markers."""
    root.mkdir()
    (root / "_SUCCESS").write_text("")
    for outlet, part in docs.groupby("outlet", sort=True):
        folder = root / f"outlet={outlet}"
        folder.mkdir()
        for i, start in enumerate(range(0, len(part), 3)):
            name = f"part-{i:05d}-c000.snappy.parquet"
            part.iloc[start:start + 3].drop(columns="outlet").to_parquet(folder / name, index=False)
            (folder / f".{name}.crc").write_bytes(b"\0\1")
    return root


def test_spark_parquet_dataset_becomes_a_corpus_that_prepares_like_the_same_table(tmp_path):
    from textlab.preprocessing.pipeline import prepare_data

    rng = np.random.default_rng(0)
    words = np.array("data centre cloud johor investment power water jobs energy grid".split())
    docs = pd.DataFrame({"doc_id": np.arange(20), "outlet": np.repeat(["a", "b"], 10),
                         "text": [" ".join(rng.choice(words, 30)) + "." for _ in range(20)],
                         "year": rng.integers(2020, 2025, 20)})
    out = read_spark_parquet(_spark_folder(tmp_path / "spark", docs), tmp_path / "corpus.parquet")
    table = pd.read_parquet(out)
    assert table.columns.tolist() == ["doc_id", "text", "year", "outlet"]
    expected = docs.assign(doc_id=docs["doc_id"].astype(str))[table.columns]
    pd.testing.assert_frame_equal(table, expected)  # order: partition folders, then part files, then rows
    (tmp_path / "same.jsonl").write_text("\n".join(json.dumps(r) for r in expected.to_dict("records")), "utf-8")
    a = prepare_data(out, store="memory", n_jobs=1, passages={"min_words": 2}, progress=False)
    b = prepare_data(tmp_path / "same.jsonl", store="memory", n_jobs=1, passages={"min_words": 2}, progress=False)
    assert (a.data.store.to_csr() != b.data.store.to_csr()).nnz == 0
    pd.testing.assert_frame_equal(a.data.rows, b.data.rows)


def test_spark_reader_names_what_is_missing(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no Parquet part files"):
        read_spark_parquet(tmp_path / "empty", tmp_path / "x.parquet")
    pd.DataFrame({"id": ["a"], "body": ["t"]}).to_parquet(tmp_path / "empty" / "part-0.parquet")
    with pytest.raises(InputFileError, match=r"no column\(s\) \['doc_id', 'text'\]"):
        read_spark_parquet(tmp_path / "empty", tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_spark_dataframe_path_needs_pyspark_and_says_so(tmp_path):
    try:
        import pyspark  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="pip install pyspark"):
            spark_to_parquet(object(), tmp_path / "x.parquet")
    else:  # pragma: no cover - pyspark is not installed in CI
        pytest.skip("pyspark installed: the DataFrame path is exercised by users' Spark sessions")
