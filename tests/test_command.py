"""The ``dedup`` entry point: Ctrl-C while the program loads ends it quietly."""

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Ctrl-C that lands while a heavy dependency is imported (simulated: importing
# numpy raises KeyboardInterrupt, as the signal would there), then the command.
_INTERRUPTED_IMPORT = textwrap.dedent(
    """
    import sys

    class Interrupt:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy":
                raise KeyboardInterrupt
            return None

    sys.meta_path.insert(0, Interrupt())
    sys.argv = ["dedup", "scan", "corpus"]
    import dedup_command
    dedup_command.main()
    """
)


def test_ctrl_c_while_loading_exits_130_without_a_traceback():
    proc = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_IMPORT], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 130
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "dedup: interrupted while starting; nothing was read or written"
    assert proc.stdout == ""


def test_the_entry_point_runs_the_command():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, dedup_command; sys.argv = ['dedup', '--version']; dedup_command.main()"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("dedup, version ")
