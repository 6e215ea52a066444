import pytest

from dedup.errors import OptionsError
from dedup.options import ScanOptions, parse_memory


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


@pytest.mark.parametrize(
    "given, size",
    [("2G", 2 << 30), ("512M", 512 << 20), ("512MiB", 512 << 20), ("1.5gb", 3 << 29), (" 64 M ", 64 << 20),
     (1 << 30, 1 << 30), ("1073741824", 1 << 30)],
)  # fmt: skip
def test_memory_takes_a_size_in_binary_units(given, size):
    assert parse_memory(given) == size
    assert ScanOptions(memory=given).memory == size


@pytest.mark.parametrize(
    "given, message",
    [("2X", "memory must be a size such as 2G, 512M or 1.5GiB (binary units K, M, G, T); got '2X'"),
     ("-1G", "memory must be a size such as 2G"), (True, "memory must be a size such as 2G or 512M; got True"),
     ("1M", "memory must be at least 64M; got '1M' (1,048,576 bytes)")],
)  # fmt: skip
def test_bad_memory_says_what_a_size_looks_like(given, message):
    with pytest.raises(OptionsError) as err:
        ScanOptions(memory=given)
    assert message in str(err.value)


def test_memory_is_not_part_of_the_reported_options():
    assert "memory" not in ScanOptions(memory="1G").as_dict()
    assert ScanOptions(memory="1G") == ScanOptions()
