"""What a new document or paragraph is dropped for: the first stored item, in keep order,
that it matches directly, with its similarity to that item (never a chain of matches)."""

import hashlib
import json
import sqlite3
import unicodedata

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import Document, RunOptions, ScanOptions, run, scan, sign_text
from dedup.engine import collect
from dedup.index import Index, IndexFileError
from dedup.index_cli import index as index_cli
from dedup.matching import same_document, same_paragraph
from dedup.verify import distinct, similarity

OPTIONS = ScanOptions(clean=False, jobs=1)


def words(prefix, n, start=0):
    """``n`` distinct words: ``prefix`` and a number (a token each)."""
    return [f"{prefix}{k}" for k in range(start, start + n)]


def text(*blocks):
    return " ".join(w for block in blocks for w in block)


def doc_set(body, options=OPTIONS):
    signed = sign_text(body, options, paragraphs=False)
    return distinct(signed.shingles[: signed.doc_shingles])


A, B, C, D = words("a", 100), words("b", 100), words("c", 100), words("d", 30)
# S1 and S2 share B. N1 matches both (more of S2 than of S1); N2 only S2: a union of the
# pairs would put N2 in S1's cluster, with its similarity to S1 (0.3) below the threshold.
S1, S2 = text(A, B), text(B, C)
N1, N2 = text(A[:60], B, C), text(B, C, D)


def _members(result):
    return {c.keep: [(m.id, m.similarity) for m in c.members[1:]] for c in result.doc_clusters}


def test_a_new_document_is_reported_with_the_stored_one_it_matches_not_a_chain(tmp_path):
    rule = same_document(OPTIONS)
    s1, s2, n1, n2 = map(doc_set, (S1, S2, N1, N2))
    assert rule(similarity(s1, n1), s1, n1) and rule(similarity(s2, n1), s2, n1)
    assert rule(similarity(s2, n2), s2, n2) and not rule(similarity(s1, n2), s1, n2)
    with Index(tmp_path / "i.idx", OPTIONS) as index:
        index.add([Document("S1", S1), Document("S2", S2)])
        result = index.query([Document("N1", N1), Document("N2", N2)])
    found = _members(result)
    # N1 goes to S1 (first in storage order) though it is more similar to S2.
    assert found == {
        "S1": [("N1", round(similarity(s1, n1).jaccard, 4))],
        "S2": [("N2", round(similarity(s2, n2).jaccard, 4))],
    }
    assert found["S2"][0][1] >= OPTIONS.threshold
    assert result.summary.doc_clusters == 2 and result.summary.duplicate_documents == 2


def test_keep_longest_sends_a_new_document_to_the_longest_stored_one_it_matches(tmp_path):
    longer = text(B, C, words("e", 20))  # S2 made longer than S1
    with Index(tmp_path / "i.idx", OPTIONS, keep="longest") as index:
        index.add([Document("S1", S1), Document("S2", longer)])
        result = index.query([Document("N1", N1), Document("N2", N2)])
    assert [(c.keep, [m.id for m in c.members]) for c in result.doc_clusters] == [("S2", ["S2", "N1", "N2"])]
    s2 = doc_set(longer)
    for member, body in zip(result.doc_clusters[0].members[1:], (N1, N2)):
        assert member.similarity == round(similarity(s2, doc_set(body)).jaccard, 4) >= OPTIONS.threshold


def test_run_with_an_index_names_the_document_the_query_names(tmp_path):
    """``dedup run --index``: the manifest names the first stored document in keep order
    that a document matches (not the most similar: N1 is closer to S2), as a query does."""
    with Index(tmp_path / "i.idx", OPTIONS) as index:
        index.add([Document("S1", S1), Document("S2", S2)])
        result = run([Document("N1", N1), Document("N2", N2)], str(tmp_path / "out"), RunOptions(OPTIONS),
                     index=index)  # fmt: skip
        query = index.query([Document("N1", N1), Document("N2", N2)])
    assert result.summary.duplicate == 2
    manifest = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "manifest.jsonl").read_text().splitlines())}
    named = {k: (manifest[k]["duplicate_of"], manifest[k]["in_index"], manifest[k]["similarity"]) for k in manifest}
    s1, s2 = doc_set(S1), doc_set(S2)
    assert named == {
        "N1": ("S1", True, round(similarity(s1, doc_set(N1)).jaccard, 4)),
        "N2": ("S2", True, round(similarity(s2, doc_set(N2)).jaccard, 4)),
    }
    assert named == {m.id: (c.keep, True, m.similarity) for c in query.doc_clusters for m in c.members[1:]}


