"""CleanOptions: the one immutable configuration of the cleaner."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import CleanOptionsError
from .rules import RuleSet

__all__ = ["CleanOptions"]


@dataclass(frozen=True)
class CleanOptions:
    """How to clean; every field has a default that suits scraped news and blog text.

    ``rules``
        the rules in force (``load_rules`` reads user additions and disabled ids).
    ``language``
        ``None`` identifies each document's language (which phrase rules fire, which stop
        words count); an ISO 639-1 code such as ``"de"`` forces it; ``""`` means none
        (only the language-free structure rules fire).
    ``keep_headline``
        keep the headline line just above the article body (benchmarks that score only
        the body turn it off).
    ``segment``
        locate the article body among page chrome and drop what lies outside it; turn off
        for text that is already the body (``clean_html`` does that after trafilatura).
    ``corpus_min_docs``
        a line must recur in at least this many distinct documents of its group before
        corpus statistics may remove it (the threshold grows with the group's size).
    ``fallback_fraction``
        if cleaning would keep less than this fraction of the document's characters, the
        best block is kept instead and the result is flagged ``kept-best-block``.
    """

    rules: RuleSet = field(default_factory=RuleSet)
    language: str | None = None
    keep_headline: bool = True
    segment: bool = True
    corpus_min_docs: int = 3
    fallback_fraction: float = 0.05

    def __post_init__(self) -> None:
        if not isinstance(self.rules, RuleSet):
            raise CleanOptionsError(
                f"rules must be a RuleSet (from load_rules() or RuleSet()), got {type(self.rules).__name__}"
            )
        if self.language is not None and not (
            isinstance(self.language, str) and re.fullmatch(r"(?:[a-z]{2,3})?", self.language)
        ):
            raise CleanOptionsError(
                f"language must be None (identify each document), an ISO 639-1 code like 'de',"
                f" or '' (none), got {self.language!r}"
            )
        if not isinstance(self.corpus_min_docs, int) or not 2 <= self.corpus_min_docs <= 1_000_000:
            raise CleanOptionsError(
                f"corpus_min_docs must be an integer from 2 to 1000000, got {self.corpus_min_docs!r}"
                " (a line seen in one document only is never corpus boilerplate)"
            )
        if not 0.0 <= self.fallback_fraction < 1.0:
            raise CleanOptionsError(f"fallback_fraction must be in [0, 1), got {self.fallback_fraction!r}")
