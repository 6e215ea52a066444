"""The review's data: exact counts, a preview that replays the decision, diffs, cleaning."""

import pytest
from test_keep import _article

from dedup import Document, ScanOptions, scan
from dedup.review import ReviewOptions, review
from dedup.review.diff import word_diff

FOOTER = "© 2026 Example News. All rights reserved."
SHARE = "Share this article on Facebook and X"


def _corpus() -> list[Document]:
    """Clusters of 3 and 2 at different similarities, an abridged copy, singletons, and
    chrome lines on every page of one site."""
    docs = []
    base = [_article(60 + k, paragraphs=8) for k in range(6)]
    copies = [
        ("a0", base[0]), ("a1", base[0] + "\n\nA closing sentence the wire added here today."),
        ("a2", base[0].replace("council", "assembly")),
        ("b0", base[1]), ("b1", "\n\n".join(base[1].split("\n\n")[:4])),  # half of it: containment
        ("c0", base[2]), ("d0", base[3]), ("e0", base[4]),
        ("f0", base[5]), ("f1", "\n\n".join(base[5].split("\n\n")[:6]) + "\n\n" + _article(99, paragraphs=2)),
        # two paragraphs of c0 (one reworded) in a different article: repeated paragraphs
        ("g0", _article(98, paragraphs=6) + "\n\n" + "\n\n".join(base[2].split("\n\n")[2:4]).replace(
            "river", "stream")),
    ]  # fmt: skip
    for doc_id, text in copies:
        docs.append(Document(doc_id, f"{SHARE}\n\n{text}\n\n{FOOTER}", source=f"site/{doc_id}.txt", group="site"))
    return docs


OPTIONS = ScanOptions(jobs=1)


def test_the_preview_at_the_set_thresholds_gives_the_scans_counts() -> None:
    result, data = review(_corpus(), ReviewOptions(scan=OPTIONS))
    at = {p["threshold"]: p for p in data["preview"]}
    assert at[0.5]["documents"] == result.summary.duplicate_documents == data["summary"]["duplicate_documents"] > 0
    assert at[0.5]["paragraphs"] == result.summary.duplicate_paragraphs == 2
    # fewer documents match as the threshold rises, never more
    counts = [p["documents"] for p in data["preview"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("threshold", [0.6, 0.7, 0.9])
def test_the_preview_at_other_thresholds_is_what_a_scan_there_finds(threshold) -> None:
    _, data = review(_corpus(), ReviewOptions(scan=OPTIONS))
    at = {p["threshold"]: p for p in data["preview"]}
    there = scan(_corpus(), ScanOptions(jobs=1, threshold=threshold, level="doc"))
    assert at[threshold]["documents"] == there.summary.duplicate_documents
    there = scan(_corpus(), ScanOptions(jobs=1, paragraph_threshold=threshold))
    assert at[threshold]["paragraphs"] == there.summary.duplicate_paragraphs


def test_the_histogram_counts_every_verified_pair_and_clusters_come_biggest_first() -> None:
    result, data = review(_corpus(), ReviewOptions(scan=OPTIONS))
    hist = data["histogram"]
    assert len(hist["bins"]) == len(hist["documents"]) == 20
    copies = sum(len(c.members) - 1 for c in result.doc_clusters if c.members[1].rule != "exact")
    assert sum(hist["documents"]) >= copies
    assert sum(hist["documents_containment"]) >= 1  # b1 is an abridged copy of b0
    sizes = [c["size"] for c in data["doc_clusters"]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 3
    a = next(c for c in data["doc_clusters"] if c["members"][0]["id"] == "a0")
    added = next(d for m, d in zip(a["members"][1:], a["diffs"]) if m["id"] == "a1")
    assert ["+", "A closing sentence the wire added here today."] in added


def test_sampling_keeps_counts_exact() -> None:
    result, data = review(_corpus(), ReviewOptions(scan=OPTIONS, sample=1))
    assert len(data["doc_clusters"]) == 1 and data["doc_clusters_total"] == result.summary.doc_clusters
    assert data["doc_clusters"][0]["size"] == 3  # the biggest first
    assert len(data["cleaning"]["documents"]) == 1
    full = review(_corpus(), ReviewOptions(scan=OPTIONS, sample=None))[1]
    assert data["histogram"] == full["histogram"] and data["preview"] == full["preview"]


def test_the_cleaning_view_marks_each_removed_line_with_its_rule() -> None:
    _, data = review(_corpus(), ReviewOptions(scan=OPTIONS))
    doc = next(d for d in data["cleaning"]["documents"] if d["id"] == "c0")
    removed = {line["text"]: line["rule"] for line in doc["lines"] if line["rule"]}
    assert removed.get(FOOTER) and removed.get(SHARE)
    kept = [line["text"] for line in doc["lines"] if not line["rule"] and line["text"].strip()]
    assert kept and all(FOOTER not in t for t in kept)
    assert [line["line"] for line in doc["lines"]] == list(range(1, len(doc["lines"]) + 1))
    rules = {r["rule"]: r for r in data["cleaning"]["rules"]}
    assert sum(r["spans"] for r in rules.values()) == data["summary"]["boilerplate_spans"]
    assert all(r["examples"] for r in rules.values())


def test_word_diff_marks_what_each_side_has_alone() -> None:
    assert word_diff("a b c d", "a x c d e") == [["=", "a"], ["-", "b"], ["+", "x"], ["=", "c d"], ["+", "e"]]
    assert word_diff("", "new text") == [["+", "new text"]]


def test_the_preview_counts_every_member_with_keep_none() -> None:
    result, data = review(_corpus(), ReviewOptions(scan=ScanOptions(jobs=1, keep="none")))
    at = {p["threshold"]: p for p in data["preview"]}
    assert at[0.5]["documents"] == result.summary.duplicate_documents == 7  # clusters of 3, 2 and 2, all dropped
