"""The article body of a plain-text document: which lines read as text, the furniture of a
thread's posts, and the best-scoring run of lines (a maximum-sum segment between walls).

Every line gets a score, in characters of text: sentence-like lines count for the body,
short non-sentences and lines removed by rules against it; a section header is a wall.
What lies outside the best run is page chrome, removed as before- or after-article text.
"""

from __future__ import annotations

import re

from .document import Doc
from .lines import ends_sentence

__all__ = [
    "find_wrapped",
    "headline_like",
    "mark_furniture",
    "segment",
    "sentence_like",
    "sentences",
    "text_like",
    "truncated",
]

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

# Scores of the body search, in characters of text. A sentence-like line counts its length;
# a short non-sentence (menu item, headline, label) costs _SHORT_COST; a line removed by a
# rule costs _RULE_COST; a section header (related stories, comments) is a wall. Tuned on
# aeb/ (plain-text path; grid 10-40 x 30-120, best 20 x 60 at F1 0.921), then kept for wcxb-dev.
_SHORT_COST = 20.0
_RULE_COST = 60.0
# A sentence-like line counts its length less this much: a paragraph of the article counts
# nearly whole, a one-line teaser of another story (the run of them after an article) little.
# Tuned on the halves "A" of the eval sets (split by site; 0-60 tried: 30 and 40 best on A,
# 30 kept, the smaller change); trafilatura-dev's snippet F1 rose 0.851 -> 0.879 on A,
# 0.831 -> 0.863 on the held-out B, aeb and wcxb articles within 0.002.
_SENTENCE_TAX = 30.0
_WALL = 1e7
_SOFT_WALLS = frozenset({"author-bio"})
# An "About <name>" header may also be a subheading: it costs this much instead of a wall.
_SOFT_WALL = 1500.0
# Residue that also sits inside articles (captions, credits, datelines, ad labels) costs
# little, so that a caption between two paragraphs does not cut the article in two.
_INLINE_COST = 5.0
_INLINE = frozenset(
    {
        "image-credit",
        "dateline",
        "byline",
        "advert",
        "repeated-line",
        "read-time",
        "audio-notice",
        "counter",
        "separator",
        "trim-residue",
    }
)
# A line this long with no closing punctuation still counts (half its length) as text,
# unless it ends mid-sentence in a lower-case word (a cut-off teaser).
_LONG_CHARS = 150
# Positive scores after a comments header are discounted: readers' comments are sentence
# text but not the article.
_COMMENT_DISCOUNT = 0.2
_COMMENT_AFTER_CHARS = 400
# A short line (at most this many words) that recurs, numbers aside, at least
# _FURNITURE_POSTS times with text between its copies is the furniture of a thread's posts.
# Tuned on half A of wcxb-dev (3-5 tried): 4 lifts forum pages 0.637 -> 0.671 (WCXB
# metric; held-out B 0.603 -> 0.621), articles and trafilatura-dev unchanged.
_FURNITURE_WORDS = 6
_FURNITURE_POSTS = 4
# A line this long that ends mid-sentence may continue on the next line (hard wrapping).
_WRAP_MIN_CHARS = 30


# -- 4. body ----------------------------------------------------------------------------------


def _ellipsis(s: str) -> bool:
    return s.rstrip("\"'”’)]").endswith(("...", "…"))


def sentence_like(doc: Doc, i: int) -> bool:
    """Reads as running text: ends a sentence and has a few words (hard-wrapped lines of a
    paragraph count as their paragraph)."""
    if doc.sentence is not None:
        return doc.sentence[i]
    if doc.huge and i in doc.huge:
        return True
    if doc.wrapped and i in doc.wrapped:
        return doc.wrapped[i]
    s = doc.text[i]
    if not ends_sentence(s) or _ellipsis(s):
        return False
    return doc.words[i] >= 5 or (len(s) >= 20 and _CJK.search(s) is not None)


def sentences(doc: Doc) -> list[bool]:
    """``sentence_like`` of every line, computed once when the lines are final (after
    trims and the grouping of hard-wrapped lines)."""
    if doc.sentence is None:
        doc.sentence = [bool(t) and sentence_like(doc, i) for i, t in enumerate(doc.text)]
    return doc.sentence


def text_like(doc: Doc, i: int) -> bool:
    """A sentence, or a long line that is not a list of items (a paragraph, maybe cut off)."""
    return sentence_like(doc, i) or len(doc.text[i]) >= _LONG_CHARS


def find_wrapped(doc: Doc) -> None:
    """Group hard-wrapped lines (a paragraph broken into lines, as in e-mail or CMS
    exports): a line that does not end a sentence, followed directly by a line that starts
    in lower case or after a comma. Each line of a group counts as sentence-like when the
    joined paragraph is."""
    group: list[int] = []
    for i in doc.nonblank:
        if group:
            prev = group[-1]
            s = doc.text[i]
            p = doc.text[prev]
            if (
                i == prev + 1
                and doc.verdict[i] is None
                and len(p) >= _WRAP_MIN_CHARS
                and not ends_sentence(p)
                and (s[:1].islower() or p.endswith((",", ";", "-", "–")))
            ):
                group.append(i)
                continue
            _close_wrap(doc, group)
            group = []
        if doc.verdict[i] is None:
            group = [i]
    _close_wrap(doc, group)


