"""CleanOptions validation: bad values are refused with the value and the allowed range."""

import pickle

import pytest

from clean import CleanOptions, RuleSet
from clean.errors import CleanOptionsError


def test_defaults_are_valid_and_picklable() -> None:
    options = CleanOptions()
    assert pickle.loads(pickle.dumps(options)) == options
    assert hash(options) == hash(CleanOptions())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"corpus_min_docs": 1}, "corpus_min_docs must be an integer from 2 to 1000000, got 1"),
        ({"corpus_min_docs": 2.5}, "got 2.5"),
        ({"fallback_fraction": 1.0}, "fallback_fraction must be in [0, 1), got 1.0"),
        ({"fallback_fraction": -0.1}, "got -0.1"),
        ({"language": "German"}, "an ISO 639-1 code like 'de', or '' (none), got 'German'"),
        ({"language": True}, "got True"),
        ({"rules": ["nav"]}, "rules must be a RuleSet"),
    ],
)
def test_bad_values_are_refused_with_a_helpful_message(kwargs: dict, message: str) -> None:
    with pytest.raises(CleanOptionsError) as info:
        CleanOptions(**kwargs)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_options_are_frozen() -> None:
    options = CleanOptions()
    with pytest.raises(AttributeError):
        options.segment = False  # type: ignore[misc]


def test_rules_value_is_part_of_equality() -> None:
    assert CleanOptions(rules=RuleSet(disabled=frozenset({"nav"}))) != CleanOptions()
