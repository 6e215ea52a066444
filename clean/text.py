"""The plain-text pass: classify lines, locate the article body, remove the rest with reasons.

Steps, each a small function over a :class:`Doc` (the lines and the verdict on each):

1. trims: residue glued to a line (a leading ISO date, a section label fused to the
   title, a photo credit after a caption) is cut off, or makes the line a caption;
2. rules: whole-line and in-line patterns (see :mod:`clean.rules`), photo captions next
   to credits, and lines that corpus statistics learned as chrome of the group;
3. sections: a "Most popular" / "Related" header removes the run of headlines and
   teasers after it; a box that runs to the end, and a comments header, become walls;
4. repeats: a line printed twice in a row (a caption, a headline) is dropped once;
5. body: every line gets a score (characters of sentence-like text count for it, short
   non-sentences and boilerplate against it) and the best-scoring run of lines between
   walls is the article (a maximum-sum segment); what lies outside it is page chrome;
6. the headline just above the body is kept (bylines next to datelines go with the rules);
7. if nearly nothing is left, the best block is kept and the result is flagged.

The language decides which phrase rules apply (see :mod:`clean.rules`): it is identified
on the document's longer lines, then checked against the text that was kept (see
:func:`clean_text`).
"""

from __future__ import annotations

import re

from .body import find_wrapped, headline_like, mark_furniture, segment, sentence_like, sentences, text_like
from .document import KEPT, Doc
from .language import EN_SURE_SHARE, detect, english_share
from .lines import (
    ends_sentence,
    key,
    key_hash,
)
from .options import CleanOptions
from .result import CleanResult, Removal
from .rules import LINE, TRIM_END, TRIM_START, Compiled, CompiledRules, compile_rules
from .stats import GLOBAL_MAX_WORDS, MIN_KEY_BYTES, CorpusStats

__all__ = ["clean_text"]

_NAME_PART = re.compile(r"[^\W\d_][\w'’.-]*")

# Corpus-repeated sentences are content, not chrome, when they make up more than this share
# of a document's sentence text (the document is a copy of another).
_COPY_SHARE = 0.5
# Words of text (sentences, long lines) not known to corpus statistics that make a document
# more than a copy: a short story of its own (a brief is two or three sentences).
_OWN_TEXT_WORDS = 20
# A non-sentence of at most this many words beside a photo credit is the photo's caption.
_CAPTION_WORDS = 25
# The headline is looked for among this many non-blank lines above the body.
_HEADLINE_WINDOW = 8
# Run of related headlines after a section header stops at a sentence of this many words.
_SECTION_STOP_WORDS = 30

# Language is judged on up to this many characters of lines of at least _LANG_MIN_WORDS
# words (clean.language reads no more).
_LANG_SAMPLE_CHARS = 800
_LANG_MIN_WORDS = 5
# English is recognised without the model on the words of this many sample lines.
_LANG_FAST_LINES = 12
# When there is too little text to tell the language, English phrases apply: the web's
# chrome is most often English, and English phrases rarely match other languages' lines.
_FALLBACK_LANGUAGE = "en"
# A line repeated within this many non-blank lines is a caption or headline printed twice;
# further apart, repeats are often structure (a menu plan, a chorus) and stay.
_REPEAT_WINDOW = 2


def clean_text(
    text: str,
    options: CleanOptions = CleanOptions(),
    stats: CorpusStats | None = None,
    group: str | None = None,
) -> CleanResult:
    """Remove boilerplate from one plain-text document and say why for every removal.

    ``stats`` (from a corpus pass) lets lines recurring across the documents of ``group``
    be removed too. The kept text preserves blank-line paragraph structure.
    """
    doc = Doc.read(text)
    sample: list[int] = []
    language = options.language if options.language is not None else _language(doc, False, sample)
    flags = _clean(doc, options, stats, group, language)
    trimmed = {i for i, _, _ in doc.trims}
    if options.language is None and not all(doc.verdict[i] == KEPT and i not in trimmed for i in sample):
        # The language of a document is that of the text it keeps. If the kept text reads
        # otherwise, clean again in that language, and keep that run if it agrees with
        # itself: cleaning the output again then takes the same decisions (idempotence).
        # (When every line the language was judged on is kept as it was, the answer is
        # the same.)
        kept = _language(doc, True)
        if kept != language:
            doc2 = doc.fresh()
            flags2 = _clean(doc2, options, stats, group, kept)
            if _language(doc2, True) == kept:
                doc, flags, language = doc2, flags2, kept
    return _result(doc, flags, language)


