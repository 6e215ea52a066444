"""Corpus statistics: fingerprints, learning a shared footer, thresholds, exact counts that
neither the order of the documents nor their split among merged builders changes."""

from __future__ import annotations

import gc
import pickle
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clean import CleanOptions, CorpusStats, CorpusStatsBuilder, Fingerprint, clean_text, fingerprint
from clean.stats import threshold_for

FOOTER = [
    "Sign in to see your saved stories",
    "Our journalism is funded by readers like you and by careful grants from foundations.",
    "Acme Daily Herald · 12 Harbour Road · Port Example",
]


def article(n: int) -> str:
    """A distinct article: four paragraphs that no other article shares."""
    paras = [
        f"Story {n} begins with a report from district {n} about the council meeting held on day {n}.",
        f"Residents of street {n * 7} told reporters that the new rules would change how they travel {n} times a week.",
        f"The mayor said figure {n * 13} was higher than expected and promised a review by month {n % 12 + 1}.",
        f"Further talks are planned for session {n * 3}, officials in office {n + 100} said late on Tuesday.",
    ]
    return "\n\n".join(paras)


def page(n: int) -> str:
    return article(n) + "\n\n" + "\n".join(FOOTER)


def test_fingerprint_is_compact_sorted_unique_and_picklable() -> None:
    fp = fingerprint(page(1) + "\n" + FOOTER[0])
    assert isinstance(fp, Fingerprint)
    assert fp.hashes.dtype == np.uint64
    assert np.all(np.diff(fp.hashes.astype(np.float64)) > 0) or len(fp) <= 1
    assert len(fp) == 4 + len(FOOTER)
    assert pickle.loads(pickle.dumps(fp)).hashes.tolist() == fp.hashes.tolist()


def test_fingerprint_matches_across_punctuation_and_case() -> None:
    a = fingerprint("Follow us on Facebook!")
    b = fingerprint("follow us on facebook")
    assert a.hashes.tolist() == b.hashes.tolist()


def test_corpus_mode_learns_a_shared_footer_and_removes_it() -> None:
    builder = CorpusStatsBuilder()
    pages = [page(n) for n in range(12)]
    for text in pages:
        builder.add(fingerprint(text), "herald.example")
    stats = builder.build()
    described = stats.describe()
    assert described["documents"] == 12
    assert described["repeated_lines"] == len(FOOTER)
    assert {m["text"] for m in described["most_frequent"]} == set(FOOTER)
    result = clean_text(pages[3], CleanOptions(), stats, "herald.example")
    assert result.text == article(3)
    assert {r.rule for r in result.removed} <= {"repeated-in-corpus", "nav", "after-article"}
    assert any(r.rule == "repeated-in-corpus" for r in result.removed)
    # without statistics the footer is judged by rules and shape only
    assert "Our journalism is funded" in clean_text(pages[3]).text


def test_lines_shared_by_a_few_documents_are_not_chrome() -> None:
    # Two copies of one story (a syndicated article) must keep their paragraphs.
    builder = CorpusStatsBuilder()
    texts = [article(1), article(1), *(article(n) for n in range(2, 30))]
    for text in texts:
        builder.add(fingerprint(text), "site.example")
    stats = builder.build()
    assert stats.describe()["repeated_lines"] == 0
    assert clean_text(texts[0], CleanOptions(), stats, "site.example").text == article(1)


def test_a_copy_keeps_its_sentences_even_when_they_recur_often() -> None:
    # An article syndicated to many pages of one site: its paragraphs recur, but the
    # document is a copy, so its sentences stay (only short chrome would go).
    builder = CorpusStatsBuilder()
    texts = [article(1)] * 10 + [article(n) for n in range(2, 12)]
    for text in texts:
        builder.add(fingerprint(text), "wire.example")
    stats = builder.build()
    assert clean_text(article(1), CleanOptions(), stats, "wire.example").text == article(1)


# A site whose chrome carries sentences of its own (a blurb, an author box, a legal line).
CHROME_HEAD = [
    "Skip to content",
    "Home",
    "Harbour",
    "If you need help planning your move to the coast, talk to one of our local property experts.",
    "Sign up",
]
CHROME_TAIL = [
    "Acme Daily Herald is an independent newspaper owned by its readers since the year 1921.",
    "Maria Example is a reporter covering transport, housing and the harbour for the Herald.",
    "The Herald welcomes letters from readers; write to the editor at the address below.",
    "Subscriptions include the weekend magazine, the puzzle pages and our full archive.",
    "Most popular",
    "Council expands the night bus network to the northern suburbs",
    "Ferry fares rise again as the operator blames fuel costs",
    "© 2024 Acme Daily Herald",
]


