"""One document as the plain-text pass sees it: its lines, their words, and the verdict on
each line (a rule id, or KEPT); the steps in :mod:`clean.text` and :mod:`clean.body` fill it in."""

from __future__ import annotations

from .lines import lower_and_words, segments
from .tokens import tokenize

__all__ = ["KEPT", "Doc"]

KEPT = ""


class Doc:
    """Lines of one document and the verdict on each (rule id, or KEPT)."""

    __slots__ = (
        "raw",
        "text",
        "verdict",
        "trims",
        "words",
        "nonblank",
        "tokens",
        "read_tokens",
        "common",
        "outside",
        "known",
        "wrapped",
        "low",
        "low_text",
        "sentence",
        "huge",
        "furniture",
    )

    def __init__(
        self, raw: list[str], text: list[str], low: list[str], tokens: list[list[str]], nonblank: list[int]
    ) -> None:
        self.raw = raw
        self.text = text
        self.low = low  # the lines lower-cased
        self.low_text = ""  # the whole text lower-cased, when known
        self.tokens = tokens  # matching form: lower-cased words, punctuation gone
        self.words = [len(t) for t in tokens]
        self.nonblank = nonblank
        # corpus statistics know the line as it was, before any trim
        self.read_tokens = list(tokens)
        self.verdict: list[str | None] = [None] * len(raw)
        self.trims: list[tuple[int, str, str]] = []
        self.common: set[int] = set()
        self.outside: set[int] = set()
        self.known: set[int] = set()  # lines corpus statistics know (group or corpus-wide)
        self.wrapped: dict[int, bool] = {}
        self.sentence: list[bool] | None = None  # _sentence_like of every line, once final
        self.huge: dict[int, int] = {}  # lines of more than HUGE_LINE_CHARS: content, never matched
        self.furniture: set[int] = set()  # the recurring short lines around a thread's posts

    @classmethod
    def read(cls, text: str) -> Doc:
        parts = segments(text)
        if len(parts) == 1 and not parts[0][3]:
            raw = text.split("\n")
            stripped = [r.strip() for r in raw]
            lows, tokens = lower_and_words(text)
            # lower-casing never adds or removes spaces: the stripped lines match
            doc = cls(raw, stripped, [r.strip() for r in lows], tokens, [i for i, t in enumerate(stripped) if t])
            doc.low_text = "\n".join(lows)
            return doc
        # Huge lines are taken as they are (one slice each, no lower-casing or matching).
        raw, stripped, low_lines, tokens, lows = [], [], [], [], []
        huge: dict[int, int] = {}
        for first, start, end, is_huge in parts:
            part = text[start:end]
            if is_huge:
                raw.append(part)
                stripped.append(part.strip())
                low_lines.append("")
                tokens.append([])
                huge[first] = text.count(" ", start, end) + 1  # about its words
                continue
            lines = part.split("\n")
            part_lows, part_tokens = lower_and_words(part)
            raw.extend(lines)
            stripped.extend(r.strip() for r in lines)
            low_lines.extend(r.strip() for r in part_lows)
            tokens.extend(part_tokens)
            lows.extend(part_lows)
        doc = cls(raw, stripped, low_lines, tokens, [i for i, t in enumerate(stripped) if t])
        doc.low_text = "\n".join(lows)
        doc.huge = huge
        for i, words in huge.items():
            doc.words[i] = words
            if stripped[i]:
                doc.verdict[i] = KEPT
        return doc

    def fresh(self) -> Doc:
        """The document as read, with no verdicts and no trims (for a second pass)."""
        text, low, tokens = list(self.text), list(self.low), list(self.tokens)
        for i, _, _ in self.trims:
            text[i] = self.raw[i].strip()
            low[i] = text[i].lower()
            tokens[i] = self.read_tokens[i]
        doc = Doc(self.raw, text, low, tokens, self.nonblank)
        doc.low_text = self.low_text
        doc.huge = self.huge
        for i, words in self.huge.items():
            doc.words[i] = words
            if text[i]:
                doc.verdict[i] = KEPT
        return doc

    def set_text(self, i: int, s: str) -> None:
        """Replace line ``i`` after a trim, and measure it again."""
        self.text[i] = s
        self.low[i] = s.lower()
        self.tokens[i] = tokenize(s)
        self.words[i] = len(self.tokens[i])
