"""``python -m textlab`` runs the command line."""

import sys

from textlab.cli import main

sys.exit(main())