def brief(n: int, ending: str) -> str:
    """A one-paragraph story (about 45 words) in the site's full chrome."""
    story = (
        f"Harbour officials said on day {n} that ferry route {n * 3} would close for repairs until spring,"
        f" and that passengers should use bus {n + 40} instead while crews replace pier {n * 7} and the"
        f" ticket office beside gate {n * 11}, which has been shut since storm {n} hit the coast" + ending
    )
    return "\n".join(CHROME_HEAD) + "\n\n" + story + "\n\n" + "\n".join(CHROME_TAIL) + "\n"


@pytest.mark.parametrize("ending", [".", ""])
def test_a_short_story_in_heavy_chrome_is_kept_and_the_chrome_goes(ending: str) -> None:
    # Briefs on one site share all of their chrome, sentences included: the chrome must not
    # be taken for the article (every brief would come out the same), the story must stay,
    # even when it is cut off mid-sentence (ending "").
    builder = CorpusStatsBuilder()
    texts = [brief(n, ending) for n in range(10)] + [page(n) for n in range(8)]
    for text in texts:
        builder.add(fingerprint(text), "herald.example")
    stats = builder.build()
    results = [clean_text(brief(n, ending), CleanOptions(), stats, "herald.example") for n in range(10)]
    for n, result in enumerate(results):
        assert result.text == brief(n, ending).split("\n\n")[1]
        # a story cut off mid-sentence is no body to the body search: the fallback keeps
        # it, and never the chrome the corpus knows
        assert ("kept-best-block" in result.flags) == (ending == "")
    assert len({r.text for r in results}) == len(results)


def test_sitewide_lines_are_learned_apart_from_copies() -> None:
    # Lines in half of a group's documents or more are site-wide; a story copied to three
    # of twenty pages is repeated but not site-wide.
    builder = CorpusStatsBuilder()
    texts = [article(1)] * 3 + [page(n) for n in range(2, 19)]
    for text in texts:
        builder.add(fingerprint(text), "site.example")
    stats = builder.build()
    footer = {h for h in fingerprint("\n".join(FOOTER)).hashes.tolist()}
    story = {h for h in fingerprint(article(1)).hashes.tolist()}
    assert all(stats.is_repeated(h, "site.example") == "group" for h in footer | story)
    assert all(stats.is_widespread(h, "site.example") for h in footer)
    assert not any(stats.is_widespread(h, "site.example") for h in story)
    # the copy keeps its paragraphs, the footer goes
    assert clean_text(page(1), CleanOptions(), stats, "site.example").text == article(1)


def test_groups_are_learned_separately() -> None:
    builder = CorpusStatsBuilder()
    for n in range(6):
        builder.add(fingerprint(page(n)), "herald.example")
    for n in range(6, 12):
        builder.add(fingerprint(article(n)), "other.example")
    stats = builder.build()
    line = FOOTER[1]
    assert clean_text(article(20) + "\n\n" + line, CleanOptions(), stats, "herald.example").text == article(20)
    assert stats.describe()["groups"] == 2


@pytest.mark.parametrize(("n", "expected"), [(1, 3), (5, 3), (36, 3), (100, 5), (1000, 16), (100_000, 159)])
def test_threshold_grows_with_group_size(n: int, expected: int) -> None:
    assert threshold_for(n, 3) == expected


def test_stats_are_small_and_picklable() -> None:
    builder = CorpusStatsBuilder()
    for n in range(50):
        builder.add(fingerprint(page(n)), None)
    stats = builder.build()
    data = pickle.dumps(stats)
    assert len(data) < 10_000
    assert isinstance(pickle.loads(data), CorpusStats)
    assert stats.describe()["repeated_lines"] == len(FOOTER)


def test_empty_documents_and_no_documents() -> None:
    builder = CorpusStatsBuilder()
    assert builder.build().describe()["documents"] == 0
    builder.add(fingerprint(""), "g")
    assert builder.build().describe()["documents"] == 1


def test_doctests() -> None:
    import doctest

    import clean.stats

    assert doctest.testmod(clean.stats).failed == 0


def test_a_page_of_nothing_but_site_chrome_is_not_emptied() -> None:
    # Every line of the last page is the site's footer: the cleaner keeps its longest line
    # and flags the page rather than emit an empty text (a run would write an empty file).
    builder = CorpusStatsBuilder()
    labels = [FOOTER[0], FOOTER[2]]  # no sentence among them
    texts = [page(n) for n in range(8)] + ["\n".join(labels)]
    for text in texts:
        builder.add(fingerprint(text), "herald.example")
    stats = builder.build()
    result = clean_text(texts[-1], CleanOptions(), stats, "herald.example")
    assert result.text == max(labels, key=len)
    assert "kept-best-block" in result.flags
    assert clean_text(page(3), CleanOptions(), stats, "herald.example").text == article(3)


