import pytest

from dedup import Document
from dedup.cleaning import CleanRunOptions, clean_documents
from dedup.engine import Failure
from dedup.errors import InputError, OptionsError
from dedup.work import Cleaned

FOOTER = ["Subscribe to our newsletter for the latest news", "© 2024 Example Media. All rights reserved."]
STORIES = [
    "The council approved the new budget after a long debate on Tuesday evening, officials said.",
    "Heavy rain flooded several streets in the old town, and firefighters pumped water for hours.",
    "A local bakery won the regional prize for its sourdough bread, the third win in five years.",
    "Engineers finished repairs on the old bridge two weeks ahead of the schedule set in spring.",
]


def _docs():
    return [Document(f"site/{k}.txt", "\n\n".join([story, *FOOTER]), group="site") for k, story in enumerate(STORIES)]


def test_corpus_statistics_learn_a_shared_footer():
    with clean_documents(_docs(), CleanRunOptions(jobs=1)) as run:
        results = list(run)
        assert run.stats is not None
    assert [r.doc.id for r in results] == [f"site/{k}.txt" for k in range(4)]
    for result, story in zip(results, STORIES):
        assert isinstance(result, Cleaned)
        assert result.text.strip() == story
        assert {r.text for r in result.removed} >= set(FOOTER)
        assert all(r.first_line > 0 for r in result.removed)


def test_failures_come_out_in_the_stream():
    items = [*_docs()[:2], InputError("bad.txt", "binary file (NUL bytes), not text")]
    with clean_documents(items, CleanRunOptions(jobs=1)) as run:
        out = list(run)
    assert [type(x).__name__ for x in out] == ["Failure", "Cleaned", "Cleaned"]
    assert out[0] == Failure("bad.txt", "binary file (NUL bytes), not text")


@pytest.mark.parametrize("corpus_stats", [True, False])
def test_same_results_with_one_or_two_workers(corpus_dir, corpus_stats):
    from dedup.readers import iter_documents

    def texts(jobs):
        options = CleanRunOptions(corpus_stats=corpus_stats, jobs=jobs)
        with clean_documents(iter_documents([str(corpus_dir)]), options) as run:
            return [(x.doc.id, x.text, x.removed) for x in run]

    assert texts(1) == texts(2)


def test_options_are_checked():
    with pytest.raises(OptionsError, match="jobs must be a whole number"):
        CleanRunOptions(jobs=0)
