import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import dedup.index.runs
from dedup import Document, ScanOptions, render_json, scan, scan_paths
from dedup.errors import DedupError, InputError
from dedup.index import STORED_OPTIONS, Index, IndexFileError, IndexOptionsError
from dedup.readers import iter_documents

KYIV = "003_8bc150cff370669c.txt"
QUERY = "004_95bc31070ec5e5b3.txt"


@pytest.fixture(scope="module")
def texts(corpus_dir):
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))}


def _report(result):
    """What a report says, without the counts that cover all compared items."""
    data = json.loads(render_json(result))
    return data["doc_clusters"], data["paragraph_clusters"]


def _edit(text, pairs):
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def _key_rows(path):
    """Band key pairs stored (16 bytes each in the key blocks)."""
    with sqlite3.connect(path) as db:
        return sum(
            db.execute(f"SELECT total(length(data)) FROM {t}_blocks").fetchone()[0] // 16 for t in ("doc", "para")
        )


@pytest.mark.parametrize("clean", [True, False])
def test_query_of_004_against_000_to_003_reports_what_a_scan_does(tmp_path, corpus_dir, clean):
    files = sorted(str(p) for p in corpus_dir.glob("*.txt"))
    with Index(tmp_path / "news.idx", clean=clean, jobs=1) as index:
        added = index.add(iter_documents(files[:4]))
        assert (added.added, added.skipped, added.errors) == (4, (), ())
        result = index.query(iter_documents(files[4:]))
    expected = scan_paths([str(corpus_dir)], ScanOptions(clean=clean, jobs=1))
    assert result.doc_clusters == expected.doc_clusters == ()
    assert result.paragraph_clusters == expected.paragraph_clusters
    pairs = [[(m.id, m.line) for m in c.members] for c in result.paragraph_clusters]
    assert pairs == [[(KYIV, 17), (QUERY, 11)], [(KYIV, 19), (QUERY, 12)], [(KYIV, 21), (QUERY, 14)]]
    assert result.summary.documents == 1 and result.summary.paragraph_clusters == 3