# --- exact counting -------------------------------------------------------------------

Doc = tuple[Fingerprint, "str | None", "bytes | None"]  # what add() takes


def synthetic(n_docs: int, seed: int, groups: int = 5, copies: float = 0.2) -> list[Doc]:
    """Documents of random lines: each has 10 lines of its own and some of 40 shared ones
    (every shared line in a different share of the documents), in ``groups`` groups; a
    share of them reuse an earlier document's key (a copy), some in another group and a
    few with a line more or less (a copy whose spacing changed its lines)."""
    rng = np.random.default_rng(seed)
    shared = rng.integers(0, 2**64, 40, dtype=np.uint64)
    rates = np.linspace(0.01, 0.6, len(shared))
    docs: list[Doc] = []
    for i in range(n_docs):
        if docs and rng.random() < copies:
            fp, _, key = docs[int(rng.integers(len(docs)))]
            hashes = fp.hashes
            if rng.random() < 0.3:
                hashes = np.unique(np.append(hashes[1:], shared[int(rng.integers(len(shared)))]))
            samples = tuple((h, t.upper()) for h, t in fp.samples)  # another spelling of the lines
            docs.append((Fingerprint(hashes, samples), f"g{rng.integers(groups)}", key))
            continue
        own = rng.integers(0, 2**64, 10, dtype=np.uint64)
        hashes = np.unique(np.concatenate([own, shared[rng.random(len(shared)) < rates]]))
        samples = tuple((int(h), f"line {int(h) % 1000}") for h in hashes[:6].tolist())
        group = None if rng.random() < 0.1 else f"g{rng.integers(groups)}"
        key = None if rng.random() < 0.1 else f"doc {i}".encode()
        docs.append((Fingerprint(hashes, samples), group, key))
    return docs


def build(docs: list[Doc], **kwargs: object) -> CorpusStats:
    with CorpusStatsBuilder(**kwargs) as builder:  # type: ignore[arg-type]
        for fp, group, key in docs:
            builder.add(fp, group, doc_key=key)
        return builder.build()


def expected(docs: list[Doc], min_docs: int = 3) -> tuple[dict[str, int], dict[str, set[int]]]:
    """group_docs and repeated, counted the slow and obvious way (a document is its key)."""
    members: dict[str, set[object]] = defaultdict(set)
    having: dict[tuple[str, int], set[object]] = defaultdict(set)
    for n, (fp, group, key) in enumerate(docs):
        doc = key if key is not None else n
        for g in ["\x00all"] + ([group] if group is not None else []):
            members[g].add(doc)
            for h in fp.hashes.tolist():
                having[g, h].add(doc)
    group_docs = {g: len(v) for g, v in members.items()}
    repeated: dict[str, set[int]] = defaultdict(set)
    for (g, h), holders in having.items():
        if len(holders) >= threshold_for(group_docs[g], min_docs):
            repeated[g].add(h)
    return group_docs, dict(repeated)


def test_counts_are_exact_at_the_threshold_on_a_spilled_corpus(tmp_path: Path) -> None:
    # 4,000 documents of 10 lines of their own each: 40,000 distinct lines, far over what
    # the old count table held (it shed its lowest counts) and enough to fill a small Bloom
    # filter. Two lines are placed far apart: one in exactly as many documents as the
    # threshold asks, one in one document fewer.
    rng = np.random.default_rng(3)
    n = 4000
    limit = threshold_for(n, 3)
    docs: list[Doc] = [
        (Fingerprint(np.sort(rng.integers(0, 2**64, 10, dtype=np.uint64))), None, None) for _ in range(n)
    ]
    at_limit, below = 11, 12
    for k, i in enumerate(np.linspace(0, n - 1, limit).astype(int).tolist()):
        hashes = docs[i][0].hashes
        extra = [at_limit] + ([below] if k else [])
        docs[i] = (Fingerprint(np.unique(np.append(hashes, np.array(extra, dtype=np.uint64)))), None, None)
    stats = build(docs, memory_rows=1024, folder=tmp_path)
    assert stats.repeated == {"\x00all": frozenset({at_limit})}
    assert stats.counts == {at_limit: limit}
    assert list(tmp_path.iterdir()) == []  # the partition files went with the builder


