"""The argument parser of the ``textlab`` command line (:mod:`textlab.cli` runs the commands).

Every command, its arguments and their help text, in one place; :func:`textlab.cli.build_parser`
passes the functions that run each command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from textlab._version import __version__

__all__ = ["COMMANDS", "build_parser"]

#: The commands, in the order ``textlab --help`` lists them.
COMMANDS = ("corpus", "clean", "analyze", "figures", "report", "lock", "explore", "validate", "keyness", "kwic")

_Commands = Mapping[str, Callable[[argparse.Namespace], int]]

_SOURCE_HELP = ("study config (TOML), e.g. seeds/study.toml (the study is run first), or a results folder "
                "written by `textlab analyze` (drawn without recomputing)")


def build_parser(commands: Mapping[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The argument parser of the ``textlab`` command; ``commands`` maps each command name to its function.

    Examples
    --------
    >>> parser = build_parser({name: print for name in COMMANDS})
    >>> parser.parse_args(["kwic", "results", "data centre"]).by
    'token'
    """
    parser = argparse.ArgumentParser(
        prog="textlab",
        description="Topic modelling and comparative text analysis: how do sources frame the same subject?",
        epilog="Example: textlab figures seeds/study.toml --out figures",
    )
    parser.add_argument("--version", action="version", version=f"textlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_corpus_commands(sub, commands)
    _add_study_commands(sub, commands)
    _add_lock_command(sub, commands)
    _add_explore_commands(sub, commands)
    _add_lookup_commands(sub, commands)
    return parser


def _add_reading(p: argparse.ArgumentParser) -> None:
    """The options that say how a corpus is read (``corpus``, ``clean``)."""
    p.add_argument("--encoding", default="utf-8", help="text encoding of the corpus files (default: utf-8)")
    p.add_argument("--text-column", default="text", help="text column of a CSV/JSONL/Parquet table (default: text)")
    p.add_argument("--on-empty", choices=("error", "warn", "skip"), default="error",
                   help="what to do with empty documents: stop (default), drop with a warning, or drop")


def _add_compute(p: argparse.ArgumentParser) -> None:
    """The options that override a study's ``[compute]`` table."""
    p.add_argument("--store", choices=("auto", "memory", "disk"), default=None,
                   help="where counts live (overrides [compute] store; default: the study file's, else auto)")
    p.add_argument("--cache-dir", default=None, help="folder for the on-disk store (overrides [compute] cache_dir)")
    p.add_argument("--n-jobs", type=int, default=None,
                   help="worker processes for topic-model fits, -1 = all cores (overrides [compute] n_jobs)")


def _add_corpus_commands(sub: Any, commands: _Commands) -> None:
    """``corpus`` and ``clean``: commands that read a corpus."""
    p = sub.add_parser("corpus", help="summarise a corpus: documents, groups, passages, tokens")
    p.add_argument("path", help="metadata CSV naming files, a folder of .txt files, or a CSV/JSONL/Parquet table")
    p.add_argument("--group", default=None, help="metadata column to summarise by (e.g. outlet)")
    _add_reading(p)
    p.set_defaults(func=commands["corpus"])

    p = sub.add_parser("clean", help="remove web chrome or export furniture; write cleaned texts and the audit")
    p.add_argument("path", help="metadata CSV naming files, a folder of .txt files, or a CSV/JSONL/Parquet table")
    p.add_argument("--out", required=True, help="output folder: <doc_id>.txt per document and audit.csv")
    p.add_argument("--disable", nargs="*", metavar="RULE", help="cleaning rules to switch off")
    p.add_argument("--profile", default="auto", choices=["auto", "web", "news_export", "plain"],
                   help="cleaning profile (default: chosen from the texts, and printed)")
    _add_reading(p)
    p.set_defaults(func=commands["clean"])


def _add_study_commands(sub: Any, commands: _Commands) -> None:
    """``analyze``, ``figures`` and ``report``: commands that run a study or draw its results."""
    for name, func, helptext, default_out in (
        ("analyze", commands["analyze"], "run the whole study; write its results folder (tables, arrays, settings, "
         "provenance.json) for figures/report/kwic to read", "results"),
        ("figures", commands["figures"], "regenerate every figure (PDF, PNG, CSV) and README.md from a study file or a "
         "results folder", "figures"),
        ("report", commands["report"], "write a self-contained HTML findings report from a study file or a results folder",
         "report.html"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("config", metavar="STUDY_OR_RESULTS" if name != "analyze" else "config",
                       help=_SOURCE_HELP if name != "analyze" else "study config (TOML), e.g. seeds/study.toml")
        p.add_argument("--out", default=default_out, help=f"output (default: {default_out})")
        p.add_argument("--fast", action="store_true",
                       help="fewer seeds, bootstrap replicates, permutations and posterior draws: a quick look, "
                            "not for publication (marked as such in every output)")
        _add_compute(p)
        if name == "figures":
            p.add_argument("--formats", default=None,
                           help="comma-separated file formats, e.g. pdf,png (default: [figures] formats)")
            p.add_argument("--dpi", type=int, default=None, help="PNG resolution (default: [figures] dpi, else 300)")
        p.set_defaults(func=func)


def _add_lock_command(sub: Any, commands: _Commands) -> None:
    """``lock``: fix the analysis plan before any result is seen."""
    p = sub.add_parser("lock", help="lock the analysis plan: hash the study file, codebook, word lists, seeds "
                       "and environment into study.lock.json before any result is seen")
    p.add_argument("config", help="study config (TOML)")
    p.add_argument("--out", default=None, help="lock file (default: study.lock.json next to the study file)")
    p.set_defaults(func=commands["lock"])


def _add_explore_commands(sub: Any, commands: _Commands) -> None:
    """``explore`` and ``validate``: offline HTML pages for people to read or code."""
    p = sub.add_parser("explore", help="write an interactive explorer (one offline HTML file): intertopic map, "
                       "relevance slider, prevalence, frames, key terms and their passages")
    p.add_argument("config", metavar="STUDY_OR_RESULTS", help=_SOURCE_HELP)
    p.add_argument("--out", default="explorer.html", help="output HTML file (default: explorer.html)")
    p.add_argument("--fast", action="store_true", help="for a study file: run it as a quick look (see analyze)")
    p.add_argument("--lambda-step", type=float, default=0.01, help="step of the relevance slider (default: 0.01)")
    p.add_argument("--max-passages", type=int, default=2000,
                   help="most passages whose text the page holds (default: 2000)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the passage sample (default: 0)")
    _add_compute(p)
    p.set_defaults(func=commands["explore"])

    p = sub.add_parser("validate", help="human validation: make word/topic intrusion and frame-coding items "
                       "(offline HTML form + CSV, separate answer key), or score coders' answers")
    p.add_argument("action", choices=("make", "score"), help="make items, or score answers")
    p.add_argument("source", help="make: a study file or results folder; score: the folder `validate make` wrote")
    p.add_argument("answers", nargs="*", help="score: the coders' answer CSVs (coder,item_id,answer)")
    p.add_argument("--out", default=None, help="make: output folder (default: validation); score: optional "
                   "folder for the score tables (RESULTS/validation puts them in that study's report)")
    p.add_argument("--n-word", type=int, default=2, help="word-intrusion items per topic (default: 2)")
    p.add_argument("--n-topic", type=int, default=20, help="topic-intrusion passages (default: 20)")
    p.add_argument("--n-frame", type=int, default=30, help="frame-coding passages (default: 30)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the samples (default: 0)")
    p.set_defaults(func=commands["validate"])


def _add_lookup_commands(sub: Any, commands: _Commands) -> None:
    """``keyness`` and ``kwic``: print key terms or passages of a study to the terminal."""
    p = sub.add_parser("keyness", help="list the top key terms of every group (against the rest and the named "
                       "pair), or within a topic (--topic) or frame (--frame)")
    p.add_argument("config", metavar="STUDY_OR_RESULTS", help=_SOURCE_HELP)
    _add_compute(p)
    p.add_argument("--group", default=None, help="only this group's comparisons")
    p.add_argument("--reference", default=None, help="only comparisons against this reference ('rest' or a group)")
    p.add_argument("--topic", type=int, default=None, help="wording within this topic (1..K; needs a results folder "
                   "or runs the whole study)")
    p.add_argument("--frame", default=None, help="wording within this codebook frame")
    p.add_argument("-n", "--n", type=int, default=10, help="terms per comparison (default: 10)")
    p.add_argument("--key-only", action="store_true", help="only key terms (permutation q_perm < 0.05)")
    p.add_argument("--fast", action="store_true", help="for a study file: fewer permutations and replicates")
    p.add_argument("--max-rows", type=int, default=200, help="rows printed at most (default: 200)")
    p.set_defaults(func=commands["keyness"])

    p = sub.add_parser("kwic", help="keyword in context: read a term, phrase, frame or topic in its passages")
    p.add_argument("config", metavar="STUDY_OR_RESULTS", help=_SOURCE_HELP)
    _add_compute(p)
    p.add_argument("query", help="a word or phrase ('export controls'), a frame name, or a topic number")
    p.add_argument("--by", choices=("token", "frame", "topic"), default="token",
                   help="what the query names (default: token)")
    p.add_argument("--window", type=int, default=8, help="words shown either side (default: 8)")
    p.add_argument("--max-rows", type=int, default=40, help="rows printed (default: 40)")
    p.set_defaults(func=commands["kwic"])
