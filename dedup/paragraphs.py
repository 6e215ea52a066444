"""Split a text into paragraphs, by line ranges.

A paragraph is a block of non-blank lines, except that each line of a block is its own
paragraph unless the block looks hard-wrapped (prose broken at a fixed width, as in
e-mail or Project Gutenberg files). Scraped text usually puts one paragraph per line
with no blank lines between them; hand-written text separates paragraphs with blank
lines; both styles are common and often mixed in one file.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Span", "split_paragraphs"]

# A block is hard-wrapped only if its longest line is in this range (wrap widths in the
# wild are 60 to 80 columns; scraped one-paragraph lines run to hundreds, and a block of
# short lines is a list of labels or headings, not wrapped prose).
MIN_WRAP_WIDTH = 40
MAX_WRAP_WIDTH = 100
# In a wrapped block, lines other than a paragraph's last fill most of the width.
FULL_LINE = 0.6
_TERMINAL = tuple(".!?:;\"'”’»)]…。！？")
_MARKERS = ("- ", "* ", "+ ", "• ", "> ", "#", "|")


class Span(NamedTuple):
    """A paragraph: lines ``first`` to ``last`` (0-based, inclusive) of the text."""

    first: int
    last: int


def _starts_item(line: str) -> bool:
    """A list item, heading, quote or table row: always starts a paragraph."""
    stripped = line.lstrip()
    if stripped.startswith(_MARKERS):
        return True
    head = stripped[:4]
    return len(head) > 1 and head[0].isdigit() and (". " in stripped[:5] or ") " in stripped[:5])


def _is_wrapped(lines: list[str]) -> bool:
    """Does this block of two or more lines look like prose wrapped at a fixed width?"""
    width = max(len(line) for line in lines)
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return False
    inner = [line.rstrip() for line in lines[:-1]]
    full = sum(len(line) >= FULL_LINE * width for line in inner)
    open_ended = sum(not line.endswith(_TERMINAL) for line in inner)
    return full * 3 >= len(inner) * 2 and open_ended * 2 > len(inner)


def split_paragraphs(lines: list[str]) -> list[Span]:
    """Paragraph spans of a text given as its lines (``text.split("\\n")``).

    >>> text = ("Title\\n\\nA first paragraph.\\nA second one.\\n\\n"
    ...         "Prose wrapped at a fixed width goes on and\\n"
    ...         "on, each line nearly as long as the widest\\none, until it ends.")
    >>> split_paragraphs(text.split("\\n"))
    [Span(first=0, last=0), Span(first=2, last=2), Span(first=3, last=3), Span(first=5, last=7)]
    """
    spans: list[Span] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line or line.isspace():
            i += 1
            continue
        j = i + 1
        while j < n and lines[j] and not lines[j].isspace():
            j += 1
        if j - i == 1:
            spans.append(Span(i, i))
        elif _is_wrapped(lines[i:j]):
            spans.extend(_wrapped_paragraphs(lines[i:j], i))
        else:
            spans.extend(Span(k, k) for k in range(i, j))
        i = j
    return spans


def _wrapped_paragraphs(block: list[str], offset: int) -> list[Span]:
    """Paragraphs of a wrapped block: a short line ends one, a list item starts one."""
    width = max(len(line) for line in block)
    spans = []
    first = 0
    for k in range(1, len(block)):
        prev = block[k - 1].rstrip()
        if len(prev) < FULL_LINE * width or _starts_item(block[k]):
            spans.append(Span(offset + first, offset + k - 1))
            first = k
    spans.append(Span(offset + first, offset + len(block) - 1))
    return spans
