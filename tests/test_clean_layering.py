"""``clean/`` stands alone: none of its modules imports ``dedup``."""

import ast
import subprocess
import sys
from pathlib import Path

import clean

CLEAN = Path(clean.__file__).parent


def test_no_module_of_clean_imports_dedup():
    for path in sorted(CLEAN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            assert not any(n == "dedup" or n.startswith("dedup.") for n in names), f"{path.name} imports {names}"


def test_clean_works_and_fails_without_dedup_loaded():
    code = (
        "import sys, clean\n"
        "try:\n"
        "    clean.CleanOptions(fallback_fraction=2)\n"
        "except clean.CleanOptionsError as e:\n"
        "    print(type(e).__name__, isinstance(e, ValueError))\n"
        "print(clean.clean_text('Hello world.').text)\n"
        "print(any(m == 'dedup' or m.startswith('dedup.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:3] == ["CleanOptionsError True", "Hello world.", "False"]