@pytest.mark.parametrize("clean", [False, True])
def test_exact_near_and_abridged_copies_match_as_in_a_scan(tmp_path, texts, clean):
    paragraphs = texts["002"].split("\n\n")
    stored = [Document("a", texts["000"]), Document("b", texts["001"]), Document("c", texts["002"])]
    new = [
        Document("a-exact", texts["000"].replace("’", "'").upper()),  # identical after normalisation
        Document(
            "b-near",
            "Breaking: a new headline\nBy Staff\n\n"
            + _edit(texts["001"], [("Russian", "Russia's"), ("said", "stated")]),
        ),  # fmt: skip
        Document("c-abridged", "\n\n".join(paragraphs[: max(3, len(paragraphs) * 2 // 3)])),
        Document("unrelated", texts["003"]),
    ]
    options = ScanOptions(clean=clean, jobs=1)
    with Index(tmp_path / "i.idx", options) as index:
        index.add(stored)
        result = index.query(new)
    expected = scan(stored + new, options)
    assert _report(result) == _report(expected)
    keeps = {c.keep: [(m.id, m.similarity) for m in c.members] for c in result.doc_clusters}
    assert keeps["a"] == [("a", 1.0), ("a-exact", 1.0)]
    assert [m for m, _ in keeps["b"]] == ["b", "b-near"] and 0.5 < keeps["b"][1][1] < 1.0
    assert [m for m, _ in keeps["c"]] == ["c", "c-abridged"]


def test_paragraph_copied_into_another_article_is_found_with_its_line(tmp_path, texts):
    shared = texts["003"].split("\n")[16]  # line 17 of 003: a Kyiv Independent paragraph
    new_text = "A new article\n\nIts own first paragraph says something else entirely here.\n\n" + shared + "\n"
    with Index(tmp_path / "i.idx", clean=False, jobs=1) as index:
        index.add([Document("003", texts["003"]), Document("000", texts["000"])])
        result = index.query([Document("new", new_text)])
    (cluster,) = result.paragraph_clusters
    assert [(m.id, m.line, m.similarity) for m in cluster.members] == [("003", 17, 1.0), ("new", 5, 1.0)]
    assert cluster.members[0].text == shared


def test_add_skips_present_ids_or_replaces_them(tmp_path, texts):
    path = tmp_path / "i.idx"
    with Index(path, clean=False, jobs=1) as index:
        first = index.add([Document("x", texts["000"]), Document("y", texts["001"])])
        assert (first.added, first.skipped) == (2, ())
        again = index.add([Document("x", texts["002"]), Document("z", texts["003"])])
        assert (again.added, again.skipped, again.replaced) == (1, ("x",), ())
        assert len(index) == 3
        # x still holds 000's text: a copy of 000 matches it, a copy of 002 does not.
        assert [c.keep for c in index.query([Document("q", texts["000"])]).doc_clusters] == ["x"]
        assert index.query([Document("q", texts["002"])]).doc_clusters == ()

        replaced = index.add([Document("x", texts["002"])], replace=True)
        assert (replaced.added, replaced.replaced, replaced.skipped) == (1, ("x",), ())
        assert len(index) == 3 and index.stats()["documents"] == 3
        assert index.query([Document("q", texts["000"])]).doc_clusters == ()
        assert [c.keep for c in index.query([Document("q", texts["002"])]).doc_clusters] == ["x"]


def test_remove_deletes_documents_and_every_key_row(tmp_path, texts):
    path = tmp_path / "i.idx"
    with Index(path, clean=False, jobs=1) as index:
        index.add([Document(k, t) for k, t in texts.items()])
        full = _key_rows(path)
        assert full > 0
        assert index.remove(["003", "nope", "003"]) == 1
        assert "003" not in index and "004" in index and len(index) == 4
        assert 0 < _key_rows(path) < full
        # The Kyiv paragraphs of 004 now have no stored partner.
        assert index.query([Document("q", texts["004"])]).paragraph_clusters == ()
        assert index.remove(["000", "001", "002", "004"]) == 4
        # Keys rebuilt from the stored shingles are exactly those that were stored.
        assert _key_rows(path) == 0
        assert index.stats()["documents"] == 0 and index.stats()["paragraphs"] == 0


def test_failed_documents_are_reported_and_the_add_goes_on(tmp_path, texts):
    bad = InputError("feed.jsonl", "not valid JSON", 3)
    with Index(tmp_path / "i.idx", clean=False, jobs=1) as index:
        result = index.add([Document("a", texts["000"]), bad, Document("a", texts["001"])])
    assert result.added == 1
    assert [(e.path, e.line) for e in result.errors] == [("feed.jsonl", 3), ("a", None)]
    assert "duplicate document id" in result.errors[1].error


def test_query_never_changes_the_index(tmp_path, texts):
    path = tmp_path / "i.idx"
    with Index(path, clean=False, jobs=1) as index:
        index.add([Document("a", texts["003"])])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Index(path, create=False) as index:
        assert index.query([Document("q", texts["004"])]).paragraph_clusters
        assert index.stats()["documents"] == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_keep_longest_keeps_the_longest_stored_document(tmp_path, texts):
    whole = texts["002"]
    shorter = "\n\n".join(whole.split("\n\n")[:-2])
    with Index(tmp_path / "i.idx", clean=False, jobs=1) as index:
        index.add([Document("short", shorter), Document("long", whole)])
        assert index.query([Document("q", whole)]).doc_clusters[0].keep == "short"
    with Index(tmp_path / "i.idx", keep="longest") as index:
        (cluster,) = index.query([Document("q", whole)]).doc_clusters
    # A cluster is the stored document matched and the new ones dropped for it: the other
    # stored copy is not a member (stored documents are not compared with each other).
    assert cluster.keep == "long" and [(m.id, m.similarity) for m in cluster.members] == [("long", 1.0), ("q", 1.0)]


@pytest.mark.parametrize("level", ["doc", "paragraph"])
def test_one_level_indexes(tmp_path, texts, level):
    with Index(tmp_path / "i.idx", clean=False, level=level, jobs=1) as index:
        index.add([Document("003", texts["003"]), Document("002", texts["002"])])
        result = index.query([Document("004", texts["004"]), Document("copy", texts["002"])])
    if level == "doc":
        assert [c.keep for c in result.doc_clusters] == ["002"] and result.paragraph_clusters == ()
    else:  # the three Kyiv paragraphs, and every paragraph of the copy
        assert result.doc_clusters == () and len(result.paragraph_clusters) > 3


def test_options_are_stored_and_a_mismatch_names_both_values(tmp_path):
    path = tmp_path / "i.idx"
    Index(path, num_perm=64, ngram=4, clean=False).close()
    with Index(path) as index:  # no options: the stored ones
        assert (index.options.num_perm, index.options.ngram, index.options.clean) == (64, 4, False)
        assert index.stats()["options"]["num_perm"] == 64
    with Index(path, ngram=4, keep="longest", jobs=1) as index:  # equal or free options are fine
        assert index.options.keep == "longest"
    with pytest.raises(IndexOptionsError) as caught:
        Index(path, num_perm=128, seed=7)
    message = str(caught.value)
    assert "num_perm=64 (asked for 128)" in message and "seed=1 (asked for 7)" in message
    assert isinstance(caught.value, DedupError)
    with pytest.raises(IndexOptionsError, match="ngram=4 \\(asked for 3\\)"):
        Index(path, ScanOptions(num_perm=64, clean=False))
    assert set(STORED_OPTIONS) <= set(ScanOptions.__dataclass_fields__)


def test_an_index_signed_differently_is_refused(tmp_path):
    path = tmp_path / "i.idx"
    Index(path, clean=False).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'deadbeef' WHERE name = 'signing'")
    with pytest.raises(IndexOptionsError, match="signatures or band keys differ from those of this dedup"):
        Index(path)


def test_foreign_and_damaged_files_give_clear_errors(tmp_path, texts):
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n" * 100)
    with pytest.raises(IndexFileError, match="notes.txt: not a dedup index"):
        Index(text)
    assert text.read_text() == "just some notes\n" * 100

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(IndexFileError, match="an SQLite database but not a dedup index \\(tables: songs\\)"):
        Index(other)

    with pytest.raises(IndexFileError, match="is a folder"):
        Index(tmp_path)
    with pytest.raises(IndexFileError, match="no such index"):
        Index(tmp_path / "missing.idx", create=False)
    assert not (tmp_path / "missing.idx").exists()

    for schema, message in (("1", "made by an older dedup .*schema 1.*rebuild the index"),
                            ("99", "made by a newer dedup")):  # fmt: skip
        other = tmp_path / f"schema{schema}.idx"
        Index(other, clean=False).close()
        with sqlite3.connect(other) as db:
            db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (schema,))
        with pytest.raises(IndexFileError, match=message):
            Index(other)

    damaged = tmp_path / "damaged.idx"
    with Index(damaged, clean=False, jobs=1) as index:
        index.add([Document(k, t) for k, t in texts.items()])
    data = bytearray(damaged.read_bytes())
    data[8192:] = os.urandom(len(data) - 8192)  # everything after the first two pages
    damaged.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match="damaged index"):
        with Index(damaged) as index:
            index.query([Document("q", texts["004"])])


def test_empty_file_becomes_an_index(tmp_path):
    path = tmp_path / "new.idx"
    path.write_bytes(b"")
    with Index(path, clean=False) as index:
        assert index.stats()["documents"] == 0


def test_chrome_learned_by_an_add_cleans_a_later_single_page(tmp_path):
    chrome = ["The Morning Ledger", "Local news for the valley since 1887", "Tip line: 555 0134"]

    def page(n):
        body = f"Story number {n} tells of the council meeting where topic {n} was argued at length by everyone."
        second = f"A second paragraph about item {n} and its many details, told slowly."
        return "\n".join([chrome[0], chrome[1], "", body, second, "", chrome[2]])

    site = [Document(f"site/{n}.txt", page(n), group="ledger") for n in range(8)]
    new = Document("site/new.txt", page(99), group="ledger")
    with Index(tmp_path / "i.idx", jobs=1) as index:
        added = index.add(site)
        assert added.cleaning["removed_spans_by_rule"]["repeated-in-corpus"] == 16  # learned from the batch
        assert index.stats()["chrome_lines"] == 6  # three lines, for the group and corpus-wide
        alone = index.query([new])
    # One page learns nothing by itself; the chrome remembered from the add still goes.
    assert alone.cleaning["removed_spans_by_rule"] == {"repeated-in-corpus": 2}
    assert "6 chrome lines remembered from earlier adds" in alone.cleaning["corpus_stats"]["notes"]
    with Index(tmp_path / "fresh.idx", jobs=1) as index:
        assert "repeated-in-corpus" not in index.query([new]).cleaning["removed_spans_by_rule"]


def _jsonl(path, texts, prefix, count):
    """``count`` distinct documents made of corpus paragraphs, one JSON record a line."""
    paragraphs = [p for t in texts.values() for p in t.split("\n") if len(p.split()) > 12]
    with open(path, "w", encoding="utf-8") as f:
        for n in range(count):
            body = "\n\n".join(paragraphs[(n * 7 + k) % len(paragraphs)] for k in range(5))
            f.write(json.dumps({"id": f"{prefix}{n}", "text": f"Item {prefix}{n} {n * 7919}\n\n{body}"}) + "\n")


_ADD_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import dedup.index.index
    from dedup.index import Index
    from dedup.readers import iter_documents
    dedup.index.index.ADD_CACHE_KIB = 64  # spill pages to the write-ahead log mid-add
    path, source, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
    def progress(stage, count):
        print(stage, count, flush=True)
        time.sleep(pause)
    with Index(path, clean=False, jobs=1) as index:
        result = index.add(iter_documents([source]), progress=progress)
    print("done", result.added, len(result.skipped), flush=True)
    """
)


def _adder(tmp_path, index, source, pause=0.0):
    script = tmp_path / "add.py"
    script.write_text(_ADD_SCRIPT)
    return subprocess.Popen(
        [sys.executable, str(script), str(index), str(source), str(pause)], stdout=subprocess.PIPE, text=True
    )


def _integrity(path):
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_an_add_killed_midway_leaves_the_index_as_before(tmp_path, texts):
    path = tmp_path / "i.idx"
    with Index(path, clean=False, jobs=1) as index:
        index.add([Document("kyiv", texts["003"])])
        before = index.stats()
    source = tmp_path / "many.jsonl"
    _jsonl(source, texts, "d", 1500)
    proc = _adder(tmp_path, path, source)
    seen = 0
    for line in proc.stdout:
        seen = int(line.split()[1]) if line.startswith("add ") else seen
        if seen >= 256:  # four batches stored, uncommitted
            break
    wal = os.path.getsize(f"{path}-wal") if os.path.exists(f"{path}-wal") else 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert seen >= 256 and proc.returncode == -signal.SIGKILL
    assert wal > 100_000  # the killed add had written pages of its own
    assert _integrity(path) == "ok"
    with Index(path) as index:
        after = index.stats()
        assert {k: after[k] for k in ("documents", "paragraphs", "adds")} == {
            k: before[k] for k in ("documents", "paragraphs", "adds")
        }
        assert "d0" not in index
        assert index.query([Document("q", texts["004"])]).paragraph_clusters  # still answers
        again = index.add(iter_documents([str(source)]))
        assert again.added == 1500 and len(index) == 1501
    assert _integrity(path) == "ok"


def test_two_processes_adding_at_once_both_succeed(tmp_path, texts):
    path = tmp_path / "i.idx"
    Index(path, clean=False).close()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    _jsonl(first, texts, "a", 300)
    _jsonl(second, texts, "b", 300)
    with open(second, "a", encoding="utf-8") as f:  # ten documents both add
        f.writelines(open(first, encoding="utf-8").readlines()[:10])
    a = _adder(tmp_path, path, first, pause=0.05)
    assert a.stdout.readline().startswith("add ")  # a holds the write lock now
    b = _adder(tmp_path, path, second)
    out_a, out_b = a.communicate(timeout=120)[0], b.communicate(timeout=120)[0]
    assert a.returncode == 0 and b.returncode == 0
    assert out_a.splitlines()[-1] == "done 300 0"
    assert out_b.splitlines()[-1] == "done 300 10"  # b waited, then skipped what a had added
    assert _integrity(path) == "ok"
    with Index(path) as index:
        assert len(index) == 600 and "a0" in index and "b299" in index


def test_a_writer_gives_up_after_the_timeout_with_a_clear_error(tmp_path, texts):
    path = tmp_path / "i.idx"
    Index(path, clean=False).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Index(path, timeout=0.2) as index:
            started = time.monotonic()
            with pytest.raises(IndexFileError, match="locked by another process"):
                index.add([Document("a", texts["000"])])
            assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_band_keys_merge_runs_and_find_every_shared_key(tmp_path, monkeypatch):
    # Tiny blocks and merge slices, so that a few hundred keys make many blocks, slices
    # of several blocks, and runs of several sizes to merge.
    monkeypatch.setattr(dedup.index.runs, "BLOCK_PAIRS", 4)
    monkeypatch.setattr(dedup.index.runs, "_MERGE_SLICE_BITS", 1)
    rng = np.random.default_rng(5)
    pool = rng.integers(-(2**63), 2**63 - 1, 300, dtype=np.int64)  # few keys: many shared
    with Index(tmp_path / "k.idx", clean=False) as index:
        index._db.execute("BEGIN")
        keys = dedup.index.runs.KeyRuns(index._db, "para", 3)
        stored: list[tuple[int, int, int]] = []  # (band, key, item)
        item = 0

        def check(ask):
            mine, theirs = keys.find(ask, np.arange(len(ask)))
            expected = {(q, i) for q in range(len(ask)) for b, key, i in stored if ask[q, b] == key}
            assert set(zip(mine.tolist(), theirs.tolist())) == expected

        for size in [3, 40, 5, 7, 2, 60, 9, 11, 4, 30, 6]:
            rows = pool[rng.integers(0, pool.size, (size, 3))]
            items = np.arange(item, item + size) * 10
            item += size
            keys.write(rows, items)
            stored += [(b, int(rows[k, b]), int(items[k])) for k in range(size) for b in range(3)]
            check(pool[rng.integers(0, pool.size, (25, 3))])
        runs = keys.runs()
        assert len(runs) <= dedup.index.runs.MAX_RUNS and sum(r.pairs for r in runs) == len(stored) // 3
        assert any(r.bits > 1 for r in runs)  # merged runs were read in slices
        filed = np.array([[key for b, key, i in stored if i == 50]])
        assert keys.remove(filed, np.array([50])) == 3
        stored = [s for s in stored if s[2] != 50]
        check(filed)
        check(pool[rng.integers(0, pool.size, (25, 3))])
        assert sum(r.pairs for r in keys.runs()) == len(stored) // 3
        index._db.execute("ROLLBACK")
