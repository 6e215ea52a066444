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


def test_builder_memory_is_bounded() -> None:
    # A small table must shed low counts and keep the frequent lines.
    builder = CorpusStatsBuilder(capacity=1024, bloom_bits=1 << 16)
    for n in range(400):
        builder.add(fingerprint(page(n) + f"\nextra line {n}\nextra line {n} again"), None)
        builder.add(fingerprint(article(n)), None)  # every article twice: 1600 repeated keys
        if n % 50 == 49:
            builder._flush()  # documents are counted in batches
            assert len(builder._keys) <= 1024
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
