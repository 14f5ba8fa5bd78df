"""The ``textlab`` command line: the same public functions the notebooks call.

Every command exits 0 on success, 2 on bad input (with a one-line message
naming the file or option and the problem), 130 on Ctrl-C.  Outputs are
written to temporary files and renamed into place, so a failed or interrupted
run leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from textlab._errors import NOTHING_KEPT, OutputError, TextlabError, TextlabWarning, raise_interrupted

__all__ = ["main"]


#: Characters a terminal acts on (escape sequences, bell, backspace, bidirectional overrides): shown escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _inert(text: str) -> str:
    """``text`` safe to print: control characters from corpus text shown as ``\\x1b`` etc., never acted on."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _print_table(table, *, max_rows: int = 40) -> None:
    import pandas as pd

    if not isinstance(table, pd.DataFrame):  # a one-table Result (e.g. KeywordsInContext)
        table = table.table
    table = table.rename(columns=lambda c: _inert(str(c)))
    table = table.apply(lambda col: col.map(lambda v: _inert(v) if isinstance(v, str) else v)
                        if not pd.api.types.is_numeric_dtype(col) else col)

    with pd.option_context("display.max_rows", max_rows, "display.max_columns", 20, "display.width", 120,
                           "display.max_colwidth", 60):
        print(table.head(max_rows).to_string(index=False) if len(table) else "(none)")  # to_string ignores max_rows
    if len(table) > max_rows:
        print(f"... and {len(table) - max_rows} more rows")


def _cmd_corpus(args: argparse.Namespace) -> int:
    from textlab.preprocessing.clean import clean_corpus
    from textlab.preprocessing.read import load_corpus
    from textlab.preprocessing.tokens import preprocess

    corpus = load_corpus(args.path, encoding=args.encoding, text_column=args.text_column, on_empty=args.on_empty)
    if args.group and args.group not in corpus.docs.columns:  # before any work or output
        raise TextlabError(f"--group {args.group!r} is not a metadata column of {args.path}; columns: "
                           f"{sorted(c for c in corpus.docs.columns if c not in ('text', 'file'))}")
    cleaned = clean_corpus(corpus)
    tokenized = preprocess(cleaned.corpus)
    docs = cleaned.corpus.docs
    passages = tokenized.passages
    n_tokens = [len(tokens) for tokens in tokenized.tokens]
    passages = passages.assign(n_tokens=n_tokens)
    summary = docs[[c for c in docs.columns if c not in ("text", "raw_text", "note")]].copy()
    summary.insert(0, "doc_id", docs.index)
    summary["n_passages"] = summary["doc_id"].map(passages.groupby("doc_id").size()).fillna(0).astype(int)
    summary["n_tokens"] = summary["doc_id"].map(passages.groupby("doc_id")["n_tokens"].sum()).fillna(0).astype(int)
    print(f"{len(docs)} documents, {len(passages)} passages, {sum(n_tokens)} tokens "
          f"({len(set(t for ts in tokenized.tokens for t in ts))} distinct)")
    _print_table(summary)
    if args.group:
        if args.group not in docs.columns:
            raise TextlabError(f"--group {args.group!r} is not a metadata column; columns: {sorted(docs.columns)}")
        groups = summary.groupby(args.group).agg(documents=("doc_id", "size"), passages=("n_passages", "sum"),
                                                 tokens=("n_tokens", "sum")).reset_index()
        print()
        _print_table(groups)
    return 0


_SAFE_FILE_NAME = re.compile(r"[^/\\\x00]+")


def _check_file_names(doc_ids) -> None:
    """``clean --out`` writes ``<doc_id>.txt``: ids must be plain file names."""
    for doc_id in doc_ids:
        name = str(doc_id)
        if name in (".", "..") or not _SAFE_FILE_NAME.fullmatch(name):
            raise OutputError(f"doc_id {name!r} cannot be used as a file name in --out (it holds a path "
                              "separator or is '.'/'..'); rename it in the metadata")


