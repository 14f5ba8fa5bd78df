"""``python -m textlab`` and the ``textlab`` command: run the command line."""

import signal
import sys

from textlab._errors import Interrupted


def _interrupt(signum, frame):  # noqa: ANN001
    raise Interrupted


def run() -> None:
    """Import the command line and run it; Ctrl-C during the import is one line and exit 130 too."""
    signal.signal(signal.SIGINT, _interrupt)  # the program's main thread: an interrupt is Interrupted from now on
    try:
        from textlab.cli import main
    except KeyboardInterrupt:  # nothing was written yet
        sys.stderr.write("textlab: interrupted; no partial output was kept\n")
        sys.exit(130)
    sys.exit(main())


if __name__ == "__main__":
    run()