# Paragraphs: the same shape inside documents that do not match as wholes.
PA, PB, PC, PD = words("pa", 15), words("pb", 15), words("pc", 15), words("pd", 5)


def _article(name, paragraph):
    """A document of its own filler paragraphs around ``paragraph``."""
    filler = [text(words(f"{name}x{k}y", 20)) for k in range(4)]
    return "\n\n".join([filler[0], filler[1], paragraph, filler[2], filler[3]])


def test_a_new_paragraph_is_reported_with_the_stored_one_it_matches_not_a_chain(tmp_path):
    p1, p2, q1, q2 = text(PA, PB), text(PB, PC), text(PA, PB, PC), text(PB, PC, PD)
    sets = {name: doc_set(body) for name, body in (("p1", p1), ("p2", p2), ("q1", q1), ("q2", q2))}
    rule = same_paragraph(OPTIONS)
    assert rule(similarity(sets["p1"], sets["q1"]), sets["p1"], sets["q1"])
    assert rule(similarity(sets["p2"], sets["q2"]), sets["p2"], sets["q2"])
    assert not rule(similarity(sets["p1"], sets["q2"]), sets["p1"], sets["q2"])
    stored = [Document("S1", _article("s1", p1)), Document("S2", _article("s2", p2))]
    new = [Document("N1", _article("n1", q1)), Document("N2", _article("n2", q2))]
    with Index(tmp_path / "i.idx", OPTIONS) as index:
        index.add(stored)
        result = index.query(new)
        with index.matching() as known:
            with collect(new, index.options, stats_hook=known.stats, batch_hook=known.put):
                repeats = known.paragraphs()
    assert result.doc_clusters == ()
    clusters = [[(m.id, m.paragraph, m.similarity) for m in c.members] for c in result.paragraph_clusters]
    sim = {k: round(similarity(sets[a], sets[k]).jaccard, 4) for a, k in (("p1", "q1"), ("p2", "q2"))}
    assert clusters == [[("S1", 3, 1.0), ("N1", 3, sim["q1"])], [("S2", 3, 1.0), ("N2", 3, sim["q2"])]]
    assert all(c.similarity >= OPTIONS.paragraph_threshold for c in result.paragraph_clusters)
    assert repeats == {
        ("N1", 3): {"id": "S1", "paragraph": 3, "line": 5, "similarity": sim["q1"]},
        ("N2", 3): {"id": "S2", "paragraph": 3, "line": 5, "similarity": sim["q2"]},
    }


def test_candidates_are_counted_as_a_scan_counts_them(tmp_path):
    """A candidate is a verified pair; exact copies are not candidates, and a pair of
    exact groups is verified once (stored copies of each other, new copies of each other)."""
    near = text(A, B[:90], words("z", 10))
    stored = [Document("S1", S1), Document("S1-copy", S1)]
    new = [Document("N", near), Document("N-copy", near), Document("E", S1)]
    with Index(tmp_path / "i.idx", OPTIONS, level="doc") as index:
        index.add(stored)
        result = index.query(new)
    assert _members(result) == {"S1": [("N", _sim(near)), ("N-copy", _sim(near)), ("E", 1.0)]}
    assert (result.summary.candidates, result.summary.rejected_candidates) == (1, 0)
    together = scan(stored + new, ScanOptions(clean=False, jobs=1, level="doc"))
    assert (together.summary.candidates, together.summary.rejected_candidates) == (1, 0)


def _sim(body):
    return round(similarity(doc_set(S1), doc_set(body)).jaccard, 4)


# -- every member at the thresholds, whatever the corpus ------------------------------------

POOL = [words(f"k{n}w", 40) for n in range(6)]
blocks = st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4, unique=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(blocks, min_size=1, max_size=4), new=st.lists(blocks, min_size=1, max_size=4),
       keep=st.sampled_from(["first", "longest"]))  # fmt: skip