def _cmd_clean(args: argparse.Namespace) -> int:
    from textlab._io import atomic_directory, write_csv, write_text
    from textlab.preprocessing.clean import audit_summary, clean_corpus
    from textlab.preprocessing.read import load_corpus

    corpus = load_corpus(args.path, encoding=args.encoding, text_column=args.text_column, on_empty=args.on_empty)
    cleaned = clean_corpus(corpus, disable=tuple(args.disable or ()), profile=args.profile)
    out = Path(args.out)
    _check_file_names(cleaned.corpus.docs.index)
    source = Path(args.path)
    with atomic_directory(out, inputs=[source, source.parent] if source.is_file() else [source]) as tmp:
        for doc_id, text in cleaned.corpus.docs["text"].items():
            write_text(text if text.endswith("\n") else text + "\n", tmp / f"{doc_id}.txt")
        write_csv(cleaned.audit, tmp / "audit.csv", for_people=True)  # removed text: no spreadsheet formulas
    docs = cleaned.corpus.docs
    kept = docs["n_words_clean"].sum() / max(docs["n_words_raw"].sum(), 1)
    print(f"cleaned {len(docs)} documents into {out}/ ; kept {kept:.1%} of words; audit: {out / 'audit.csv'}")
    print(f"profile: {cleaned.params['profile']} ({cleaned.params['profile_reasons'][0]})")
    summary = audit_summary(cleaned.audit)
    if len(summary):
        _print_table(summary)
    else:
        print("no cleaning rule removed anything")
    return 0


def _is_results(path: str) -> bool:
    from textlab.study.results import is_results_folder

    return Path(path).is_dir() and is_results_folder(path)


def _compute_overrides(args: argparse.Namespace) -> dict:
    """``[compute]`` options given on the command line (they override the study file)."""
    changes = {}
    for option, attribute in (("store", "store"), ("cache_dir", "cache_dir"), ("n_jobs", "n_jobs")):
        value = getattr(args, option, None)
        if value is not None:
            changes[attribute] = value
    return changes


def _load_config(args: argparse.Namespace):
    from textlab.study._schema import check_study_paths
    from textlab.study.config import load_study_config

    config = load_study_config(args.config)
    check_study_paths(config)
    changes = _compute_overrides(args)
    try:
        return config.replace(**changes) if changes else config
    except TextlabError as exc:  # a command-line value: name the option as typed
        flags = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in changes.items())
        raise TextlabError(f"{flags}: {exc}") from None


def _check_study_output(out: str, config_path: str) -> None:
    """Refuse, before any work, an output folder that is an input or holds files textlab did not write."""
    from textlab._io import check_output_directory

    if _is_results(config_path):
        check_output_directory(out, inputs=(config_path,))
        return
    from textlab.study._schema import check_study_paths
    from textlab.study.config import load_study_config

    config = load_study_config(config_path)
    check_study_paths(config)
    check_output_directory(out, inputs=(config_path, config.corpus_path))


#: Temporary results folders of this command (a study file run before drawing), removed when it ends.
_SCRATCH: list[tempfile.TemporaryDirectory] = []


def _study_result(args: argparse.Namespace):
    """Read a results folder (no computing), or run the study a config file names.

    A study file runs as ``textlab analyze`` does, into a temporary results folder (each step written
    as it finishes, so a large corpus holds one step's tables at a time) that is removed when the
    command ends; what is drawn is read back from it, as from a folder ``analyze`` wrote.
    """
    from textlab.study.results import read_results
    from textlab.study.run import run_study

    if _is_results(args.config):
        if getattr(args, "fast", False):
            print("textlab: note: --fast is ignored for a results folder (it was recorded when it was written)",
                  file=sys.stderr)
        return read_results(args.config)
    config = _load_config(args)
    scratch = tempfile.TemporaryDirectory(prefix="textlab-run-")
    _SCRATCH.append(scratch)
    return run_study(config, fast=getattr(args, "fast", False), out=Path(scratch.name) / "results")


