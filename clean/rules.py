"""Boilerplate rules as data: built-in patterns, user patterns from TOML, compiled once.

A rule has a stable id (shown in ``--explain``), a regular expression and a ``match`` kind:

``line``
    the pattern matches the whole stripped line (a menu item, "Most popular", "2 min read");
``contains``
    the pattern occurs somewhere in a line of at most ``max_words`` words (a cookie banner,
    a "follow us on X" prompt; long article sentences that mention the word survive);
``section``
    like ``line``, and the line heads a block of other stories or comments: the run of
    headline-like lines and teasers after it goes too;
``trim-start`` / ``trim-end``
    the matched prefix or suffix is residue glued to content and is cut off, the rest of
    the line stays.

Every kind applies only to lines of at most ``max_words`` words. A rule with ``keywords``
is only tried on lines that contain one of them (whole normalised words; digits and
punctuation as characters): a condition of the rule, and what keeps a large rule set fast.
A rule with a ``language`` fires only on text in that language (an ISO 639-1 code, as
:func:`clean.language.detect` gives it). The built-in rules here are the structure of page
chrome in any language (dates, counters, symbols, breadcrumbs, brand names); the phrases
that only words can tell ("Share this", "Teilen", "Lire aussi") are data, one TOML file per
language in ``clean/phrases/`` (see :func:`phrase_rules`), in the format of a rules file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from .errors import RulesError
from .tokens import tokenize

__all__ = ["MATCH_KINDS", "Rule", "RuleSet", "builtin_rules", "load_rules", "phrase_languages", "phrase_rules"]

MATCH_KINDS = ("line", "contains", "section", "trim-start", "trim-end")
_LANGUAGE = re.compile(r"(?:[a-z]{2,3})?")
ENGLISH = "en"
# Match kinds whose pattern must cover the whole line.
_WHOLE_LINE = frozenset({"line", "section"})


@dataclass(frozen=True)
class Rule:
    """One boilerplate pattern; see the module docstring for ``match``."""

    id: str
    pattern: str
    match: str = "line"
    language: str = ""
    max_words: int = 40
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.id):
            raise RulesError(f"rule id {self.id!r}: expected lower-case letters, digits and '-', like 'my-footer'")
        if self.match not in MATCH_KINDS:
            raise RulesError(f"rule {self.id!r}: match must be one of {', '.join(MATCH_KINDS)}, got {self.match!r}")
        if not isinstance(self.language, str) or not _LANGUAGE.fullmatch(self.language):
            raise RulesError(
                f"rule {self.id!r}: language must be an ISO 639-1 code like 'de'"
                f" (or empty for any), got {self.language!r}"
            )
        if self.max_words < 1:
            raise RulesError(f"rule {self.id!r}: max_words must be >= 1, got {self.max_words}")
        if isinstance(self.keywords, list):
            object.__setattr__(self, "keywords", tuple(self.keywords))
        if not all(isinstance(k, str) and k for k in self.keywords):
            raise RulesError(f"rule {self.id!r}: keywords must be non-empty strings, got {self.keywords!r}")
        object.__setattr__(self, "keywords", tuple(k.lower() for k in self.keywords))
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise RulesError(f"rule {self.id!r}: bad regular expression {self.pattern!r}: {exc}") from exc


@dataclass(frozen=True)
class RuleSet:
    """Which rules are in force: user rules added to the built-ins, minus disabled ids.

    A value, not behaviour: it is hashable and the compiled form is cached per value.
    """

    extra: tuple[Rule, ...] = ()
    disabled: frozenset[str] = field(default_factory=frozenset)

    def rules(self, language: str = "") -> tuple[Rule, ...]:
        """The rules in force on text in ``language``: user rules first, then the
        language's phrases, then the built-in structure rules (a line matched by several
        rules is reported under the first). On text in another language, the English
        phrases that match a whole line apply too: untranslated widgets ("Share this:",
        "Reply") are chrome on pages in every language."""

        def applies(rule: Rule) -> bool:
            return rule.id not in self.disabled and (
                not rule.language
                or rule.language == language
                or (rule.language == ENGLISH and rule.match in _WHOLE_LINE)
            )

        english = phrase_rules(ENGLISH) if language != ENGLISH else ()
        return tuple(filter(applies, (*self.extra, *phrase_rules(language), *english, *_BUILTIN)))


def builtin_rules() -> tuple[Rule, ...]:
    """The built-in rules, the phrases of every language included (their ids are what
    ``disable`` in a rules file refers to)."""
    return tuple(r for code in phrase_languages() for r in phrase_rules(code)) + _BUILTIN


_RULE_KEYS = ("id", "pattern", "match", "language", "max_words", "keywords")


def _read_toml(path: Path | str, data: str | None = None) -> dict:
    try:
        text = data if data is not None else Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not a valid TOML file: {exc}") from exc


def _parse_rules(path: Path | str, tables: object, language: str = "") -> list[Rule]:
    """The ``[[rule]]`` tables of a rules or phrase file, validated (``language`` is the
    phrase file's, given to every rule)."""
    if not isinstance(tables, list):
        raise RulesError(f"{path}: 'rule' must be [[rule]] tables, got {tables!r}")
    rules: list[Rule] = []
    for i, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise RulesError(f"{path}: rule #{i} must be a table ([[rule]]), got {table!r}")
        table = dict(table)
        if table.pop("english", False) is True:  # files written before languages: English
            table.setdefault("language", "en")
        if language:
            table["language"] = language
        bad = set(table) - set(_RULE_KEYS)
        if bad or "id" not in table or "pattern" not in table:
            raise RulesError(
                f"{path}: rule #{i}: expected keys id, pattern and optionally match, language,"
                f" max_words, keywords; got {', '.join(sorted(table))}"
            )
        try:
            rules.append(Rule(**table))
        except RulesError as exc:
            raise RulesError(f"{path}: rule #{i}: {exc}") from exc
        except TypeError as exc:
            raise RulesError(f"{path}: rule #{i}: {exc}") from exc
    return rules


def load_rules(path: str | Path, base: RuleSet | None = None) -> RuleSet:
    """Read a TOML rules file: ``disable = ["id", ...]`` and ``[[rule]]`` tables.

    Each ``[[rule]]`` has ``id`` and ``pattern`` (a Python regular expression, matched
    case-insensitively) and optionally ``match`` (default ``"line"``), ``language`` (an
    ISO 639-1 code: the rule fires only on text in that language; default any),
    ``max_words`` (default 40) and ``keywords`` (words one of which the line must also
    contain, e.g. ``["reproduction", "copying"]``; see the module docstring).

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
    ...     _ = f.write('disable = ["nav"]\\n[[rule]]\\nid = "promo"\\npattern = "buy now"\\nmatch = "contains"\\n')
    >>> rs = load_rules(f.name); os.unlink(f.name)
    >>> [r.id for r in rs.extra], "nav" in rs.disabled
    (['promo'], True)
    """
    path = Path(path)
    data = _read_toml(path)
    unknown = set(data) - {"disable", "rule"}
    if unknown:
        raise RulesError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected 'disable' and [[rule]] tables")
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(x, str) for x in disable):
        raise RulesError(f"{path}: 'disable' must be a list of rule ids, got {disable!r}")
    rules = _parse_rules(path, data.get("rule", []))
    known = {r.id for r in builtin_rules()} | {r.id for r in (base.extra if base else ())} | {r.id for r in rules}
    missing = [x for x in disable if x not in known]
    if missing:
        raise RulesError(
            f"{path}: cannot disable unknown rule id(s) {', '.join(missing)};"
            f" built-in ids are {', '.join(sorted({r.id for r in builtin_rules()}))}"
        )
    base = base or RuleSet()
    return RuleSet(extra=base.extra + tuple(rules), disabled=base.disabled | frozenset(disable))