def test_every_member_matches_its_stored_document_directly(tmp_path_factory, stored, new, keep):
    bodies = {f"S{k}": text(*(POOL[b] for b in bs)) for k, bs in enumerate(stored)}
    queried = {f"N{k}": text(*(POOL[b] for b in bs)) for k, bs in enumerate(new)}
    options = ScanOptions(clean=False, jobs=1, level="doc", keep=keep)
    rule = same_document(options)
    path = tmp_path_factory.mktemp("p") / "i.idx"
    with Index(path, options) as index:
        index.add([Document(k, v) for k, v in bodies.items()])
        result = index.query([Document(k, v) for k, v in queried.items()])
    sets = {k: doc_set(v) for k, v in {**bodies, **queried}.items()}
    order = sorted(bodies, key=lambda k: (-len(sets[k]), int(k[1:])) if keep == "longest" else int(k[1:]))
    for cluster in result.doc_clusters:
        kept = sets[cluster.keep]
        for member in cluster.members[1:]:
            sim = similarity(kept, sets[member.id])
            assert rule(sim, kept, sets[member.id])
            assert (member.similarity, member.containment) == (round(sim.jaccard, 4), round(sim.containment, 4))
            # No stored document earlier in keep order is a clear match (one that LSH
            # cannot miss: an exact copy, or Jaccard well above the threshold).
            for other in order[: order.index(cluster.keep)]:
                clear = similarity(sets[other], sets[member.id])
                assert not (np.array_equal(sets[other], sets[member.id]) or clear.jaccard >= 0.8)


# -- the Unicode version the tokens were made with -------------------------------------------


def _set_unicode(path, version):
    db = sqlite3.connect(path)
    with db:
        if version is None:
            db.execute("DELETE FROM meta WHERE name = 'unicode'")
        else:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('unicode', ?)", (version,))
    db.close()  # the last connection: its changes are checkpointed into the file


def test_an_index_records_its_unicode_version_and_refuses_another(tmp_path):
    path = tmp_path / "i.idx"
    with Index(path, OPTIONS) as index:
        index.add([Document("S1", S1)])
        assert index.stats()["unicode"] == unicodedata.unidata_version
    _set_unicode(path, "9.0.0")
    with Index(path) as index:
        message = f"its tokens were made with Unicode 9.0.0, .* is Unicode {unicodedata.unidata_version}"
        with pytest.raises(IndexFileError, match=message):
            index.query([Document("N1", N1)])
        with pytest.raises(IndexFileError, match=message):
            index.add([Document("S2", S2)])
        with pytest.raises(IndexFileError, match=message), index.matching():
            pass
        # What needs no new tokens still works.
        assert index.stats()["unicode"] == "9.0.0" and len(index) == 1 and "S2" not in index
        assert index.remove(["S1"]) == 1
    res = CliRunner().invoke(index_cli, ["query", str(path), "-"], input="some text to query")
    assert res.exit_code == 1
    assert "Unicode 9.0.0" in res.output and f"Unicode {unicodedata.unidata_version}" in res.output


def test_an_index_without_a_unicode_version_is_taken_as_this_pythons(tmp_path):
    path = tmp_path / "i.idx"
    with Index(path, OPTIONS) as index:
        index.add([Document("S1", S1)])
    _set_unicode(path, None)  # as made before the version was recorded
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with Index(path) as index:
        assert index.stats()["unicode"] is None
        assert [c.keep for c in index.query([Document("N1", N1)]).doc_clusters] == ["S1"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # a query writes nothing
    with Index(path) as index:
        index.add([Document("S2", S2)])  # the first add records it
        assert index.stats()["unicode"] == unicodedata.unidata_version


def test_run_with_an_index_and_keep_longest_names_the_longest_stored_document(tmp_path):
    """``dedup run --index --keep longest``: the per-run keep order reaches the index's
    matcher (it is not one of the options an index fixes)."""
    longer = text(B, C, words("e", 20))
    for name, body in (("S1", S1), ("S2", longer), ("N1", N1)):
        folder = tmp_path / ("new" if name == "N1" else "old")
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.txt").write_text(body + "\n", encoding="utf-8")
    path = str(tmp_path / "i.idx")
    with Index(path, OPTIONS) as index:
        index.add([Document("S1", S1), Document("S2", longer)])
    from dedup.cli import main

    out = tmp_path / "out"
    args = ["run", str(tmp_path / "new"), "-o", str(out), "--index", path, "--keep", "longest", "-j", "1", "-q"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    (record,) = map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
    assert record["duplicate_of"] == "S2" and record["in_index"] is True
