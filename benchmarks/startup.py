"""Start-up of the ``textlab`` command against the plain interpreter, side by side in one run.

``textlab --help`` must answer at once: the command line imports no heavy library until a command
needs it (a test checks which modules ``--help`` loads; this measures what it costs). Each command
runs ``--repeats`` times, alternating, and the median wall time is reported with its ratio to
``python -c pass`` (the floor any Python command pays) and to ``python -c "import pandas"`` (what
importing one heavy library would add).

Usage::

    python benchmarks/startup.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "textlab --help": [sys.executable, "-m", "textlab", "--help"],
    "textlab analyze --help": [sys.executable, "-m", "textlab", "analyze", "--help"],
    'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
}


def measure(repeats: int) -> dict[str, float]:
    """Median wall seconds of each command over ``repeats`` alternating runs."""
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    medians = measure(parser.parse_args().repeats)
    floor = medians["python -c pass"]
    print("| command | median s | × python -c pass |\n|---|---:|---:|")
    for name, value in medians.items():
        print(f"| `{name}` | {value:.3f} | {value / floor:.1f} |")


if __name__ == "__main__":
    main()
