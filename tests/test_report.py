import json

import pytest

from dedup import ScanOptions, as_dict, render_json, render_text, scan_paths


@pytest.fixture(scope="module")
def result(corpus_dir):
    return scan_paths([str(corpus_dir)], ScanOptions(jobs=1))


def test_json_contract(result):
    data = json.loads(render_json(result))
    assert list(data)[:6] == ["version", "options", "summary", "doc_clusters", "paragraph_clusters", "errors"]
    assert data["version"] == 2
    assert set(data["summary"]) == {
        "documents", "failed", "doc_clusters", "duplicate_documents", "paragraphs",
        "paragraph_clusters", "duplicate_paragraphs", "candidates", "rejected_candidates",
    }  # fmt: skip
    assert all(isinstance(v, int) for v in data["summary"].values())
    assert data["options"]["threshold"] == ScanOptions().threshold and "jobs" not in data["options"]
    cluster = data["paragraph_clusters"][0]
    assert isinstance(cluster["similarity"], float)
    member = cluster["members"][0]
    assert {"id", "paragraph", "line", "text"} <= set(member)
    assert isinstance(member["paragraph"], int) and isinstance(member["line"], int)
    assert data["errors"] == []


def test_json_is_deterministic(result, corpus_dir):
    again = scan_paths([str(corpus_dir)], ScanOptions(jobs=2))
    assert render_json(result) == render_json(again)


def test_text_report_tells_a_person_what_matched(result):
    text = render_text(result)
    assert "Scanned 5 documents" in text
    assert "Near-duplicate documents: none" in text
    assert "3 clusters" in text
    assert text.count("003_8bc150cff370669c.txt") == 3 and text.count("004_95bc31070ec5e5b3.txt") == 3
    assert "The Russian border region has seen heavy battles" in text
    assert "line 17" in text


def test_doc_clusters_in_json(tmp_path, corpus_dir):
    src = (corpus_dir / "000_216558cf6ca0eb2a.txt").read_text(encoding="utf-8")
    (tmp_path / "a.txt").write_text(src, encoding="utf-8")
    (tmp_path / "b.txt").write_text(src.upper(), encoding="utf-8")
    data = as_dict(scan_paths([str(tmp_path)], ScanOptions(jobs=1)))
    assert data["doc_clusters"] == [
        {"keep": "a.txt", "members": [
            {"id": "a.txt", "similarity": 1.0, "containment": 1.0},
            {"id": "b.txt", "similarity": 1.0, "containment": 1.0, "rule": "exact"},
        ]}
    ]  # fmt: skip
    assert data["summary"]["duplicate_documents"] == 1