def _clean(
    doc: Doc,
    options: CleanOptions,
    stats: CorpusStats | None,
    group: str | None,
    language: str,
) -> tuple[str, ...]:
    """Give every non-blank line of ``doc`` a verdict; return the result's flags."""
    rules = compile_rules(options.rules, language or _FALLBACK_LANGUAGE)
    sections = _apply_rules(doc, rules)
    _mark_captions(doc)
    _mark_bylines(doc)
    _mark_corpus_repeats(doc, stats, group)
    find_wrapped(doc)
    sentences(doc)
    walls = _apply_sections(doc, sections)
    repeats = _mark_repeats(doc)
    if options.segment:
        mark_furniture(doc)
        segment(doc, walls, sections)
        _restore_repeats(doc, repeats)
    if options.segment and options.keep_headline:
        _keep_headline(doc)
    flags: list[str] = []
    for i in doc.nonblank:
        if doc.verdict[i] is None:
            doc.verdict[i] = KEPT
    if _kept_chars(doc) < options.fallback_fraction * max(1, sum(map(len, doc.text))):
        if _keep_best_block(doc):
            flags.append("kept-best-block")
    return tuple(flags)


def _language(doc: Doc, kept_only: bool, sample: list[int] | None = None) -> str:
    """The language of the document's distinct longer lines (the kept ones if asked):
    menus would drown a page's language, lines printed twice would count twice; all lines
    if there are none. ``""`` when there is too little text to tell. The indices of the
    lines judged go to ``sample``."""
    tokens, verdict = doc.tokens, doc.verdict
    total = 0
    seen: set[tuple[str, ...]] = set()
    used: list[int] = []
    for i in doc.nonblank:
        if kept_only and verdict[i] != KEPT:
            continue
        words = tokens[i]
        if len(words) >= _LANG_MIN_WORDS and (line := tuple(words)) not in seen:
            seen.add(line)
            used.append(i)
            total += len(doc.text[i])
            if total >= _LANG_SAMPLE_CHARS:
                break
    if not used:
        used = [i for i in doc.nonblank if not kept_only or verdict[i] == KEPT]
    if sample is not None:
        sample.extend(used)
    if english_share([w for i in used[:_LANG_FAST_LINES] for w in tokens[i]]) >= EN_SURE_SHARE:
        return "en"
    pieces, total = [], 0
    for i in used:  # a slice of each line: a huge line is not copied whole
        pieces.append(doc.text[i][: _LANG_SAMPLE_CHARS - total])
        total += len(pieces[-1])
        if total >= _LANG_SAMPLE_CHARS:
            break
    return detect("\n".join(pieces))


# -- 1-2. trims and rules ----------------------------------------------------------------------


def _apply_rules(doc: Doc, rules: CompiledRules) -> list[tuple[int, str]]:
    """Cut residue glued to lines (a leading date or section label, a trailing credit),
    then give rule verdicts; return the section headers (index, rule id) in order."""
    longest, free_limit = rules.max_words, rules.free_limit
    text, lows, tokens, words, verdict = doc.text, doc.low, doc.tokens, doc.words, doc.verdict
    sections: list[tuple[int, str]] = []
    strings = rules.has_strings(doc.low_text)
    huge = doc.huge
    for i in doc.nonblank:
        w = words[i]
        if w > longest or (huge and i in huge):
            continue  # longer than any rule allows
        s = text[i]
        low = lows[i]
        found = rules.candidates(w, tokens[i], s, low, strings)
        if not found and w > free_limit:
            continue  # a long line with no keyword of any rule: no rule can match it
        if found and found[0].kind <= TRIM_END:
            s = _trim(doc, i, s, low, found)
            if s is not text[i]:
                doc.set_text(i, s)
                low = lows[i]
                found = rules.candidates(words[i], tokens[i], s, low, strings)
            if verdict[i] is not None:
                continue
        if not any(c.isalnum() or c == "_" for c in s):
            verdict[i] = "separator"
            continue
        for rule in found:
            if rule.kind >= LINE and rule.run(s, low):
                verdict[i] = rule.id
                if rule.section:
                    sections.append((i, rule.id))
                break
    return sections


