"""scripts/eval_clean.py: the AEB metric, and a small run on the shared evaluation data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "eval_clean.py"


@pytest.fixture(scope="module")
def ev():
    spec = importlib.util.spec_from_file_location("eval_clean", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_clean"] = module
    spec.loader.exec_module(module)
    return module


def test_shingle_metric_matches_aeb(ev) -> None:
    # identical texts: all true positives
    assert ev.tp_fp_fn("one two three four five", "one two three four five") == (1.0, 0.0, 0.0)
    # tokens are \w+ runs with case kept; 4-grams counted with multiplicity
    tp, fp, fn = ev.tp_fp_fn("a b c d e", "a b c d x")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert ev.tp_fp_fn("A b c d", "a b c d") == (0.0, 0.5, 0.5)
    # fewer than four tokens make one short shingle, as in AEB
    assert ev.tp_fp_fn("hello world", "hello world") == (1.0, 0.0, 0.0)
    # empty prediction: precision undefined (skipped), recall 0
    f1, p, r = ev.metrics([(0.0, 0.0, 1.0), (1.0, 0.0, 0.0)])
    assert p == 1.0 and r == 0.5 and f1 == pytest.approx(2 / 3)


def test_snippet_kinds(ev) -> None:
    assert ev.snippet_kind("Leave a comment") == "comments"
    assert ev.snippet_kind("We use cookies") == "cookie/consent"
    assert ev.snippet_kind("Subscribe to our newsletter") == "share/follow/subscribe"


def test_cleaning_beats_the_dump_on_shared_pages(ev, shared_eval: Path) -> None:
    pytest.importorskip("html_text", reason="html-text (the 'bench' extra) makes the naive dump")
    pages = ev.load_aeb(shared_eval / "aeb")[:12]
    pages = [ev._prepare(p) for p in pages]
    results, stats = ev.corpus_clean(pages, [p.dump for p in pages], ev.EVAL_OPTIONS)
    dump = ev.metrics([ev.tp_fp_fn(p.truth, p.dump) for p in pages])
    cleaned = ev.metrics([ev.tp_fp_fn(p.truth, r.text) for p, r in zip(pages, results)])
    assert cleaned[0] > dump[0] + 0.1
    assert stats.describe()["documents"] == 12
