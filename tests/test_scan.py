import json

import pytest

from dedup import Document, ScanOptions, render_json, scan, scan_paths
from dedup.errors import InputError

NO_CLEAN = ScanOptions(clean=False, jobs=1)
KYIV_LINES = [(17, 11), (19, 12), (21, 14)]  # (line in 003, line in 004) of the shared paragraphs


@pytest.fixture(scope="module")
def texts(corpus_dir):
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))}


def _pairs(result):
    return [tuple((m.id[:3], m.line) for m in c.members) for c in result.paragraph_clusters]


@pytest.mark.parametrize("clean", [False, True])
def test_sample_corpus_finds_the_three_kyiv_paragraphs_and_nothing_else(corpus_dir, clean):
    result = scan_paths([str(corpus_dir)], ScanOptions(clean=clean, jobs=1))
    assert result.summary.documents == 5 and result.summary.failed == 0
    assert result.doc_clusters == ()
    assert _pairs(result) == [(("003", a), ("004", b)) for a, b in KYIV_LINES]
    first = result.paragraph_clusters[0]
    assert first.members[0].text.startswith("The Russian border region has seen heavy battles")
    assert 0.5 < first.similarity < 1.0
    assert result.paragraph_clusters[2].similarity == 1.0  # only the apostrophe differs


def _edit(text, pairs):
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def test_exact_and_near_copies_cluster_with_their_similarity(texts):
    edited = _edit(texts["002"], [("clashed", "fought"), ("first time", "1st time"), ("Kyiv's", "Ukraine's")])
    docs = [
        Document("a", texts["002"]),
        Document("b", texts["000"]),
        Document("c", texts["002"].replace("’", "'").upper()),  # identical after normalisation
        Document("d", "Breaking: new headline\nBy Staff\n\n" + edited),
    ]
    result = scan(docs, NO_CLEAN)
    (cluster,) = result.doc_clusters
    assert cluster.keep == "a"
    sims = {m.id: m.similarity for m in cluster.members}
    assert sims["a"] == sims["c"] == 1.0
    assert 0.5 < sims["d"] < 1.0
    assert result.summary.duplicate_documents == 2
    # Paragraphs of dropped copies are not reported again at paragraph level.
    assert all(m.id in ("a", "b") for c in result.paragraph_clusters for m in c.members)


def test_abridged_copy_is_found_by_containment(texts):
    paragraphs = texts["002"].split("\n\n")
    abridged = "\n\n".join(paragraphs[:15])  # 45% of the shingles: Jaccard 0.45, contained 1.0
    docs = [Document("full", texts["002"]), Document("abridged", abridged), Document("other", texts["001"])]
    found = scan(docs, NO_CLEAN)
    (cluster,) = found.doc_clusters
    abridged_member = cluster.members[1]
    assert abridged_member.id == "abridged" and abridged_member.containment > 0.95
    assert abridged_member.similarity < NO_CLEAN.threshold
    strict = scan(docs, ScanOptions(clean=False, jobs=1, containment=None))
    assert strict.doc_clusters == ()