def _trim(doc: Doc, i: int, s: str, low: str, found: list[Compiled]) -> str:
    """Apply the first trim-start and the first trim-end rule that match line ``i``; return
    what is left of it (``s`` itself if nothing was cut). A short non-sentence with a photo
    credit glued on is a caption: its verdict is the credit's rule."""
    start = True
    for rule in found:
        if rule.kind == TRIM_START and start:
            m = rule.run(s, low)
            if m and m.end() < len(s):
                doc.trims.append((i, rule.id, s[: m.end()]))
                s = s[m.end() :].lstrip()
                low = s.lower()
                start = False
        elif rule.kind == TRIM_END:
            m = rule.run(s, low)
            if not m:
                continue
            head = s[: m.start()].rstrip(" ,;|-–—")
            if head and len(head.split()) <= _CAPTION_WORDS and not ends_sentence(head):
                doc.verdict[i] = rule.id
            elif head:
                doc.trims.append((i, rule.id, s[len(head) :]))
                s = head
            break
        elif rule.kind > TRIM_END:
            break
    return s


# -- 3. repeats -------------------------------------------------------------------------------


def _mark_corpus_repeats(doc: Doc, stats: CorpusStats | None, group: str | None) -> None:
    """Mark lines that corpus statistics learned as chrome of the document's group."""
    if stats is None:
        return
    corpus: list[int] = []
    widespread: set[int] = set()
    for i in doc.nonblank:
        line_key = key(doc.read_tokens[i])
        if len(line_key) < MIN_KEY_BYTES:
            continue
        h = key_hash(line_key)
        kind = stats.is_repeated(h, group)
        if kind is None:
            continue
        doc.known.add(i)
        if doc.verdict[i] is not None:
            continue
        if kind == "group":
            corpus.append(i)
            if stats.is_widespread(h, group):
                widespread.add(i)
        elif doc.words[i] <= GLOBAL_MAX_WORDS:
            # Common across sites: chrome of many sites, or a stock heading such as
            # "Conclusion". It weighs against the line in the body search only.
            doc.common.add(i)
    _mark_corpus(doc, corpus, widespread)


def _mark_repeats(doc: Doc) -> dict[int, int]:
    """Drop a line equal to one of the previous lines still in play (a caption or headline
    printed twice); lines already removed do not count as in between, so cleaning the
    output again finds nothing more to drop. Returns {repeat: first copy}."""
    recent: list[tuple[list[str], int]] = []
    repeats: dict[int, int] = {}
    verdict, tokens, words = doc.verdict, doc.tokens, doc.words
    for i in doc.nonblank:
        if verdict[i] is not None:
            continue
        norm = tokens[i]
        if words[i] >= 3 and norm:
            for seen, j in recent:
                if seen == norm:
                    verdict[i] = "repeated-line"
                    repeats[i] = j
                    break
            if i in repeats:
                continue
        recent.append((norm, i))
        if len(recent) > _REPEAT_WINDOW:
            del recent[0]
    return repeats


def _restore_repeats(doc: Doc, repeats: dict[int, int]) -> None:
    """A repeat comes back when its first copy fell outside the article and it lies inside
    (a standfirst printed again as the first paragraph)."""
    kept = [i for i in doc.nonblank if doc.verdict[i] is None]
    if not kept:
        return
    restored: set[int] = set()
    for i, j in sorted(repeats.items()):
        if j not in restored and doc.verdict[j] in _OUTSIDE and kept[0] < i < kept[-1]:
            doc.verdict[i] = None
            restored.add(j)


_OUTSIDE = frozenset({"before-article", "after-article", "nav", "related-list"})


def _mark_corpus(doc: Doc, corpus: list[int], widespread: set[int]) -> None:
    """Remove the corpus-repeated lines, unless the document is a copy of another page of
    its group: then its repeated sentences are its text. Site-wide lines (in half of the
    group's pages or more) are chrome even then; they only count as a copy's text when they
    are all the document has (no text of its own, no copied sentence that is not
    site-wide). Otherwise a short story in heavy chrome would lose to the chrome."""
    if not corpus:
        return
    repeated = set(corpus)
    own = sum(
        doc.words[i]
        for i in doc.nonblank
        if i not in repeated and i not in doc.common and doc.verdict[i] is None and text_like(doc, i)
    )
    keepable = repeated - widespread
    if own < _OWN_TEXT_WORDS and not any(sentence_like(doc, i) for i in keepable):
        keepable = repeated  # every page of the group is this page: its text is all there is
    sentence_chars = sum(len(doc.text[i]) for i in doc.nonblank if sentence_like(doc, i))
    repeated_chars = sum(len(doc.text[i]) for i in keepable if sentence_like(doc, i))
    copy = repeated_chars > _COPY_SHARE * sentence_chars
    for i in corpus:
        if copy and i in keepable and sentence_like(doc, i):
            continue
        doc.verdict[i] = "repeated-in-corpus"


