"""The command line: help, the clean and corpus commands, and one-line errors with exit status 2."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from textlab.cli import main


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_help_lists_every_command():
    run = subprocess.run([sys.executable, "-m", "textlab", "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    for command in ("corpus", "clean", "analyze", "figures", "report", "kwic"):
        assert command in run.stdout


def test_clean_writes_texts_and_audit_and_keeps_inputs(seeds_dir, tmp_path, capsys):
    before = _hashes(seeds_dir)
    assert main(["clean", str(seeds_dir / "metadata.csv"), "--out", str(tmp_path / "cleaned")]) == 0
    out = tmp_path / "cleaned"
    assert sorted(p.name for p in out.iterdir()) == [".textlab-output", "000.txt", "001.txt", "002.txt", "003.txt", "004.txt",
                                                      "audit.csv"]
    text_004 = (out / "004.txt").read_text(encoding="utf-8")
    assert "Sergey Brin" not in text_004 and "Editor’s Note" in text_004
    audit = pd.read_csv(out / "audit.csv")
    assert list(audit.columns) == ["doc_id", "line_start", "line_end", "rule", "text"]
    assert "teaser_block" in set(audit["rule"])
    assert "teaser_block" in capsys.readouterr().out
    assert _hashes(seeds_dir) == before


def test_corpus_summary(seeds_dir, capsys):
    assert main(["corpus", str(seeds_dir / "metadata.csv"), "--group", "narrative"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 documents,")
    assert "huawei-led" in out and "aws-led" in out


@pytest.mark.parametrize("content, problem", [
    (b"caf\xe9 au lait\n", "not valid UTF-8"),
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary"),
])
def test_bad_input_gives_one_line_error_and_no_output(tmp_path, capsys, content, problem):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "good.txt").write_text("A perfectly ordinary sentence about cloud computing.\n")
    (folder / "bad.txt").write_bytes(content)
    status = main(["clean", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("textlab: error:") and "bad" in err and problem in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_empty_documents_can_be_dropped_with_a_warning(tmp_path, capsys):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "good.txt").write_text("A perfectly ordinary sentence about cloud computing.\n")
    (folder / "blank.txt").write_text("  \n")
    assert main(["clean", str(folder), "--out", str(tmp_path / "out"), "--on-empty", "warn"]) == 0
    assert "blank" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".textlab-output", "audit.csv", "good.txt"]


def test_missing_config_is_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "r")]) == 2
    assert "missing.toml" in capsys.readouterr().err


def test_kwic_reads_a_phrase_and_a_frame_in_context(seeds_dir, capsys):
    assert main(["kwic", str(seeds_dir / "study.toml"), "export controls", "--window", "4"]) == 0
    out = capsys.readouterr().out
    assert "export controls" in out and "003" in out
    assert main(["kwic", str(seeds_dir / "study.toml"), "geopolitics_security", "--by", "frame"]) == 0
    assert "huawei-led" in capsys.readouterr().out
    assert main(["kwic", str(seeds_dir / "study.toml"), "no_such_frame", "--by", "frame"]) == 2
    assert "geopolitics_security" in capsys.readouterr().err


def test_output_folder_that_is_the_input_or_holds_user_files_is_refused(seeds_dir, tmp_path, capsys):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    before = _hashes(corpus)
    assert main(["clean", str(corpus), "--out", str(corpus)]) == 2
    assert main(["clean", str(corpus / "metadata.csv"), "--out", str(corpus)]) == 2
    assert main(["analyze", str(corpus / "study.toml"), "--out", str(corpus)]) == 2  # checked before any work
    assert main(["report", str(corpus / "study.toml"), "--out", str(corpus / "study.toml")]) == 2
    assert main(["report", str(corpus / "study.toml"), "--out", str(corpus / "metadata.csv")]) == 2
    assert "input" in capsys.readouterr().err
    assert _hashes(corpus) == before and sorted(p.name for p in corpus.iterdir()) == sorted(before)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["figures", str(corpus / "study.toml"), "--out", str(mine)]) == 2
    assert "did not write" in capsys.readouterr().err and (mine / "notes.txt").read_text() == "keep"


def test_clean_refuses_doc_ids_that_are_paths(tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Solar power grows in the region.\n", encoding="utf-8")
    pd.DataFrame({"doc_id": ["../evil"], "file": ["a.txt"], "g": ["x"]}).to_csv(folder / "metadata.csv", index=False)
    assert main(["clean", str(folder / "metadata.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "cannot be used as a file name" in capsys.readouterr().err
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out").exists()
