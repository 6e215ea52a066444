"""`dedup review` and `dedup scan --format html` on the sample corpus."""

import json

from click.testing import CliRunner

from dedup.cli import main


def test_review_writes_the_page_and_its_data_agrees_with_the_scan(corpus_dir, tmp_path) -> None:
    page = tmp_path / "report.html"
    done = CliRunner().invoke(main, ["review", str(corpus_dir), "-o", str(page), "-q", "-j", "1"])
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="review-data"' in html
    data = json.loads(CliRunner().invoke(main, ["review", str(corpus_dir), "--format", "json", "-q", "-j", "1"]).stdout)
    scan = json.loads(CliRunner().invoke(main, ["scan", str(corpus_dir), "--format", "json", "-q", "-j", "1"]).stdout)
    assert data["summary"]["duplicate_paragraphs"] == scan["summary"]["duplicate_paragraphs"] == 3
    at = {p["threshold"]: p for p in data["preview"]}
    assert at[0.5] == {"threshold": 0.5, "documents": 0, "paragraphs": 3}
    assert len(data["paragraph_clusters"]) == 3 and len(data["cleaning"]["documents"]) == 5
    for name in ("003_8bc150cff370669c.txt", "004_95bc31070ec5e5b3.txt"):
        assert name in html
    # scan --format html writes the same page
    same = CliRunner().invoke(main, ["scan", str(corpus_dir), "--format", "html", "-q", "-j", "1"])
    assert same.exit_code == 0 and same.stdout == html


def test_review_refuses_to_write_over_an_input(corpus_dir, tmp_path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text((corpus_dir / "000_216558cf6ca0eb2a.txt").read_text(encoding="utf-8"))
    done = CliRunner().invoke(main, ["review", str(src), "-o", str(src / "a.txt")])
    assert done.exit_code == 2 and "inside the input folder" in done.output
    assert (
        (src / "a.txt")
        .read_text(encoding="utf-8")
        .startswith((corpus_dir / "000_216558cf6ca0eb2a.txt").read_text()[:20])
    )