# -- 5. sections ------------------------------------------------------------------------------


def _apply_sections(doc: Doc, sections: list[tuple[int, str]]) -> set[int]:
    """Remove the run of headlines and teasers after each related-stories header; return
    the walls for the body search.

    A related box inside the article (the run ends at a paragraph and the story resumes)
    is removed but is no wall; a box that runs to the end of the page, and a comments
    header, are walls the article cannot extend across.
    """
    walls: set[int] = set()
    pos = {i: k for k, i in enumerate(doc.nonblank)}
    for i, rule in sections:
        if rule == "comment-form":
            walls.add(i)
        if rule != "related-list":
            continue
        # Headlines and single teaser sentences go; the story has resumed at a long
        # paragraph or at two sentences in a row (the first of them is given back).
        resumed = False
        last_sentence: int | None = None
        for j in doc.nonblank[pos[i] + 1 :]:
            v = doc.verdict[j]
            if v is not None and v != rule:
                if v in _RUN_THROUGH:
                    continue
                break
            if sentence_like(doc, j):
                if doc.words[j] >= _SECTION_STOP_WORDS or last_sentence is not None or _two_sentences(doc.text[j]):
                    if last_sentence is not None:
                        doc.verdict[last_sentence] = None
                    resumed = True
                    break
                last_sentence = j
            else:
                last_sentence = None
            doc.verdict[j] = rule
        if not resumed:
            walls.add(i)
    return walls


# a sentence end after a word that is no abbreviation ("Dr.", "Mrs.", "U.S."), then a capital
_SECOND_SENTENCE = re.compile(r"(?:\b[a-z]\w+|\w{4,})[.!?][\"”’)]?\s+[\"“‘(]?[A-ZÀ-ÖØ-Þ]\w*\s+\w+")


def _two_sentences(line: str) -> bool:
    """A line of two sentences or more is prose (a teaser is one sentence): a related run stops.

    >>> _two_sentences("Keep this list handy. Adjust the timing as needed.")
    True
    >>> _two_sentences("Dr. Smith says the bus network will grow.")
    False
    """
    return _SECOND_SENTENCE.search(line) is not None


_RUN_THROUGH = frozenset(
    {"nav", "counter", "dateline", "image-credit", "byline", "repeated-line", "read-time", "separator", "advert"}
)


# -- 6. bylines, captions, headline -----------------------------------------------------------


def _prev_next(doc: Doc) -> tuple[dict[int, int], dict[int, int]]:
    prev: dict[int, int] = {}
    nxt: dict[int, int] = {}
    for a, b in zip(doc.nonblank, doc.nonblank[1:]):
        nxt[a] = b
        prev[b] = a
    return prev, nxt


def _is_name(line: str) -> bool:
    """Two to four capitalised words, in any cased script: a person's name.

    >>> _is_name("Jil Schuller"), _is_name("Ольга Петрова"), _is_name("Jil"), _is_name("the end")
    (True, True, False, False)
    """
    parts = line.split()
    return (
        2 <= len(parts) <= 4 and len(parts[0]) >= 2 and all(p[0].isupper() and _NAME_PART.fullmatch(p) for p in parts)
    )


def _mark_bylines(doc: Doc) -> None:
    """A bare name next to a dateline or byline is the author's name."""
    prev, nxt = _prev_next(doc)
    for i in doc.nonblank:
        if doc.verdict[i] not in (None, KEPT) or doc.words[i] > 5 or not _is_name(doc.text[i]):
            continue
        neighbours = [doc.verdict[j] for j in (prev.get(i), nxt.get(i)) if j is not None]
        if any(v in ("dateline", "byline") for v in neighbours):
            doc.verdict[i] = "byline"


def _mark_captions(doc: Doc) -> None:
    """Image captions next to credits: a caption printed twice around a credit, or a short
    non-sentence just above a credit line."""
    prev, _ = _prev_next(doc)
    credited = {i for i, rule, _ in doc.trims if rule == "image-credit"}
    for i in doc.nonblank:
        j = prev.get(i)
        if j is None or doc.verdict[j] is not None:
            continue
        if i in credited and doc.verdict[i] is None and doc.tokens[j] == doc.tokens[i]:
            doc.verdict[i] = doc.verdict[j] = "image-credit"
        elif doc.verdict[i] == "image-credit" and i not in credited:
            k = prev.get(j)
            if k is not None and doc.verdict[k] is None and doc.tokens[k] == doc.tokens[j]:
                doc.verdict[k] = doc.verdict[j] = "image-credit"
            elif doc.words[j] <= _CAPTION_WORDS and not ends_sentence(doc.text[j]):
                doc.verdict[j] = "image-credit"


