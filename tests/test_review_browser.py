"""The review page (``dedup review``) in a real browser: what a person reading it sees and
does. One headless Chromium serves the module (``tests/browser.py``); each test opens the
report in a fresh context that blocks and records every request, so a test can also assert
that the page fetched nothing and logged no error."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import ReportPage
from click.testing import CliRunner
from test_keep import _article

from dedup.cli import main

SHARE = "Share this article on Facebook"
COPYRIGHT = "© 2026 Example News. All rights reserved."
KYIV = ("003_8bc150cff370669c.txt", "004_95bc31070ec5e5b3.txt")  # the sample corpus's three paragraph pairs


@dataclass(frozen=True)
class Report:
    """A review page and the JSON reports of the same inputs, to check the page against."""

    html: Path
    review: dict  # `dedup review --format json`
    scan: dict  # `dedup scan --format json`


def _invoke(args: list[str]) -> str:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output or repr(res.exception)
    return res.output


def _report(inputs: list[Path], out: Path) -> Report:
    paths = [str(path) for path in inputs]
    _invoke(["review", *paths, "-o", str(out), "--jobs", "1", "-q"])
    review = json.loads(_invoke(["review", *paths, "--format", "json", "--jobs", "1", "-q"]))
    scan = json.loads(_invoke(["scan", *paths, "--format", "json", "--jobs", "1", "-q"]))
    return Report(out, review, scan)


def _synthetic_corpus(folder: Path) -> Path:
    """Eight articles: a cluster of three (an original; a copy with a sentence added; a
    rewrite with three words changed in each paragraph, similar enough by Jaccard but too
    changed for containment to hold), a cluster of two, three singletons. Every file ends
    with a share line and a copyright line for cleaning to remove; no article line is in
    three files, or cleaning would take it for a line the site repeats on every page."""
    folder.mkdir()
    a, b = _article(1), _article(2)

    def rewrite(paragraph: str) -> str:
        words = paragraph.split(" ")
        for i in (5, 18, 31):
            words[i] = "zeppelin"  # not in _article's vocabulary: "+" beside the "-" it replaces
        return " ".join(words)

    texts = {
        "a1.txt": a,
        "a2.txt": a + " The mayor said more work would follow next spring.",
        "a3.txt": "\n\n".join(map(rewrite, a.split("\n\n"))) + " Officials declined to comment on the report.",
        "b1.txt": b,
        "b2.txt": b + " A spokesperson confirmed the figures on Monday.",
        "s3.txt": _article(3),
        "s4.txt": _article(4),
        "s5.txt": _article(5),
    }
    for name, text in texts.items():
        (folder / name).write_text(f"{text}\n\n{SHARE}\n\n{COPYRIGHT}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus_report(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _report([corpus_dir], tmp_path_factory.mktemp("review") / "corpus.html")


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    folder = tmp_path_factory.mktemp("synthetic")
    return _report([_synthetic_corpus(folder / "news")], folder / "report.html")


@pytest.fixture(params=["corpus", "synthetic"])
def report(request: pytest.FixtureRequest) -> Report:
    return request.getfixturevalue(f"{request.param}_report")


def _assert_self_contained(view: ReportPage) -> None:
    assert view.requests == [], f"the page fetched {view.requests}"
    assert view.errors == [], f"the browser console shows errors: {view.errors}"


def _number(view: ReportPage, selector: str) -> int:
    return int(view.page.locator(selector).inner_text().strip())


def _preview(data: dict) -> dict[float, dict]:
    return {round(step["threshold"], 2): step for step in data["preview"]}


def test_summary_and_histogram_show_the_report(open_report, report: Report) -> None:
    view = open_report(report.html)
    page = view.page
    for key in (
        "documents",
        "failed",
        "doc_clusters",
        "duplicate_documents",
        "paragraph_clusters",
        "duplicate_paragraphs",
        "candidates",
        "rejected_candidates",
    ):
        assert _number(view, f'#summary dd[data-count="{key}"]') == report.scan["summary"][key], key
    spans = sum(report.scan["cleaning"]["removed_spans_by_rule"].values())
    assert (
        _number(view, '#summary dd[data-count="boilerplate_spans"]')
        == report.review["summary"]["boilerplate_spans"]
        == spans
    )

    bars = page.locator("svg#histogram rect.bar")
    assert bars.count() > 0
    histogram = report.review["histogram"]
    for series in ("documents", "paragraphs"):
        shown = [
            int(c)
            for c in bars.evaluate_all(
                f"bars => bars.filter(b => b.dataset.series === '{series}').map(b => b.dataset.count)"
            )
        ]
        assert sum(shown) == sum(histogram[series]), series
    tall = [
        box["height"] for box in (bar.bounding_box() for bar in bars.all() if int(bar.get_attribute("data-count")) > 0)
    ]
    assert tall and all(height > 0 for height in tall), "a bin with pairs in it is drawn with no height"

    lines = page.locator("svg#histogram line.threshold")
    assert lines.count() > 0
    values = {round(float(v), 2) for v in lines.evaluate_all("ls => ls.map(l => l.dataset.value)")}
    assert round(report.scan["options"]["threshold"], 2) in values
    _assert_self_contained(view)


def test_slider_preview_follows_the_json_report(open_report, report: Report) -> None:
    view = open_report(report.html)
    page = view.page
    embedded = json.loads(page.locator("script#review-data").text_content())
    assert embedded["preview"] == report.review["preview"]
    preview = _preview(report.review)
    assert sorted(preview) == [round(0.3 + 0.05 * i, 2) for i in range(14)]

    slider = page.locator("input#threshold")
    start = round(float(slider.input_value()), 2)
    assert start == round(report.scan["options"]["threshold"], 2)
    # At the scan's own threshold the preview is what the scan reports (the slider moves the
    # document and the paragraph threshold together, and both are 0.5 here).
    assert report.scan["options"]["paragraph_threshold"] == report.scan["options"]["threshold"]
    assert _number(view, "#preview-documents") == report.scan["summary"]["duplicate_documents"]
    assert _number(view, "#preview-paragraphs") == report.scan["summary"]["duplicate_paragraphs"]

    slider.focus()
    seen = [start]
    for key in ["ArrowLeft"] * 4 + ["ArrowRight"] * 13 + ["ArrowLeft"] * 9:  # 0.3, up to 0.95, back to 0.5
        page.keyboard.press(key)
        value = round(float(slider.input_value()), 2)
        seen.append(value)
        step = preview[value]
        assert _number(view, "#preview-documents") == step["documents"], value
        assert _number(view, "#preview-paragraphs") == step["paragraphs"], value
        assert f"{value:.2f}" in page.locator("#preview-threshold").inner_text()
    assert min(seen) == 0.3 and max(seen) == 0.95 and seen[-1] == start
    assert page.locator("svg#preview-chart").count() == 1
    assert page.locator("table#preview-table tr").count() >= len(preview)
    _assert_self_contained(view)


def test_doc_cluster_opens_to_its_diff_and_marks_members_below_the_slider(
    open_report, synthetic_report: Report
) -> None:
    view = open_report(synthetic_report.html)
    page = view.page
    clusters = page.locator("details.doc-cluster")
    assert clusters.count() == synthetic_report.scan["summary"]["doc_clusters"] == 2

    cluster = page.locator('details.doc-cluster[data-ids~="a3.txt"]')
    diff = cluster.locator("div.diff").first
    assert not diff.is_visible()
    cluster.locator("summary").click()
    assert cluster.get_attribute("open") is not None
    assert diff.is_visible()
    assert cluster.locator("div.diff .diff-member ins").count() > 0
    assert cluster.locator("div.diff .diff-kept del").count() > 0
    assert "zeppelin" in " ".join(cluster.locator(".diff-member ins").all_inner_texts())
    assert "declined" in " ".join(cluster.locator(".diff-member ins").all_inner_texts())

    assert cluster.locator("li.member").count() == 2  # the kept document is named in the summary
    a3 = cluster.locator("li.member", has_text="a3.txt")
    a2 = cluster.locator("li.member", has_text="a2.txt")
    assert a3.get_attribute("data-rule") == "jaccard"
    similarity = float(a3.get_attribute("data-similarity"))
    assert 0.5 < similarity < 0.9 < float(a2.get_attribute("data-similarity"))
    assert float(a3.get_attribute("data-containment")) < synthetic_report.scan["options"]["containment"]
    assert "below" not in (a3.get_attribute("class") or "")
    slider = page.locator("input#threshold")
    slider.focus()
    while float(slider.input_value()) <= similarity:
        page.keyboard.press("ArrowRight")
    assert "below" in a3.get_attribute("class").split()
    assert "below" not in (a2.get_attribute("class") or "").split()
    # What the marks say agrees with the preview: the members still matching are the ones dropped.
    assert page.locator("li.member:not(.below)").count() == _number(view, "#preview-documents") == 2
    _assert_self_contained(view)


def test_paragraph_clusters_name_both_files(open_report, corpus_report: Report) -> None:
    view = open_report(corpus_report.html)
    clusters = view.page.locator("details.para-cluster")
    assert clusters.count() == 3
    for shown, cluster in zip(clusters.all(), corpus_report.review["paragraph_clusters"]):
        shown.locator("summary").click()
        text = shown.inner_text()
        for name in KYIV:
            assert name in text
        for member in cluster["members"]:
            assert re.search(rf"\bparagraph {member['paragraph']}\b", text), member
            assert re.search(rf"\bline {member['line']}\b", text), member
            assert " ".join(member["text"].split()[:5]) in " ".join(text.split())
    # the reworded pair shows its differences word by word: "stated" against "said"
    reworded = clusters.nth(1)
    assert reworded.locator(".diff-kept del").count() > 0 and reworded.locator(".diff-member ins").count() > 0
    assert "stated" in " ".join(reworded.locator(".diff-kept del").all_inner_texts())
    assert "said" in " ".join(reworded.locator(".diff-member ins").all_inner_texts())
    assert view.page.locator("details.doc-cluster").count() == 0
    _assert_self_contained(view)


def test_search_hides_the_clusters_that_do_not_match(open_report, synthetic_report: Report) -> None:
    view = open_report(synthetic_report.html)
    page = view.page
    a = page.locator('details.doc-cluster[data-ids~="a1.txt"]')
    b = page.locator('details.doc-cluster[data-ids~="b1.txt"]')
    search = page.locator("#cluster-search")
    search.fill("b2.txt")
    assert a.is_hidden() and b.is_visible()
    search.fill("a3")
    assert a.is_visible() and b.is_hidden()
    search.fill("")
    assert a.is_visible() and b.is_visible()
    _assert_self_contained(view)


def test_search_reaches_paragraph_clusters(open_report, corpus_report: Report) -> None:
    view = open_report(corpus_report.html)
    clusters = view.page.locator("details.para-cluster")
    view.page.locator("#cluster-search").fill("001_ff58ae107db7a909")
    assert all(cluster.is_hidden() for cluster in clusters.all())
    view.page.locator("#cluster-search").fill(KYIV[1])
    assert all(cluster.is_visible() for cluster in clusters.all())
    _assert_self_contained(view)


def test_cleaning_view_shows_the_chosen_document_and_why_lines_go(open_report, synthetic_report: Report) -> None:
    view = open_report(synthetic_report.html)
    page = view.page
    assert page.locator("#cleaning #rules-table tr").count() > 1
    documents = synthetic_report.review["cleaning"]["documents"]
    options = page.locator("select#doc-select option").evaluate_all("os => os.map(o => o.value)")
    assert options == [doc["id"] for doc in documents]

    def visible() -> list[str]:
        return [doc.get_attribute("data-id") for doc in page.locator("div.cleaning-doc").all() if doc.is_visible()]

    assert visible() == [page.locator("select#doc-select").input_value()]  # one document at a time
    page.locator("select#doc-select").select_option("b2.txt")
    assert visible() == ["b2.txt"]
    shown = page.locator('div.cleaning-doc[data-id="b2.txt"]')
    removed = shown.locator("div.line.removed")
    assert removed.count() >= 2
    texts = " ".join(removed.locator("del").all_inner_texts())
    assert SHARE in texts and COPYRIGHT in texts
    for line in removed.all():
        assert line.get_attribute("data-rule")
        assert line.locator("span.rule").inner_text().strip()
    assert shown.locator("div.line:not(.removed)").count() > 0
    _assert_self_contained(view)


def test_tab_reaches_the_slider_the_search_and_the_document_picker(open_report, synthetic_report: Report) -> None:
    view = open_report(synthetic_report.html)
    page = view.page
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement && document.activeElement.id"))
        if {"threshold", "cluster-search", "doc-select"} <= reached:
            break
    assert {"threshold", "cluster-search", "doc-select"} <= reached, reached
    _assert_self_contained(view)


def test_without_javascript_the_findings_are_all_in_the_page(open_report, synthetic_report: Report) -> None:
    view = open_report(synthetic_report.html, javascript=False)
    page = view.page
    assert page.locator("details.doc-cluster").count() == 2
    assert page.locator("div.diff .diff-member ins").count() > 0
    assert page.locator("div.diff .diff-kept del").count() > 0
    documents = page.locator("div.cleaning-doc")
    assert documents.count() == len(synthetic_report.review["cleaning"]["documents"])
    assert all(doc.is_visible() for doc in documents.all())
    assert page.locator("div.cleaning-doc div.line.removed del").count() > 0
    assert _number(view, '#summary dd[data-count="duplicate_documents"]') == 3
    _assert_self_contained(view)


def test_the_harness_sees_requests_and_errors(open_report, tmp_path: Path) -> None:
    """The checks above would pass vacuously if the fixture missed what it records."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<img src="https://example.org/pixel.png"><img src="pixel.png">'
        '<script>console.error("broken"); fetch("http://127.0.0.1:9/x").catch(() => {});</script>',
        encoding="utf-8",
    )
    view = open_report(page)
    view.page.wait_for_load_state("networkidle")
    other = (tmp_path / "pixel.png").as_uri()  # even another local file counts
    assert sorted(view.requests) == sorted(["http://127.0.0.1:9/x", "https://example.org/pixel.png", other])
    assert "broken" in view.errors
