"""The hostile-user matrix: odd inputs, wrong-type settings and unsafe paths, tried through the CLI.

Every case must give a correct result or a one-line error naming the file or value (exit 2, no
traceback), write no output folder, and leave its inputs unmodified. Cases run in-process
(``textlab.cli.main``), so an uncaught exception fails the test with its traceback.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from textlab.cli import main

TEXTS = [
    "Solar panels and wind turbines supply the grid. Storage batteries smooth the evening peak for homes.",
    "The central bank raised interest rates again. Inflation and mortgage costs worry young families.",
    "Farmers planted wheat and barley this spring. Rain arrived late and the harvest may be smaller.",
    "Hospitals hired more nurses after the strike. Waiting lists for surgery are shorter this winter.",
]


def _docs(n: int = 4) -> list[dict]:
    return [{"doc_id": f"d{i}", "text": TEXTS[i % 4], "side": "left" if i % 2 else "right"} for i in range(n)]


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _csv(rows: list[dict]) -> str:
    return pd.DataFrame(rows).to_csv(index=False)


# --------------------------------------------------------------------------- corpus cases
# builder(tmp) -> the path given to `textlab corpus`; expected: None (works) or words the error must hold.

def _nul_escaped(tmp: Path) -> Path:
    rows = _docs()
    rows[1]["text"] = "before\u0000after " + rows[1]["text"]
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


def _nul_raw(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", _csv(_docs()).replace("Storage", "Sto\x00rage").encode())


def _int_text_jsonl(tmp: Path) -> Path:
    rows = _docs()
    rows[2]["text"] = 12345
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


def _int_text_parquet(tmp: Path) -> Path:
    path = tmp / "c" / "docs.parquet"
    path.parent.mkdir()
    pd.DataFrame({"doc_id": ["a", "b"], "text": [1, 2]}).to_parquet(path)
    return path


def _bom_csv(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", b"\xef\xbb\xbf" + _csv(_docs()).encode())


def _bom_jsonl(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.jsonl", b"\xef\xbb\xbf" + _jsonl(_docs()).encode())


def _corrupt_parquet(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.parquet", b"PAR1 this is not parquet at all PAR1")


def _truncated_gz(tmp: Path) -> Path:
    data = gzip.compress(_csv(_docs(200)).encode())
    return _write(tmp / "c" / "docs.csv.gz", data[: len(data) // 2])


def _bad_json_line(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.jsonl", _jsonl(_docs(2)) + '{"doc_id": "x", "text": \n')


def _json_list_line(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.jsonl", _jsonl(_docs(2)) + '["x", "text"]\n')


def _folder_symlink_out(tmp: Path) -> Path:
    _write(tmp / "secret.txt", "private words that must not be read")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    os.symlink(tmp / "secret.txt", tmp / "c" / "b.txt")
    return tmp / "c"


def _folder_linked_dir_out(tmp: Path) -> Path:
    _write(tmp / "elsewhere" / "x.txt", "private words")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    os.symlink(tmp / "elsewhere", tmp / "c" / "sub")
    return tmp / "c"


def _metadata_names_symlink_out(tmp: Path) -> Path:
    _write(tmp / "secret.txt", "private words")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    os.symlink(tmp / "secret.txt", tmp / "c" / "b.txt")
    return _write(tmp / "c" / "meta.csv", "doc_id,file,side\na,a.txt,left\nb,b.txt,right\n")


def _metadata_dotdot(tmp: Path) -> Path:
    _write(tmp / "secret.txt", "private words")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    return _write(tmp / "c" / "meta.csv", "doc_id,file,side\na,a.txt,left\nb,../secret.txt,right\n")


def _metadata_absolute(tmp: Path) -> Path:
    _write(tmp / "secret.txt", "private words")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    return _write(tmp / "c" / "meta.csv", f"doc_id,file,side\na,a.txt,left\nb,{tmp / 'secret.txt'},right\n")


def _folder_metadata_symlink_out(tmp: Path) -> Path:
    _write(tmp / "meta_elsewhere.csv", "doc_id,side\na,left\n")
    _write(tmp / "c" / "a.txt", TEXTS[0])
    os.symlink(tmp / "meta_elsewhere.csv", tmp / "c" / "metadata.csv")
    return tmp / "c"


def _ragged_first_row(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\nd0,hello world,left,EXTRA\nd1,second text,right\n")


def _ragged_later_row(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\nd0,hello world,left\nd1,second text\n")


def _ragged_tsv(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.tsv", "doc_id\ttext\tside\nd0\thello\tleft\textra\n")


def _latin1_bytes(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\nd0,caf\xe9 culture,left\n".encode("latin-1"))


def _empty_csv(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "")


def _header_only(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\n")


def _duplicate_ids(tmp: Path) -> Path:
    rows = _docs()
    rows[3]["doc_id"] = "d0"
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


def _missing_text_column(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.jsonl", _jsonl([{"doc_id": "a", "body": "x"}]))


def _binary_txt(tmp: Path) -> Path:
    _write(tmp / "c" / "a.txt", TEXTS[0])
    _write(tmp / "c" / "b.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return tmp / "c"


def _utf16_without_option(tmp: Path) -> Path:
    _write(tmp / "c" / "a.txt", TEXTS[0].encode("utf-16"))
    return tmp / "c"


def _empty_folder(tmp: Path) -> Path:
    (tmp / "c").mkdir()
    return tmp / "c"


def _missing_path(tmp: Path) -> Path:
    (tmp / "c").mkdir()
    return tmp / "c" / "nowhere.jsonl"


def _single_txt(tmp: Path) -> Path:
    return _write(tmp / "c" / "a.txt", TEXTS[0])


def _metadata_names_folder(tmp: Path) -> Path:
    (tmp / "c" / "sub").mkdir(parents=True)
    return _write(tmp / "c" / "meta.csv", "doc_id,file,side\na,sub,left\n")


def _metadata_names_missing(tmp: Path) -> Path:
    return _write(tmp / "c" / "meta.csv", "doc_id,file,side\na,gone.txt,left\n")


def _unsupported_suffix(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.xlsx", b"PK\x03\x04")


def _empty_document(tmp: Path) -> Path:
    rows = _docs()
    rows[1]["text"] = "   \n "
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


def _unclosed_quote(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", 'doc_id,text,side\nd0,"never closed,left\nd1,x,right\n')


def _blank_id(tmp: Path) -> Path:
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\n,hello world,left\n")


def _crlf_and_na(tmp: Path) -> Path:  # works: NA stays text, CRLF is a newline
    return _write(tmp / "c" / "docs.csv", "doc_id,text,side\r\nNA,hello world,null\r\nd1,\"two\r\nlines\",left\r\n")


def _redos_pattern(tmp: Path) -> Path:  # a nested quantifier: refused when compiled
    rows = _docs()
    rows[0]["text"] = "a" * 40 + "!\n" + rows[0]["text"]
    for row in rows:
        row["clean_patterns"] = "^(a+)+$" if row["doc_id"] == "d0" else ""
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


def _slow_pattern(tmp: Path) -> Path:  # exponential without nesting: stopped by the time limit
    rows = _docs()
    rows[0]["text"] = "a" * 40 + "!\n" + rows[0]["text"]
    for row in rows:
        row["clean_patterns"] = "^(a|a)+$" if row["doc_id"] == "d0" else ""
    return _write(tmp / "c" / "docs.jsonl", _jsonl(rows))


CORPUS_CASES: dict[str, tuple[Callable[[Path], Path], str | None]] = {
    "clean-pattern-nested-quantifier": (_redos_pattern, "(a+)+"),
    "clean-pattern-slow": (_slow_pattern, "took over"),
    "nul-escaped-jsonl": (_nul_escaped, "NUL"),
    "nul-byte-csv": (_nul_raw, "NUL byte"),
    "integer-text-jsonl": (_int_text_jsonl, "non-text"),
    "integer-text-parquet": (_int_text_parquet, "non-text"),
    "bom-csv": (_bom_csv, None),
    "bom-jsonl": (_bom_jsonl, None),
    "corrupt-parquet": (_corrupt_parquet, "docs.parquet"),
    "truncated-gzip": (_truncated_gz, "docs.csv.gz"),
    "invalid-json-line": (_bad_json_line, "line 3"),
    "json-list-line": (_json_list_line, "line 3"),
    "folder-symlink-out": (_folder_symlink_out, "outside the corpus folder"),
    "folder-linked-dir-out": (_folder_linked_dir_out, "outside the corpus folder"),
    "metadata-names-symlink-out": (_metadata_names_symlink_out, "outside the corpus folder"),
    "metadata-dotdot": (_metadata_dotdot, "outside the corpus folder"),
    "metadata-absolute": (_metadata_absolute, "absolute path"),
    "folder-metadata-symlink-out": (_folder_metadata_symlink_out, "outside the corpus folder"),
    "ragged-first-row": (_ragged_first_row, "line 2"),
    "ragged-later-row": (_ragged_later_row, "line 3"),
    "ragged-tsv": (_ragged_tsv, "line 2"),
    "latin1-bytes-as-utf8": (_latin1_bytes, "--encoding"),
    "empty-csv": (_empty_csv, "is empty"),
    "header-only-csv": (_header_only, "docs.csv"),
    "duplicate-ids": (_duplicate_ids, "'d0'"),
    "missing-text-column": (_missing_text_column, "--text-column"),
    "binary-txt-in-folder": (_binary_txt, "b.txt"),
    "utf16-without-encoding": (_utf16_without_option, "utf-16"),
    "empty-folder": (_empty_folder, "c"),
    "missing-path": (_missing_path, "nowhere.jsonl"),
    "single-txt-file": (_single_txt, "a.txt"),
    "metadata-names-folder": (_metadata_names_folder, "sub"),
    "metadata-names-missing-file": (_metadata_names_missing, "gone.txt"),
    "unsupported-suffix": (_unsupported_suffix, "docs.xlsx"),
    "empty-document": (_empty_document, "--on-empty"),
    "unclosed-quote": (_unclosed_quote, "docs.csv"),
    "blank-id": (_blank_id, "row"),
    "crlf-and-na-strings": (_crlf_and_na, None),
}


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("textlab: warning:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("textlab: error: "), err
    assert "Traceback" not in err
    assert needle.lower() in lines[0].lower(), lines[0]
    assert "error: :" not in lines[0]  # never an empty path


@pytest.mark.parametrize("name", list(CORPUS_CASES))
def test_corpus_matrix(name, tmp_path, capsys, monkeypatch):
    build, expected = CORPUS_CASES[name]
    monkeypatch.chdir(tmp_path)
    path = build(tmp_path)
    before = _snapshot(tmp_path)
    argv = ["corpus", str(path)] + (["--encoding", "utf-8"] if "utf16" in name else [])
    code, out, err = _run(argv, capsys)
    if expected is None:
        assert code == 0, err
        assert "Traceback" not in err
    else:
        _assert_one_line_error(code, err, expected)
        assert "private words" not in out
    assert _snapshot(tmp_path) == before


def test_an_unknown_group_column_is_refused_before_any_output(tmp_path, capsys):
    path = _write(tmp_path / "docs.jsonl", _jsonl(_docs()))
    code, out, err = _run(["corpus", str(path), "--group", "nope"], capsys)
    _assert_one_line_error(code, err, "--group 'nope'")
    assert out == ""


def test_clean_writes_no_output_on_a_bad_corpus(tmp_path, capsys):
    path = _ragged_first_row(tmp_path)
    code, _, err = _run(["clean", str(path), "--out", str(tmp_path / "out")], capsys)
    _assert_one_line_error(code, err, "line 2")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["c"]  # no temporary debris either


# --------------------------------------------------------------------------- study-file cases
# Each case replaces or adds lines of a minimal study file; `analyze` must refuse it before any work.

BASE_STUDY = {
    "corpus": {"path": '"docs.jsonl"'},
    "groups": {"column": '"side"', "contrast": '["left", "right"]'},
}


def _study_text(sections: dict[str, dict[str, str]]) -> str:
    return "".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in body.items()) for name, body in sections.items())


def _study(tmp: Path, changes: dict[str, dict[str, str | None]]) -> Path:
    sections = {name: dict(body) for name, body in BASE_STUDY.items()}
    for name, body in changes.items():
        for key, value in body.items():
            if value is None:
                sections.setdefault(name, {}).pop(key, None)
            else:
                sections.setdefault(name, {})[key] = value
    _write(tmp / "s" / "docs.jsonl", _jsonl(_docs(8)))
    return _write(tmp / "s" / "study.toml", _study_text(sections))


STUDY_CASES: dict[str, tuple[dict, str]] = {
    # named in the issue
    "n_topics_range-int": ({"lda": {"n_topics_range": "5"}}, "n_topics_range"),
    "n_topics_range-one": ({"lda": {"n_topics_range": "[3]"}}, "n_topics_range"),
    "n_topics_range-floats": ({"lda": {"n_topics_range": "[3.5, 4.5]"}}, "n_topics_range"),
    "contrast-int": ({"groups": {"contrast": "5"}}, "contrast"),
    "path-int": ({"corpus": {"path": "5"}}, "path"),
    "encoding-int": ({"corpus": {"encoding": "5"}}, "encoding"),
    "random_state-negative": ({"uncertainty": {"random_state": "-1"}}, "random_state"),
    "stopwords-int": ({"tokens": {"stopwords": "5"}}, "stopwords"),
    "codebook-int": ({"frames": {"codebook": "5"}}, "codebook"),
    "seed-list-strings": ({"lda": {"selection_random_states": '["0", "1"]'}}, "selection_random_states"),
    "stability-seed-list-strings": ({"lda": {"stability_random_states": '"0,1,2"'}}, "stability_random_states"),
    "phrases-string-false": ({"tokens": {"phrases": '"false"'}}, "phrases"),
    "disable-string": ({"clean": {"disable": '"pull_quote"'}}, "disable"),
    # variants
    "disable-unknown-rule": ({"clean": {"disable": '["pull_quotes"]'}}, "pull_quotes"),
    "clean-patterns-nested": ({"clean": {"patterns": '["^(a+)+$"]'}}, "(a+)+"),
    "clean-patterns-invalid": ({"clean": {"patterns": '["(unclosed"]'}}, "(unclosed"),
    "clean-patterns-string": ({"clean": {"patterns": '"^Copyright"'}}, "patterns"),
    "n_boot-string": ({"uncertainty": {"n_boot": '"500"'}}, "n_boot"),
    "n_boot-zero": ({"uncertainty": {"n_boot": "0"}}, "n_boot"),
    "n_boot-float": ({"uncertainty": {"n_boot": "500.0"}}, "n_boot"),
    "ci_level-string": ({"uncertainty": {"ci_level": '"0.95"'}}, "ci_level"),
    "ci_level-one": ({"uncertainty": {"ci_level": "1"}}, "ci_level"),
    "ci_level-percent": ({"uncertainty": {"ci_level": "95"}}, "ci_level"),
    "ci_level-bool": ({"uncertainty": {"ci_level": "true"}}, "ci_level"),
    "resampling_unit-bad": ({"uncertainty": {"resampling_unit": '"sentence"'}}, "resampling_unit"),
    "random_state-float": ({"uncertainty": {"random_state": "1.5"}}, "random_state"),
    "random_state-bool": ({"uncertainty": {"random_state": "true"}}, "random_state"),
    "n_topics-one": ({"lda": {"n_topics": "1"}}, "n_topics"),
    "n_topics-float": ({"lda": {"n_topics": "3.0"}}, "n_topics"),
    "n_topics-string": ({"lda": {"n_topics": '"5"'}}, "n_topics"),
    "n_topics-bool": ({"lda": {"n_topics": "true"}}, "n_topics"),
    "n_topics_range-reversed": ({"lda": {"n_topics_range": "[8, 3]"}}, "n_topics_range"),
    "n_topics_range-three": ({"lda": {"n_topics_range": "[3, 5, 8]"}}, "n_topics_range"),
    "seed-list-empty": ({"lda": {"selection_random_states": "[]"}}, "selection_random_states"),
    "seed-list-negative": ({"lda": {"stability_random_states": "[0, -2]"}}, "stability_random_states"),
    "seed-list-floats": ({"lda": {"stability_random_states": "[0.5, 1.5]"}}, "stability_random_states"),
    "lda-passes-string": ({"lda": {"passes": '"ten"'}}, "passes"),
    "lda-unknown-key": ({"lda": {"n_topic": "5"}}, "n_topic"),
    "max_words-zero": ({"passages": {"max_words": "0"}}, "max_words"),
    "max_words-string": ({"passages": {"max_words": '"120"'}}, "max_words"),
    "min_words-above-max": ({"passages": {"min_words": "200"}}, "min_words"),
    "column-int": ({"groups": {"column": "5"}}, "column"),
    "column-empty": ({"groups": {"column": '""'}}, "column"),
    "column-missing": ({"groups": {"column": None}}, "column"),
    "contrast-three": ({"groups": {"contrast": '["left", "right", "centre"]'}}, "contrast"),
    "contrast-same-twice": ({"groups": {"contrast": '["left", "left"]'}}, "contrast"),
    "contrast-string": ({"groups": {"contrast": '"left"'}}, "contrast"),
    "text_column-int": ({"corpus": {"text_column": "5"}}, "text_column"),
    "id_column-list": ({"corpus": {"id_column": '["doc_id"]'}}, "id_column"),
    "encoding-unknown": ({"corpus": {"encoding": '"utf-9"'}}, "utf-9"),
    "path-missing-file": ({"corpus": {"path": '"nowhere.jsonl"'}}, "nowhere.jsonl"),
    "path-empty": ({"corpus": {"path": '""'}}, "path"),
    "corpus-section-missing": ({"corpus": {"path": None}}, "path"),
    "section-unknown": ({"topics": {"k": "5"}}, "topics"),
    "section-not-a-table": ({"lda": {}, "clean": {"disable": "[]"}}, None),  # replaced below
    "key-unknown": ({"uncertainty": {"n_bootstrap": "5"}}, "n_bootstrap"),
    "tokens-unknown": ({"tokens": {"stemmer": '"porter"'}}, "stemmer"),
    "tokens-stem-bad": ({"tokens": {"stem": '"lancaster-ish"'}}, "stem"),
    "tokens-min-len-string": ({"tokens": {"min_length": '"2"'}}, "min_length"),
    "codebook-missing-file": ({"frames": {"codebook": '"nope.toml"'}}, "nope.toml"),
    "store-bad": ({"compute": {"store": '"cloud"'}}, "store"),
    "n_jobs-zero": ({"compute": {"n_jobs": "0"}}, "n_jobs"),
    "cache_dir-int": ({"compute": {"cache_dir": "5"}}, "cache_dir"),
    "dpi-string": ({"figures": {"dpi": '"300"'}}, "dpi"),
    "formats-string": ({"figures": {"formats": '"pdf"'}}, "formats"),
    "formats-jpeg": ({"figures": {"formats": '["jpeg"]'}}, "formats"),
    "colors-not-hex": ({"figures": {"colors": '{ left = "red" }'}}, "colors"),
    "title-int": ({"report": {"title": "5"}}, "title"),
    "caveats-string": ({"report": {"caveats": '"one sentence"'}}, "caveats"),
}
del STUDY_CASES["section-not-a-table"]


_FAST_MATTERS = ("seed-list", "stability-seed", "n_boot", "n_topics")  # what --fast changes: seeds, replicates


@pytest.mark.parametrize(("name", "fast"), [(n, False) for n in STUDY_CASES]
                         + [(n, True) for n in STUDY_CASES if n.startswith(_FAST_MATTERS)],
                         ids=[f"{n}-full" for n in STUDY_CASES] + [f"{n}-fast" for n in STUDY_CASES
                                                                   if n.startswith(_FAST_MATTERS)])
def test_study_file_matrix(name, fast, tmp_path, capsys, monkeypatch):
    changes, needle = STUDY_CASES[name]
    monkeypatch.chdir(tmp_path)
    study = _study(tmp_path, changes)
    before = _snapshot(tmp_path)
    code, _, err = _run(["analyze", str(study), "--out", str(tmp_path / "out")] + (["--fast"] if fast else []),
                        capsys)
    _assert_one_line_error(code, err, needle)
    assert "study.toml" in err or "--" in err
    assert not (tmp_path / "out").exists()
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("options", "needle"), [(["--n-jobs", "0"], "--n-jobs 0"), (["--n-jobs", "-5"], "--n-jobs -5"),
                                             (["--dpi", "0"], "--dpi 0"), (["--formats", "jpeg"], "--formats 'jpeg'"),
                                             (["--formats", "pdf,,png"], "--formats 'pdf,,png'"), (["--dpi", "100000"], "--dpi")])
def test_command_line_options_are_checked_before_any_work(tmp_path, capsys, monkeypatch, options, needle):
    import textlab.study.run as run

    def never(*args, **kwargs):
        raise AssertionError("the study ran")

    monkeypatch.setattr(run, "run_study", never)
    study = _study(tmp_path, {})
    command = "figures" if options[0] in ("--dpi", "--formats") else "analyze"
    code, _, err = _run([command, str(study), "--out", str(tmp_path / "out"), *options], capsys)
    _assert_one_line_error(code, err, needle)
    assert not (tmp_path / "out").exists()


def test_a_section_that_is_not_a_table_is_refused(tmp_path, capsys):
    _write(tmp_path / "docs.jsonl", _jsonl(_docs(8)))
    study = _write(tmp_path / "study.toml", 'lda = 5\n[corpus]\npath = "docs.jsonl"\n[groups]\ncolumn = "side"\n')
    code, _, err = _run(["analyze", str(study), "--out", str(tmp_path / "out")], capsys)
    _assert_one_line_error(code, err, "[lda]")


def test_a_study_file_with_a_byte_order_mark_is_read(tmp_path):
    from textlab.study.config import load_study_config

    _write(tmp_path / "docs.jsonl", _jsonl(_docs(8)))
    study = _write(tmp_path / "study.toml", "\ufeff" + _study_text(BASE_STUDY))
    assert load_study_config(study).contrast == ("left", "right")


@pytest.mark.parametrize(("content", "needle"), [(b'[corpus]\npath = "d\xe9.jsonl"\n', "not UTF-8"),
                                                 (None, "is a folder")])
def test_a_study_file_that_is_not_utf8_or_is_a_folder(tmp_path, capsys, content, needle):
    study = tmp_path / "study.toml"
    if content is None:
        study.mkdir()
    else:
        study.write_bytes(content)
    code, _, err = _run(["analyze", str(study), "--out", str(tmp_path / "out")], capsys)
    _assert_one_line_error(code, err, needle)


def test_invalid_toml_is_one_line(tmp_path, capsys):
    study = _write(tmp_path / "study.toml", '[corpus]\npath = "docs.jsonl\n')
    code, _, err = _run(["analyze", str(study), "--out", str(tmp_path / "out")], capsys)
    _assert_one_line_error(code, err, "study.toml")


# --------------------------------------------------------------------------- output paths
# The same rules for analyze, figures and report; checked before any work (the study run is stubbed).

OUTPUT_CASES: dict[str, tuple[str, str, str | None]] = {
    # name: (command, --out relative to tmp, words of the error, or None = accepted)
    "analyze-new-folder": ("analyze", "out", None),
    "figures-new-folder": ("figures", "out", None),
    "report-beside-corpus-file": ("report", "s/out/report.html", None),
    "analyze-beside-corpus-file": ("analyze", "s/out", None),
    "figures-beside-corpus-file": ("figures", "s/out", None),
    "report-into-existing-folder": ("report", "existing/", None),
    "analyze-empty": ("analyze", "", "--out"),
    "figures-empty": ("figures", "", "--out"),
    "report-empty": ("report", "", "--out"),
    "analyze-study-folder": ("analyze", "s", "input"),
    "figures-study-folder": ("figures", "s", "input"),
    "report-study-file": ("report", "s/study.toml", "input"),
    "report-corpus-file": ("report", "s/docs.jsonl", "input"),
    "analyze-corpus-file": ("analyze", "s/docs.jsonl", "not a folder"),
    "analyze-foreign-folder": ("analyze", "mine", "did not write"),
    "figures-foreign-folder": ("figures", "mine", "did not write"),
    "report-symlink-file": ("report", "link.html", "symbolic link"),
    "analyze-symlink-folder": ("analyze", "linkdir", "symbolic link"),
    "figures-symlink-folder": ("figures", "linkdir", "symbolic link"),
    "analyze-below-a-file": ("analyze", "victim.txt/out", "is a file"),
    "report-below-a-file": ("report", "victim.txt/report.html", "is a file"),
    "analyze-current-folder": ("analyze", ".", "current folder"),
}


@pytest.mark.parametrize("name", list(OUTPUT_CASES))
def test_output_path_matrix(name, tmp_path, capsys, monkeypatch):
    import textlab.cli as cli
    import textlab.study.run as run

    command, out, needle = OUTPUT_CASES[name]
    study = _study(tmp_path, {})
    _write(tmp_path / "victim.txt", "keep me")
    _write(tmp_path / "mine" / "notes.txt", "my notes")
    (tmp_path / "existing").mkdir()
    os.symlink(tmp_path / "victim.txt", tmp_path / "link.html")
    os.symlink(tmp_path / "mine", tmp_path / "linkdir")

    def reached(*args, **kwargs):
        raise cli.TextlabError("reached the study")

    monkeypatch.setattr(cli, "_study_result", reached)
    monkeypatch.setattr(run, "run_study", reached)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    code, _, err = _run([command, str(study), "--out", out], capsys)
    _assert_one_line_error(code, err, needle or "reached the study")
    assert _snapshot(tmp_path) == before
    assert (tmp_path / "victim.txt").read_text() == "keep me" and (tmp_path / "link.html").is_symlink()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary debris


# --------------------------------------------------------------------------- group values, compared one way

@pytest.mark.parametrize(("contrast", "stored"), [('["1.0", "0.0"]', "float"), ("[1.0, 0.0]", "float"),
                                                  ('["1", "0"]', "float"), ("[1, 0]", "float"),
                                                  ('["1", "0"]', "int"), ("[1.0, 0.0]", "csv-text")])
def test_a_numeric_group_column_is_named_as_it_prints(tmp_path, contrast, stored):
    from textlab.study.config import load_study_config
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    rows = _docs(8)
    for i, row in enumerate(rows):
        row["treatment"] = float(i % 2) if stored == "float" else i % 2
    if stored == "csv-text":
        _write(tmp_path / "s" / "docs.csv", _csv([{**r, "treatment": f"{r['treatment']}.0"} for r in rows]))
        path = '"docs.csv"'
    else:
        _write(tmp_path / "s" / "docs.jsonl", _jsonl(rows))
        path = '"docs.jsonl"'
    study = _write(tmp_path / "s" / "study.toml", _study_text(
        {"corpus": {"path": path}, "groups": {"column": '"treatment"', "contrast": contrast}}))
    config = load_study_config(study)
    assert config.contrast == ("1", "0")
    result = run_study(config, steps=[get_step("corpus")])
    assert sorted(set(result.tables["documents"]["group"])) == ["0", "1"]
    passages = result.results["corpus"].passages
    assert sorted(set(passages["treatment"].dropna())) == ["0", "1"]


def test_a_contrast_naming_an_absent_group_lists_the_values_as_they_print(tmp_path, capsys):
    rows = _docs(8)
    for i, row in enumerate(rows):
        row["treatment"] = float(i % 2)
    _write(tmp_path / "s" / "docs.jsonl", _jsonl(rows))
    study = _write(tmp_path / "s" / "study.toml", _study_text(
        {"corpus": {"path": '"docs.jsonl"'}, "groups": {"column": '"treatment"', "contrast": "[2, 0]"}}))
    code, _, err = _run(["analyze", str(study), "--out", str(tmp_path / "out")], capsys)
    _assert_one_line_error(code, err, "['0', '1']")
    assert not (tmp_path / "out").exists()