def _keep_headline(doc: Doc) -> None:
    """Keep the headline just above the body (metadata lines may sit in between). A
    headline printed twice is kept once, the upper copy."""
    first = next((i for i in doc.nonblank if doc.verdict[i] is None), None)
    if first is None:
        return
    above = [i for i in doc.nonblank if i < first][-_HEADLINE_WINDOW:]
    for k in range(len(above) - 1, -1, -1):
        i = above[k]
        v = doc.verdict[i]
        if v in _METADATA:
            continue
        if v in ("before-article", "nav") and headline_like(doc, i):
            for j in above[:k]:
                if doc.tokens[j] == doc.tokens[i] and doc.verdict[j] in ("before-article", "nav"):
                    doc.verdict[i] = "repeated-line"
                    i = j
                    break
            doc.verdict[i] = None
        return


_METADATA = frozenset(
    {
        "dateline",
        "byline",
        "read-time",
        "audio-notice",
        "image-credit",
        "repeated-line",
        "share-prompt",
        "counter",
        "separator",
        "advert",
        "comment-form",
    }
)


# -- 7. result --------------------------------------------------------------------------------


def _kept_chars(doc: Doc) -> int:
    return sum([len(t) for t, v in zip(doc.text, doc.verdict) if v == KEPT])


def _keep_best_block(doc: Doc) -> bool:
    """Keep the blank-line-separated block with the most text among lines that only the
    body search removed (no rule, and unknown to corpus statistics); if there are none, the
    longest line unknown to corpus statistics. Lines the corpus knows are picked only when
    there is nothing else (in a site's short pages they are the same on every page), so a
    document is never emptied. False if nothing can be kept."""
    blocks: list[list[int]] = []
    prev = -2
    for i in doc.nonblank:
        if i != prev + 1 or not blocks:
            blocks.append([])
        blocks[-1].append(i)
        prev = i

    def eligible(i: int) -> bool:
        return (i in doc.outside or doc.verdict[i] == KEPT) and i not in doc.known

    best = max(blocks, key=lambda b: sum(len(doc.text[i]) for i in b if eligible(i)), default=None)
    keep = [i for i in best if eligible(i)] if best else []
    if not keep:
        unknown = [i for i in doc.nonblank if i not in doc.known] or doc.nonblank
        if not unknown:
            return False
        keep = [max(unknown, key=lambda i: len(doc.text[i]))]
    if all(doc.verdict[i] == KEPT for i in keep):
        return False
    for i in keep:
        doc.verdict[i] = None
    _mark_repeats(doc)
    for i in keep:
        if doc.verdict[i] is None:
            doc.verdict[i] = KEPT
    return True


def _result(doc: Doc, flags: tuple[str, ...], language: str) -> CleanResult:
    out: list[str] = []
    line_map: list[int] = []
    removed: list[Removal] = []
    trims: dict[int, list[tuple[str, str]]] = {}
    for i, rule, part in doc.trims:
        trims.setdefault(i, []).append((rule, part))
    raw, text, verdict = doc.raw, doc.text, doc.verdict
    last_kept = -1
    dropped_since = False
    run: list[int] = []
    run_rule = ""

    def flush() -> None:
        if run:
            removed.append(Removal(run[0] + 1, run[-1] + 1, run_rule, "\n".join([raw[j].strip() for j in run])))
            run.clear()

    for i in doc.nonblank:
        v = verdict[i]
        if v == KEPT:
            if run:
                flush()
            if last_kept >= 0 and i > last_kept + 1:
                blanks = [j for j in range(last_kept + 1, i) if not text[j]]
                if blanks:
                    if dropped_since:
                        blanks = blanks[:1]
                    for j in blanks:
                        out.append("")
                        line_map.append(j + 1)
            out.append(text[i])
            line_map.append(i + 1)
            if i in trims:
                for rule, part in trims[i]:
                    removed.append(Removal(i + 1, i + 1, rule, part))
            last_kept = i
            dropped_since = False
        else:
            dropped_since = True
            if run and (run[-1] != i - 1 or run_rule != v):
                flush()
            run_rule = v or "unknown"
            run.append(i)
    flush()
    if trims:
        removed.sort(key=lambda r: (r.first_line, r.last_line))
    return CleanResult("\n".join(out), tuple(line_map), tuple(removed), flags, {}, language)
