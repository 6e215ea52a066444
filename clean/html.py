"""The HTML path: trafilatura finds the main text (the posts of a forum thread, the main region
of a listing), then the plain-text pass cleans it."""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .options import CleanOptions
from .pagetype import ARTICLE, FORUM, PAGE, page_type, region_text
from .result import CleanResult, Removal
from .stats import CorpusStats
from .text import clean_text
from .tokens import tokenize

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
# On a page that declares no type, the main region replaces trafilatura's main text when that
# text is less than this share of the region's (a listing, service or category page whose
# blocks trafilatura cut to one). Tuned on half A of wcxb-dev (domains split by blake2b):
# 0.3-0.6 tried, 0.5 and 0.6 best: +0.014 mean F1 over all page types against no region
# (listings +0.05, services +0.04, collections +0.09, articles -0.001, documentation -0.004);
# on aeb the pages that declare no type lose 0.002 (4-gram F1). Then checked on half A of
# trafilatura-dev too, where the region of a blog or news page holds its sidebars: snippet F1
# 0.933 without the region, 0.925 at 0.5, 0.928 at 0.3, 0.932 at 0.2, while wcxb-dev's half A
# kept its gain (0.839, 0.839, 0.837 against 0.827 without); 0.2 is best over both sets.
_REGION_SHARE = 0.2
# ... unless the region is mostly a menu: this share of its characters or more in lines of at
# most _MENU_WORDS words (a body with the site's navigation left in, no <nav> to drop it).
# Tuned on half A of wcxb-dev (0.3-0.5, lines of 2 or 3 words tried; listings +0.01) and it
# keeps an aeb news brief whose page is a municipal portal's menus.
_REGION_MENU_SHARE = 0.4
_MENU_WORDS = 2
# On a forum thread, the page's paragraphs replace trafilatura's posts when they are this
# many times longer (trafilatura kept the opening post only). Tuned on half A of wcxb-dev:
# 1.3-2.0 tried, 1.3 and 1.5 best (forum threads +0.03 mean F1 over trafilatura's posts).
_FORUM_PARAGRAPHS_RATIO = 1.3


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
    """The main text of a page, with title/date/author/site as metadata.

    What the main text is depends on the kind of page (:func:`clean.pagetype.page_type`,
    read from the page's schema.org and Open Graph data):

    - a forum thread or Q&A page: every post is content. trafilatura's comments are the
      posts and join the main text (flag ``forum-posts``); where trafilatura kept few of
      them, the page's paragraphs (``trafilatura.baseline``) are taken instead (flag
      ``forum-paragraphs``). Reply forms and login prompts are left to the plain-text pass.
    - any other page: trafilatura finds the main text, comments excluded. On a page that is
      no article (a listing, a service or category page) it keeps one block of many: on a
      page that declares no type, when trafilatura's text is a small share of the page's
      main region and the region is not mostly a menu, the region's text is the main text
      (flag ``page-region``). A declared article keeps trafilatura's text (a news brief is
      a small share of its page), and so does a product page (its region holds reviews and
      recommendations).

    A first line repeating the title is dropped (the title is metadata); ``line_map``
    locates each line of the text in the HTML source on a best-effort basis. When the main
    text is short, trafilatura may have kept a fragment (a teaser, the intro); the page's
    paragraphs are then searched for the article body by the plain-text pass, and a body
    much longer than the main text replaces it (flag ``main-text-fallback``; what the body
    search removed is in ``removed``).

    trafilatura runs twice on an article or undeclared page (its two focuses, see the code),
    once on a product page or thread; its baseline once more on a thread or a short main text.

    Pass 1 of an HTML corpus run fingerprints ``extract_main_text(html).text``.
    """
    import trafilatura  # imported here: it takes a third of a second, and plain text never needs it

    kind = page_type(html)
    # trafilatura's balanced focus: when its text covers little of the page it retries in recall
    # mode itself; recall mode from the start loses the posts and answers of threads (wcxb-dev
    # forum pages 0.59 mean F1 against 0.72).
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=kind == FORUM)
    metadata: dict[str, str] = {}
    if doc is not None:
        for key in ("title", "date", "author", "sitename", "url"):
            value = getattr(doc, key, None)
            if value:
                metadata[key] = str(value)
    title = metadata.get("title", "")
    text = (doc.text if doc is not None else None) or ""
    if kind in (ARTICLE, PAGE):
        # The two focuses fail on different pages: balanced may keep a box of teasers, or
        # nothing; recall may stop after the intro. Their failures are mostly text missed, so
        # the longer text is kept: on half A of wcxb-dev +0.010 mean F1 on articles, +0.016 on
        # documentation, against either focus alone ("recall if 1.5 or 2 times longer" gave
        # less). Product pages skip it (no gain) and threads (recall mode loses posts).
        recall = trafilatura.bare_extraction(html, include_comments=False, favor_recall=True)
        if recall is not None and len(recall.text or "") > len(text):
            text = recall.text or ""
    main = _drop_title(text, title)
    flags: tuple[str, ...] = ()
    if kind == FORUM:
        main, flags = _forum_posts(html, main, (doc.comments if doc is not None else None) or "", title)
    elif kind == PAGE:
        region = region_text(html)
        if len(main) < _REGION_SHARE * len(region) and _menu_share(region) < _REGION_MENU_SHARE:
            main, flags = _drop_title(region, title), ("page-region",)
    if len(main) < _FALLBACK_CHARS and not flags:
        fallback = _fallback(html, main, title, options)
        if fallback is not None:
            return dataclasses.replace(fallback, metadata=metadata)
    if not main.strip():
        return MainText("", metadata, (), (), flags)
    locate = _Locator(html, main)
    return MainText(main, metadata, tuple(locate(k) for k in range(1, main.count("\n") + 2)), (), flags)


def _forum_posts(html: str, main: str, posts: str, title: str) -> tuple[str, tuple[str, ...]]:
    """The posts of a thread: trafilatura's main text and comments, or the page's paragraphs
    when they hold much more text (trafilatura kept the first post only)."""
    from trafilatura import baseline

    text = "\n".join(t for t in (main, posts) if t.strip())
    _, paragraphs, _ = baseline(html)
    if len(paragraphs) > _FORUM_PARAGRAPHS_RATIO * len(text):
        return _drop_title(paragraphs, title), ("forum-paragraphs",)
    return text, ("forum-posts",)


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


def _menu_share(text: str) -> float:
    r"""The share of the text's characters in lines of at most ``_MENU_WORDS`` words.

    >>> _menu_share("Home\nNews\nBuses run every evening.")
    0.25
    """
    lines = [line for line in text.split("\n") if line.strip()]
    total = sum(map(len, lines))
    short = sum(len(line) for line in lines if len(_TOKEN.findall(line)) <= _MENU_WORDS)
    return short / total if total else 0.0


def _drop_title(text: str, title: str) -> str:
    r"""The text without a first line that repeats the title (it is metadata, not body).

    >>> _drop_title("Bus network grows\nThe council voted.", "Bus network grows | Herald")
    'The council voted.'
    """
    head, _, rest = text.lstrip("\n").partition("\n")
    norm, title_norm = " ".join(tokenize(head)), " ".join(tokenize(title))
    if norm and title and (norm == title_norm or title_norm.startswith(norm + " ")):
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
    return CleanResult(
        inner.text, tuple(at(n) for n in inner.line_map), removed, flags, dict(main.metadata), inner.language
    )


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
