"""Start-up, interrupts and terminal safety of the ``textlab`` command (issue 11, items 6 and 7)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from textlab.cli import main

ENV = {**os.environ, "TEXTLAB_PROGRESS": "0"}


def test_help_answers_without_importing_a_heavy_library():
    # how long it takes is measured in benchmarks/startup.py (against the plain interpreter), not here
    for command in (["--help"], ["analyze", "--help"], ["report", "--help"]):
        done = subprocess.run([sys.executable, "-m", "textlab", *command], capture_output=True, text=True, env=ENV)
        assert done.returncode == 0 and done.stdout.startswith("usage: textlab"), done.stderr
    heavy = ('pandas', 'numpy', 'gensim', 'matplotlib', 'scipy', 'tomotopy', 'sklearn', 'pyarrow')
    probe = ("import sys, textlab.cli; textlab.cli.build_parser(); "
             f"print([m for m in {heavy!r} if m in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV).stdout.strip()
    assert loaded == "[]"


@pytest.fixture(scope="module")
def slow_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("slow") / "docs.jsonl"
    words = "solar wind grid bank rates inflation farmers wheat rain hospitals nurses strike".split()
    rows = [{"doc_id": f"d{i}", "text": " ".join(words[(i + j) % 12] for j in range(400)) + "."} for i in range(3000)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("delay", [0.3, 0.9, 2.0])
def test_ctrl_c_at_any_moment_exits_130_with_one_line(slow_corpus, tmp_path, delay):
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "textlab", "clean", str(slow_corpus), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:  # finished before the signal: nothing to check
        pytest.skip("the command finished before the interrupt")
    assert process.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("textlab: interrupted"), err
    if "written in full" in lines[0]:  # interrupted while the previous output was being deleted
        assert out.is_dir()
    else:
        assert lines[0] == "textlab: interrupted; no partial output was kept" and not out.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary folder left behind


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_after_the_output_is_in_place_says_it_is_complete(tmp_path, monkeypatch, capsys):
    import textlab.preprocessing.clean as clean

    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"doc_id": f"d{i}", "text": f"Solar wind grid number {i}."}) + "\n"
                              for i in range(5)))
    out = tmp_path / "out"
    monkeypatch.setattr(clean, "audit_summary", _interrupt)  # Ctrl-C while the summary is printed
    assert main(["clean", str(corpus), "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"textlab: interrupted after {out.resolve()} was written in full (the new output is in place)"]
    assert sorted(p.name for p in out.iterdir())[-3:] == ["d2.txt", "d3.txt", "d4.txt"]


def test_ctrl_c_while_the_output_is_built_keeps_nothing(tmp_path, monkeypatch, capsys):
    import textlab._io as io

    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(json.dumps({"doc_id": "d0", "text": "Solar wind grid."}) + "\n")
    monkeypatch.setattr(io, "write_csv", _interrupt)  # Ctrl-C while the audit is written
    assert main(["clean", str(corpus), "--out", str(tmp_path / "out")]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["textlab: interrupted; no partial output was kept"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl"]


def test_ctrl_c_inside_code_run_by_exec_still_exits_130_with_one_line(tmp_path):
    # dataclasses run exec() while modules import; CPython 3.11 then treats a bare KeyboardInterrupt as unhandled
    # even when caught and ends the process by SIGINT (-2): the command raises its own subclass instead
    script = (
        "import argparse, sys\n"
        "import textlab.cli as cli\n"
        "parse = argparse.ArgumentParser.parse_args\n"
        "def boom(args):\n"
        "    exec('import os, signal, time\\nos.kill(os.getpid(), signal.SIGINT)\\ntime.sleep(5)')\n"
        "def parse_args(self, *a, **k):\n"
        "    args = parse(self, *a, **k)\n"
        "    args.func = boom\n"
        "    return args\n"
        "argparse.ArgumentParser.parse_args = parse_args\n"
        "sys.exit(cli.main(['corpus', 'anything.jsonl']))\n"
    )
    (tmp_path / "interrupted_in_exec.py").write_text(script)  # run with -m, as `python -m textlab` is
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run([sys.executable, "-m", "interrupted_in_exec"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines() == ["textlab: interrupted; no partial output was kept"]


def test_an_interrupt_while_held_is_raised_once_the_block_is_done():
    from textlab._atomic import _interrupts_held

    ran = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
            ran.append("the rest of the block")
    assert ran == ["the rest of the block"]


def test_terminal_output_is_stripped_of_control_characters(tmp_path, capsys):
    hostile = "Normal words here.\x1b]0;pwned title\x07 More words\x1b[2J after a clear-screen and \x08\x08 backspaces."
    path = tmp_path / "docs.jsonl"
    rows = [{"doc_id": "a\x1b[31m", "text": hostile + " Solar panels and wind turbines supply the grid today.",
             "side": "\x1b[2Jleft"},
            {"doc_id": "b", "text": "Solar power grows. Wind turbines supply the grid at night.", "side": "right"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["corpus", str(path), "--group", "side"]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "\x08" not in printed
    assert "left" in printed and "a" in printed


def test_csv_cells_from_corpus_text_cannot_run_as_formulas_and_numbers_are_unchanged(tmp_path):
    import pandas as pd

    from textlab._io import write_csv

    table = pd.DataFrame({"term": ["=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1)", "-cmd|' /C calc'!A0", "@x",
                                   "\tTAB", "-0.5", "+3", "normal", "-"],
                          "z": [-1.5, 2.0, -3.25, 4.0, 5.0, -6.0, 7.0, 8.0, 9.0], "n": list(range(9))})
    write_csv(table, tmp_path / "people.csv", for_people=True)
    write_csv(table, tmp_path / "data.csv")
    back = pd.read_csv(tmp_path / "people.csv", keep_default_na=False, dtype={"term": str})
    assert back["term"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")", "'+SUM(A1)", "'-cmd|' /C calc'!A0", "'@x",
                                     "'\tTAB", "-0.5", "+3", "normal", "'-"]
    assert back["z"].tolist() == table["z"].tolist() and back["n"].tolist() == table["n"].tolist()
    data = pd.read_csv(tmp_path / "data.csv", keep_default_na=False, dtype={"term": str})
    assert data["term"].tolist() == table["term"].tolist()  # without for_people the values are exact


def test_figures_readme_shows_group_names_as_text(tmp_path):
    from types import SimpleNamespace

    from textlab.study.config import StudyConfig
    from textlab.study.figures import _readme

    config = StudyConfig(corpus_path=tmp_path, group_column="side<script>",
                         contrast=("<img src=x onerror=alert(1)>", "aws-led"))
    readme = _readme(SimpleNamespace(config=config, n_topics=3, provenance={"n_topics_rule": "q < 0.05"}), [])
    assert "<img" not in readme and "<script" not in readme
    assert "&lt;img src=x onerror=alert(1)> minus aws-led" in readme and "q < 0.05" in readme


def test_a_huge_single_line_is_split_into_sentences_in_pieces_at_sentence_ends(monkeypatch):
    import random

    from textlab.preprocessing._text import passages

    rng = random.Random(0)
    words = "solar wind grid bank rates inflation farmers wheat rain U.S. Mr. 2.0 e.g. nurses".split()
    text = " ".join(rng.choice(words) + ("." if rng.random() < 0.1 else "") for _ in range(6000))
    whole = passages._SENTENCES.tokenize(text)  # Punkt on the whole line at once
    monkeypatch.setattr(passages, "_MAX_PIECE", 2_000)
    calls = []
    real = passages._SENTENCES
    monkeypatch.setattr(passages, "_SENTENCES", type("Spy", (), {
        "tokenize": lambda self, t: calls.append(len(t)) or real.tokenize(t),
        "span_tokenize": lambda self, t: calls.append(len(t)) or real.span_tokenize(t)})())
    assert passages.split_sentences(text) == whole  # cut where Punkt ends a sentence: the same sentences
    assert len(calls) > 10 and max(calls) <= 2_000
    no_stop = "word " * 2_000  # no sentence end at all: cut at spaces, every word kept
    assert " ".join(passages.split_sentences(no_stop)).split() == no_stop.split()


def test_corpus_summary_prints_at_most_its_row_limit(tmp_path, capsys):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"doc_id": f"d{i:03d}", "text": f"Document number {i} talks about solar power."})
                            + "\n" for i in range(120)))
    assert main(["corpus", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "d039" in printed and "d040" not in printed and "... and 80 more rows" in printed
