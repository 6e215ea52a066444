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
Rules that depend on English words carry ``english=True`` and only fire on English text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from .errors import RulesError

__all__ = ["MATCH_KINDS", "Rule", "RuleSet", "builtin_rules", "load_rules"]

MATCH_KINDS = ("line", "contains", "section", "trim-start", "trim-end")


@dataclass(frozen=True)
class Rule:
    """One boilerplate pattern; see the module docstring for ``match``."""

    id: str
    pattern: str
    match: str = "line"
    english: bool = False
    max_words: int = 40
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.id):
            raise RulesError(f"rule id {self.id!r}: expected lower-case letters, digits and '-', like 'my-footer'")
        if self.match not in MATCH_KINDS:
            raise RulesError(f"rule {self.id!r}: match must be one of {', '.join(MATCH_KINDS)}, got {self.match!r}")
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

    def rules(self) -> tuple[Rule, ...]:
        """The rules in force, user rules first (a line matched by several rules is
        reported under the first)."""
        return tuple(r for r in (*self.extra, *_BUILTIN) if r.id not in self.disabled)


def builtin_rules() -> tuple[Rule, ...]:
    """The built-in rules (their ids are what ``disable`` in a rules file refers to)."""
    return _BUILTIN


def load_rules(path: str | Path, base: RuleSet | None = None) -> RuleSet:
    """Read a TOML rules file: ``disable = ["id", ...]`` and ``[[rule]]`` tables.

    Each ``[[rule]]`` has ``id`` and ``pattern`` (a Python regular expression, matched
    case-insensitively) and optionally ``match`` (default ``"line"``), ``english``
    (default false), ``max_words`` (default 40) and ``keywords`` (words one of which the
    line must also contain, e.g. ``["reproduction", "copying"]``; see the module docstring).

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
    ...     _ = f.write('disable = ["nav"]\\n[[rule]]\\nid = "promo"\\npattern = "buy now"\\nmatch = "contains"\\n')
    >>> rs = load_rules(f.name); os.unlink(f.name)
    >>> [r.id for r in rs.extra], "nav" in rs.disabled
    (['promo'], True)
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not a valid TOML file: {exc}") from exc
    unknown = set(data) - {"disable", "rule"}
    if unknown:
        raise RulesError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected 'disable' and [[rule]] tables"
        )
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(x, str) for x in disable):
        raise RulesError(f"{path}: 'disable' must be a list of rule ids, got {disable!r}")
    known = {r.id for r in _BUILTIN} | {r.id for r in (base.extra if base else ())}
    rules: list[Rule] = []
    for i, table in enumerate(data.get("rule", []), 1):
        if not isinstance(table, dict):
            raise RulesError(f"{path}: rule #{i} must be a table ([[rule]]), got {table!r}")
        bad = set(table) - {"id", "pattern", "match", "english", "max_words", "keywords"}
        if bad or "id" not in table or "pattern" not in table:
            raise RulesError(
                f"{path}: rule #{i}: expected keys id, pattern and optionally match, english,"
                f" max_words, keywords; got {', '.join(sorted(table))}"
            )
        try:
            rules.append(Rule(**table))
        except RulesError as exc:
            raise RulesError(f"{path}: rule #{i}: {exc}") from exc
        except TypeError as exc:
            raise RulesError(f"{path}: rule #{i}: {exc}") from exc
        known.add(table["id"])
    missing = [x for x in disable if x not in known]
    if missing:
        raise RulesError(
            f"{path}: cannot disable unknown rule id(s) {', '.join(missing)};"
            f" built-in ids are {', '.join(sorted({r.id for r in _BUILTIN}))}"
        )
    base = base or RuleSet()
    return RuleSet(extra=base.extra + tuple(rules), disabled=base.disabled | frozenset(disable))


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


def _is_word(keyword: str) -> bool:
    """Keywords that are words match whole normalised words; digits and punctuation are
    looked for as characters in the lower-cased line."""
    return bool(_KEYWORD_WORD.fullmatch(keyword)) and not keyword.isdigit()


@functools.lru_cache(maxsize=32)
def compile_rules(ruleset: RuleSet, english: bool) -> CompiledRules:
    """Compile the rules in force for English or other text (on first use: importing the
    package compiles nothing)."""
    by_kind: dict[str, list[Rule]] = {kind: [] for kind in KIND_ORDER}
    for rule in ruleset.rules():
        if rule.english and not english:
            continue
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
            for key in rules[n][1].keywords:
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
    strings = sorted({key for _, r in rules for key in r.keywords if not _is_word(key) and len(key) > 1})
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


def _r(
    id: str, pattern: str, match: str = "line", english: bool = False, max_words: int = 40, keywords: str = ""
) -> Rule:
    """A built-in rule. Its pattern is not compiled here: ``Rule`` validation would compile
    every built-in pattern at import (about 70 ms), and ``compile_rules`` compiles them on
    first use anyway. The tests check that every built-in passes ``Rule`` validation."""
    rule = object.__new__(Rule)
    values = {
        "id": id,
        "pattern": pattern,
        "match": match,
        "english": english,
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
    _r(
        "comment-form",
        r"leave an? (?:reply|comment|response)|post an? comment|add an? comment|write an? comment"
        r"|comments?(?: \(\d+\))?|\d+ (?:comments?|replies|responses)|(?:show|view|load|see|read)"
        r"(?: all| more)? comments?(?: \(\d+\))?|be the first to comment|cancel reply|reply"
        r"|post comment|submit comment|join the (?:conversation|discussion)|log ?in to (?:reply|comment)"
        r"|comments are closed|discussion|conversation",
        english=True,
        max_words=8,
    ),
    _r(
        "comment-form",
        r"please enter your (?:comment|name|e-?mail)|your e-?mail address will not be published"
        r"|required fields are marked|save my name,? e-?mail|recaptcha|captcha|reload the page"
        r"|notify me of (?:new|follow-up)|akismet|you must be logged in to post|comment policy|as you comment\b"
        r"|(?:be respectful|civil(?:ity)?|on-topic)\b.{0,80}\bcomments?\b|\bcomments?\b.{0,80}\b(?:moderat\w+|civil|respectful)"
        r"|commenting (?:is|has been) (?:closed|disabled)|to comment,? (?:please )?(?:log|sign) ?in",
        "contains",
        english=True,
        max_words=40,
        keywords="please email mail required recaptcha captcha reload notify akismet logged comment commenting",
    ),
    # navigation and page furniture
    _r(
        "nav",
        r"skip to (?:main )?(?:content|navigation|menu|footer)|edit (?:post|this (?:post|page|article))"
        r"|(?:main |mobile )?menu|close(?: menu)?|search(?: for)?|open search|toggle navigation"
        r"|back to (?:top|home)|(?:go|scroll|jump) to (?:top|content)|home(?:page)?|log ?in|log ?out|sign ?in"
        r"|sign ?up|sign ?out|register|my account|account|previous(?: (?:post|article|story|page))?"
        r"|next(?: (?:post|article|story|page))?|[«<‹]+ ?previous|next ?[»>›]+|print|e-?mail|more|less"
        r"|view (?:all|more)|see (?:all|more)|show (?:all|more)|load more|read more|continue reading"
        r"|click here|learn more|find out more|open|expand|collapse|navigation|sitemap|site map|go|submit"
        r"|contact(?: us)?|about(?: us)?|privacy|terms|faq|help|careers|jobs|advertise(?: with us)?"
        r"|(?:privacy|cookie|copyright) (?:policy|notice|settings)|terms (?:of|and) (?:use|service|conditions)"
        r"|terms & conditions|accessibility(?: statement)?|site index|all (?:topics|sections)|sections|topics"
        r"|categories|archives?|tags?|filed under|posted in|(?:this|the) (?:post|article) (?:was|is) filed under.*",
        english=True,
        max_words=10,
        keywords="skip edit main mobile menu close search open toggle back go scroll jump home homepage log login logout sign signin signup signout register my account previous next print email mail more less view see show load read continue click learn find expand collapse navigation sitemap site map submit contact about privacy terms faq help careers jobs advertise cookie copyright accessibility index all sections topics categories archives archive tags tag filed posted « ‹",
    ),
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
    _r(
        "share-prompt",
        r"share (?:this|on|via|the|article|story|post|page)\b.*|share(?:s)? this .*|(?:follow|like) us\b.*"
        r"|subscribe\b.*|sign up\b.*|newsletters?\b.*|get (?:the|our) .{0,40}newsletter.*"
        r"|become an? (?:member|subscriber|supporter|patron)\b.*|support (?:us|our (?:work|journalism)).*"
        r"|already an? (?:subscriber|member)\??.*|gift (?:this )?article|save (?:this )?(?:article|story)",
        english=True,
        max_words=25,
        keywords="share shares follow like subscribe sign newsletter newsletters get become support already gift save",
    ),
    _r(
        "share-prompt",
        r"follow us (?:on|at)|follow (?:him|her|them|me) on|like us on|find us on|join us on"
        r"|subscribe (?:now|today|here)\b|subscribe (?:to|for) (?:our|my|this|the) (?:\w+ )?(?:newsletter|channel|podcast|feed|updates|list|mailing|alerts)"
        r"|subscribe for (?:free|just|only|less|[$£€\d])|sign up (?:for|to) (?:our|the|my)"
        r"|(?:get|join|receive) (?:our|the) (?:\w+ )?newsletter|newsletter (?:sign[- ]?up|signup)"
        r"|in your inbox|to your inbox|delivered (?:straight )?to your|support (?:independent|quality|our) journalism"
        r"|become an? (?:member|subscriber|patron|supporter)|unlock (?:this|unlimited|full|all)"
        r"|subscribers? only|for subscribers|(?:start|begin|claim) your free trial|download (?:the|our) app|get the app",
        "contains",
        english=True,
        max_words=30,
        keywords="follow us subscribe subscribers subscriber sign newsletter inbox delivered journalism member patron supporter unlock trial app",
    ),
    _r(
        "share-prompt",
        r"click to (?:share|email|print|tweet|pin)\b.*|.{0,40}\(opens in (?:a )?new window\)|share your thoughts\b.*"
        r"|no spam\b.*|.*\bunsubscribe at any time\b.*|.*\bactivat(?:e|ion) (?:your )?(?:subscription|account|link)\b.*",
        english=True,
        max_words=40,
        keywords="click opens share no unsubscribe activate activation",
    ),
    _r(
        "share-prompt",
        r"unsubscribe|activation link|activate your (?:subscription|account)|thanks? for (?:signing up|subscribing)",
        "contains",
        english=True,
        max_words=60,
        keywords="unsubscribe activation activate signing subscribing",
    ),
    _r(
        "share-prompt",
        r"click here to (?:get|download|subscribe|sign up|follow|join|read|see|watch)\b.*|get the (?:quiz|app|newsletter|book)\b.*"
        r"|download (?:the|our) (?:free )?(?:app|guide|ebook|e-book|pdf)\b.*|(?:did you )?(?:like|enjoy) this (?:article|story|post)\??"
        r"|join our .{0,40}\b(?:forums?|community|newsletter|mailing list|discord|slack|group)\b.*"
        r"|if you (?:enjoyed|liked|like|value|appreciate) (?:this|our|reading) .{0,30}\b(?:article|story|post|content|journalism|work)\b.*"
        r"|.{0,40}\b(?:requires|enable|needs) javascript\b.*|javascript is (?:disabled|required)\b.*",
        english=True,
        max_words=20,
        keywords="click get download did like enjoy join javascript requires enable needs if",
    ),
    _r(
        "share-prompt",
        r"\bfollow\b.{0,60}\bon (?:facebook|twitter|instagram|youtube|tiktok|linkedin|x|threads|bluesky|mastodon|pinterest)\b"
        r"|\bfollow @\w+",
        "contains",
        english=True,
        max_words=30,
        keywords="follow",
    ),
    _r(
        "share-prompt",
        r".{0,40}\bnewsletters?|(?:did you )?(?:like|enjoy(?:ed)?) this (?:story|article|post)\??.{0,80}"
        r"|(?:https?://)?(?:www\.)?(?:twitter|x|facebook|instagram|linkedin|tiktok|youtube|threads)\.(?:com|net)/\S*",
        english=True,
        max_words=20,
        keywords="newsletter newsletters like enjoy enjoyed twitter x facebook instagram linkedin tiktok youtube threads",
    ),
    _r(
        "share-prompt",
        r"\byour inbox\b|\bfollow (?:\S+ ){0,3}(?:full |complete |live |latest )?coverage\b",
        "contains",
        english=True,
        max_words=40,
        keywords="inbox coverage",
    ),
    _r("share-prompt", r"(?:›|»|>)\s*\w+(?: \w+)?", max_words=3, keywords="> › »"),
    # reading time, audio and AI notices, counters
    _r(
        "read-time",
        r"(?:\d+|one|two|three|four|five)[\s-]*(?:min(?:ute)?s?\.?)[\s-]*(?:read|reading|listen)(?:ing)?"
        r"(?: time)?|(?:estimated )?read(?:ing)? time:?\s*\d+.{0,12}|listen(?: to (?:this|the) (?:article|story))?"
        r"(?:\s*[\d:]+.*)?",
        english=True,
        max_words=8,
    ),
    _r(
        "read-time",
        r"(?:tempo de leitura|tiempo de lectura|temps de lecture|lesezeit|czas czytania|tempo di lettura|leestijd)\s*:?\s*\d+\s*\w*\.?",
        max_words=6,
        keywords="leitura lectura lecture lesezeit czytania lettura leestijd",
    ),
    _r(
        "audio-notice",
        r"(?:audio|article|voice|summary) (?:is|was) (?:created|generated|produced|read|written)"
        r" (?:with|by|using) (?:ai|artificial intelligence|an? ai)|ai[- ](?:generated|assisted) (?:audio|voice|summary)"
        r"|(?:with|using) ai assistance|listen to (?:this|the) (?:article|story)"
        r"|audio (?:version|player)|your browser does not support the audio",
        "contains",
        english=True,
        max_words=25,
        keywords="audio voice ai assistance speech listen",
    ),
    _r(
        "counter",
        r"[\d.,]+\s*[km]?\+?\s*(?:comments?|shares?|likes?|views?|reads?|replies|reactions?|followers?"
        r"|retweets?|claps?|votes?|points?|upvotes?)",
        english=True,
        max_words=6,
    ),
    _r("counter", r"[\d.,]+\s*[kKmM]?", max_words=3),
    # cookie and consent banners
    _r(
        "cookie-banner",
        r"we use cookies\b|(?:this|our) (?:web)?site uses cookies\b|use of cookies\b"
        r"|cookies? (?:policy|settings|preferences|notice|consent|banner)\b|accept (?:all )?cookies\b"
        r"|(?:by|if you) continu(?:e|ing) (?:to (?:use|browse) )?(?:this|our) (?:site|website)\b"
        r"|manage (?:your )?(?:consent|cookie|privacy) (?:preferences|settings|choices)\b"
        r"|do not sell (?:or share )?my personal information\b|consent preferences\b"
        r"|(?:store|access) information on a device\b|personali[sz]ed ads? and content\b",
        "contains",
        english=True,
        max_words=120,
        keywords="cookie cookies continuing privacy sell consent device personalised personalized",
    ),
    _r(
        "cookie-banner",
        r"(?:accept|reject|decline|allow|deny)(?: all)?(?: cookies)?|(?:i )?agree|ok(?:ay)?,? (?:got it|i agree)|got it"
        r"|manage (?:preferences|settings|options|cookies)|cookie settings|customi[sz]e(?: settings)?",
        english=True,
        max_words=6,
    ),
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
        r"|credits?|images? sources?|source|foto(?:s|grafia)?|bild|zdjęcie|źródło|fuente|quelle)"
        r"\s*(?:[:|]|\.{3}|…)\s*.{1,120}",
        max_words=20,
        keywords="image images photo photos picture pictures photograph photographs illustration illustrations graphic graphics video videos credit credits source sources foto fotos fotografia bild zdjęcie źródło fuente quelle",
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
        r"all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados"
        r"|wszelkie prawa zastrzeżone|tutti i diritti riservati|todos os direitos reservados"
        r"|alle rettigheter reservert|все права защищены|版权所有|著作権",
        "contains",
        max_words=60,
        keywords="reserved vorbehalten réservés reservados zastrzeżone riservati reservert защищены 版权所有 著作権",
    ),
    _r(
        "legal",
        r"\b(?:without|requires?|prior|express|explicit|written)\b(?: (?:the|prior|and|explicit|express|written|our|its))*"
        r" (?:consent|permission|authori[sz]ation)|\b(?:strictly )?(?:prohibited|forbidden)\b"
        r"|may not be (?:\w+ ){0,2}(?:reproduced|republished|redistributed|copied|published|rewritten)",
        "contains",
        english=True,
        max_words=400,
        keywords="reproduction reproduce reproduced redistribution redistribute redistributed republish"
        " republished republication retransmission retransmitted copying",
    ),
    _r(
        "legal",
        r"(?:views|opinions) expressed (?:here|in this|by)|for informational purposes only"
        r"|does not constitute (?:financial|legal|medical|investment) advice"
        r"|(?:post|article|page|site|video) (?:may )?contains? affiliate links|(?:we|i) (?:use|may use) affiliate links"
        r"|(?:may|might|will) (?:earn|receive|get|make) (?:a )?(?:small )?(?:commission|compensation|share of (?:the )?sales?)"
        r"|\bif you (?:buy|purchase|click|shop)\b.{0,80}\b(?:commission|share of (?:the )?sales?|earn|compensat\w+)"
        r"|personal,? non-?commercial use|for (?:your )?personal use only|prices? (?:are )?subject to change",
        "contains",
        english=True,
        max_words=80,
        keywords="expressed informational constitute affiliate commission compensation compensated commercial subject sale",
    ),
    # markup that leaked into text (escaped tags, inline styles)
    _r("markup", r"&(?:amp;)*lt;/?[a-z]+[^&]{0,80}&(?:amp;)*gt;", "contains", max_words=400, keywords="&lt; &amp;lt;"),
    # advertisement labels
    _r(
        "advert",
        r"advertisements?|advertising|sponsored(?: content| by.{0,40})?|ads?|promoted|paid (?:content|post)"
        r"|(?:story|article) continues (?:below|after (?:this )?(?:ad|advertisement))|continue reading (?:below|the main story)"
        r"|scroll (?:down )?to continue(?: with content)?|anzeige|publicidad|publicité|reklama|pubblicità|werbung|реклама",
        max_words=10,
        keywords="advertisement advertisements advertising sponsored ads ad promoted paid story article continue scroll anzeige publicidad publicité reklama pubblicità werbung реклама",
    ),
    # headers of blocks of other stories, and of comments
    _r(
        "related-list",
        r"(?:the )?most (?:popular|read|viewed|shared|commented|emailed|recent)(?: (?:stories|articles|posts|news|now|today|this week|in [\w ]{1,30}))?"
        r"|related(?: (?:articles?|stories|posts?|content|news|coverage|reading|topics|links|videos?|items|searches))?"
        r"|more (?:articles|stories|news|posts|videos|from .{1,40}|on (?:this|the) (?:story|topic)|in .{1,30}|to (?:read|explore)|like this|for you)"
        r"|more(?: \S+){1,3} (?:stories|articles|news|posts|videos|reads|coverage)"
        r"|related \w+(?: \w+)?:.{0,60}"
        r"|read (?:more|next|also|this next|more about.{0,40})|you (?:may|might|will) (?:also )?(?:like|enjoy|be interested in)"
        r"|recommended(?: (?:for you|stories|articles|reading|videos))?|editors?['’]? ?(?:picks?|choice)|trending(?: (?:now|stories|topics|news|articles))?"
        r"|popular(?: (?:posts|stories|articles|now|today|this week|on .{1,30}))?|latest(?: (?:news|stories|articles|posts|headlines|videos))?"
        r"|top (?:stories|news|articles|picks)|what to read next|further reading|see also|also read|don['’]?t miss(?: this)?"
        r"|in case you missed it|around the web|from (?:our|the) (?:network|partners|web)|(?:sponsored|partner) (?:stories|content|links)"
        r"|keep reading|up next|watch next|what['’]?s next|more like this|(?:recent|similar|featured|other) (?:posts|articles|stories|news)"
        r"|you may have missed|we recommend|explore more|trending stories|recent comments|recent posts",
        "section",
        english=True,
        max_words=12,
        keywords="most popular related more read you recommended editor editors picks pick choice trending latest top what further see also don dont miss case around from sponsored partner keep up watch next whats like recent similar featured other missed recommend explore comments posts",
    ),
    _r(
        "related-list",
        r"(?:related|read more|read also|also read|see also|see more|more on this|more from [\w. ]{1,30}|also on [\w.]+|don['’]?t miss"
        r"|recommended|watch|listen|read next|next up|previously|related coverage)\s*[:|»›>-]\s*.{3,200}"
        r"|also on [\w-]+\.[a-z]{2,}\b.{3,200}",
        english=True,
        max_words=30,
        keywords="related read also see more don dont recommended watch listen next up previously coverage",
    ),
    _r(
        "related-list",
        r"more (?-i:[A-Z])[\w.'’-]*(?: (?-i:[A-Z])[\w.'’-]*){0,3}",
        "section",
        english=True,
        max_words=5,
        keywords="more",
    ),
    _r(
        "related-list",
        r"\(?(?:on|at|from|via) [\w-]+(?:\.[\w-]+)+\s*:.{3,200}",
        english=True,
        max_words=30,
        keywords=":",
    ),
    _r(
        "related-list",
        r"czytaj (?:także|też|również)|zobacz (?:także|też|również)|lesen sie auch|mehr zum thema|das könnte sie auch interessieren"
        r"|à lire aussi|lire aussi|voir aussi|sur le même sujet|leggi anche|potrebbe interessarti|lee también|te puede interesar"
        r"|leia também|veja também|читайте также|по теме|相关新闻|相关阅读|関連記事|관련 기사",
        "section",
        max_words=12,
        keywords="czytaj zobacz lesen mehr das lire voir sur leggi potrebbe lee te leia veja читайте по 相关 関連 관련",
    ),
    _r(
        "comment-form",
        r"(?:\d+ )?comments?(?: \(\d+\))?|leave an? (?:reply|comment)|(?:join|start) the (?:conversation|discussion)"
        r"|what do you think\??|tell us what you think.{0,20}|let us know (?:what you think|in the comments).{0,40}|reader comments|responses?(?: \(\d+\))?|\d+ thoughts? on .{1,200}|\d+ repl(?:y|ies) to .{1,200}",
        "section",
        english=True,
        max_words=30,
        keywords="comment comments leave join start what tell let reader responses response thoughts thought replies reply think know",
    ),
    _r(
        "comment-form",
        r".{1,80}\s(?:says|said|wrote|commented|replied)\s*:|reply(?: to .{1,60})?|(?:\d+ )?(?:likes?|upvotes?)"
        r"|(?:report|flag)(?: (?:comment|abuse))?|permalink",
        "section",
        english=True,
        max_words=16,
        keywords="says said wrote commented replied reply likes like upvotes upvote report flag permalink",
    ),
    _r(
        "comment-form",
        r"[\[(]?\s*(?:\d+\s+)?(?:(?:top|most|best|newest|oldest|latest|all|reader|user|recent|rated|view|show|hide|load|see)\s+)*"
        r"(?:rated\s+)?comments?\s*(?:\(\d+\)|\d+)?\s*[\])]?",
        "section",
        english=True,
        max_words=6,
    ),
    _r(
        "author-bio",
        r"about (?:the )?(?:authors?|writers?|reporters?|contributors?|editors?)|(?:more )?about (?-i:[A-Z])[\w'’.-]+(?: (?-i:[A-Z])[\w'’.-]+){0,3}"
        r"|about this (?:article|story|author)|(?:author|writer) (?:bio|profile|information)",
        "section",
        english=True,
        max_words=6,
        keywords="about author writer bio profile information",
    ),
    _r(
        "author-bio",
        r"über (?:den autor|die autorin|(?-i:[A-Z])[\w'’.-]+(?: (?-i:[A-Z])[\w'’.-]+){0,3})|à propos de l['’]auteur",
        "section",
        max_words=6,
        keywords="über propos",
    ),
    _r(
        "author-bio",
        r"(?-i:[A-Z])[\w'’.-]+(?: (?-i:[A-Z])[\w'’.-]+){1,3},? (?:is|was|has been) (?:an?|the) (?:[\w-]+ ){0,5}"
        r"(?:writer|reporter|editor|correspondent|contributor|journalist|columnist|author|producer|photographer|intern"
        r"|blogger|critic|analyst|host|anchor)\b.*",
        english=True,
        max_words=90,
        keywords="writer reporter editor correspondent contributor journalist columnist author producer photographer intern blogger critic analyst host anchor",
    ),
    # tags and topic labels
    _r(
        "nav",
        r"(?:tags?|topics?|categories|category|filed under|posted in|labels?|keywords?)\s*:.{0,200}",
        english=True,
        max_words=30,
        keywords="tag tags topic topics categories category filed posted label labels keyword keywords",
    ),
    # scraper residue glued to the start of content
    _r(
        "trim-residue",
        r"(?:(?:date|published|updated|posted)\s*:?\s*)?\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\s+(?=\S)",
        "trim-start",
        keywords="0 1 2 3 4 5 6 7 8 9",
    ),
    # a section label fused to a title ("NewsNorth Korean troops ..."): only before 3+ more words
    _r(
        "trim-residue",
        r"(?-i:(?:News|World|Politics|Business|Sports?|Opinion|Tech|Technology|Science|Health|Culture"
        r"|Entertainment|Lifestyle|Travel|Breaking|Exclusive|Live|Video|Analysis|Local|National"
        r"|International|Economy|Markets|Finance|Europe|Asia|Africa|Americas|Features?|Update[ds]?)"
        r"(?=[A-Z][a-z]+(?:\s+\S+){3}))",
        "trim-start",
        english=True,
        max_words=20,
    ),
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
        rf"\b(?:updated|published|posted|last modified|modified)\s*:?\s*(?:on\s*)?(?:{_DATE}|{_TIME})",
        "contains",
        english=True,
        max_words=20,
        keywords="updated published posted modified",
    ),
    _r(
        "dateline",
        rf"(?=\d|published|updated|posted|last)"
        rf"(?=.{{0,80}}?(?:\d{{4}}|\d[:.]\d\d|\bago\b))(?:(?:(?:published|updated|posted|last updated)(?: at| on)?\s*:?\s*)(?:{_TIME})(?:\s*,?\s*(?:{_DATE}))?"
        rf"|(?:{_TIME})\s*(?:{_DATE})(?:\s+by\s+.{{1,60}})?)",
        max_words=16,
        keywords="0 1 2 3 4 5 6 7 8 9",
    ),
    _r(
        "byline",
        r"(?:written|posted|published|reviewed|edited|fact[- ]checked|medically reviewed) by|view (?:author|profile)(?: page)?"
        r"|(?:more )?(?:articles|posts|stories) by (?:this author|.{1,40})",
        english=True,
        max_words=8,
        keywords="written posted published reviewed edited checked view articles posts stories",
    ),
    _r(
        "byline",
        r".{0,200}\bcontributed (?:to this (?:report|story|article)|reporting)\b.{0,100}|additional reporting by .{1,120}"
        r"|\(?reporting by .{1,120}?(?:;\s*editing by .{1,80})?\)?|(?:edited|compiled) by .{1,80}",
        english=True,
        max_words=40,
        keywords="contributed reporting edited compiled",
    ),
    _r(
        "byline",
        r"(?:by|written by|words by|author|posted by|reviewed by|(?:medically |fact[- ])?(?:reviewed|checked|edited) by|story by|reporting by)"
        r"\s*:?\s*(?-i:[A-Z])[\w'’.-]*(?:\s+(?-i:[A-Z])[\w'’.-]*){0,4}(?:\s*(?:,|and|&|\|)\s*(?-i:[A-Z])[\w'’.-]*(?:\s+(?-i:[A-Z])[\w'’.-]*){0,4})*"
        r"(?:\s*(?:,|\||-|–|·)\s*.{0,60})?",
        english=True,
        max_words=20,
        keywords="by written words author posted reviewed checked edited story reporting",
    ),
)
