"""``python -m textlab`` and the ``textlab`` command: run the command line."""

import signal
import sys

from textlab._errors import NOTHING_KEPT, raise_interrupted


def run() -> None:
    """Import the command line and run it; Ctrl-C during the import is one line and exit 130 too."""
    signal.signal(signal.SIGINT, raise_interrupted)  # the program's main thread: an interrupt is Interrupted from now on
    try:
        from textlab.cli import main
    except KeyboardInterrupt:  # nothing was written yet
        sys.stderr.write(f"textlab: {NOTHING_KEPT}\n")
        sys.exit(130)
    sys.exit(main())


if __name__ == "__main__":
    run()
