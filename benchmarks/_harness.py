"""Shared harness of the study-level benchmarks: measured subprocesses, machine facts, sweep counting.

:func:`run_measured` runs a command in its own process and reports its wall time, the CPU time
of it and every descendant it waited for (``os.wait4``), the peak resident set of its largest
process (``ru_maxrss``) and, sampled every 0.1 s, the peak summed resident set of the whole
process tree (parallel workers included; needs ``psutil``, else ``None``).

:func:`sweep_counter_env` makes every Python process started with that environment count the
Gibbs sweeps it asks tomotopy for: a ``sitecustomize`` module, found first on ``PYTHONPATH``,
replaces ``tomotopy.LDAModel`` by a subclass whose ``train(iter, ...)`` appends ``pid k iter``
to a log file before sampling. Spawned workers inherit the environment, so their sweeps are
counted too. The cost is one short file append per ``train`` call.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

__all__ = ["machine", "run_measured", "sweep_counter_env", "read_sweep_log", "fmt"]

_SITECUSTOMIZE = '''"""Benchmark hook (benchmarks/_harness.py): count tomotopy Gibbs sweeps in every process."""
import importlib.abc
import importlib.util
import os
import sys

_LOG = os.environ.get("TEXTLAB_BENCH_SWEEP_LOG")


def _patch(module):
    base = module.LDAModel

    class LDAModel(base):
        def train(self, iter=10, *args, **kwargs):
            with open(_LOG, "a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()} {self.k} {int(iter)}\\n")
            return super().train(iter, *args, **kwargs)

    LDAModel.__module__ = module.__name__
    module.LDAModel = LDAModel


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "tomotopy":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


if _LOG:
    sys.meta_path.insert(0, _Finder())
'''


def sweep_counter_env(folder: str | Path, env: dict | None = None) -> tuple[dict, Path]:
    """An environment whose Python processes log every tomotopy ``train`` call; and the log path."""
    folder = Path(folder)
    hook = folder / "sweep_hook"
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    log = folder / "sweeps.log"
    log.write_text("", encoding="utf-8")
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([str(hook)] + [p for p in [env.get("PYTHONPATH", "")] if p])
    env["TEXTLAB_BENCH_SWEEP_LOG"] = str(log)
    return env, log


def read_sweep_log(log: str | Path) -> dict:
    """Totals of a sweep log: sweeps, ``train`` calls, processes, sweeps by K."""
    total = calls = 0
    pids: set[str] = set()
    by_k: dict[int, int] = {}
    for line in Path(log).read_text(encoding="utf-8").splitlines():
        pid, k, n = line.split()
        total, calls = total + int(n), calls + 1
        pids.add(pid)
        by_k[int(k)] = by_k.get(int(k), 0) + int(n)
    return {"sweeps": total, "train_calls": calls, "processes": len(pids), "sweeps_by_k": dict(sorted(by_k.items()))}


def _tree_rss(pid: int) -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0.0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def run_measured(cmd: list[str], *, env: dict | None = None, cwd: str | Path | None = None,
                 timeout: float | None = None) -> dict:
    """Run ``cmd``; return wall, CPU (incl. waited-for descendants), peak RSS, exit code, output tail.

    Examples
    --------
    >>> out = run_measured([sys.executable, "-c", "print('hi')"])
    >>> out["returncode"], out["stdout"].strip()
    (0, 'hi')
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = [0.0, _tree_rss(proc.pid) is not None]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            rss = _tree_rss(proc.pid)
            if rss is not None:
                peak_tree[0] = max(peak_tree[0], rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [threading.Thread(target=lambda s=s, c=c: c.append(s.read()), daemon=True)
               for s, c in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for r in readers:
        r.start()
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.02)
    wall = time.perf_counter() - start
    done.set()
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "tree_peak_mb": peak_tree[0] if peak_tree[1] else None, "returncode": proc.returncode,
            "stdout": "".join(out_chunks), "stderr": "".join(err_chunks)[-4000:]}


def add_run_options(parser) -> None:
    """The options every benchmark script shares: ``--timeout``, ``--workdir`` and ``--out``."""
    parser.add_argument("--timeout", type=float, default=None, help="seconds before a step is killed")
    parser.add_argument("--workdir", default=None, help="folder for corpora and outputs (default: temporary)")
    parser.add_argument("--out", default=None, help="write the markdown report here (default: print only)")


def work_folder(args, prefix: str) -> Path:
    """``args.workdir`` (created), or a new temporary folder named ``prefix...``."""
    import tempfile

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    return work


def machine() -> dict:
    """CPU, cores, RAM, Python, package versions and the load average now."""
    cpu, mem_kb = "unknown", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for pkg in ("textlab", "numpy", "gensim", "tomotopy", "pandas", "matplotlib"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {"cpu": cpu, "nproc": os.cpu_count(), "ram_gb": round(mem_kb / 1024**2, 1),
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
            "load_start": os.getloadavg()}


def machine_lines(info: dict) -> list[str]:
    """Markdown bullet lines describing the machine and its load."""
    load_end = info.get("load_end", os.getloadavg())
    return [f"- CPU: {info['cpu']}, {info['nproc']} cores; RAM {info['ram_gb']} GB",
            f"- Python {info['python']} on {info['platform']}",
            "- " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
            f"- Load average (1/5/15 min) at start: {', '.join(f'{x:.2f}' for x in info['load_start'])}; "
            f"at end: {', '.join(f'{x:.2f}' for x in load_end)}"]


def fmt(value, digits: int = 1) -> str:
    """A table cell: ``-`` for missing, fixed digits for floats, thousands separators for ints."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def textlab_command() -> list[str]:
    """The ``textlab`` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "textlab"
    return [str(script)] if script.exists() else [sys.executable, "-m", "textlab"]
