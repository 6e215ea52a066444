"""scripts/eval_clean.py and scripts/eval_data.py: the metrics on hand-made inputs, the site
split, the removed-line judge, and a small run on the shared evaluation data."""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
SCRIPT = SCRIPTS / "eval_clean.py"


@pytest.fixture(scope="module")
def ev():
    spec = importlib.util.spec_from_file_location("eval_clean", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_clean"] = module
    spec.loader.exec_module(module)  # puts scripts/ on sys.path, so eval_data imports too
    return module


@pytest.fixture(scope="module")
def data(ev):
    import eval_data

    return eval_data


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


def test_snippet_metric_counts_over_all_pages(ev) -> None:
    # white space is normalised on both sides; case is kept
    assert ev.snippet_counts("The  cat\nsat on the mat.", ["cat sat", "The Cat"], ["mat", "dog"]) == (1, 1, 1)
    assert ev.snippet_counts("", ["a"], ["b"]) == (0, 1, 0)
    # empty snippets are not counted
    assert ev.snippet_counts("text", ["", "  "], [""]) == (0, 0, 0)
    # totals, not a mean of per-page scores: TP 3, FN 1, FP 1
    f1, p, r = ev.snippet_scores([(1, 1, 1), (2, 0, 0)])
    assert (p, r) == (0.75, 0.75) and f1 == pytest.approx(0.75)
    assert ev.snippet_scores([]) == (0.0, 0.0, 0.0)


def test_wcxb_metric_is_a_bag_of_words_f1_averaged_over_pages(ev) -> None:
    # lower-cased \w+ tokens as a multiset: "the" twice in the gold, once predicted
    p, r, f1 = ev.word_prf("The cat, the", "the the cat sat")
    assert (p, r) == (1.0, 0.75) and f1 == pytest.approx(6 / 7)
    p, r, f1 = ev.word_prf("cat cat cat", "cat")
    assert (p, r) == (pytest.approx(1 / 3), 1.0)
    # edge cases as WCXB's evaluate.py
    assert ev.word_prf("", "") == (1.0, 1.0, 1.0)
    assert ev.word_prf("words", "") == (0.0, 0.0, 0.0)
    assert ev.word_prf("", "words") == (0.0, 0.0, 0.0)
    # F1 is the mean of the per-page F1s (not the F1 of the mean P and R)
    f1, p, r = ev.word_scores([(1.0, 1.0, 1.0), (1.0, 0.5, 2 / 3)])
    assert f1 == pytest.approx(5 / 6) and p == 1.0 and r == 0.75


def test_sites_and_halves(ev, data) -> None:
    assert data.site_of("https://www.Example.com:443/a/b?c") == "example.com"
    assert data.site_of("http://blog.example.com/") == "blog.example.com"
    assert data.site_of("https://web.archive.org/web/2014/http://www.nessel.example.org/x") == "nessel.example.org"
    # deterministic (a fixed hash, not Python's per-process one) and both halves are used
    sites = [f"site{i}.example" for i in range(200)]
    halves = [data.half_of(s) for s in sites]
    assert halves == [data.half_of(s) for s in sites]
    assert set(halves) == {"A", "B"} and 70 < halves.count("A") < 130
    assert (data.half_of("example.com"), data.half_of("dw.com")) == ("A", "B")
    # pages of one site always land in one half, whatever their path or www. prefix
    pages = [ev.Page("aeb", str(i), f"https://{'www.' * (i % 2)}news{i % 7}.example/p/{i}") for i in range(50)]
    by_site: dict[str, set[str]] = {}
    for page in pages:
        by_site.setdefault(page.site, set()).add(page.half)
    assert len(by_site) == 7 and all(len(h) == 1 for h in by_site.values())
    assert sorted(ev.in_half(pages, "A") + ev.in_half(pages, "B"), key=lambda p: int(p.id)) == pages
    assert ev.in_half(pages, "all") == pages


def test_eval_data_doctests(data) -> None:
    assert doctest.testmod(data).failed == 0


def test_line_judge(ev) -> None:
    truth = "The council voted on Tuesday to extend the bus network.\n\nResults\n\nIt will open in May."
    page = ev.Page("aeb", "x", "https://a.example/", truth=truth)
    judge = ev.LineJudge(page, "It will open in May.")
    assert judge("The council voted on Tuesday to extend the bus network.") is True  # lost article text
    assert judge("It will open in May.") is False  # kept elsewhere: nothing lost
    assert judge("Results") is True  # a short gold line, not kept
    assert judge("Share this story on Facebook") is False
    assert judge("...") is None
    snippets = ev.Page(
        "trafilatura", "y", "https://b.example/", with_snippets=["bus network grows"], without=["Subscribe now"]
    )
    judge = ev.LineJudge(snippets, "Other text")
    assert judge("The bus network grows again") is True  # the snippet in the line
    assert judge("bus network") is None  # a short line inside a snippet: unknown
    assert judge("Subscribe now to our newsletter") is False
    assert judge("Unrelated line of text here") is None
    assert ev.LineJudge(snippets, "The bus network grows again")("The bus network grows again") is False


def test_snippet_kinds(ev) -> None:
    assert ev.snippet_kind("Leave a comment") == "comments"
    assert ev.snippet_kind("We use cookies") == "cookie/consent"
    assert ev.snippet_kind("Subscribe to our newsletter") == "share/follow/subscribe"


def test_loaders_split_by_site(data, shared_eval: Path) -> None:
    wcxb = data.load_wcxb(shared_eval / "wcxb-dev")
    assert {p.page_type for p in wcxb} == set(data.PAGE_TYPES)
    traf = data.load_trafilatura(shared_eval / "trafilatura-dev")
    assert len(traf) == 487 and all(p.site and "." in p.site for p in traf)
    assert all(p.with_snippets for p in traf)
    for pages in (wcxb, traf, data.load_aeb(shared_eval / "aeb")):
        halves: dict[str, set[str]] = {}
        for page in pages:
            halves.setdefault(page.site, set()).add(page.half)
        assert all(len(h) == 1 for h in halves.values())


def test_cleaning_beats_the_dump_on_shared_pages(ev, data, shared_eval: Path, tmp_path: Path) -> None:
    pytest.importorskip("html_text", reason="html-text (the 'bench' extra) makes the naive dump")
    pytest.importorskip("py3langid", reason="py3langid labels the eval's languages")
    pages = data.load_aeb(shared_eval / "aeb")[:12]
    pages = [ev._prepare(p, tmp_path) for p in pages]
    assert all(p.lang for p in pages) and not any(p.html for p in pages)
    again = ev._prepare(data.load_aeb(shared_eval / "aeb")[0], tmp_path)  # from the cache
    assert (again.dump, again.traf) == (pages[0].dump, pages[0].traf)
    results, stats = ev.corpus_clean(pages, [p.dump for p in pages], ev.EVAL_OPTIONS)
    dump = ev.metrics([ev.tp_fp_fn(p.truth, p.dump) for p in pages])
    cleaned = ev.metrics([ev.tp_fp_fn(p.truth, r.text) for p, r in zip(pages, results)])
    assert cleaned[0] > dump[0] + 0.1
    assert stats.describe()["documents"] == 12
    rows, _, _ = ev.run_set(pages)
    assert len(rows) == 12 and all(r.aeb and r.word is None for r in rows)
    assert ev.score(rows, "clean_text", "aeb")[3] == 12