def _cmd_analyze(args: argparse.Namespace) -> int:
    from textlab.study.run import run_study

    if _is_results(args.config):
        raise TextlabError(f"{args.config} is a results folder; analyze needs a study file (TOML)")
    _check_study_output(args.out, args.config)
    result = run_study(_load_config(args), fast=args.fast, out=args.out)  # each step written as it finishes
    out = Path(args.out)
    quick = " (quick look: --fast)" if result.fast else ""
    print(f"results written to {out}/{quick} (chosen K = {result.provenance.get('n_topics')}; see provenance.json); "
          f"draw them with `textlab figures {out}`")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    from textlab.study.figures import make_figures

    from textlab.study.config import FIGURE_FORMATS

    start = time.perf_counter()
    formats = [f.strip() for f in args.formats.split(",")] if args.formats else None
    if formats is not None and (not formats or any(f not in FIGURE_FORMATS for f in formats)):
        raise TextlabError(f"--formats {args.formats!r} is not allowed: expected a comma-separated list of "
                           f"{', '.join(FIGURE_FORMATS)}, e.g. --formats pdf,png")
    if args.dpi is not None and not 30 <= args.dpi <= 2400:
        raise TextlabError(f"--dpi {args.dpi} is not allowed: expected an integer from 30 to 2400")
    _check_study_output(args.out, args.config)
    result = _study_result(args)
    written = make_figures(result, args.out, formats=formats, dpi=args.dpi)
    print(f"{len(written)} files written to {Path(args.out)}/ in {time.perf_counter() - start:.1f} s")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from textlab._io import check_output_file
    from textlab.study.report import write_report

    if _is_results(args.config):
        from textlab.study.results import read_results

        result = read_results(args.config)
        config = result.config
        inputs = [args.config]
    else:
        from textlab.study._schema import check_study_paths
        from textlab.study.config import load_study_config

        config = load_study_config(args.config)
        check_study_paths(config)
        inputs = [args.config, config.corpus_path]
        result = None
    # the same rule as analyze/figures: never an input, never inside a corpus folder (a corpus file's folder is fine)
    out = check_output_file(args.out, inputs=(*inputs, config.corpus_path),
                            default_name="report.html")  # a folder (or a path ending in /) gets report.html
    if result is None:
        result = _study_result(args)
    path = write_report(result, out)
    print(f"report written to {path}")
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    from textlab._io import check_output_file
    from textlab.explorer import explore

    inputs = [args.config] if _is_results(args.config) else [args.config, _load_config(args).corpus_path]
    out = check_output_file(args.out, inputs=inputs, default_name="explorer.html")
    explorer = explore(_study_result(args), lambda_step=args.lambda_step, max_passages=args.max_passages,
                       random_state=args.random_state)
    path = explorer.save(out)
    print(f"explorer written to {path} ({path.stat().st_size / 1e6:.1f} MB; opens offline in any browser)")
    return 0


def _cmd_kwic(args: argparse.Namespace) -> int:
    from textlab.analysis.frames import load_codebook
    from textlab.analysis.kwic import keywords_in_context
    from textlab.study.run import prepare_tokens
    from textlab.study.steps import codebook_path

    if args.by == "topic" or _is_results(args.config):
        result = _study_result(args)
        config, tokenized = result.config, result.tokenized
    else:
        config, _, tokenized = prepare_tokens(args.config)
        result = None
    if args.by == "topic":
        try:
            query: str | int = int(args.query)
        except ValueError:
            raise TextlabError(f"with --by topic the query must be a topic number, got {args.query!r}") from None
        if not result.fits:
            raise TextlabError("--by topic needs the topics step, which did not run for this study")
        table = keywords_in_context(tokenized, query, by="topic", fit=result.fits[0], window=args.window,
                                    group_column=config.group_column, max_rows=args.max_rows)
    else:
        codebook = None
        if args.by == "frame":
            path = codebook_path(config)
            if path is None:
                raise TextlabError("--by frame needs a codebook: set [frames] codebook in the study file")
            codebook = load_codebook(path)
        table = keywords_in_context(tokenized, args.query, by=args.by, codebook=codebook, window=args.window,
                                    group_column=config.group_column, max_rows=args.max_rows)
    _print_table(table, max_rows=args.max_rows)
    return 0


def _cmd_keyness(args: argparse.Namespace) -> int:
    """Top key terms per group (whole groups, within a topic, or within a frame)."""
    from textlab.analysis.keyness_groups import top_key_terms
    from textlab.study.steps import get_step

    if _is_results(args.config):
        result = _study_result(args)
    else:  # a study file: only the steps the listing needs
        from textlab.study.run import run_study

        names = ("corpus", "keyness") if args.topic is None and args.frame is None else None
        result = run_study(_load_config(args), fast=args.fast,
                           steps=None if names is None else [get_step(n) for n in names])
    name = "perspectives" if args.topic is not None else "frame_wording" if args.frame is not None else "keyness"
    table = result.tables.get(name)
    if table is None or table.empty:
        raise TextlabError(f"{args.config}: no {name} table (its step did not run); run textlab analyze first")
    if args.topic is not None:
        table = table[table["topic"] == args.topic]
    if args.frame is not None:
        table = table[table["frame"].astype(str) == args.frame]
    top = top_key_terms(table, n=args.n, group=args.group, reference=args.reference, key_only=args.key_only)
    columns = [c for c in ("topic", "frame", "group", "reference", "rank", "label", "count_group", "count_reference",
                           "log_odds", "ci_low", "ci_high", "z", "q_perm", "key") if c in top.columns]
    shown = top[columns].round(3)
    if "q_perm" in shown.columns:  # three significant digits: 0.0497 is key, 0.050 would look as if it were not
        shown["q_perm"] = top["q_perm"].map(lambda v: float(f"{v:.3g}"))
    _print_table(shown, max_rows=max(args.max_rows, len(top)))
    return 0


