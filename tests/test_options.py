import pytest

from dedup.errors import OptionsError
from dedup.options import ScanOptions


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": 1.5}, "threshold must be in (0, 1]; got 1.5"),
        ({"paragraph_threshold": 0}, "paragraph_threshold must be in (0, 1]"),
        ({"containment": 2.0}, "containment must be in (0, 1] or None"),
        ({"level": "page"}, "level must be one of doc, paragraph, both; got 'page'"),
        ({"keep": "last"}, "keep must be one of first, longest"),
        ({"ngram": 0}, "ngram must be a whole number from 1 to 64; got 0"),
        ({"num_perm": 1}, "num_perm must be a whole number from 2 to 4096"),
        ({"jobs": 0}, "jobs must be a whole number from 1 to 1024"),
        ({"ngram": True}, "ngram must be a whole number"),
        ({"text_field": ""}, "text_field must be a non-empty field name"),
    ],
)
def test_bad_values_are_named_with_their_range(kwargs, message):
    with pytest.raises(OptionsError) as err:
        ScanOptions(**kwargs)
    assert message in str(err.value)


def test_jobs_is_not_part_of_the_reported_options():
    assert "jobs" not in ScanOptions(jobs=1).as_dict()
    assert ScanOptions(jobs=1) == ScanOptions(jobs=2)