def _close_wrap(doc: Doc, group: list[int]) -> None:
    if len(group) < 2:
        return
    last = doc.text[group[-1]]
    sentence = ends_sentence(last) and not _ellipsis(last) and sum(doc.words[i] for i in group) >= 5
    for i in group:
        doc.wrapped[i] = sentence


def truncated(s: str) -> bool:
    """A long line cut off mid-sentence: ends in a lower-case word or an ellipsis."""
    if _ellipsis(s):
        return True
    last = s.rsplit(None, 1)[-1]
    return last[-1:].isalpha() and last[-1:].islower() and not ends_sentence(s)


def _score(doc: Doc, i: int) -> float:
    v = doc.verdict[i]
    if i in doc.furniture:
        return -_INLINE_COST
    if v is not None:
        if i in doc.huge:
            return float(len(doc.text[i]))
        return -_INLINE_COST if v in _INLINE else -_RULE_COST
    s = doc.text[i]
    if i in doc.common:
        return -max(_SHORT_COST, len(s) / 2)
    if sentence_like(doc, i):
        if i in doc.wrapped and i - 1 in doc.wrapped:
            return float(len(s))  # a hard-wrapped paragraph pays the tax once, on its first line
        return len(s) - _SENTENCE_TAX
    if len(s) >= _LONG_CHARS and not truncated(s) and i not in doc.wrapped:
        return len(s) / 2
    return -_SHORT_COST


def segment(doc: Doc, walls: set[int], sections: list[tuple[int, str]]) -> None:
    """Find the best-scoring run of lines (the article) and mark everything outside it."""
    idx = doc.nonblank
    if not idx:
        return
    verdict, text, sentence = doc.verdict, doc.text, sentences(doc)
    soft = {i for i, r in sections if r in _SOFT_WALLS}
    if doc.furniture and not doc.furniture & walls:
        # Among a thread's posts, a comments header ("X said:" above a quote) belongs to a
        # post, it does not start readers' comments after an article. (When the recurring
        # lines are comment headers themselves, "Reply" under each comment, the page is an
        # article with comments: its walls stand.) Tuned on half A of wcxb-dev: forum pages
        # 0.671 -> 0.716 (B 0.621 -> 0.634), articles 0.907 -> 0.905.
        first = min(doc.furniture)
        walls = {i for i in walls if i < first}
        sections = [(i, r) for i, r in sections if i < first or r != "comment-form"]
    # Readers' comments start at the first comments header after some article text.
    comment_from = len(doc.raw)
    comment_headers = {i for i, r in sections if r == "comment-form"}
    seen_text = 0.0
    for i in idx:
        if i in comment_headers and seen_text >= _COMMENT_AFTER_CHARS:
            comment_from = i
            break
        if verdict[i] is None and sentence[i]:
            seen_text += len(text[i])
    best = cur = 0.0
    best_span = (0, -1)
    start = 0
    for k, i in enumerate(idx):
        sc = -_WALL if i in walls else (-_SOFT_WALL if i in soft else _score(doc, i))
        if sc > 0 and i > comment_from:
            sc *= _COMMENT_DISCOUNT
        if cur <= 0:
            cur, start = sc, k
        else:
            cur += sc
        if cur > best:
            best, best_span = cur, (start, k)
    a, b = best_span
    if b < a:
        for i in idx:
            if verdict[i] is None:
                verdict[i] = _outside_rule(doc, i, before=True)
                doc.outside.add(i)
        return
    first, last = idx[a], idx[b]
    for i in idx:
        if verdict[i] is None and (i < first or i > last):
            verdict[i] = _outside_rule(doc, i, before=i < first)
            doc.outside.add(i)


def headline_like(doc: Doc, i: int) -> bool:
    return 3 <= doc.words[i] <= 30 and not ends_sentence(doc.text[i])


def _outside_rule(doc: Doc, i: int, before: bool) -> str:
    if i in doc.common:
        return "repeated-in-corpus"
    if doc.words[i] <= 3:
        return "nav"
    if not before and (headline_like(doc, i) or truncated(doc.text[i])):
        return "related-list"
    return "before-article" if before else "after-article"


_DIGITS = re.compile(r"\d+")


def mark_furniture(doc: Doc) -> None:
    """Mark the furniture of a thread: short lines that recur, numbers aside, around posts
    ("Quote", "27 posts", "Reply", "Members"), at least _FURNITURE_POSTS times with text
    between them. They are removed, and cost the body search little, so that the body
    runs across the posts of a forum thread or a Q&A page."""
    keys: dict[str, list[int]] = {}
    sentence = sentences(doc)
    for i in doc.nonblank:
        if doc.words[i] <= _FURNITURE_WORDS and not sentence[i] and doc.tokens[i]:
            keys.setdefault(_DIGITS.sub("0", " ".join(doc.tokens[i])), []).append(i)
    groups = [lines for lines in keys.values() if len(lines) >= _FURNITURE_POSTS]
    if not groups:
        return
    # sentence text above each line: two copies have text between them when it differs
    text_before: dict[int, int] = {}
    seen = 0
    for i in doc.nonblank:
        text_before[i] = seen
        if sentence[i] and doc.verdict[i] is None:
            seen += len(doc.text[i])
    for lines in groups:
        posts = sum(1 for a, b in zip(lines, lines[1:]) if text_before[b] > text_before[a])
        if posts + 1 < _FURNITURE_POSTS:
            continue
        for i in lines:
            doc.furniture.add(i)
            if doc.verdict[i] is None:
                doc.verdict[i] = "thread-furniture"