# -- phrases: one data file per language --------------------------------------------------------

_PHRASE_KEYS = {"language", "rule", "examples"}


@functools.lru_cache(maxsize=1)
def phrase_languages() -> tuple[str, ...]:
    """The languages that have a phrase file in ``clean/phrases/`` (ISO 639-1 codes)."""
    files = resources.files(__package__).joinpath("phrases").iterdir()
    return tuple(sorted(f.name[: -len(".toml")] for f in files if f.name.endswith(".toml")))


@functools.cache
def phrase_file(language: str) -> dict:
    """The parsed phrase file of a language (``{}`` when it has none): ``language``, the
    ``[[rule]]`` tables, and ``examples`` (lines the tests check are removed or kept)."""
    if language not in phrase_languages():
        return {}
    where = f"clean/phrases/{language}.toml"
    data = _read_toml(where, resources.files(__package__).joinpath("phrases", f"{language}.toml").read_text("utf-8"))
    unknown = set(data) - _PHRASE_KEYS
    if unknown or data.get("language") != language:
        raise RulesError(
            f"{where}: expected language = {language!r}, [[rule]] tables and [examples];"
            f" got language = {data.get('language')!r}, keys {', '.join(sorted(data))}"
        )
    return data


@functools.cache
def phrase_rules(language: str) -> tuple[Rule, ...]:
    """The phrase rules of a language (none for a language without a phrase file)."""
    data = phrase_file(language)
    if not data:
        return ()
    return tuple(_parse_rules(f"clean/phrases/{language}.toml", data.get("rule", []), language))


