"""Who survives a cluster (--keep), same-URL clusters, and what a scan reports of them."""

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from dedup import Document, ScanOptions, scan
from dedup.cli import main
from dedup.errors import OptionsError
from dedup.keep import KeepPolicy, field_ranks, keep_order, parse_keep, rank_value
from dedup.run import MANIFEST, RunOptions, run

WORDS = (
    "council river budget school harbour rail station mayor storm season market bridge library museum "
    "hospital teacher farmer vote election court judge police bakery coffee winter summer tourist island "
    "village factory worker union strike energy solar wind grid price tariff export import festival "
    "concert theatre stadium league coach player striker keeper referee minister border treaty summit"
).split()


def _article(seed: int, paragraphs: int = 6, words: int = 40) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        out.append(" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + ".")
    return "\n\n".join(out)


def _record(doc_id: str, text: str, **fields) -> Document:
    return Document(doc_id, text, source="in.jsonl", record=True, fields={"id": doc_id, **fields})


OPTIONS = ScanOptions(clean=False, jobs=1, level="doc")


def test_parse_keep_accepts_the_policies_and_names_the_choices() -> None:
    assert parse_keep("oldest:published_at") == KeepPolicy("oldest", "published_at")
    assert str(parse_keep("max:score")) == "max:score"
    with pytest.raises(OptionsError, match="needs a field"):
        parse_keep("newest")
    with pytest.raises(OptionsError, match="first, longest, none, newest:FIELD"):
        parse_keep("random")
    with pytest.raises(OptionsError):
        ScanOptions(keep="latest:date")


def test_a_field_holds_one_kind_and_other_values_rank_last() -> None:
    values, bad = field_ranks(["2024-01-02", None, "soon", 2023, "2023-12-31T23:00:00+01:00"])
    assert bad == [1, 2, 3]  # missing, unreadable, a number among dates
    assert values[0] > values[4] and np.isnan(values[1:4]).all()
    assert rank_value("1e3") == ("number", 1000.0)


def test_keep_order_breaks_ties_by_input_order() -> None:
    rank = keep_order(np.zeros(4, dtype=np.int64), KeepPolicy("max", "s"), np.array([2.0, 5.0, 5.0, np.nan]))
    assert rank.tolist() == [2, 0, 1, 3]


def test_newest_keeps_the_latest_copy_and_reports_documents_without_a_date() -> None:
    text = _article(1)
    docs = [
        _record("a", text, date="2024-03-01"),
        _record("b", text + " Updated.", date="2024-05-09T08:00:00Z"),
        _record("c", text + " Again.", date="not a date"),
        _record("other", _article(2), date="2020-01-01"),
    ]
    result = scan(docs, ScanOptions(clean=False, jobs=1, level="doc", keep="newest:date"))
    [cluster] = result.doc_clusters
    assert cluster.keep == "b"
    assert [m.id for m in cluster.members] == ["b", "a", "c"]
    assert result.unranked == ("c",)
    oldest = scan(docs, ScanOptions(clean=False, jobs=1, level="doc", keep="oldest:date"))
    assert oldest.doc_clusters[0].keep == "a"


def test_max_ranks_numbers_from_any_record_field_and_metadata() -> None:
    text = _article(3)
    docs = [_record("low", text, score=0.2), _record("high", text, score="0.9"), _record("none", text)]
    result = scan(docs, ScanOptions(clean=False, jobs=1, level="doc", keep="max:score"))
    assert result.doc_clusters[0].keep == "high"
    assert result.unranked == ("none",)


def test_keep_first_never_keeps_an_abridged_copy_over_the_text_that_holds_it() -> None:
    full = _article(4, paragraphs=9)
    short = "\n\n".join(full.split("\n\n")[:4])  # 44% of it, first in input order: Jaccard 0.44
    docs = [Document("short", short), Document("unrelated", _article(5)), Document("full", full)]
    result = scan(docs, OPTIONS)
    [cluster] = result.doc_clusters
    assert cluster.keep == "full"
    assert cluster.members[1].id == "short" and cluster.members[1].rule == "containment"
    # copies of the short version that the full text also holds follow it
    result = scan([*docs, Document("short2", short)], OPTIONS)
    assert [m.id for m in result.doc_clusters[0].members] == ["full", "short", "short2"]


def test_keep_first_rounds_verify_and_count_each_candidate_pair_once() -> None:
    """The rounds that move a full text ahead of its abridged copy match again: pairs that
    an earlier round verified are not counted again (a corpus decided in parts, as the
    Spark back-end decides it, would count them once)."""
    from dedup.engine import collect, decide
    from dedup.matching import Verified

    full = _article(4, paragraphs=9)
    short = "\n\n".join(full.split("\n\n")[:4])
    other = _article(12)
    docs = [Document("short", short), Document("other", other), Document("full", full),
            Document("other2", other + " One more sentence at the end of it.")]  # fmt: skip
    options = ScanOptions(clean=False, jobs=1, level="doc")
    seen = (Verified(), Verified())
    with collect(docs, options) as collection:
        decisions = decide(collection, options, seen)
    assert decisions.doc_clusters == [[2, 0], [1, 3]]  # a round ran: full moved ahead of short
    assert decisions.candidates == len(seen[0].pairs) == 2


def test_keep_none_drops_every_member_of_a_cluster(tmp_path) -> None:
    text = _article(6)
    docs = [Document("a", text), Document("b", text + " Extra line here."), Document("c", _article(7))]
    result = scan(docs, ScanOptions(clean=False, jobs=1, level="doc", keep="none"))
    assert result.doc_clusters[0].keep is None
    assert result.summary.duplicate_documents == 2
    out = tmp_path / "out"
    run(docs, str(out), RunOptions(scan=ScanOptions(clean=False, jobs=1, keep="none")))
    manifest = {r["id"]: r for r in map(json.loads, (out / MANIFEST).read_text().splitlines())}
    assert manifest["a"]["status"] == manifest["b"]["status"] == "duplicate"
    assert manifest["a"]["duplicate_of"] == "b" and "keep none" in manifest["a"]["reason"]
    assert manifest["c"]["status"] == "kept"


def test_keep_none_removes_every_copy_of_a_repeated_paragraph(tmp_path) -> None:
    shared = _article(8, paragraphs=1)
    docs = [Document("a", _article(9) + "\n\n" + shared), Document("b", shared + "\n\n" + _article(10))]
    out = tmp_path / "out"
    run(docs, str(out), RunOptions(scan=ScanOptions(clean=False, jobs=1, keep="none")))
    manifest = {r["id"]: r for r in map(json.loads, (out / MANIFEST).read_text().splitlines())}
    assert [c["duplicate_of"]["id"] for c in manifest["a"]["paragraphs_removed"]] == ["b"]
    assert [c["duplicate_of"]["id"] for c in manifest["b"]["paragraphs_removed"]] == ["a"]
    assert shared[:40] not in (out / "a.txt").read_text() + (out / "b.txt").read_text()


def test_same_url_makes_one_cluster_of_different_texts() -> None:
    docs = [
        Document("a", _article(11), meta={"url": "https://Example.com/news/story/?utm_source=feed"}),
        Document("b", _article(12), meta={"url": "https://example.com:443/news/story#comments"}),
        Document("c", _article(13), meta={"url": "https://example.com/news/other"}),
    ]
    assert scan(docs, OPTIONS).doc_clusters == ()
    result = scan(docs, ScanOptions(clean=False, jobs=1, level="doc", same_url=True))
    [cluster] = result.doc_clusters
    assert [m.id for m in cluster.members] == ["a", "b"]
    assert cluster.members[1].rule == "url" and cluster.members[1].similarity < 0.5


def test_cli_keep_and_same_url_flags(tmp_path) -> None:
    text = _article(14)
    lines = [
        {"id": "old", "text": text, "date": "2021-01-01", "url": "https://a.org/x"},
        {"id": "new", "text": text, "date": "2022-01-01", "url": "https://a.org/y"},
        {"id": "moved", "text": _article(15), "date": "2023-01-01", "url": "https://a.org/x/"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in lines))
    res = CliRunner().invoke(main, ["scan", str(src), "--format", "json", "--keep", "newest:date", "--same-url",
                                    "--no-clean", "--level", "doc", "-q", "-j", "1"])  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    # old and moved share a URL (x and x/), and moved is newer; old is dropped for it
    # before text matching, so its copy "new" has nothing left to match and stays
    assert [[m["id"] for m in c["members"]] for c in report["doc_clusters"]] == [["moved", "old"]]
    assert report["doc_clusters"][0]["members"][1]["rule"] == "url"
    bad = CliRunner().invoke(main, ["scan", str(src), "--keep", "latest"])
    assert bad.exit_code == 2 and "keep must be one of" in bad.output