def _cmd_lock(args: argparse.Namespace) -> int:
    from textlab.study.lock import lock_study

    path = lock_study(args.config, out=args.out)
    print(f"analysis plan locked in {path}: `textlab analyze` will record whether a run matches it")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from textlab.validation import make_validation, score_validation, write_validation

    if args.action == "make":
        args.out = args.out or "validation"
        _check_study_output(args.out, args.source)
        result = _study_result(argparse.Namespace(config=args.source, fast=False))
        validation = make_validation(result, n_word=args.n_word, n_topic=args.n_topic, n_frame=args.n_frame,
                                     random_state=args.random_state)
        out = write_validation(validation, args.out, inputs=(args.source,))
        print(f"{len(validation.items)} items written to {out}/: give coders form.html or items.csv; keep "
              f"answer_key.csv from them. {validation.params['coverage']['statement']}")
        return 0
    if not args.answers:
        raise TextlabError("validate score needs the coders' answer files: textlab validate score DIR a.csv b.csv")
    score = score_validation(args.source, args.answers)
    for name in ("model", "intrusion", "frames", "agreement"):
        print(f"\n{name}:")
        _print_table(getattr(score, name))
    print("\n" + score.params["coverage"]["statement"])
    if args.out:
        from textlab.validation.report import write_scores

        write_scores(score, args.out, inputs=(args.source, *args.answers))
        print(f"scores written to {args.out}/ (write them to RESULTS/validation to see them in `textlab report`)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``textlab`` command (exposed for documentation and tests; see :mod:`textlab._cli_parser`)."""
    from textlab._cli_parser import COMMANDS
    from textlab._cli_parser import build_parser as build

    return build({name: globals()[f"_cmd_{name}"] for name in COMMANDS})


#: Signals received while a command runs (set by the handler ``main`` installs).
_INTERRUPTED: list[int] = []


def _written_outputs() -> list:
    """Outputs put in place so far by this process (none if nothing was written)."""
    io = sys.modules.get("textlab._io")  # not imported: nothing was written, and --help stays light
    return io.written_outputs() if io is not None else []


def _interrupted(before: int) -> str:
    """The Ctrl-C message: which output is complete, or that nothing partial was kept."""
    done = [p for p in _written_outputs()[before:] if p.exists()]
    if done:
        return f"interrupted after {done[-1]} was written in full (the new output is in place)"
    return NOTHING_KEPT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``textlab`` command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit status: 0 success, 2 bad input, 130 interrupted.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print(f"textlab: {NOTHING_KEPT}", file=sys.stderr)
        return 130

    def show_warning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, TextlabWarning):
            print(f"textlab: warning: {message}", file=sys.stderr)
        else:
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    warnings.showwarning = show_warning

    def interrupt(signum, frame):  # noqa: ANN001 - `kill` gets the same clean-up as Ctrl-C
        _INTERRUPTED.append(signum)  # remembered: a library may turn the interrupt into another error
        raise_interrupted(signum, frame)

    try:
        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    _INTERRUPTED.clear()
    written = len(_written_outputs())
    try:
        return _run(args, written)
    finally:
        if previous is not None and argv is None:  # the program: the work is done; Ctrl-C or kill can't cut clean-up
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while _SCRATCH:
            _SCRATCH.pop().cleanup()
        if previous is not None and argv is not None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _run(args: argparse.Namespace, written: int) -> int:
    """Run the chosen command; a bad input or an interrupt becomes one line and an exit status."""
    try:
        return int(args.func(args) or 0)
    except TextlabError as exc:
        print(f"textlab: error: {_inert(str(exc))}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"textlab: error: {exc.filename or exc}: not found", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a path component that is a file, a folder without write permission
        where = f"{exc.filename}: " if exc.filename else ""  # never an empty path
        print(f"textlab: error: {where}{exc.strerror or exc}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # an interrupt after the output was complete says so
        print(f"textlab: {exc.args[0] if exc.args else _interrupted(written)}", file=sys.stderr)
        return 130
    except Exception:
        if not _INTERRUPTED:
            raise
        # Ctrl-C landed inside C code that reported it as its own failure (e.g. NumPy's import): still an interrupt
        print(f"textlab: {_interrupted(written)}", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