# The match kinds in the order the cleaner applies them; ``Compiled.kind`` is an index here.
KIND_ORDER = ("trim-start", "trim-end", "line", "contains")
TRIM_START, TRIM_END, LINE, CONTAINS = range(4)


@dataclass(frozen=True)
class Compiled:
    """One rule ready to run. A pattern without upper-case letters (so without ``\\S``,
    ``\\W``-style escapes) runs without IGNORECASE on the lower-cased line, which Python's
    ``re`` does about three times faster. ``test`` is the pattern's method for the rule's
    kind (``fullmatch``, ``search`` or ``match``)."""

    id: str
    kind: int
    test: Callable[[str], re.Match[str] | None]
    max_words: int
    section: bool
    caseless: bool

    def run(self, line: str, low: str) -> re.Match[str] | None:
        return self.test(low if self.caseless else line)


def _bands(limits: Iterable[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The distinct limits in ascending order, and for each word count up to the largest
    the index of the first limit that allows it (lines longer than all limits: none).

    >>> _bands([8, 3, 8])
    ((3, 8), (0, 0, 0, 0, 1, 1, 1, 1, 1))
    """
    ordered = tuple(sorted(set(limits)))
    band: list[int] = []
    for k, limit in enumerate(ordered):
        band.extend([k] * (limit + 1 - len(band)))
    return ordered, tuple(band)


@dataclass(frozen=True)
class _Band:
    """What may fire on lines of up to ``limit`` words (and more than the band below).

    ``keywords`` / ``chars`` / ``strings``: the rules' keywords that are words, single
    characters and longer symbols; ``table`` maps each to the rules that have it.
    ``detectors``: per kind with rules without keywords, group-less alternations of those
    rules (caseless and cased) and the rules they stand for (Python's ``re`` slows down
    sharply with named groups in a big alternation, hence single rules to name a hit).
    """

    limit: int
    keywords: frozenset[str]
    chars: Callable[[str], list[str]] | None
    strings: Callable[[str], list[str]] | None
    table: dict[str, frozenset[int]]
    detectors: tuple[tuple[Callable[[str], object] | None, Callable[[str], object] | None, frozenset[int]], ...]


@dataclass(frozen=True)
class CompiledRules:
    """The rules in force for one language setting, in the order the cleaner tries them
    (trims first, then whole-line rules, then in-line rules; rule order within a kind).

    A line of w words falls in the band of the smallest ``max_words`` v >= w and only the
    rules allowed on lines of v words are looked at: rules with keywords when the line has
    one of them, rules without when their band's detector matches. ``free_limit``: no rule
    without keywords matches a longer line.
    """

    rules: tuple[Compiled, ...]
    band: tuple[int, ...]
    bands: tuple[_Band, ...]
    max_words: int
    free_limit: int
    strings: Callable[[str], object] | None  # finds any symbol longer than a character

    def has_strings(self, low: str) -> bool:
        """Whether a lower-cased text has any symbol of more than one character (".png",
        "&lt;"): when a document has none, no line is searched for them."""
        return self.strings is not None and self.strings(low) is not None

    def kind(self, kind: int) -> tuple[Compiled, ...]:
        """The rules of one match kind (an index into ``KIND_ORDER``)."""
        return tuple(r for r in self.rules if r.kind == kind)

    def candidates(self, words: int, tokens: list[str], line: str, low: str, strings: bool = True) -> list[Compiled]:
        """The rules worth trying on a line of ``words`` words (``tokens`` its normalised
        words, ``low`` the line lower-cased), in the order the cleaner tries them.
        ``strings=False``: the line has no symbol longer than a character."""
        if words >= len(self.band):
            return []
        band = self.bands[self.band[words]]
        picked: set[int] | frozenset[int] = frozenset()
        hits = band.keywords.intersection(tokens) if tokens else ()
        table = band.table
        for key in hits:
            picked = picked | table[key]
        if band.chars is not None:
            for key in set(band.chars(low)):
                picked = picked | table[key]
        if strings and band.strings is not None:
            for key in set(band.strings(low)):
                picked = picked | table[key]
        for caseless, cased, free in band.detectors:
            if (caseless is not None and caseless(low)) or (cased is not None and cased(line)):
                picked = picked | free
        if not picked:
            return []
        rules = self.rules
        return [rules[k] for k in sorted(picked)]


_TEMPLATES = {
    "line": r"(?:{})[\s:.!]*",
    "contains": r"(?:{})",
    "trim-start": r"(?:{})",
    "trim-end": r"(?:{})$",
}
_METHODS = {"line": "fullmatch", "contains": "search", "trim-start": "match", "trim-end": "search"}
_KEYWORD_WORD = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=4096)
def _is_word(keyword: str) -> bool:
    """Keywords that are one word (as :func:`clean.tokens.tokenize` gives words) match
    whole words of the line; others (digits, punctuation, a run of Chinese characters,
    which are a word each) are looked for as characters in the lower-cased line."""
    return bool(_KEYWORD_WORD.fullmatch(keyword)) and not keyword.isdigit() and tokenize(keyword) == [keyword]


@functools.lru_cache(maxsize=4096)
def _keyword(keyword: str) -> str:
    """A keyword in the form it is matched in: a word normalised as the line's words are
    ("Schließen" -> "schliessen"), anything else lower-cased.

    >>> _keyword("Schließen"), _keyword("版权所有"), _keyword("&lt;")
    ('schliessen', '版权所有', '&lt;')
    """
    words = tokenize(keyword) if _KEYWORD_WORD.fullmatch(keyword) else []
    return words[0] if len(words) == 1 and _is_word(words[0]) else keyword.lower()


@functools.lru_cache(maxsize=64)
def compile_rules(ruleset: RuleSet, language: str) -> CompiledRules:
    """Compile the rules in force on text in ``language`` (``""``: none known), on first
    use: importing the package compiles nothing."""
    by_kind: dict[str, list[Rule]] = {kind: [] for kind in KIND_ORDER}
    for rule in ruleset.rules(language):
        by_kind["line" if rule.match == "section" else rule.match].append(rule)
    rules = [(k, r) for k, kind in enumerate(KIND_ORDER) for r in by_kind[kind]]
    caseless = [r.pattern == r.pattern.lower() for _, r in rules]
    compiled = tuple(
        Compiled(
            r.id,
            k,
            getattr(
                _compile(r.id, _TEMPLATES[KIND_ORDER[k]].format(r.pattern), 0 if cl else re.IGNORECASE),
                _METHODS[KIND_ORDER[k]],
            ),
            r.max_words,
            r.match == "section",
            cl,
        )
        for (k, r), cl in zip(rules, caseless)
    )
    limits, band = _bands(r.max_words for _, r in rules)
    bands = []
    for v in limits:
        allowed = [n for n, (_, r) in enumerate(rules) if r.max_words >= v]
        table: dict[str, set[int]] = {}
        for n in allowed:
            for key in map(_keyword, rules[n][1].keywords):
                table.setdefault(key, set()).add(n)
        chars = sorted(key for key in table if not _is_word(key) and len(key) == 1)
        strings = sorted((key for key in table if not _is_word(key) and len(key) > 1), key=len, reverse=True)
        detectors = []
        for k, kind in enumerate(KIND_ORDER):
            free = [n for n in allowed if rules[n][0] == k and not rules[n][1].keywords]
            if not free:
                continue

            def union(want: bool) -> Callable[[str], object] | None:
                parts = [f"(?:{rules[n][1].pattern})" for n in free if caseless[n] == want]
                if not parts:
                    return None
                pattern = _TEMPLATES[kind].format("|".join(parts))
                return getattr(_compile("detector", pattern, 0 if want else re.IGNORECASE), _METHODS[kind])

            detectors.append((union(True), union(False), frozenset(free)))
        bands.append(
            _Band(
                v,
                frozenset(key for key in table if _is_word(key)),
                re.compile("[" + "".join(re.escape(c) for c in chars) + "]").findall if chars else None,
                re.compile("|".join(re.escape(c) for c in strings)).findall if strings else None,
                {key: frozenset(ns) for key, ns in table.items()},
                tuple(detectors),
            )
        )
    strings = sorted({key for _, r in rules for key in map(_keyword, r.keywords) if not _is_word(key) and len(key) > 1})
    return CompiledRules(
        compiled,
        band,
        tuple(bands),
        max_words=max((r.max_words for _, r in rules), default=-1),
        free_limit=max((r.max_words for _, r in rules if not r.keywords), default=-1),
        strings=re.compile("|".join(re.escape(k) for k in strings)).search if strings else None,
    )


def _compile(rule_id: str, pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:  # a rule built without validation (Rule validates its pattern)
        raise RulesError(f"rule {rule_id!r}: bad regular expression {pattern!r}: {exc}") from exc


def _r(id: str, pattern: str, match: str = "line", max_words: int = 40, keywords: str = "") -> Rule:
    """A built-in rule. Its pattern is not compiled here: ``Rule`` validation would compile
    every built-in pattern at import (about 70 ms), and ``compile_rules`` compiles them on
    first use anyway. The tests check that every built-in passes ``Rule`` validation."""
    rule = object.__new__(Rule)
    values = {
        "id": id,
        "pattern": pattern,
        "match": match,
        "language": "",
        "max_words": max_words,
        "keywords": tuple(k.lower() for k in keywords.split()),
    }
    for name, value in values.items():
        object.__setattr__(rule, name, value)
    return rule


_SOCIAL = (
    r"facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|instagram|youtube|tiktok|telegram"
    r"|flipboard|messenger|threads|bluesky|mastodon|tumblr|vk|weibo|wechat|line|xing|pocket|rss"
)
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    rf"(?:(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?,?\s*)?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}})"
)
# The first letters of a weekday or month name (how a date in words can begin).
_DATE_STARTS = "mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:[A-Z]{2,4}|GMT[+-]?\d*|UTC[+-]?\d*))?"

# The built-in rules. Phrase patterns are generic web boilerplate vocabulary, not sentences
# of any evaluation page; structure (dates, counters, symbols, brand names) is language-free.
_BUILTIN: tuple[Rule, ...] = (
    # comment widgets, reply forms, captcha
    # navigation and page furniture
    # breadcrumb: short items joined by > › » | •
    _r(
        "nav",
        r"(?:[^\W_][\w '’&.,-]{0,40}\s*[>›»|•]\s*){2,}[^\W_][\w '’&.,-]{0,59}",
        max_words=14,
        keywords="> › » | •",
    ),
    _r("nav", r"[«‹<]?\s*[^\W_][\w'’&.-]*\s*[>›»]", max_words=3, keywords="> › »"),
    # share / follow / subscribe / newsletter / membership prompts
    _r(
        "share-prompt",
        rf"(?:share|tweet|pin(?: it)?|copy(?: link)?|copied!?|link copied|{_SOCIAL}|e-?mail|print|save)"
        rf"(?:\s*[|/·•,]?\s*(?:{_SOCIAL}|e-?mail|print|copy link|share))*",
        max_words=16,
        keywords="share tweet pin copy copied link facebook twitter x linkedin whatsapp reddit pinterest instagram youtube tiktok telegram flipboard messenger threads bluesky mastodon tumblr vk weibo wechat line xing pocket rss email e mail print save",
    ),
    _r("share-prompt", r"(?:›|»|>)\s*\w+(?: \w+)?", max_words=3, keywords="> › »"),
    # counters
    _r("counter", r"[\d.,]+\s*[kKmM]?", max_words=3),
    # image credits and captions
    _r(
        "image-credit",
        r"(?:https?://|www\.)\S+\.(?:png|jpe?g|gif|webp|svg|avif)(?:\?\S*)?",
        max_words=30,
        keywords=".png .jpg .jpeg .gif .webp .svg .avif",
    ),
    _r(
        "image-credit",
        r"(?<=[a-z0-9][.!?”\"])\s*(?:reuters|afp|getty images|ap photo|shutterstock|epa|xinhua|bloomberg)(?: file)?\.?",
        "trim-end",
        max_words=80,
        keywords="reuters afp getty ap shutterstock epa xinhua bloomberg",
    ),
    _r(
        "image-credit",
        r"(?:image|media|photo|video) (?:caption|copyright|source|credit)s?\b.{0,400}",
        max_words=60,
        keywords="caption captions copyright source sources credit credits",
    ),
    _r(
        "image-credit",
        r"(?<=[.!?”\"])\s+(?-i:[A-Z])[^.!?]{1,60}\s*/\s*(?:ap|reuters|afp|getty images|epa|bloomberg|shutterstock|pa|dpa|anadolu)"
        r"(?: (?:file|photo|images))?\.?",
        "trim-end",
        max_words=60,
        keywords="ap reuters afp getty epa bloomberg shutterstock pa dpa anadolu",
    ),
    _r(
        "image-credit",
        r"(?:images?|photos?|pictures?|photographs?|illustrations?|graphics?|videos?|(?:image|photo) credits?"
        r"|credits?|images? sources?|source)"
        r"\s*(?:[:|]|\.{3}|…)\s*.{1,120}",
        max_words=20,
        keywords="image images photo photos picture pictures photograph photographs illustration illustrations graphic graphics video videos credit credits source sources",
    ),
    _r(
        "image-credit",
        r"(?:©\s*)?(?:getty images|gettyimages|shutterstock|alamy|istock(?:photo)?|reuters|afp|ap photo"
        r"|associated press|epa(?:-efe)?|dpa|pa (?:media|wire)|anadolu|unsplash|pexels|pixabay)"
        r"(?:\s*(?:[/|,]|via)\s*[^\n]{0,60})?",
        max_words=12,
        keywords="getty gettyimages shutterstock alamy istock istockphoto reuters afp ap associated epa dpa pa anadolu unsplash pexels pixabay",
    ),
    _r(
        "image-credit",
        r"(?<![\w-])(?:\(|\[)?(?:pictures?|photos?|images?|credits?|foto|photograph|illustration|source)\s*(?::|\.{3}|…)"
        r"\s*[^.:\n]{1,60}(?:\)|\])?\.?|(?:\(|\[)?(?:©|photo by|picture by|image by)\s*[^.\n]{1,60}(?:\)|\])?",
        "trim-end",
        max_words=60,
        keywords="picture pictures photo photos image images credit credits foto photograph illustration source ©",
    ),
    # copyright and legal notices
    _r(
        "copyright",
        r"(?:©|\(c\)|℗|copyright\s*(?:©|\(c\)|(?:[\w.&-]+\s+){0,3}(?:19|20)\d\d\b|by\b|:|$)).{0,200}",
        max_words=40,
        keywords="© (c) ℗ copyright",
    ),
    _r(
        "copyright",
        r"all rights reserved",
        "contains",
        max_words=60,
        keywords="reserved",
    ),
    # markup that leaked into text (escaped tags, inline styles)
    _r("markup", r"&(?:amp;)*lt;/?[a-z]+[^&]{0,80}&(?:amp;)*gt;", "contains", max_words=400, keywords="&lt; &amp;lt;"),
    # advertisement labels
    _r(
        "advert",
        r"advertisements?|advertising|sponsored(?: content| by.{0,40})?|ads?|promoted|paid (?:content|post)"
        r"|(?:story|article) continues (?:below|after (?:this )?(?:ad|advertisement))|continue reading (?:below|the main story)"
        r"|scroll (?:down )?to continue(?: with content)?",
        max_words=10,
        keywords="advertisement advertisements advertising sponsored ads ad promoted paid story article continue scroll",
    ),
    # scraper residue glued to the start of content
    _r(
        "trim-residue",
        r"(?:(?:date|published|updated|posted)\s*:?\s*)?\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\s+(?=\S)",
        "trim-start",
        keywords="0 1 2 3 4 5 6 7 8 9",
    ),
    # a section label fused to a title ("NewsNorth Korean troops ..."): only before 3+ more words
    # a dateline or byline standing alone
    # (each dateline pattern starts with a look-ahead for how such a line can begin, which
    # fails at once on most lines, then one for a year, a time or "ago"; both only restate
    # what the rest of the pattern requires, so that lines fail fast)
    _r(
        "dateline",
        rf"(?=\d|{_DATE_STARTS}|published|updated|posted|last|modified|created|date|an? )"
        rf"(?=.{{0,80}}?(?:\d{{4}}|\d[:.]\d\d|\bago\b))(?:(?:(?:published|updated|posted|last updated|modified|created|date)(?: on)?\s*:?\s*)?"
        rf"(?:{_DATE})(?:\s*(?:at|,|\||-|–|·|/)?\s*{_TIME})?(?:\s*(?:\||·|-|–)\s*(?:updated\s*:?\s*)?(?:{_DATE})?\s*(?:{_TIME})?)?"
        rf"(?:\s*(?:,|\||-|–|·|by)?\s*(?-i:[A-Z])[\w.'’-]+(?: (?-i:[A-Z])[\w.'’-]+){{0,3}})?"
        rf"|(?:{_TIME})(?:\s*(?:,|\||-|–|·|on)?\s*(?:{_DATE}))?|(?:\d+|an?) (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago)",
        max_words=16,
        keywords="ago 0 1 2 3 4 5 6 7 8 9",
    ),
    _r(
        "dateline",
        r"(?=(?:[^\W\d_]+[,.]?\s+)?(?:[^\W\d_]+-[^\W\d_]+,?\s+)?\d|(?:[^\W\d_]+\s*:?\s*)?\[?\s*\d)"
        r"(?=.{0,80}?(?:\d{4}|\d[:.]\d\d|\bago\b))(?:(?:[^\W\d_]+[,.]?\s+)?(?:[^\W\d_]+-[^\W\d_]+,?\s+)?\d{1,2}\.?\s+(?:de\s+)?[^\W\d_]{3,12}\.?,?\s+(?:de\s+)?\d{4}"
        r"(?:\s*(?:às|um|at|à|a las|o|,|-|–|\||/)?\s*\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?)?"
        r"|(?:[^\W\d_]+\s*:?\s*)?\[?\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*\]?)",
        max_words=10,
        keywords="0 1 2 3 4 5 6 7 8 9",
    ),
    _r(
        "dateline",
        rf"(?=\d|published|updated|posted|last)"
        rf"(?=.{{0,80}}?(?:\d{{4}}|\d[:.]\d\d|\bago\b))(?:(?:(?:published|updated|posted|last updated)(?: at| on)?\s*:?\s*)(?:{_TIME})(?:\s*,?\s*(?:{_DATE}))?"
        rf"|(?:{_TIME})\s*(?:{_DATE})(?:\s+by\s+.{{1,60}})?)",
        max_words=16,
        keywords="0 1 2 3 4 5 6 7 8 9",
    ),
)