def test_spilled_and_in_memory_builds_are_identical(tmp_path: Path) -> None:
    docs = synthetic(3000, seed=1)
    in_memory = build(docs)
    with CorpusStatsBuilder(memory_rows=1024, folder=tmp_path) as builder:
        for fp, group, key in docs:
            builder.add(fp, group, doc_key=key)
        spilled = builder.build()
        assert builder._lines.path is not None and any(builder._lines.path.iterdir())
    assert spilled == in_memory
    assert pickle.dumps(spilled) == pickle.dumps(in_memory)  # the same dict orders too
    assert (in_memory.group_docs, {g: set(v) for g, v in in_memory.repeated.items()}) == expected(docs)
    assert in_memory.texts and in_memory.widespread


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([4096, 1 << 21]))
def test_the_order_of_the_documents_does_not_matter(rnd: random.Random, memory_rows: int) -> None:
    docs = synthetic(400, seed=4)
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    assert build(shuffled, memory_rows=memory_rows) == build(docs)


@settings(max_examples=10, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=2, max_value=4))
def test_builders_over_parts_merge_into_one(rnd: random.Random, parts: int) -> None:
    # Any split, even one that puts copies of a document in different parts.
    docs = synthetic(400, seed=5)
    builders = [CorpusStatsBuilder(memory_rows=rnd.choice([4096, 1 << 21])) for _ in range(parts)]
    for fp, group, key in docs:
        rnd.choice(builders).add(fp, group, doc_key=key)
    rnd.shuffle(builders)
    merged = builders[0]
    for other in builders[1:]:
        merged.merge(pickle.loads(pickle.dumps(other)) if rnd.random() < 0.5 else other)
    assert merged.build() == build(docs)


def test_exact_copies_in_two_groups_count_once_in_each_and_once_in_the_corpus() -> None:
    footer = fingerprint("\n".join(FOOTER))
    with CorpusStatsBuilder() as builder:
        for n in range(3):  # three texts, each copied to both sites
            for site in ("a.example", "b.example"):
                builder.add(footer, site, doc_key=b"text %d" % n)
        builder.add(footer, "a.example", doc_key=b"text 0")  # and once more
        stats = builder.build()
    assert stats.documents == 3
    assert stats.group_docs == {"\x00all": 3, "a.example": 3, "b.example": 3}
    assert set(stats.repeated) == {"\x00all", "a.example", "b.example"}
    assert set(stats.counts.values()) == {3}
    # on a tie the site is named before the corpus, and sites in name order
    assert set(stats.group_of.values()) == {"a.example"}


def test_copies_count_once_with_the_lines_of_any_of_them() -> None:
    # Texts that differ only in spacing share a key but may split into other lines: the
    # key counts once, for the lines of either, whichever came first.
    one, other = fingerprint("Sign in\nSubscribe now"), fingerprint("Sign in Subscribe now")
    ones = [(one, "s", b"k%d" % n) for n in range(3)]
    assert build([*ones, (other, "s", b"k0")]) == build([(other, "s", b"k0"), *ones])
    stats = build([*ones, (other, "s", b"k0")])
    assert stats.counts == {h: 3 for h in one.hashes.tolist()} and stats.documents == 3


def test_the_sample_text_is_the_most_frequent_spelling_then_the_smallest() -> None:
    h = 12345
    spellings = ["Share", "SHARE", "share", "Share", "SHARE"]
    docs = [(Fingerprint(np.array([h], np.uint64), ((h, text),)), "s", None) for text in spellings]
    assert build(docs).texts == {h: "SHARE"}  # "Share" and "SHARE" twice each
    assert build(docs[::-1], memory_rows=1024).texts == {h: "SHARE"}
    assert build(docs[1:]).texts == {h: "SHARE"}
    assert build(docs[:-1]).texts == {h: "Share"}


def test_partition_files_go_on_close_on_exit_and_with_the_builder(tmp_path: Path) -> None:
    docs = synthetic(1000, seed=6)

    def fed() -> CorpusStatsBuilder:
        builder = CorpusStatsBuilder(memory_rows=1024, folder=tmp_path)
        for fp, group, key in docs:
            builder.add(fp, group, doc_key=key)
        assert any(tmp_path.iterdir())
        return builder

    builder = fed()
    builder.build()
    assert any(tmp_path.iterdir())  # build() leaves the builder usable
    builder.close()
    assert list(tmp_path.iterdir()) == []
    with fed():
        pass
    assert list(tmp_path.iterdir()) == []
    builder = fed()
    del builder
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_builder_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="memory_rows must be an integer of at least 1024 rows, got 10"):
        CorpusStatsBuilder(memory_rows=10)
    builder = CorpusStatsBuilder()
    with pytest.raises(ValueError, match="into itself"):
        builder.merge(builder)
