"""The language of a text: which phrase rules the cleaner applies to it.

Identification is py3langid's (a naive Bayes model over byte n-grams, 97 languages),
loaded on first use, once per process; English is recognised without it by its
function words, the fast path for the web's most common language.
"""

from __future__ import annotations

import functools
import logging
import re

__all__ = ["EN_SURE_SHARE", "MIN_SAMPLE_BYTES", "detect", "english_share"]

logger = logging.getLogger(__name__)

# Below this many bytes of sample (UTF-8, as the model reads it: a Chinese character is
# three) the identifier guesses (a three-word menu reads as anything); the caller decides
# what to do without a language.
MIN_SAMPLE_BYTES = 40
# py3langid's normalised probability for its first choice; below it, no language is
# claimed. Short samples of mixed chrome land at 0.3-0.6, real paragraphs at 0.99+.
_MIN_PROBABILITY = 0.5
# What the identifier reads of a longer sample: its cost grows with the length (0.2 ms a
# thousand characters), its answer stops changing well before.
_MAX_SAMPLE_CHARS = 800
_SPACES = re.compile(r"\s+")

# English function words that are rare as whole words in other Latin-script languages
# ("a", "in", "die", "of"-like words are left out on purpose).
_EN_FUNCTION = frozenset(
    "the and of to is that for with was are this by from have has were will would which"
    " their they been but not it its you your our he she his her we an at on be or as".split()
)
# English prose has 35-45 % of its words in _EN_FUNCTION, menu-heavy English dumps 12 % or
# more; French, German, Polish, Spanish, Portuguese and Italian text 0-6 % (the eval sets'
# pages). From this share up a sample is English without asking the model: the fast path
# for the web's most common language (the model costs several times the rest of the check;
# at 0.2, 130 of aeb's 181 scraper dumps still went to the model, at 0.12 the
# non-English pages and a few menus).
EN_SURE_SHARE = 0.12


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    logger.debug("loading the language identification model")
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def english_share(words: list[str]) -> float:
    """Share of English function words among lower-cased words.

    >>> english_share("the cat sat on the mat".split())
    0.5
    """
    return sum(map(_EN_FUNCTION.__contains__, words)) / len(words) if words else 0.0


def detect(sample: str) -> str:
    """The ISO 639-1 code of the language ``sample`` is written in, or ``""`` when there is
    too little text or the model is unsure.

    >>> detect("Der Bundestag hat am Donnerstag über den Haushalt für das kommende Jahr beraten.")
    'de'
    >>> detect("Home")
    ''
    """
    sample = _SPACES.sub(" ", sample[: 2 * _MAX_SAMPLE_CHARS]).strip()[:_MAX_SAMPLE_CHARS]
    if len(sample.encode("utf-8", "surrogatepass")) < MIN_SAMPLE_BYTES:
        return ""
    code, probability = _identifier().classify(sample)
    return code if probability >= _MIN_PROBABILITY else ""
