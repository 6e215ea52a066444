"""The ``dedup`` command's entry point, outside the package so that it loads in a moment.

Ctrl-C while the program is still loading (importing numpy, trafilatura and the rest
takes a fraction of a second) ends it quietly with exit code 130, as it does later:
nothing has been read or written yet, and a traceback would only alarm.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from dedup.cli import main as command
    except KeyboardInterrupt:
        sys.stderr.write("dedup: interrupted while starting; nothing was read or written\n")
        sys.exit(130)
    command()
