"""Corpus statistics: fingerprints, learning a shared footer, thresholds, bounded memory."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

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


def test_builder_memory_is_bounded() -> None:
    # A small table must shed low counts and keep the frequent lines.
    builder = CorpusStatsBuilder(capacity=1024, bloom_bits=1 << 16)
    for n in range(400):
        builder.add(fingerprint(page(n) + f"\nextra line {n}\nextra line {n} again"), None)
        builder.add(fingerprint(article(n)), None)  # every article twice: 1600 repeated keys
        assert len(builder._counts) <= 1024 + 100
    stats = builder.build()
    assert stats.describe()["repeated_lines"] >= len(FOOTER)
    assert any("pruned" in note for note in stats.notes)


def test_builder_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="capacity"):
        CorpusStatsBuilder(capacity=10)
    with pytest.raises(ValueError, match="power of two"):
        CorpusStatsBuilder(bloom_bits=100_000)


def test_empty_documents_and_no_documents() -> None:
    builder = CorpusStatsBuilder()
    assert builder.build().describe()["documents"] == 0
    builder.add(fingerprint(""), "g")
    assert builder.build().describe()["documents"] == 1


def test_doctests() -> None:
    import doctest

    import clean.stats

    assert doctest.testmod(clean.stats).failed == 0
