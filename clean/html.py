"""The HTML path: trafilatura finds the main text, then the plain-text pass cleans it."""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .lines import normalise
from .options import CleanOptions
from .result import CleanResult, Removal
from .stats import CorpusStats
from .text import clean_text

__all__ = ["MainText", "clean_html", "extract_main_text"]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+")
# Between two words of a text line, the HTML may hold spaces, punctuation, entities, tags.
_GAP = r"(?:[^\w<]|<[^>]*>)+"  # one character or one tag per step: no nested repetition
_LOCATE_WORDS = 6
_LOCATE_CHARS = 400
# A main text shorter than this may be a fragment trafilatura picked by mistake (a teaser, an
# intro): the page's paragraphs are then searched for the body, and replace the main text if
# the body found is at least _FALLBACK_RATIO times longer. Tuned on aeb/ and wcxb-dev/: short
# aeb articles (news briefs) give bodies at most 2.8 times their main text; wcxb pages where
# trafilatura kept 10-30% of the article give 3-10 times (thresholds 500-1000 and 2-4 tried).
_FALLBACK_CHARS = 1000
_FALLBACK_RATIO = 3


@dataclass(frozen=True)
class MainText:
    """The main text of a page, its metadata (title, date, ...), and where each line of
    the text starts in the HTML source (1-based; 0 where unknown)."""

    text: str
    metadata: Mapping[str, str]
    line_map: tuple[int, ...] = ()
    removed: tuple[Removal, ...] = ()
    flags: tuple[str, ...] = ()


def extract_main_text(html: str, options: CleanOptions = CleanOptions()) -> MainText:
    """The article text of a page, with title/date/author/site as metadata.

    trafilatura finds the main text (comments excluded, recall favoured: the plain-text
    pass removes residue better than trafilatura's precision mode, which drops article
    paragraphs); a first line repeating the title is dropped (the title is metadata);
    ``line_map`` locates each line of the text in the HTML source on a best-effort basis.

    When the main text is short, trafilatura may have kept a fragment (a teaser, the intro);
    the page's paragraphs (``trafilatura.baseline``) are then searched for the article body
    by the plain-text pass, and a body much longer than the main text replaces it (flag
    ``main-text-fallback``; what the body search removed is in ``removed``).

    Pass 1 of an HTML corpus run fingerprints ``extract_main_text(html).text``.
    """
    import trafilatura  # imported here: it takes a third of a second, and plain text never needs it

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_recall=True)
    metadata: dict[str, str] = {}
    if doc is not None:
        for key in ("title", "date", "author", "sitename", "url"):
            value = getattr(doc, key, None)
            if value:
                metadata[key] = str(value)
    main = _drop_title((doc.text if doc is not None else None) or "", metadata.get("title", ""))
    if len(main) < _FALLBACK_CHARS:
        fallback = _fallback(html, main, metadata.get("title", ""), options)
        if fallback is not None:
            return dataclasses.replace(fallback, metadata=metadata)
    if not main.strip():
        return MainText("", metadata, ())
    locate = _Locator(html, main)
    return MainText(main, metadata, tuple(locate(k) for k in range(1, main.count("\n") + 2)))


def _fallback(html: str, main: str, title: str, options: CleanOptions) -> MainText | None:
    """The article body found among the page's paragraphs, if much longer than ``main``."""
    from trafilatura import baseline

    _, paragraphs, _ = baseline(html)
    if len(paragraphs) < _FALLBACK_RATIO * max(1, len(main)):
        return None
    # the title is metadata on the HTML path: the body search does not keep the headline
    body = clean_text(paragraphs, dataclasses.replace(options, keep_headline=False, segment=True))
    text = _drop_title(body.text, title)
    if len(text) < _FALLBACK_RATIO * max(1, len(main)):
        return None
    locate = _Locator(html, paragraphs)
    skipped = body.text.count("\n") - text.count("\n")  # lines _drop_title took off the top
    line_map = tuple(locate(n) for n in body.line_map[skipped:])
    removed = tuple(Removal(locate(r.first_line), locate(r.last_line), r.rule, r.text) for r in body.removed)
    logger.debug(
        "main text of %d characters replaced by a body of %d found in the page's paragraphs", len(main), len(text)
    )
    return MainText(text, {}, line_map, removed, ("main-text-fallback",))


def _drop_title(text: str, title: str) -> str:
    r"""The text without a first line that repeats the title (it is metadata, not body).

    >>> _drop_title("Bus network grows\nThe council voted.", "Bus network grows | Herald")
    'The council voted.'
    """
    head, _, rest = text.lstrip("\n").partition("\n")
    norm = normalise(head)
    if norm and title and (norm == normalise(title) or normalise(title).startswith(norm + " ")):
        return rest
    return text


def clean_html(
    html: str,
    options: CleanOptions = CleanOptions(),
    stats: CorpusStats | None = None,
    group: str | None = None,
) -> CleanResult:
    """Extract the main text of an HTML page (title and date go to metadata) and clean it.

    The plain-text pass runs without body segmentation (trafilatura already found the
    body). Line numbers in the result (``line_map``, removals) are lines of the HTML source
    where the text starts, found on a best-effort basis; 0 where it cannot be located. A
    page without main text gives an empty result flagged ``no-main-text``.
    """
    main = extract_main_text(html, options)
    if not main.text.strip():
        logger.debug("no main text found in HTML document")
        return CleanResult("", (), (), ("no-main-text",), dict(main.metadata))
    inner = clean_text(main.text, dataclasses.replace(options, segment=False), stats, group)
    source = main.line_map

    def at(n: int) -> int:
        return source[n - 1] if 0 < n <= len(source) else 0

    removed = main.removed + tuple(Removal(at(r.first_line), at(r.last_line), r.rule, r.text) for r in inner.removed)
    flags = main.flags + inner.flags
    return CleanResult(inner.text, tuple(at(n) for n in inner.line_map), removed, flags, dict(main.metadata))


class _Locator:
    """Maps a 1-based line of the extracted text to the HTML source line where it starts."""

    def __init__(self, html: str, text: str) -> None:
        self._html = html
        self._lines = text.split("\n")
        self._newlines = [m.start() for m in re.finditer("\n", html)]
        self._cache: dict[int, int] = {}
        self._cursor = 0

    def __call__(self, line: int) -> int:
        if line in self._cache:
            return self._cache[line]
        # the first words locate the line (a prefix of it is enough, however long it is)
        words = _TOKEN.findall(self._lines[line - 1][:_LOCATE_CHARS]) if 0 < line <= len(self._lines) else []
        found = 0
        if words:
            pattern = re.compile(_GAP.join(re.escape(w) for w in words[:_LOCATE_WORDS]))
            m = pattern.search(self._html, self._cursor) or pattern.search(self._html)
            if m:
                self._cursor = m.end()
                found = bisect.bisect_right(self._newlines, m.start()) + 1
        self._cache[line] = found
        return found
