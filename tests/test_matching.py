"""Who is kept and what each dropped item names: direct matches only, every bucket pair covered."""

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document, ScanOptions, scan
from dedup.matching import match, same_document, same_paragraph
from dedup.verify import similarity

DOC_RULE = same_document(ScanOptions())
PARA_RULE = same_paragraph(ScanOptions())


def _arrays(sets, keys, exact=None):
    n = len(sets)
    loaded = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    if exact is None:  # equal sets are exact copies
        ids = {frozenset(s): k for k, s in enumerate(sets)}
        exact = [ids[frozenset(s)] for s in sets]
    exact_keys = np.array([[e, 0] for e in exact], dtype=np.uint64).reshape(n, 2)
    band_keys = np.array(keys, dtype=np.uint64).reshape(n, -1)
    return exact_keys, band_keys, loaded.__getitem__


def _reference(sets, keys, exact, rule, rank, groups):
    """Brute force: in keep order, drop an item for the first kept item that shares an
    exact key or a bucket with it and passes the rule."""
    n = len(sets)
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    kept: list[int] = []
    kept_by = {}
    for i in sorted(range(n), key=lambda k: rank[k]):
        for k in sorted(kept, key=lambda k: rank[k]):
            if groups is not None and groups[k] == groups[i]:
                continue
            near = exact[k] == exact[i] or any(a == b for a, b in zip(keys[k], keys[i]))
            if not near:
                continue
            sim = similarity(arrays[k], arrays[i])
            if exact[k] == exact[i] or rule(sim, arrays[k], arrays[i]):
                kept_by[i] = k
                break
        else:
            kept.append(i)
    return kept_by


def test_a_chain_does_not_drop_an_item_for_one_it_does_not_match():
    # A~B and B~C at Jaccard 0.6, A and C far apart (0.33): C must stay.
    words = list(range(200))
    a, b, c = set(words[0:120]), set(words[30:150]), set(words[60:180])
    assert similarity(np.array(sorted(a)), np.array(sorted(c))).jaccard < 0.4
    exact, keys, load = _arrays([a, b, c], [[7], [7], [7]])
    found = match(np.arange(3), exact, keys, load, DOC_RULE, np.arange(3))
    assert found.kept_by == {1: 0}
    assert found.clusters == [[0, 1]]
    assert found.similarity[1].jaccard == 0.6


def test_a_huge_bucket_of_unrelated_items_still_finds_its_one_pair():
    # 100 items in one bucket; only items 10 and 50 have the same shingles (distinct
    # exact keys, as when only punctuation differs), all others are unrelated.
    rng = random.Random(5)
    sets = [set(rng.sample(range(10**6), 80)) for _ in range(100)]
    sets[50] = set(sets[10])
    exact, keys, load = _arrays(sets, [[1]] * 100, exact=list(range(100)))
    found = match(np.arange(100), exact, keys, load, DOC_RULE, np.arange(100))
    assert found.kept_by == {50: 10}
    assert found.clusters == [[10, 50]]
    assert found.similarity[50].jaccard == 1.0


def test_keep_order_decides_who_stays():
    sets = [set(range(100)), set(range(5, 100)), set(range(300, 400))]
    exact, keys, load = _arrays(sets, [[1], [1], [2]])
    found = match(np.arange(3), exact, keys, load, DOC_RULE, np.array([2, 0, 1]))
    assert found.kept_by == {0: 1}  # item 1 comes first in keep order


def test_exact_copies_follow_the_first_in_keep_order_without_being_candidates():
    sets = [set(range(50)), set(range(50)), set(range(50))]
    exact, keys, load = _arrays(sets, [[1], [2], [3]])
    found = match(np.arange(3), exact, keys, load, DOC_RULE, np.array([1, 0, 2]))
    assert found.kept_by == {0: 1, 2: 1}
    assert found.candidates == 0 and found.rejected == 0


def test_items_of_one_group_never_drop_each_other():
    same = set(range(40))
    sets = [same, same, same]
    exact, keys, load = _arrays(sets, [[1], [1], [1]])
    found = match(np.arange(3), exact, keys, load, PARA_RULE, np.arange(3), groups=np.array([0, 0, 1]))
    assert found.kept_by == {2: 0}


@st.composite
def _cases(draw):
    n = draw(st.integers(2, 14))
    base = [set(range(k * 7, k * 7 + 20)) for k in range(4)]
    sets = []
    for _ in range(n):
        s = set(draw(st.sampled_from(base)))
        s -= set(draw(st.lists(st.integers(0, 50), max_size=8)))
        s |= set(draw(st.lists(st.integers(0, 50), max_size=8)))
        sets.append(s or {999})
    bands = draw(st.integers(1, 3))
    keys = [[draw(st.integers(0, 3)) for _ in range(bands)] for _ in range(n)]
    rank = draw(st.permutations(range(n)))
    groups = draw(st.one_of(st.none(), st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    return sets, keys, list(rank), groups


@settings(max_examples=300, deadline=None)
@given(_cases(), st.sampled_from(["doc", "para"]))
def test_match_equals_the_brute_force_decision(case, level):
    sets, keys, rank, groups = case
    rule = DOC_RULE if level == "doc" else PARA_RULE
    ids = {frozenset(s): k for k, s in enumerate(sets)}
    exact_ids = [ids[frozenset(s)] for s in sets]
    keys = [keys[e] for e in exact_ids]  # exact copies share their band keys, as signatures do
    exact, band_keys, load = _arrays(sets, keys, exact_ids)
    groups_arr = None if groups is None else np.array(groups)
    found = match(np.arange(len(sets)), exact, band_keys, load, rule, np.array(rank), groups_arr)
    assert found.kept_by == _reference(sets, keys, exact_ids, rule, rank, groups)
    for item, kept in found.kept_by.items():  # every drop names a direct match
        a, b = load(kept), load(item)
        assert found.similarity[item] == similarity(a, b)
        assert exact_ids[item] == exact_ids[kept] or rule(similarity(a, b), a, b)


def test_scan_never_reports_a_member_below_the_thresholds():
    rng = random.Random(11)
    vocab = [f"w{k}" for k in range(5000)]
    words = rng.choices(vocab, k=400)
    # Each text shifts the window by 60 words: neighbours share most, the ends little.
    docs = [Document(f"d{k}", " ".join(words[k * 60 : k * 60 + 200])) for k in range(4)]
    result = scan(docs, ScanOptions(clean=False, jobs=1, level="doc"))
    for cluster in result.doc_clusters:
        for m in cluster.members[1:]:
            assert m.similarity >= 0.5 or m.containment >= 0.8
    assert [c.keep for c in result.doc_clusters] == ["d0", "d2"]
    assert [[m.id for m in c.members] for c in result.doc_clusters] == [["d0", "d1"], ["d2", "d3"]]
