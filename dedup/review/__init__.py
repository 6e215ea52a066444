"""``dedup review``: one self-contained HTML page showing what a run would remove, and why.

:mod:`.data` gathers the review (counts, every verified pair's similarity, what other
thresholds would drop, sampled clusters with word diffs, what cleaning removed),
:mod:`.pairs` verifies every candidate pair and replays the decision at other
thresholds, :mod:`.diff` compares texts word by word, :mod:`.page` renders the page.
"""

from __future__ import annotations

from .data import ReviewOptions, review, review_paths

__all__ = ["ReviewOptions", "review", "review_paths"]