def test_keep_longest(texts):
    docs = [Document("short", texts["002"][: len(texts["002"]) * 7 // 10]), Document("long", texts["002"])]
    assert scan(docs, NO_CLEAN).doc_clusters[0].keep == "short"
    assert scan(docs, ScanOptions(clean=False, jobs=1, keep="longest")).doc_clusters[0].keep == "long"


def test_every_input_is_accounted_for(texts):
    items = [
        Document("a", texts["000"]),
        InputError("bad.jsonl", "not valid JSON (...)", 3),
        Document("a", texts["001"]),  # repeated id
        Document("b", texts["001"]),
    ]
    result = scan(items, NO_CLEAN)
    assert result.summary.documents == 2 and result.summary.failed == 2
    assert [(e.path, e.line) for e in result.errors] == [("bad.jsonl", 3), ("a", None)]
    assert "duplicate document id 'a'" in result.errors[1].error


def test_paragraph_level_alone_compares_all_documents(texts):
    docs = [Document("x", texts["003"]), Document("y", texts["003"])]
    both = scan(docs, NO_CLEAN)
    assert len(both.doc_clusters) == 1 and both.paragraph_clusters == ()
    para = scan(docs, ScanOptions(clean=False, jobs=1, level="paragraph"))
    assert para.doc_clusters == () and para.summary.paragraph_clusters == para.summary.paragraphs // 2


def test_document_level_alone_has_no_paragraphs(corpus_dir):
    result = scan_paths([str(corpus_dir)], ScanOptions(clean=False, jobs=1, level="doc"))
    assert result.summary.paragraphs == 0 and result.paragraph_clusters == ()


def test_same_input_same_bytes_with_one_or_two_workers(corpus_dir, tmp_path):
    (tmp_path / "c").mkdir()
    for p in sorted(corpus_dir.glob("*.txt")):
        (tmp_path / "c" / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "c" / "copy.txt").write_text(
        (corpus_dir / "002_148bf2f60b8fd4a4.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    outputs = {render_json(scan_paths([str(tmp_path / "c")], ScanOptions(jobs=jobs))) for jobs in (1, 2, 2)}
    assert len(outputs) == 1
    report = json.loads(outputs.pop())
    assert report["summary"]["doc_clusters"] == 1


def _page(title, paragraphs, nav):
    from html import escape

    links = "".join(f'<li><a href="/{n}">{n}</a></li>' for n in nav)
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html>\n<html><head><title>{escape(title)}</title><meta charset='utf-8'></head>\n<body>\n"
        f"<nav><ul>{links}</ul></nav>\n<article>\n<h1>{escape(title)}</h1>\n{body}\n</article>\n"
        "<footer>© 2024 Example News. All rights reserved.</footer>\n</body></html>\n"
    )


@pytest.mark.parametrize("clean", [False, True])
def test_html_pages_are_matched_on_their_main_text_with_html_lines(texts, tmp_path, clean):
    a = texts["003"].split("\n\n")[:11]
    b = texts["004"].split("\n")[6:14]
    (tmp_path / "a.html").write_text(_page(a[0], a[1:], ["World", "Politics"]), encoding="utf-8")
    (tmp_path / "b.html").write_text(_page("Kyiv report", b, ["Home", "Opinion"]), encoding="utf-8")
    result = scan_paths([str(tmp_path)], ScanOptions(clean=clean, jobs=1))
    assert result.doc_clusters == ()
    assert len(result.paragraph_clusters) == 3
    for cluster in result.paragraph_clusters:
        for member in cluster.members:
            html_line = (tmp_path / member.id).read_text(encoding="utf-8").split("\n")[member.line - 1]
            assert html_line.startswith("<p>") and member.text[:40] in html_line.replace("&#x27;", "'")


def test_same_report_when_the_band_keys_are_sorted_on_disk(texts, monkeypatch):
    from dedup import lsh

    docs = [Document(f"{name}.txt", text) for name, text in texts.items()]
    for k, (name, text) in enumerate(texts.items()):  # near copies, exact copies, abridged ones
        edited = " ".join(w.upper() if j % 41 == 7 else w for j, w in enumerate(text.split(" ")))
        docs.append(Document(f"{name}-edited.txt", edited))
        docs.append(Document(f"{name}-copy.txt", text))
        if k % 2:
            docs.append(Document(f"{name}-abridged.txt", "\n\n".join(text.split("\n\n")[:-2])))
    before = render_json(scan(docs, ScanOptions(jobs=1)))
    # A budget of 8 rows: every band of documents and paragraphs is sorted in key ranges.
    monkeypatch.setattr(lsh, "SORT_ROW_BYTES", (64 << 20) // 8)
    sorted_ranges = []
    real = lsh._band_on_disk
    monkeypatch.setattr(lsh, "_band_on_disk", lambda column, memory: sorted_ranges.append(1) or real(column, memory))
    after = render_json(scan(docs, ScanOptions(jobs=1, memory="64M")))
    assert sorted_ranges and after == before
    assert json.loads(after)["summary"]["doc_clusters"] >= 5
